"""A matter's service guide, readable at kiosk distance: every GB/T 39046
element in sections, materials as a checklist with counts, a QR code to the
online guide, and the one-time notice printed on the ticket printer."""

from __future__ import annotations

from kivy.clock import Clock
from kivy.factory import Factory
from kivy.properties import BooleanProperty, StringProperty

from kiosk.catalog.guide import TYPE_LABELS, build_guide, case_kind, spoken_section, time_limit
from kiosk.i18n import N_
from kiosk.ui.screens.base import KioskScreen

PRINT_MESSAGES = {
    "": N_("Printed. Please take the notice from the slot below."),
    "paper_out": N_("The printer is out of paper. Please ask staff, or scan the QR code to keep the list."),
    "offline": N_("The printer is not available right now. Please ask staff, or scan the QR code."),
    "no_printer": N_("This kiosk has no printer. Please scan the QR code to keep the list."),
}
FALLBACK_MESSAGE = N_("Printing did not work. Please ask staff, or scan the QR code.")


def _make(kind: str, **props):
    """Rows are .kv dynamic classes: their properties exist only once built."""
    widget = getattr(Factory, kind)()
    for name, value in props.items():
        setattr(widget, name, value)
    return widget


class MatterScreen(KioskScreen):
    code = StringProperty("")
    title = StringProperty("")
    tags = StringProperty("")
    guide_url = StringProperty("")
    print_state = StringProperty("")  # "", printing, done, failed
    print_message = StringProperty("")
    sample_data = BooleanProperty(False)
    reading = BooleanProperty(False)  # the guide is being read aloud

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._reading_check = None
        self.services.translator.on_change(lambda _lang: self._render() if self.code else None)

    def prepare(self, code: str = "", **_params) -> None:
        if code != self.code:
            self.code = code
            if code and self.services.usage is not None:
                self.services.usage.guide_opened(code)
            self.print_state = self.print_message = ""
            self._render()
            self.ids.scroll.scroll_y = 1
            sites = self.services.matter_sites
            if sites is not None and code:
                self.in_background("matter-sites", lambda: sites.lookup(code), lambda found: self._where(code, found))

    def on_leave(self, *_args) -> None:
        self.stop_reading()

    def wipe(self) -> None:
        self.stop_reading()
        self.code = ""
        self.print_state = self.print_message = ""
        self.ids.sections.clear_widgets()

    def back(self) -> None:
        self.navigator.show("guides")

    def read_aloud(self, from_section: str = "") -> None:
        """朗读: the guide section by section (from a tapped heading, or from the
        top), sentence by sentence; the button stops it. Spoken in any mode: it was asked for."""
        voice, matter = self.services.voice, self.services.catalog.matter(self.code)
        if voice is None or matter is None:
            return
        if self.reading and not from_section:
            self.stop_reading()
            return
        sections = build_guide(matter, self.tr._)
        keys = [s.key for s in sections]
        start = keys.index(from_section) if from_section in keys else 0
        voice.say([] if start else [matter.name], "read")
        for section in sections[start:]:
            for sentence in spoken_section(section, self.tr._):
                voice.say([sentence], "read", queue=True)
        self.reading = True
        if self._reading_check is None:
            self._reading_check = Clock.schedule_interval(self._check_reading, 0.5)

    def stop_reading(self) -> None:
        if self.reading and self.services.voice is not None:
            self.services.voice.silence()
        self.reading = False
        if self._reading_check is not None:
            self._reading_check.cancel()
            self._reading_check = None

    def _check_reading(self, _dt) -> None:
        if self.services.voice is None or not self.services.voice.speaking():
            self.stop_reading()

    def rate(self) -> None:
        self.navigator.show("rating", subject="guide", ref=self.code, title=self.title)

    # -- rendering -----------------------------------------------------------
    def _render(self) -> None:
        _ = self.tr._
        box = self.ids.sections
        box.clear_widgets()
        matter = self.services.catalog.matter(self.code)
        if matter is None:
            self.title = _("This matter is no longer in the catalog.")
            self.tags = self.guide_url = ""
            return
        self.title = matter.name
        self.tags = " · ".join(
            (
                matter.department,
                _(TYPE_LABELS[matter.type_code]),
                case_kind(matter, _),
                time_limit(matter.promised_limit, _),
            )
        )
        self.guide_url = self.services.config.catalog.guide_url.format(code=matter.code)
        self.sample_data = matter.sample_data
        for section in build_guide(matter, _):
            box.add_widget(_make("SectionHeading", text=section.title, section=section.key, screen=self))
            for number, row in enumerate(section.rows, 1):
                if row.kind == "field":
                    box.add_widget(_make("FieldRow", label=row.label, value=row.text))
                elif row.kind == "material":
                    box.add_widget(
                        _make(
                            "MaterialRow",
                            number=number,
                            name=row.text,
                            badge=row.badge,
                            detail=row.detail,
                            optional=row.optional,
                            optional_text=_("If applicable"),
                        )
                    )
                elif row.kind == "step":
                    box.add_widget(_make("StepRow", number=number, name=row.text, detail=row.detail))
                elif row.kind == "qa":
                    box.add_widget(_make("QaRow", question=row.text, answer=row.detail))
                else:
                    box.add_widget(_make("TextRow", text=row.text))
        if matter.sample_data:
            box.add_widget(_make("TextRow", text=_("Sample data for demonstration, not legal advice."), muted=True))

    def _where(self, code: str, found) -> None:
        """A line at the top of the guide: the counters here, or, when this
        site does not handle the matter, the nearest places that do."""
        if found is None or code != self.code:
            return
        _ = self.tr._
        english = self.services.translator.language == "en"
        if found.here:
            if not found.here_windows:
                return
            text = _("Handled here at counter(s) {windows}").format(windows=", ".join(map(str, found.here_windows)))
        else:
            places = []
            for place in found.elsewhere:
                name = place.name_en if english and place.name_en else place.name
                extra = [place.address] if place.address else []
                if place.distance_km is not None:
                    extra.append(_("{km} km").format(km=f"{place.distance_km:g}"))
                places.append(name + (f" ({', '.join(extra)})" if extra else ""))
            if places:
                text = _("This site does not handle this matter. It is handled at: {places}").format(
                    places="; ".join(places)
                )
            else:
                text = _("This site does not handle this matter. Please ask staff where it is handled.")
        box = self.ids.sections
        box.add_widget(_make("WhereRow", text=text, here=found.here), index=len(box.children))

    def section_widgets(self, key: str) -> list:
        """The rows under one section heading (tests and screenshots use this)."""
        rows, inside = [], False
        for widget in reversed(self.ids.sections.children):
            if widget.__class__.__name__ == "SectionHeading":
                inside = widget.section == key
            elif inside:
                rows.append(widget)
        return rows

    # -- printing the one-time notice ---------------------------------------
    def print_notice(self) -> None:
        if self.print_state == "printing" or not self.code:
            return
        self.print_state = "printing"
        self.print_message = self.tr._("Printing...")
        code, services = self.code, self.services
        name = services.enrolled_as or ""

        self.in_background(
            "print-notice",
            lambda: services.printing.print_notice(code, services.translator, name),
            lambda outcome: self._printed(code, outcome),
        )

    def _printed(self, code: str, outcome) -> None:
        if code != self.code:
            return  # the citizen moved on (or the session ended)
        self.print_state = "done" if outcome.ok else "failed"
        message = PRINT_MESSAGES[""] if outcome.ok else PRINT_MESSAGES.get(outcome.reason, FALLBACK_MESSAGE)
        self.print_message = self.tr._(message)
