"""取号: choose a business type, optionally identify with the ID card
(real-name, green channel, appointment check-in), take the ticket, print it.
A printer failure never loses the ticket: it stays on screen, can be printed
again, and its QR code can be scanned instead."""

from __future__ import annotations

from kivy.properties import BooleanProperty, DictProperty, ListProperty, ObjectProperty, StringProperty

from kiosk.i18n import N_
from kiosk.ui.screens.base import KioskScreen
from kiosk.voice import Spell

ERRORS = {
    "already_queued": N_("You already hold a ticket for this service. Please wait to be called."),
    "daily_limit_reached": N_("You have reached today's limit of tickets. Please ask at the service desk."),
    "range_exhausted": N_("All numbers for this service are taken today. Please come back tomorrow or ask staff."),
    "booking_not_found": N_("No appointment for today was found for this card."),
    "booking_too_early": N_("It is too early to check in for your appointment. Please come back closer to the time."),
    "booking_too_late": N_("Your appointment time has passed. Please take a normal ticket or ask staff."),
    "card_needed": N_("Please place your ID card on the reader first."),
    "card_not_present": N_("Please place your ID card on the reader again."),
    "kiosk_suspended": N_("This kiosk is paused for a check. Please use another kiosk or ask staff."),
    "too_many_tickets": N_("This kiosk is busy. Please wait a moment and try again."),
    "network": N_("The queue system cannot be reached right now. Please ask at the service desk."),
    "wrong_site": N_("This kiosk was just moved to another site. Please try again in a minute or ask staff."),
    "no_numbers_here": N_("Numbers are not issued here. Please take a number at a service hall."),
    "site_closed": N_("This service point is closed. Please take a number at another service hall."),
    "unknown_type": N_("This service is no longer offered here. Please choose another one."),
    "checkin_offline": N_(
        "Appointment check-in is not available at the moment. Please take a normal ticket, "
        "staff will honour your appointment."
    ),
}
OFFLINE_NOTE = N_("Your place in the queue is kept by the time on the ticket.")
GENERIC_ERROR = N_("A ticket could not be issued. Please ask at the service desk.")
REPRINT_LIMIT = N_(
    "This ticket has already been printed again. Please keep the printed one, note your number or scan "
    "the QR code; staff can help."
)
PRINT_FAILED = {
    "paper_out": N_("The printer is out of paper. Please note your number or scan the QR code, and tell staff."),
    "offline": N_("The printer is not working. Please note your number or scan the QR code."),
    "no_printer": N_("This kiosk has no printer. Please note your number or scan the QR code."),
}


NOT_HERE = N_("Numbers are not issued at this self-service point. Queues at the nearest halls:")
NEARBY_EMPTY = N_("No hall's queue can be shown right now.")


class TicketsScreen(KioskScreen):
    state = StringProperty("choose")  # choose, confirm, code, working, done, error
    issues = BooleanProperty(True)  # False at a self-service point: the nearest halls' queues, read only
    booking_code = StringProperty("")
    items = ListProperty([])
    chosen = DictProperty({})
    real_name = BooleanProperty(False)
    person = StringProperty("")  # masked name when identified
    priority = BooleanProperty(False)
    message = StringProperty("")
    ticket = ObjectProperty(None, allownone=True)
    reprinting = BooleanProperty(False)
    print_ok = BooleanProperty(True)
    print_message = StringProperty("")

    def prepare(self, **_params) -> None:
        identity = self.services.session.masked()
        self.person = identity.name if identity else ""
        if self.real_name and identity is None:
            self.real_name = False
        if self.services.session.get("checkin_after_card") and identity:
            self.services.session.put("checkin_after_card", False)
            self.check_in()
            return
        if self.state in ("done", "working"):
            return
        self.priority = bool(identity) and self.real_name and self.services.tickets.priority_claim() == "elderly"
        self.state = "choose" if self.state != "confirm" else "confirm"
        self.refresh()

    def wipe(self) -> None:
        self.state, self.ticket, self.chosen, self.real_name, self.person = "choose", None, {}, False, ""
        self.booking_code = ""
        self.message = self.print_message = ""

    # -- choosing --------------------------------------------------------------
    def refresh(self) -> None:
        _ = self.tr._
        queues = self.services.tickets.queues()
        if queues is None:
            self.items = []
            unreachable = ERRORS["network"]
            self.message = _(unreachable)
            return
        self.message = ""
        english = self.services.translator.language == "en"
        self.issues = queues.issues_tickets
        if not self.issues:
            self.items = self._nearby(queues, english)
            self.message = _(NOT_HERE) if self.items else _(NEARBY_EMPTY)
            return
        self.items = [
            {
                "viewclass": "QueueItem",
                "letter": q.type,
                "screen": self,
                "title": f"{q.type}  {q.name_en if english and q.name_en else q.name}",
                "subtitle": _("{n} waiting · about {low}-{high} min").format(
                    n=q.waiting, low=q.wait_low_min, high=q.wait_high_min
                ),
            }
            for q in queues.queues
        ]

    def _nearby(self, queues, english: bool) -> list[dict]:
        """Rows for the nearest halls: a heading per hall (name, distance, open
        now or not), then its queues; nothing here can be tapped."""
        _ = self.tr._
        rows: list[dict] = []
        for hall in queues.nearby:
            where = [hall.name_en if english and hall.name_en else hall.name]
            if hall.distance_km is not None:
                where.append(_("{km} km").format(km=f"{hall.distance_km:g}"))
            where.append(_("open now") if hall.open_now else _("closed now"))
            rows.append({"viewclass": "NearbyHall", "text": "  ·  ".join(where), "site": hall.site})
            for q in hall.queues:
                name = q.name_en if english and q.name_en else q.name
                rows.append(
                    {
                        "viewclass": "NearbyQueue",
                        "text": _("{name}: {n} waiting · about {low}-{high} min").format(
                            name=name, n=q.waiting, low=q.wait_low_min, high=q.wait_high_min
                        ),
                        "site": hall.site,
                    }
                )
        return rows

    def toggle_real_name(self) -> None:
        if self.real_name:
            self.real_name = False
            self.priority = False
            return
        self.real_name = True
        if self.services.session.identity is None:
            self.navigator.show("card", next_screen="tickets")
        else:
            self.priority = self.services.tickets.priority_claim() == "elderly"

    def choose(self, letter: str) -> None:
        queues = self.services.tickets.queues()
        info = next((q for q in (queues.queues if queues else ()) if q.type == letter), None)
        if info is None:
            return
        english = self.services.translator.language == "en"
        self.chosen = {
            "letter": letter,
            "name": info.name_en if english and info.name_en else info.name,
            "waiting": info.waiting,
            "low": info.wait_low_min,
            "high": info.wait_high_min,
        }
        self.state = "confirm"

    def back(self) -> None:
        self.state = "choose"
        self.refresh()

    def check_in(self) -> None:
        """Appointment check-in with the ID card (the booking says which service)."""
        if self.services.session.identity is None:
            self.services.session.put("checkin_after_card", True)
            self.navigator.show("card", next_screen="tickets")
            return
        self._take(lambda: self.services.tickets.take("A", appointment=True))

    def enter_code(self) -> None:
        """Appointment check-in by the booking code from the confirmation message."""
        self.booking_code = ""
        self.state = "code"

    def code_key(self, key: str) -> None:
        if len(self.booking_code) < 12:
            self.booking_code += key.upper()

    def code_backspace(self) -> None:
        self.booking_code = self.booking_code[:-1]

    def submit_code(self) -> None:
        code = self.booking_code
        if len(code) >= 4:
            self._take(lambda: self.services.tickets.take("A", booking_code=code))

    def confirm(self) -> None:
        letter, real_name = self.chosen["letter"], self.real_name
        self._take(lambda: self.services.tickets.take(letter, real_name=real_name))

    def _take(self, work) -> None:
        self.state = "working"
        self.in_background("take-ticket", work, self._taken)

    def _taken(self, result) -> None:
        _ = self.tr._
        if result.ticket is None:
            self.message = _(ERRORS.get(result.error, GENERIC_ERROR))
            self.state = "error"
            return
        self.ticket = result.ticket
        self._show_print(result.printed)
        self.state = "done"

    def _show_print(self, outcome) -> None:
        _ = self.tr._
        self.print_ok = bool(outcome and outcome.ok)
        self.print_message = (
            _("Please take your ticket from the slot below.")
            if self.print_ok
            else _(PRINT_FAILED.get(outcome.reason if outcome else "", PRINT_FAILED["offline"]))
        )
        if self.ticket is not None and self.ticket.offline:
            self.print_message += "\n" + _(OFFLINE_NOTE)

    def spoken(self) -> tuple[str, list]:
        """The number read character by character, then the service, the wait and
        the windows (spoken outside voice mode too); never the person's name."""
        if self.state == "done" and self.ticket is not None:
            ids = self.ids
            texts = [ids.type_name.text, ids.ahead.text, ids.counters.text, self.print_message]
            return "ticket", [self.tr._("Your number"), Spell(self.ticket.number), *texts]
        kind, parts = super().spoken()
        return kind, [p for p in parts if not self.person or self.person not in p]

    def reprint(self) -> None:
        ticket = self.ticket
        if ticket is None or self.reprinting:
            return  # (taps while it prints are one request)
        self.reprinting = True
        self.print_message = self.tr._("Printing...")
        self.in_background("reprint-ticket", lambda: self.services.tickets.print(ticket, reprint=True), self._reprinted)

    def _reprinted(self, outcome) -> None:
        self.reprinting = False
        if outcome.reason == "reprint_limit":  # the ticket already in the citizen's hand stays valid
            self.print_message = self.tr._(REPRINT_LIMIT)
            return
        self._show_print(outcome)

    def rate(self) -> None:
        ticket = self.ticket
        if ticket is not None:
            self.navigator.show(
                "rating", subject="ticket", ref=ticket.type, title=f"{ticket.number} {ticket.type_name}"
            )

    def finish(self) -> None:
        self.services.session.end("finished")
