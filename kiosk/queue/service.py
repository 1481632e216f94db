"""Taking a ticket: choose a business type, optionally with the ID card
(real-name, green channel for the elderly, appointment check-in); central
issues it; the ticket printer prints it. A failed print loses nothing: the
ticket stays on screen and can be printed again.

Written locally first: the request is in the outbox (held) before central is
asked, and settled once the answer is on screen. If central cannot be
reached, the ticket comes from this kiosk's leased numbers instead, and the
held request is handed to the outbox to cancel whatever central may have
issued for it; after a crash mid-request the same happens at the next start.
Each print attempt is recorded through the outbox too."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from common import wire
from common.tickets import PriorityClaim, QueuesReply, TicketPrint, TicketReply, TicketRequest
from kiosk.config import KioskConfig
from kiosk.i18n import Translator
from kiosk.printing import PrintOutcome, TicketPrinting
from kiosk.queue.offline import NoOfflineNumbers, OfflineTickets
from kiosk.queue.receipt import ticket_receipt
from kiosk.session import CitizenSession
from kiosk.sync.client import CentralClient, CentralError
from kiosk.sync.outbox import Outbox, OutboxWorker

log = logging.getLogger(__name__)
MOVED = ("wrong_site", "no_numbers_here", "site_closed")  # refusals that mean the kiosk's settings are out of date
QUEUES_TTL_S = 5.0


@dataclass(frozen=True)
class TakeResult:
    ticket: TicketReply | None
    printed: PrintOutcome | None = None
    error: str = ""  # central's stable code, or "network"
    detail: str = ""


class TicketService:
    def __init__(
        self,
        config: KioskConfig,
        central: CentralClient,
        session: CitizenSession,
        printing: TicketPrinting,
        translator: Translator,
        outbox: Outbox,
        offline: OfflineTickets | None = None,
        outbox_worker: OutboxWorker | None = None,
    ):
        self.config = config
        self.central = central
        self.session = session
        self.printing = printing
        self.translator = translator
        self.outbox = outbox
        self.offline = offline
        self.outbox_worker = outbox_worker
        self._saved = config.data_dir / "cache" / "queues.json"
        self._queues: QueuesReply | None = _load_queues(self._saved)
        self._queues_at = 0.0
        self._refreshing = threading.Lock()
        self._attempts: dict[str, int] = {}  # print attempts per ticket id, for the print records' keys
        self._printed: dict[str, int] = {}  # prints that came out, per ticket id (the reprint limit)
        self._printing: set[str] = set()  # tickets on their way to the printer now
        self._print_lock = threading.Lock()
        self.online = True  # the last call to central got through
        self.site: wire.SiteInfo | None = None  # from the settings central pushes (follow_site)
        self.on_moved: Callable[[], None] | None = None  # central has this kiosk at another site now
        self._stale_site = False

    def queues(self, *, fresh: bool = False) -> QueuesReply | None:
        """Business types with waiting counts; the last answer (kept on disk)
        when central cannot be reached, so the list is there offline too."""
        stale = self._queues is None or time.monotonic() - self._queues_at > QUEUES_TTL_S
        if self._stale_site and self.online:  # another site, or its types changed: never show the old list
            self._stale_site = False
            fresh = True
        if (fresh or stale) and (self.online or self._queues is None or fresh):
            self._fetch_queues()
        elif stale and not self._refreshing.locked():  # offline: never make the screen wait on a timeout
            threading.Thread(target=self._fetch_queues, name="queues", daemon=True).start()
        return self._queues

    def _fetch_queues(self) -> None:
        with self._refreshing:
            try:
                queues = self.central.queues()
            except CentralError as exc:
                self.online = False
                self._queues_at = time.monotonic()  # ask again after the TTL, not on every frame
                log.info("queue list unavailable (%s); showing the last one", exc.kind)
                return
            self.online = True
            if self._queues is None or [q.type for q in queues.queues] != self.types():
                _save_queues(self._saved, queues)
            self._queues, self._queues_at = queues, time.monotonic()

    def follow_site(self, site: wire.SiteInfo | None) -> None:
        """The site central has this kiosk at (its settings): tickets are asked
        for there, and a change of the site or its business types fetches the
        queue list again at once (a type added at runtime shows on the next visit)."""
        before = (self.site.code, self.site.types, self.site.config_version) if self.site else None
        self.site = site
        if site is not None and before != (site.code, site.types, site.config_version):
            self._queues_at = 0.0
            self._stale_site = True

    def types(self) -> list[str]:
        return [q.type for q in self._queues.queues] if self._queues else []

    def priority_claim(self) -> PriorityClaim | None:
        identity = self.session.identity
        if identity is not None and identity.age_on(date.today()) >= self.config.reader.elderly_age:
            return "elderly"
        return None

    def take(
        self, letter: str, *, real_name: bool = False, appointment: bool = False, booking_code: str | None = None
    ) -> TakeResult:
        """Runs on a worker thread: central round trip, then printing."""
        needs_card = real_name or (appointment and not booking_code)
        if needs_card and self.session.identity is None:
            return TakeResult(None, error="card_needed")
        token = None
        if needs_card:
            try:
                token = self.session.citizen_token(self.central.present_card)
            except CentralError as exc:
                if exc.kind != "network":
                    return TakeResult(None, error=exc.code or exc.kind, detail=str(exc))
                token = None  # central unreachable: the offline ticket below, if any, is not counted per person
        request = TicketRequest(
            request_id=uuid.uuid4().hex,
            type=letter,
            citizen_token=token,
            priority=self.priority_claim() if real_name else None,
            appointment=appointment and not booking_code,
            booking_code=booking_code,
            site=self.site.code if self.site else None,
        )
        intent = {"request_id": request.request_id, "type": letter}
        self.outbox.put("ticket", request.request_id, intent, held=True)
        try:
            if needs_card and token is None:
                raise CentralError("network", "central unreachable: the card could not be presented")
            ticket = self._ask_central(request)
        except CentralError as exc:
            if exc.kind != "network":
                self.outbox.settle(request.request_id)  # refused: central issued nothing
                if exc.code in MOVED and self.on_moved is not None:
                    self.on_moved()  # moved or retired just now: fetch the settings at once, not at the next beat
                return TakeResult(None, error=exc.code or exc.kind, detail=str(exc))
            self.online = False
            self.outbox.release(request.request_id)  # cancel at central whatever it may have issued
            self._kick()
            if appointment or booking_code:
                return TakeResult(None, error="checkin_offline", detail=str(exc))
            try:
                ticket = self._issue_offline(letter, real_name, request.priority)
            except NoOfflineNumbers as none_left:
                log.error("central unreachable and %s", none_left)
                return TakeResult(None, error="network", detail=str(exc))
        else:
            self.online = True
            self.outbox.settle(request.request_id)
        self.session.put("ticket", ticket)
        self._queues_at = 0.0
        return TakeResult(ticket, self.print(ticket))

    def _ask_central(self, request: TicketRequest) -> TicketReply:
        try:
            return self.central.take_ticket(request)
        except CentralError as exc:
            if exc.kind == "network" and exc.status == 0:
                # a lost reply may have issued the ticket: the same request id is safe to repeat once
                return self.central.take_ticket(request)
            raise

    def _issue_offline(self, letter: str, real_name: bool, priority: PriorityClaim | None) -> TicketReply:
        if self.offline is None:
            raise NoOfflineNumbers("this kiosk issues no offline tickets (not enrolled)")
        known = next((q for q in self._queues.queues if q.type == letter), None) if self._queues else None
        return self.offline.issue(letter, real_name=real_name, priority=priority, queue=known)

    def _kick(self) -> None:
        if self.outbox_worker:
            self.outbox_worker.kick()

    def print(self, ticket: TicketReply, *, reprint: bool = False) -> PrintOutcome:
        """Print (or print again) a ticket this session took. Once it has come
        out, it may be printed again `[printer] reprints_per_ticket` times (a
        failed print can always be retried); one print of a ticket at a time."""
        limit = self.config.printer.reprints_per_ticket
        with self._print_lock:
            if ticket.id in self._printing:
                return PrintOutcome(False, "printing")
            if reprint and self._printed.get(ticket.id, 0) > limit:
                log.info("ticket %s: reprint refused, printed %d times", ticket.number, self._printed[ticket.id])
                return PrintOutcome(False, "reprint_limit")
            self._printing.add(ticket.id)
        try:
            outcome = self._print(ticket)
        finally:
            with self._print_lock:
                self._printing.discard(ticket.id)
        if outcome.ok:
            with self._print_lock:
                self._printed[ticket.id] = self._printed.get(ticket.id, 0) + 1
        return outcome

    def _print(self, ticket: TicketReply) -> PrintOutcome:
        masked = self.session.masked()
        receipt = ticket_receipt(
            ticket,
            self.translator.gettext,
            hall_name=self._hall(),
            header=self.config.printer.header,
            footer=self.config.printer.footer,
            masked_name=masked.name if (masked and ticket.real_name) else "",
            english=self.translator.language == "en",
        )
        self._attempts[ticket.id] = attempt = self._attempts.get(ticket.id, 0) + 1
        record = TicketPrint(
            key=f"{ticket.id}.{attempt}",
            ticket_id=ticket.id,
            number=ticket.number,
            outcome="interrupted",
            reason="the kiosk stopped while printing",
            attempt=attempt,
            at=datetime.now(UTC),
        )
        self.outbox.put("ticket_print", record.key, record.model_dump(mode="json"), held=True)  # survives a crash
        outcome = self.printing.print_receipt(receipt, f"ticket {ticket.number}")
        done = record.model_copy(update={"outcome": "printed" if outcome.ok else "failed", "reason": outcome.reason})
        self.outbox.release(record.key, done.model_dump(mode="json"))
        self._kick()
        return outcome

    def _hall(self) -> str:
        return self.config.kiosk.place_name(self.translator.language, self.site)


def _load_queues(path: Path) -> QueuesReply | None:
    try:
        return QueuesReply.model_validate_json(path.read_bytes())
    except FileNotFoundError:
        return None
    except ValueError as exc:
        log.warning("ignoring the saved queue list %s: %s", path, exc)
        return None


def _save_queues(path: Path, queues: QueuesReply) -> None:
    """Atomic (write, then rename): a crash never leaves half a file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(queues.model_dump_json(), encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:  # a full disk must not stop tickets
        log.warning("could not save the queue list: %s", exc)
