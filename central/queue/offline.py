"""Tickets a kiosk issues while it cannot reach central.

Central leases each kiosk a block of numbers per business type and service
day, from the top of the day's range (`[queue] offline_first_number` up), so
online numbering below stays gap-free and no two kiosks can ever issue the
same number. The kiosk delivers what it issued through its outbox; central
inserts each ticket once (idempotent on the kiosk's request id) and places it
in the queue by when it was issued: the kiosk's clock corrected by the offset
central measured from its last heartbeat (the kiosk's own claim is used only
within a few seconds of that), never later than its arrival here. A ticket
whose corrected time falls before its lease was granted or outside the lease's
service day is refused: a stolen credential cannot back-date a ticket to the
head of the queue. The kiosk's own time is kept beside it.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta

from central.queue.engine import QueueEngine, QueueError, naive_utc, utcnow
from central.rawsql import UniqueViolation, as_date, as_datetime
from common.tickets import CLASS_PREFIX, AbandonRequest, Lease, LeaseRequest, OfflineTicket, TicketPrint

log = logging.getLogger(__name__)

SQL_LAST_BLOCK = "SELECT MAX(last_number) FROM number_leases WHERE service_day = :day AND type = :type"
SQL_OPEN_LEASE = (
    "SELECT id, first_number, last_number FROM number_leases WHERE kiosk_id = :kiosk_id AND "
    "service_day = :day AND type = :type ORDER BY id DESC LIMIT 1"
)
SQL_INSERT_LEASE = (
    "INSERT INTO number_leases (kiosk_id, service_day, type, first_number, last_number, leased_at) "
    "VALUES (:kiosk_id, :day, :type, :first, :last, :at)"
)
SQL_LEASE_ID = (
    "SELECT id FROM number_leases WHERE kiosk_id = :kiosk_id AND service_day = :day AND type = :type "
    "AND first_number = :first"
)
SQL_LEASE = "SELECT kiosk_id, service_day, type, first_number, last_number, leased_at FROM number_leases WHERE id = :id"
SQL_LAST_BEAT = "SELECT received_at, sent_at FROM heartbeats WHERE kiosk_id = :kiosk_id ORDER BY id DESC LIMIT 1"
OFFSET_TOLERANCE_S = 5.0  # the kiosk's measured offset may differ from central's by network delay
LATE_TOLERANCE_S = 2.0
SQL_BY_REQUEST = "SELECT id, number FROM tickets WHERE kiosk_id = :kiosk_id AND request_id = :request_id"
SQL_INSERT_OFFLINE = (
    "INSERT INTO tickets (id, service_day, type, number, display, ticket_class, state, order_rank, order_at, "
    "issued_at, kiosk_id, request_id, person_key, priority_reason, offline, kiosk_issued_at, received_at) VALUES "
    "(:id, :service_day, :type, :number, :display, :ticket_class, 'waiting', :order_rank, :order_at, :issued_at, "
    ":kiosk_id, :request_id, :person_key, :priority, :offline, :kiosk_issued_at, :received_at)"
)
SQL_ABANDON = (
    "UPDATE tickets SET state = 'cancelled', finished_at = :at WHERE kiosk_id = :kiosk_id AND "
    "request_id = :request_id AND state = 'waiting'"
)
SQL_INSERT_PRINT = (
    "INSERT INTO ticket_prints (kiosk_id, key, ticket_id, number, outcome, reason, attempt, at, received_at) VALUES "
    "(:kiosk_id, :key, :ticket_id, :number, :outcome, :reason, :attempt, :at, :received_at)"
)
SQL_TICKET_OF_KIOSK = "SELECT 1 FROM tickets WHERE id = :id AND kiosk_id = :kiosk_id"


class OfflineDesk:
    def __init__(self, queue: QueueEngine):
        self.queue = queue
        self.cfg = queue.cfg

    # -- leases ----------------------------------------------------------------
    def lease(self, kiosk_id: str, req: LeaseRequest, now: datetime | None = None) -> Lease:
        """This kiosk's block for the type and day: the one it holds while it
        has not used it up (asking again is harmless), else a new one."""
        now = now or utcnow()
        today = self.queue.service_day(now)
        day = req.service_day or today
        if not self.cfg.offline_first_number:
            raise QueueError(
                "offline_disabled", "this hall issues no offline tickets ([queue] offline_first_number = 0)"
            )
        if req.type not in self.queue.types:
            raise QueueError("unknown_type", f"no business type {req.type!r} in this hall", 422)
        if not today <= day <= today + timedelta(days=1):
            raise QueueError("bad_service_day", f"leases are for today or tomorrow ({today}), not {day}", 422)
        with self.queue.runner.write() as db:
            held = db.one(SQL_OPEN_LEASE, kiosk_id=kiosk_id, day=day, type=req.type)
            if held is not None and not self._used_up(db, kiosk_id, held[0], held[1], held[2]):
                lease_id, first, last = held
            else:
                top = db.one(SQL_LAST_BLOCK, day=day, type=req.type)[0]
                first = (top or self.cfg.offline_first_number - 1) + 1
                if first > self.cfg.last_number:
                    raise QueueError("range_exhausted", f"no offline numbers left for {req.type} on {day}")
                last = min(self.cfg.last_number, first + self.cfg.offline_block_size - 1)
                db.run(SQL_INSERT_LEASE, kiosk_id=kiosk_id, day=day, type=req.type, first=first, last=last, at=now)
                lease_id = db.one(SQL_LEASE_ID, kiosk_id=kiosk_id, day=day, type=req.type, first=first)[0]
                log.info("leased %s%03d-%s%03d for %s to kiosk %s", req.type, first, req.type, last, day, kiosk_id)
        return self._lease_reply(lease_id, req.type, day, first, last)

    @staticmethod
    def _used_up(db, kiosk_id: str, lease_id: int, first: int, last: int) -> bool:
        """Central only knows what was delivered; a kiosk asking again has
        used its block or lost it (reinstalled), so a block with any number
        delivered is replaced; an untouched one is handed out again."""
        used = db.one(
            "SELECT COUNT(*) FROM tickets WHERE kiosk_id = :kiosk_id AND offline = :yes AND "
            "service_day = (SELECT service_day FROM number_leases WHERE id = :id) AND "
            "type = (SELECT type FROM number_leases WHERE id = :id) AND number BETWEEN :first AND :last",
            kiosk_id=kiosk_id,
            id=lease_id,
            first=first,
            last=last,
            yes=True,
        )[0]
        return used > 0

    def _lease_reply(self, lease_id: int, letter: str, day: date, first: int, last: int) -> Lease:
        kind = self.queue.types[letter]
        start = self._day_start(day)
        return Lease(
            id=lease_id,
            type=letter,
            type_name=kind.name,
            type_name_en=kind.name_en,
            counters=tuple(self.queue.counters_for(letter)),
            service_day=day,
            first=first,
            last=last,
            valid_from=start,
            valid_until=self._day_start(day + timedelta(days=1)),
            url_base=self.queue.public_url,
        )

    def _day_start(self, day: date) -> datetime:
        minutes = self.queue.reset_minutes
        local = datetime.combine(day, datetime.min.time(), self.queue.tz) + timedelta(minutes=minutes)
        return local.astimezone(UTC)

    # -- delivery ------------------------------------------------------------------
    def accept(self, kiosk_id: str, t: OfflineTicket, now: datetime | None = None) -> bool:
        """Insert the ticket; False when it was delivered before."""
        now = now or utcnow()
        with self.queue.runner.write() as db:
            if db.one(SQL_BY_REQUEST, kiosk_id=kiosk_id, request_id=t.request_id) is not None:
                return False
            lease = db.one(SQL_LEASE, id=t.lease_id)
            if lease is None or lease[0] != kiosk_id:
                raise QueueError("unknown_lease", f"lease {t.lease_id} was not given to this kiosk", 422)
            day, letter, first, last = as_date(lease[1]), lease[2], lease[3], lease[4]
            if t.type != letter or not first <= t.number <= last:
                raise QueueError(
                    "outside_lease",
                    f"{t.type}{t.number:03d} is not in the leased block {letter}{first:03d}-{letter}{last:03d}",
                    422,
                )
            issued = t.issued_at if t.issued_at.tzinfo else t.issued_at.replace(tzinfo=UTC)
            ordered = min(issued + timedelta(seconds=self._offset(db, kiosk_id, t.clock_offset_s)), now)
            leased_at = as_datetime(lease[5]).replace(tzinfo=UTC)
            earliest = max(leased_at, self._day_start(day)) - timedelta(seconds=LATE_TOLERANCE_S)
            if not earliest <= ordered < self._day_start(day + timedelta(days=1)):
                raise QueueError(
                    "outside_lease_day",
                    f"{t.type}{t.number:03d} claims to be issued at {ordered:%Y-%m-%d %H:%M:%S} UTC, before its "
                    f"number block was leased ({leased_at:%H:%M:%S}) or outside service day {day}; "
                    "check the kiosk's clock",
                    422,
                )
            ticket_class = "priority" if t.priority else "normal"
            try:
                db.run(
                    SQL_INSERT_OFFLINE,
                    id=t.id,
                    service_day=day,
                    type=letter,
                    number=t.number,
                    display=f"{CLASS_PREFIX[ticket_class]}{letter}{t.number:03d}",
                    ticket_class=ticket_class,
                    order_rank=0 if t.priority else 1,
                    order_at=naive_utc(ordered),
                    issued_at=naive_utc(ordered),
                    kiosk_id=kiosk_id,
                    request_id=t.request_id,
                    person_key=None,  # offline, the kiosk cannot tell who it was (it holds no hash key)
                    priority=t.priority,
                    kiosk_issued_at=naive_utc(issued),
                    received_at=naive_utc(now),
                    offline=True,
                )
            except UniqueViolation:
                raise QueueError(
                    "number_taken",
                    f"{letter}{t.number:03d} on {day} was issued before "
                    "(a kiosk reused a number: check its outbox database)",
                ) from None
        return True

    @staticmethod
    def _offset(db, kiosk_id: str, claimed: float) -> float:
        """Central minus kiosk clock: the kiosk's claim if it agrees with what
        central measured at the last heartbeat, else central's measurement."""
        beat = db.one(SQL_LAST_BEAT, kiosk_id=kiosk_id)
        if beat is None:
            return 0.0  # never heard from: no correction (the lease-day bounds still hold)
        measured = (as_datetime(beat[0]) - as_datetime(beat[1])).total_seconds()
        return claimed if abs(claimed - measured) <= OFFSET_TOLERANCE_S else measured

    def abandon(self, kiosk_id: str, req: AbandonRequest, now: datetime | None = None) -> bool:
        """Cancel a ticket nobody holds; False when there was none waiting."""
        with self.queue.runner.write() as db:
            found = db.one(SQL_BY_REQUEST, kiosk_id=kiosk_id, request_id=req.request_id)
            if found is None:
                return False
            db.run(SQL_ABANDON, kiosk_id=kiosk_id, request_id=req.request_id, at=naive_utc(now or utcnow()))
        log.info("ticket %s abandoned by kiosk %s (never shown to anyone)", found[1], kiosk_id)
        return True

    def record_print(self, kiosk_id: str, p: TicketPrint, now: datetime | None = None) -> bool:
        """One print attempt; False when this key was stored before."""
        with self.queue.runner.write() as db:
            if db.one(SQL_TICKET_OF_KIOSK, id=p.ticket_id, kiosk_id=kiosk_id) is None:
                raise QueueError("unknown_ticket", "this kiosk did not issue that ticket", 404)
            try:
                db.run(
                    SQL_INSERT_PRINT,
                    kiosk_id=kiosk_id,
                    key=p.key,
                    ticket_id=p.ticket_id,
                    number=p.number,
                    outcome=p.outcome,
                    reason=p.reason,
                    attempt=p.attempt,
                    at=naive_utc(p.at),
                    received_at=naive_utc(now or utcnow()),
                )
            except UniqueViolation:
                return False
        return True
