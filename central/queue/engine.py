"""Issuing tickets and answering where a ticket stands.

Each ticket is one savepoint of a write transaction (several tickets share
one transaction under load: group commit): idempotency check, ticket rules,
the next number from `number_counters` (UPSERT ... RETURNING) and the ticket
insert. SQLite serialises it with BEGIN IMMEDIATE, PostgreSQL with the counter
row's lock; either way no two tickets share a number and a refused ticket
leaves no gap. Order: green channel first, appointments at their slot time,
then arrival.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, overload
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.engine import Connection, Engine

from central import citizens
from central.config import CentralConfig
from central.db import writer
from central.queue.estimate import FAST, MARGIN_MIN, SLOW, CounterState, simulate
from central.queue.tables import bookings, tickets
from central.rawsql import INSERT_NONCE, UniqueViolation, as_date, as_datetime, runner_for
from common.tickets import (
    CLASS_PREFIX,
    BookingReply,
    QueueInfo,
    QueuesReply,
    TicketReply,
    TicketRequest,
    TicketStatus,
)

log = logging.getLogger(__name__)
OPEN_STATES = ("waiting", "called", "serving")
_t = tickets.c
# Built once: compiling a statement costs more than running it on SQLite.
BY_ID = select(tickets).where(_t.id == bindparam("id"))
# The ticket transaction, as plain SQL with named parameters (see central.rawsql)
ROW_COLUMNS = "id, service_day, type, number, display, ticket_class, state, order_rank, order_at, issued_at, person_key"
SQL_BY_REQUEST = f"SELECT {ROW_COLUMNS} FROM tickets WHERE kiosk_id = :kiosk_id AND request_id = :request_id"
SQL_PERSON = "SELECT type, state, display FROM tickets WHERE service_day = :day AND person_key = :person_key"
SQL_BOOKING_BY_CODE = (
    "SELECT code, type, slot_start FROM bookings WHERE state = 'booked' AND code = :code ORDER BY slot_start"
)
SQL_BOOKING_BY_PERSON = (
    "SELECT code, type, slot_start FROM bookings WHERE state = 'booked' AND person_key = :person_key "
    "AND slot_start >= :start AND slot_start < :end ORDER BY slot_start"
)
SQL_NEXT_NUMBER = (
    "INSERT INTO number_counters (service_day, type, last_number) VALUES (:day, :type, :first) "
    "ON CONFLICT (service_day, type) DO UPDATE SET last_number = number_counters.last_number + 1 "
    "RETURNING last_number"
)
SQL_INSERT_TICKET = (
    "INSERT INTO tickets (id, service_day, type, number, display, ticket_class, state, order_rank, order_at, "
    "issued_at, kiosk_id, request_id, person_key, priority_reason, booking_code) VALUES (:id, :service_day, :type, "
    ":number, :display, :ticket_class, :state, :order_rank, :order_at, :issued_at, :kiosk_id, :request_id, "
    ":person_key, :priority_reason, :booking_code)"
)
SQL_CHECK_IN = "UPDATE bookings SET state = 'checked_in', ticket_id = :ticket_id WHERE code = :code"
_WAITING = "SELECT COUNT(*) FROM tickets WHERE service_day = :day AND type = :type AND state = 'waiting' AND "
# People ahead in calling order (order_rank, order_at, number): three index
# ranges summed, each answered from ix_tickets_queue alone. One OR-ed range
# costs twice as much, since every waiting ticket is then tested row by row.
SQL_AHEAD = (
    f"SELECT ({_WAITING}order_rank < :rank) + ({_WAITING}order_rank = :rank AND order_at < :at) + "
    f"({_WAITING}order_rank = :rank AND order_at = :at AND number < :number)"
)

BOOKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # read off a phone, typed on the kiosk
SIMULATED = 400  # tickets simulated for estimates; beyond that, extrapolated
ESTIMATE_TTL_S = 2.0


class QueueError(Exception):
    def __init__(self, code: str, message: str, status: int = 409):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def utcnow() -> datetime:
    return datetime.now(UTC)


def naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


@overload
def aware(moment: datetime) -> datetime: ...
@overload
def aware(moment: None) -> None: ...
def aware(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment is not None else None


ROW_FIELDS = (
    "id",
    "service_day",
    "type",
    "number",
    "display",
    "ticket_class",
    "state",
    "order_rank",
    "order_at",
    "issued_at",
    "person_key",
)


@dataclass(frozen=True)
class _Row:
    """A new ticket as just inserted (read back without another query)."""

    id: str
    service_day: date
    type: str
    number: int
    display: str
    ticket_class: str
    state: str
    order_rank: int
    order_at: datetime
    issued_at: datetime
    person_key: str | None

    @classmethod
    def from_db(cls, row) -> _Row:
        values = dict(zip(ROW_FIELDS, row, strict=False))
        values["service_day"] = as_date(values["service_day"])
        values["order_at"] = as_datetime(values["order_at"])
        values["issued_at"] = as_datetime(values["issued_at"])
        return cls(**values)


@dataclass(frozen=True)
class TicketOrder:
    """One ticket asked for by a kiosk: who, what, and the signed request's nonce."""

    kiosk_id: str
    request: TicketRequest
    nonce: str | None = None


@dataclass
class _Curve:
    at: float
    low: dict[str, list[float]]  # per type: start minutes of its waiting tickets, in order
    high: dict[str, list[float]]
    step_low: dict[str, float]  # minutes per extra position, past the simulated ones
    step_high: dict[str, float]


class QueueEngine:
    def __init__(self, config: CentralConfig, engine: Engine, runner=None):
        self.cfg = config.queue
        self.tz = ZoneInfo(config.hall.timezone)
        self.engine = engine
        self.runner = runner or runner_for(engine)
        self.public_url = (config.server.public_url or f"http://{config.server.host}:{config.server.port}").rstrip("/")
        self.types = {t.letter: t for t in self.cfg.types}
        hh, mm = (int(x) for x in self.cfg.reset_at.split(":"))
        self.reset_minutes = hh * 60 + mm
        self._curves: dict[date, _Curve] = {}
        self._lock = threading.Lock()
        self._refreshing = False

    # -- time --------------------------------------------------------------------
    def service_day(self, now: datetime) -> date:
        """Numbers restart at `reset_at` local time, not at midnight UTC."""
        local = now.astimezone(self.tz)
        day = local.date()
        return day - timedelta(days=1) if local.hour * 60 + local.minute < self.reset_minutes else day

    def counters_for(self, letter: str) -> list[str]:
        return [c.name or f"{c.number}号窗口" for c in self.cfg.counters if not c.types or letter in c.types]

    # -- issuing -------------------------------------------------------------------
    def issue(
        self, kiosk_id: str, req: TicketRequest, now: datetime | None = None, nonce: str | None = None
    ) -> TicketReply:
        """`nonce`, when given, is the signed request's nonce: recorded in this
        same transaction (one write instead of two); a replay rolls it all back."""
        result = self.issue_many([TicketOrder(kiosk_id, req, nonce)], now)[0]
        if isinstance(result, Exception):
            raise result
        return result

    def issue_many(
        self, orders: Sequence[TicketOrder], now: datetime | None = None, *, locked: bool = False
    ) -> list[TicketReply | Exception]:
        """Group commit: several tickets in one write transaction, each in a
        savepoint of its own, so a refused one (its QueueError, or a replayed
        nonce's UniqueViolation, in its place in the result) leaves the others
        issued. The commit is most of a ticket's cost; shared, it is paid once.
        `locked`: the caller holds the database's WriteLock (SQLite)."""
        now = now or utcnow()
        day = self.service_day(now)
        issued: list[tuple[_Row, int] | Exception] = []
        with self.runner.write(locked=locked) as db:
            for order in orders:
                try:
                    with db.savepoint():
                        issued.append(self._issue_one(db, order, now, day))
                except (QueueError, UniqueViolation) as exc:
                    issued.append(exc)
        return [done if isinstance(done, Exception) else self._reply(*done) for done in issued]

    def _issue_one(self, db, order: TicketOrder, now: datetime, day: date) -> tuple[_Row, int]:
        if order.nonce is not None:
            db.run(INSERT_NONCE, kiosk_id=order.kiosk_id, nonce=order.nonce, seen_at=now)  # UniqueViolation: a replay
        found = db.one(SQL_BY_REQUEST, kiosk_id=order.kiosk_id, request_id=order.request.request_id)
        if found:
            row = _Row.from_db(found)
        else:
            person_key = self._person(db, order, now)
            row = self._new_ticket(db, order.kiosk_id, order.request, person_key, now, day)
        return row, self._ahead(db, row)

    @staticmethod
    def _person(db, order: TicketOrder, now: datetime) -> str | None:
        """The card holder behind the request's citizen token (presented at this kiosk, not expired)."""
        token = order.request.citizen_token
        if not token:
            return None
        row = db.one(citizens.SQL_TOKEN, token_hash=citizens.token_hash(token))
        if row is None or row[0] != order.kiosk_id or aware(as_datetime(row[2])) < now:
            raise QueueError("card_not_present", "read the citizen's ID card again at this kiosk", 403)
        return row[1]

    def _new_ticket(self, db, kiosk_id: str, req: TicketRequest, person_key: str | None, now: datetime, day: date):
        letter, ticket_class, order_at, booking_code = req.type, "normal", now, None
        if req.priority and not person_key:
            raise QueueError("priority_needs_card", "the green channel needs the citizen's ID card", 422)
        if req.booking_code or req.appointment:
            code, letter, slot_start = self._booking_for(db, req, person_key, now)
            ticket_class, order_at, booking_code = "appointment", aware(as_datetime(slot_start)), code
        elif req.priority:
            ticket_class = "priority"
        if letter not in self.types:
            raise QueueError("unknown_type", f"no business type {letter!r} in this hall", 422)
        if person_key:
            self._check_person(db, person_key, letter, day)
        number = db.one(SQL_NEXT_NUMBER, day=day, type=letter, first=self.cfg.first_number)[0]
        if number > self.cfg.online_last_number:
            raise QueueError(
                "range_exhausted",
                f"all numbers for {self.types[letter].name} are taken today "
                f"({letter}{self.cfg.first_number:03d}-"
                f"{letter}{self.cfg.online_last_number:03d})",
            )
        values: dict[str, Any] = {
            "id": secrets.token_urlsafe(12),
            "service_day": day,
            "type": letter,
            "number": number,
            "display": f"{CLASS_PREFIX[ticket_class]}{letter}{number:03d}",
            "ticket_class": ticket_class,
            "state": "waiting",
            "order_rank": 0 if ticket_class == "priority" else 1,
            "order_at": naive_utc(order_at),
            "issued_at": naive_utc(now),
            "kiosk_id": kiosk_id,
            "request_id": req.request_id,
            "person_key": person_key,
            "priority_reason": req.priority,
            "booking_code": booking_code,
        }
        db.run(SQL_INSERT_TICKET, **values)
        if booking_code:
            db.run(SQL_CHECK_IN, ticket_id=values["id"], code=booking_code)
        return _Row(**{k: values[k] for k in ROW_FIELDS})

    def _check_person(self, db, person_key: str, letter: str, day: date) -> None:
        rows = db.all(SQL_PERSON, day=day, person_key=person_key)
        open_same = [display for kind, state, display in rows if kind == letter and state in OPEN_STATES]
        if open_same:
            raise QueueError("already_queued", f"this person already holds ticket {open_same[0]} for this service")
        if len(rows) >= self.cfg.daily_limit_per_person:
            raise QueueError(
                "daily_limit_reached", f"{self.cfg.daily_limit_per_person} tickets per person per day; limit reached"
            )

    def _booking_for(self, db, req: TicketRequest, person_key: str | None, now: datetime):
        """(code, type, slot_start) of the booking being checked in, in its window."""
        if req.booking_code:
            booking = db.one(SQL_BOOKING_BY_CODE, code=req.booking_code.upper())
        elif person_key:
            day_start = datetime.combine(self.service_day(now), datetime.min.time(), self.tz)
            booking = db.one(
                SQL_BOOKING_BY_PERSON,
                person_key=person_key,
                start=naive_utc(day_start),
                end=naive_utc(day_start + timedelta(days=1)),
            )
        else:
            raise QueueError("booking_not_found", "appointment check-in needs a booking code or the ID card", 422)
        if booking is None:
            raise QueueError("booking_not_found", "no booking for today was found")
        start = aware(as_datetime(booking[2]))
        if now < start - timedelta(minutes=self.cfg.appointment_early_min):
            raise QueueError(
                "booking_too_early",
                f"check-in opens {self.cfg.appointment_early_min} minutes "
                f"before the slot at {start.astimezone(self.tz):%H:%M}",
            )
        if now > start + timedelta(minutes=self.cfg.appointment_late_min):
            raise QueueError(
                "booking_too_late",
                f"the slot at {start.astimezone(self.tz):%H:%M} has passed "
                f"(check-in closes {self.cfg.appointment_late_min} minutes after)",
            )
        return booking[0], booking[1], booking[2]

    # -- bookings ----------------------------------------------------------------------
    def book(self, letter: str, person_key: str, slot_start: datetime, slot_minutes: int = 30) -> BookingReply:
        """A booked slot for the person behind `person_key` (a hall's booking system normally does this)."""
        if letter not in self.types:
            raise QueueError("unknown_type", f"no business type {letter!r}", 422)
        code = "".join(secrets.choice(BOOKING_ALPHABET) for _ in range(8))
        end = slot_start + timedelta(minutes=slot_minutes)
        with writer(self.engine) as conn, conn.begin():
            conn.execute(
                insert(bookings).values(
                    code=code,
                    type=letter,
                    person_key=person_key,
                    slot_start=naive_utc(slot_start),
                    slot_end=naive_utc(end),
                    state="booked",
                )
            )
        return BookingReply(code=code, type=letter, slot_start=slot_start, slot_end=end, state="booked")

    # -- where a ticket stands -----------------------------------------------------
    @staticmethod
    def _ahead(db, row) -> int:
        """Waiting tickets of the same type before `row` in calling order."""
        return db.one(
            SQL_AHEAD, day=row.service_day, type=row.type, rank=row.order_rank, at=row.order_at, number=row.number
        )[0]

    def _reply(self, row, ahead: int) -> TicketReply:
        low, high = self.estimate(None, row.service_day, row.type, ahead)
        kind = self.types[row.type]
        return TicketReply(
            id=row.id,
            number=row.display,
            type=row.type,
            type_name=kind.name,
            type_name_en=kind.name_en,
            ticket_class=row.ticket_class,
            real_name=row.person_key is not None,
            people_ahead=ahead,
            wait_low_min=low,
            wait_high_min=high,
            counters=tuple(self.counters_for(row.type)),
            issued_at=aware(row.issued_at),
            service_day=row.service_day,
            url=f"{self.public_url}/t/{row.id}",
        )

    def status(self, ticket_id: str) -> TicketStatus | None:
        with self.engine.connect() as conn:
            row = conn.execute(BY_ID, {"id": ticket_id}).first()
            if row is None:
                return None
            ahead = self._ahead(self.runner.read(), row) if row.state == "waiting" else 0
            low, high = self.estimate(conn, row.service_day, row.type, ahead) if row.state == "waiting" else (0, 0)
        kind = self.types.get(row.type)
        counter = next((c.name or f"{c.number}号窗口" for c in self.cfg.counters if c.number == row.counter), None)
        return TicketStatus(
            id=row.id,
            number=row.display,
            type=row.type,
            type_name=kind.name if kind else row.type,
            type_name_en=kind.name_en if kind else "",
            state=row.state,
            people_ahead=ahead,
            wait_low_min=low,
            wait_high_min=high,
            counter=counter,
            counter_number=row.counter,
            issued_at=aware(row.issued_at),
            called_at=aware(row.called_at),
        )

    def queues(self, now: datetime | None = None) -> QueuesReply:
        now = now or utcnow()
        day = self.service_day(now)
        with self.engine.connect() as conn:
            waiting: dict[str, int] = dict(
                conn.execute(
                    select(tickets.c.type, func.count())
                    .where(tickets.c.service_day == day, tickets.c.state == "waiting")
                    .group_by(tickets.c.type)
                ).all()
            )
            infos = []
            for kind in self.cfg.types:
                low, high = self.estimate(conn, day, kind.letter, waiting.get(kind.letter, 0))
                infos.append(
                    QueueInfo(
                        type=kind.letter,
                        name=kind.name,
                        name_en=kind.name_en,
                        waiting=waiting.get(kind.letter, 0),
                        counters=tuple(self.counters_for(kind.letter)),
                        wait_low_min=low,
                        wait_high_min=high,
                    )
                )
        return QueuesReply(service_day=day, queues=tuple(infos))

    # -- estimates -------------------------------------------------------------------
    def estimate(self, conn: Connection | None, day: date, letter: str, position: int) -> tuple[int, int]:
        """(low, high) minutes for the waiting ticket with `position` people
        ahead of it. `conn` None: the cached curve, even a stale one (see
        `_curve`); a connection is opened only for the day's first."""
        curve = self._curve(conn, day)
        low = self._at(curve.low.get(letter, []), curve.step_low.get(letter), position, letter, FAST)
        high = self._at(curve.high.get(letter, []), curve.step_high.get(letter), position, letter, SLOW)
        return int(low), int(high + MARGIN_MIN + 0.999)

    def _at(self, starts: list[float], step: float | None, position: int, letter: str, factor: float) -> float:
        if position < len(starts):
            return starts[position]
        if step is None or step <= 0 or len(starts) < 4:  # too few points to trust: average over servers
            servers = max(1, len(self.counters_for(letter)))
            step = self.types[letter].avg_minutes * factor / servers
        base = starts[-1] if starts else 0.0
        return base + step * (position - len(starts) + (1 if starts else 0))

    def _curve(self, conn: Connection | None, day: date) -> _Curve:
        """The day's simulated queue, recomputed every ESTIMATE_TTL_S. Without
        `conn` (issuing a ticket, on the event loop) a stale curve is used
        while a background thread recomputes it: the simulation takes
        milliseconds, which no ticket should wait for."""
        with self._lock:
            cached = self._curves.get(day)
            if cached and time.monotonic() - cached.at < ESTIMATE_TTL_S:
                return cached
            if cached and conn is None:
                if not self._refreshing:
                    self._refreshing = True
                    threading.Thread(target=self._refresh, args=(day,), name="estimate", daemon=True).start()
                return cached
        if conn is None:
            with self.engine.connect() as own:
                return self._compute_curve(own, day)
        return self._compute_curve(conn, day)

    def _refresh(self, day: date) -> None:
        try:
            with self.engine.connect() as conn:
                self._compute_curve(conn, day)
        except Exception:  # the stale curve stays; the next ticket tries again
            log.exception("recomputing the wait estimates failed")
        finally:
            self._refreshing = False

    def _compute_curve(self, conn: Connection, day: date) -> _Curve:
        t = tickets.c
        queue = [
            r.type
            for r in conn.execute(
                select(t.type)
                .where(t.service_day == day, t.state == "waiting")
                .order_by(t.order_rank, t.order_at, t.number)
                .limit(SIMULATED)
            )
        ]
        busy = {
            r.counter: r
            for r in conn.execute(
                select(t.counter, t.type, t.called_at).where(
                    t.service_day == day, t.state.in_(("called", "serving")), t.counter.is_not(None)
                )
            )
        }
        now = naive_utc(utcnow())
        avg = {k: v.avg_minutes for k, v in self.types.items()}
        counters = []
        for c in self.cfg.counters:
            free_in = 0.0
            if c.number in busy and busy[c.number].called_at is not None:
                elapsed = (now - busy[c.number].called_at).total_seconds() / 60
                free_in = max(0.0, avg.get(busy[c.number].type, 5.0) - elapsed)
            counters.append(CounterState(c.number, frozenset(c.types), free_in))
        curve = _Curve(time.monotonic(), {}, {}, {}, {})
        for factor, starts_by_type, steps in ((FAST, curve.low, curve.step_low), (SLOW, curve.high, curve.step_high)):
            queue_starts, one_more = simulate(queue, counters, avg, factor)
            for letter, start in zip(queue, queue_starts, strict=False):
                if start is not None:
                    starts_by_type.setdefault(letter, []).append(start)
            if len(queue) < SIMULATED:  # the whole queue is known: a ticket taken now is simulated exactly
                for letter, start in one_more.items():
                    if start is not None:
                        starts_by_type.setdefault(letter, []).append(start)
            for letter, seen in starts_by_type.items():
                if len(seen) >= 2:
                    steps[letter] = (seen[-1] - seen[0]) / (len(seen) - 1)
        with self._lock:
            self._curves = {day: curve}
        return curve
