"""Taking a ticket: choose a business type, optionally with the ID card
(real-name, green channel for the elderly, appointment check-in); central
issues it; the ticket printer prints it. A failed print loses nothing: the
ticket stays on screen and can be printed again."""
from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from datetime import date

from common.tickets import QueuesReply, TicketReply, TicketRequest
from kiosk.config import KioskConfig
from kiosk.i18n import Translator
from kiosk.printing import PrintOutcome, TicketPrinting
from kiosk.queue.receipt import ticket_receipt
from kiosk.session import CitizenSession
from kiosk.sync.client import CentralClient, CentralError

log = logging.getLogger(__name__)
QUEUES_TTL_S = 5.0


@dataclass(frozen=True)
class TakeResult:
    ticket: TicketReply | None
    printed: PrintOutcome | None = None
    error: str = ""  # central's stable code, or "network"
    detail: str = ""


class TicketService:
    def __init__(self, config: KioskConfig, central: CentralClient, session: CitizenSession,
                 printing: TicketPrinting, translator: Translator):
        self.config = config
        self.central = central
        self.session = session
        self.printing = printing
        self.translator = translator
        self._queues: QueuesReply | None = None
        self._queues_at = 0.0

    def queues(self, *, fresh: bool = False) -> QueuesReply | None:
        """Business types with waiting counts; the last answer when offline."""
        if fresh or self._queues is None or time.monotonic() - self._queues_at > QUEUES_TTL_S:
            try:
                self._queues = self.central.queues()
                self._queues_at = time.monotonic()
            except CentralError as exc:
                log.info("queue list unavailable (%s); showing the last one", exc.kind)
        return self._queues

    def priority_claim(self) -> str | None:
        identity = self.session.identity
        if identity is not None and identity.age_on(date.today()) >= self.config.reader.elderly_age:
            return "elderly"
        return None

    def take(self, letter: str, *, real_name: bool = False, appointment: bool = False,
             booking_code: str | None = None) -> TakeResult:
        """Runs on a worker thread: central round trip, then printing."""
        person_key = self.session.person_key() if (real_name or appointment) else None
        if (real_name or (appointment and not booking_code)) and person_key is None:
            return TakeResult(None, error="card_needed")
        request = TicketRequest(request_id=uuid.uuid4().hex, type=letter, person_key=person_key,
                                priority=self.priority_claim() if real_name else None,
                                appointment=appointment and not booking_code, booking_code=booking_code)
        try:
            ticket = self.central.take_ticket(request)
        except CentralError as exc:
            if exc.kind == "network" and exc.status == 0:
                # a lost reply may have issued the ticket: the same request id is safe to repeat once
                try:
                    ticket = self.central.take_ticket(request)
                except CentralError as again:
                    return TakeResult(None, error="network" if again.kind == "network" else again.code,
                                      detail=str(again))
            else:
                return TakeResult(None, error=exc.code or exc.kind, detail=str(exc))
        self.session.put("ticket", ticket)
        self._queues = None
        return TakeResult(ticket, self.print(ticket))

    def print(self, ticket: TicketReply) -> PrintOutcome:
        """Print (or print again) a ticket this session took."""
        masked = self.session.masked()
        receipt = ticket_receipt(ticket, self.translator.gettext, hall_name=self._hall(),
                                 header=self.config.printer.header, footer=self.config.printer.footer,
                                 masked_name=masked.name if (masked and ticket.real_name) else "",
                                 english=self.translator.language == "en")
        return self.printing.print_receipt(receipt, f"ticket {ticket.number}")

    def _hall(self) -> str:
        k = self.config.kiosk
        return k.hall_name if self.translator.language == "zh_CN" else k.hall_name_en
