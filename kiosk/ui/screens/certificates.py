"""自助打印证明: the card holder picks one of their own certificates, sees the
page, chooses copies and prints it on the A4 printer. A failed print keeps
the certificate: "Try again" prints the same one (no second certificate is
issued). Every attempt is audited through the outbox by the service."""

from __future__ import annotations

from kivy.clock import Clock
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, ObjectProperty, StringProperty

from drivers.printer import PrinterError
from kiosk.certificates.service import CertificateProblem
from kiosk.i18n import N_
from kiosk.ui.screens.base import KioskScreen

PROBLEMS = {
    "no_record": N_("No record of this kind was found for your ID card."),
    "network": N_("The certificate service cannot be reached right now. Please try again later or ask staff."),
    "refused": N_("This certificate cannot be issued here. Please ask at the service desk."),
    "render": N_("The certificate could not be prepared. Please ask at the service desk."),
    "none": N_("There are no certificates you can print here with this ID card."),
    "card_not_present": N_("Please place your ID card on the reader again."),
    "kiosk_suspended": N_("This kiosk is paused for a check. Please use another kiosk or ask staff."),
}
PRINT_PROBLEMS = {
    "paper_out": N_("The printer is out of paper. Staff have been told. You can try again once it is refilled."),
    "offline": N_("The printer is not available. Staff have been told. Please try again later."),
    "jammed": N_("The paper is jammed. Staff have been told."),
    "cover_open": N_("The printer cover is open. Please ask staff."),
    "toner_out": N_("The printer is out of toner. Staff have been told."),
    "timeout": N_("The printer did not finish in time. Please ask staff before printing again."),
}
PRINT_FAILED = N_("The certificate could not be printed. Please ask staff.")
STAGES = {"submitted": N_("Sent to the printer..."), "printing": N_("Printing..."), "done": N_("Printed")}


class CertificatesScreen(KioskScreen):
    state = StringProperty("loading")  # loading, choose, preparing, preview, printing, done, failed, error
    items = ListProperty([])
    person = StringProperty("")
    message = StringProperty("")
    progress = StringProperty("")
    preview = StringProperty("")
    title = StringProperty("")
    copies = NumericProperty(1)
    max_copies = NumericProperty(3)
    pages = NumericProperty(1)
    busy = BooleanProperty(False)
    prepared = ObjectProperty(None, allownone=True)
    _choices: tuple = ()  # what central offered, in the order of `items`

    def prepare(self, **_params) -> None:
        identity = self.services.session.masked()
        if identity is None:
            self.navigator.show("card", next_screen="certificates")
            return
        self.person = f"{identity.name}  {identity.number}"
        if self.state in ("preview", "printing", "done", "failed"):
            return
        self.load()

    def wipe(self) -> None:
        self.state, self.items, self.person, self.message, self.progress = "loading", [], "", "", ""
        self.preview, self.title, self.copies, self.prepared = "", "", 1, None
        self._choices = ()

    def _background(self, work, done, name: str) -> None:
        """`in_background`, with the service's expected failures handed to `done` as (None, error)."""

        def guarded():
            try:
                return work(), None
            except (CertificateProblem, PrinterError) as exc:
                return None, exc

        self.in_background(name, guarded, lambda outcome: done(*outcome))

    def _problem(self, error) -> None:
        self.message = self.tr._(PROBLEMS.get(getattr(error, "reason", ""), PROBLEMS["refused"]))
        self.state = "error"

    # -- choosing -------------------------------------------------------------------
    def load(self) -> None:
        self.state = "loading"
        self._background(self.services.certificates.available, self._loaded, "certificates-available")

    def _loaded(self, reply, error) -> None:
        if error is not None:
            return self._problem(error)
        if not reply.certificates:
            nothing = PROBLEMS["none"]
            self.message = self.tr._(nothing)
            self.state = "error"
            return
        english = self.services.translator.language == "en"
        self.max_copies = self.services.certificates.max_copies
        self.items = [
            {
                "viewclass": "CertificateItem",
                "screen": self,
                "index": i,
                "title": c.title_en if english else c.title,
                "subtitle": c.subject_label,
            }
            for i, c in enumerate(reply.certificates)
        ]
        self._choices = reply.certificates
        self.state = "choose"

    def choose(self, index: int) -> None:
        choice = self._choices[index]
        self.title = self.items[index]["title"]
        self.state = "preparing"
        self._background(lambda: self.services.certificates.prepare(choice), self._prepared, "certificate-prepare")

    def _prepared(self, prepared, error) -> None:
        if error is not None:
            return self._problem(error)
        self.prepared = prepared
        self.preview = str(prepared.rendered.preview or "")
        self.pages = prepared.rendered.pages
        self.copies = 1
        self.state = "preview"

    def more(self) -> None:
        self.copies = min(self.max_copies, self.copies + 1)

    def fewer(self) -> None:
        self.copies = max(1, self.copies - 1)

    def back(self) -> None:
        self.prepared, self.preview = None, ""
        if self.items:
            self.state = "choose"
        else:
            self.navigator.show("home")

    # -- printing -------------------------------------------------------------------
    def print_it(self) -> None:
        prepared, copies = self.prepared, int(self.copies)
        if prepared is None:
            return
        self.state = "printing"
        submitted = STAGES["submitted"]
        self.progress = self.tr._(submitted)

        def stage(name: str) -> None:
            Clock.schedule_once(lambda _dt: setattr(self, "progress", self.tr._(STAGES.get(name, name))), 0)

        self._background(
            lambda: self.services.certificates.print(prepared, copies, stage), self._printed, "certificate-print"
        )

    def _printed(self, _result, error) -> None:
        if error is not None:
            self.message = self.tr._(PRINT_PROBLEMS.get(getattr(error, "reason", ""), PRINT_FAILED))
            self.state = "failed"
            return
        self.state = "done"

    def rate(self) -> None:
        kind = self.prepared.certificate.kind if self.prepared else ""
        self.navigator.show("rating", subject="certificate", ref=kind, title=self.title)

    def finish(self) -> None:
        self.services.session.end("finished")
