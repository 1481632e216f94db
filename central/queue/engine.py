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
from datetime import date, datetime, timedelta

from central import citizens
from central.clock import from_db, utcnow
from central.config import CentralConfig
from central.queue.estimate import FAST, MARGIN_MIN, SLOW, CounterState, simulate
from central.queue.store import QueueSql, QueueStore, TicketRow
from central.rawsql import UniqueViolation
from central.sites.model import Site, SiteError
from central.sites.store import SiteDirectory
from common.tickets import (
    CLASS_PREFIX,
    BookingReply,
    QueueInfo,
    QueuesReply,
    SiteQueues,
    TicketReply,
    TicketRequest,
    TicketStatus,
)

log = logging.getLogger(__name__)
OPEN_STATES = ("waiting", "called", "serving")

BOOKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # read off a phone, typed on the kiosk
SIMULATED = 400  # tickets simulated for estimates; beyond that, extrapolated
ESTIMATE_TTL_S = 2.0
UNKNOWN_AVG_MIN = 8.0  # handling time assumed for a type the site's configuration does not (yet) name
REFRESH_REST = 19.0  # the refresher rests 19x as long as a simulation took: at most 5 % of a core


class QueueError(Exception):
    def __init__(self, code: str, message: str, status: int = 409):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def _checks_in(order: TicketOrder) -> bool:
    """An appointment check-in: its type comes from the booking, read inside the transaction."""
    return bool(order.request.booking_code or order.request.appointment)


@dataclass(frozen=True)
class TicketOrder:
    """One ticket asked for by a kiosk: who, at which site, what, and the signed request's nonce."""

    kiosk_id: str
    request: TicketRequest
    nonce: str | None = None
    site: str | None = None  # the kiosk's site; None: the first site


@dataclass
class _Curve:
    at: float
    site: Site
    low: dict[str, list[float]]  # per type: start minutes of its waiting tickets, in order
    high: dict[str, list[float]]
    step_low: dict[str, float]  # minutes per extra position, past the simulated ones
    step_high: dict[str, float]


class QueueEngine:
    """The rules of every site's queues; numbering ranges and limits are the
    deployment's ([queue]), business types and counters each site's own."""

    def __init__(self, config: CentralConfig, store: QueueStore, sites: SiteDirectory | None = None):
        self.cfg = config.queue
        self.store = store
        self.sites = sites or SiteDirectory(store.engine)
        self.public_url = (config.server.public_url or f"http://{config.server.host}:{config.server.port}").rstrip("/")
        hh, mm = (int(x) for x in self.cfg.reset_at.split(":"))
        self.reset_minutes = hh * 60 + mm
        self._curves: dict[tuple[str, date], _Curve] = {}
        self._lock = threading.Lock()
        self._stale: dict[tuple[str, date], Site] = {}  # curves a ticket found stale, for the refresher
        self._refreshing = False

    def site(self, code: str | None = None) -> Site:
        """The site (the first one for None); QueueError 404 for an unknown code."""
        try:
            return self.sites.site(code)
        except SiteError as exc:
            raise QueueError(exc.code, exc.message, exc.status) from None

    def _reloaded(self, site: Site) -> Site:
        """The site as the database has it now: asked only when a request names a type
        this process's view lacks (the view reloads by itself within a second)."""
        return self.sites.reload().sites.get(site.code, site)

    # -- time --------------------------------------------------------------------
    def service_day(self, now: datetime, site: Site | None = None) -> date:
        """Numbers restart at `reset_at` local time (the site's zone), not at midnight UTC."""
        local = now.astimezone((site or self.site()).tz)
        day = local.date()
        return day - timedelta(days=1) if local.hour * 60 + local.minute < self.reset_minutes else day

    # -- issuing -------------------------------------------------------------------
    def issue(
        self,
        kiosk_id: str,
        req: TicketRequest,
        now: datetime | None = None,
        nonce: str | None = None,
        site: str | None = None,
    ) -> TicketReply:
        """`nonce`, when given, is the signed request's nonce: recorded in this
        same transaction (one write instead of two); a replay rolls it all back."""
        result = self.issue_many([TicketOrder(kiosk_id, req, nonce, site)], now)[0]
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
        Orders are issued by site and type, so every batch locks the number rows
        in the same order (no deadlock between batches of two nodes).
        `locked`: the caller holds the database's WriteLock (SQLite)."""
        now = now or utcnow()
        placed: list[tuple[Site, date] | QueueError] = []
        for order in orders:
            try:
                site = self.site(order.site)
                if order.request.site and order.request.site != site.code:
                    raise QueueError(
                        "wrong_site",
                        f"this kiosk is enrolled at {site.code}, not {order.request.site}: it takes numbers "
                        "for its own site only (its settings follow at the next sync)",
                        403,
                    )
                if not site.active:
                    raise QueueError("site_closed", f"{site.name} is out of service; numbers are taken elsewhere", 409)
                if not site.issues_tickets:
                    raise QueueError(
                        "no_numbers_here",
                        f"{site.name} is a self-service point: numbers are taken at a hall (see its queues)",
                        409,
                    )
                if order.request.type not in site.type_map and not _checks_in(order):
                    site = self._reloaded(site)  # perhaps added on another node within the last second
                placed.append((site, self.service_day(now, site)))
            except QueueError as exc:
                placed.append(exc)

        def order_key(i: int) -> tuple[str, str]:
            where = placed[i]
            code = where[0].code if isinstance(where, tuple) else ""
            return code, orders[i].request.type if not _checks_in(orders[i]) else "~"

        by_type = sorted(range(len(orders)), key=order_key)

        def work(sql: QueueSql, careful: bool) -> dict[int, tuple[TicketRow, int] | Exception]:
            done: dict[int, tuple[TicketRow, int] | Exception] = {}
            for i in by_type:
                where = placed[i]
                if isinstance(where, QueueError):
                    done[i] = where
                elif not careful and sql.postgres and self._plain(orders[i], where[0]):
                    done[i] = self._issue_plain(sql, orders[i], where[0], now, where[1])
                else:
                    done[i] = self._issue_one(sql, orders[i], where[0], now, where[1])
            return done

        try:
            issued = self.store.transact(lambda sql: work(sql, False), locked=locked)
        except UniqueViolation:  # a race one statement cannot settle: again, each ticket in a savepoint
            issued = self.store.transact(lambda sql: work(sql, True), locked=locked)
        self.store.tickets_added(sum(1 for done in issued.values() if isinstance(done, tuple)))
        replies: list[TicketReply | Exception] = []
        for i in range(len(orders)):
            done = issued[i]
            replies.append(done if isinstance(done, Exception) else self._reply(*done))
        return replies

    def _plain(self, order: TicketOrder, site: Site) -> bool:
        """Nothing to check between looking the request up and issuing it."""
        req = order.request
        return (
            order.nonce is not None
            and req.type in site.type_map
            and not (req.citizen_token or req.booking_code or req.appointment or req.priority)
        )

    def _issue_plain(self, sql: QueueSql, order: TicketOrder, site: Site, now: datetime, day: date):
        """A plain ticket in one round trip (PostgreSQL): see QueueSql.add_plain_ticket."""
        req = order.request
        assert order.nonce is not None  # (_plain)
        ticket_id = secrets.token_urlsafe(12)
        fresh, prior, number, ahead = sql.add_plain_ticket(
            nonce=order.nonce,
            first=self.cfg.first_number,
            last=self.cfg.online_last_number,
            prefix=req.type,
            id=ticket_id,
            site=site.code,
            day=day,
            type=req.type,
            ticket_class="normal",
            order_rank=1,
            order_at=now,
            issued_at=now,
            kiosk_id=order.kiosk_id,
            request_id=req.request_id,
        )
        if prior is not None or not fresh:  # issued before, here or (a seen nonce) on another node just now
            row = sql.ticket_by_request(order.kiosk_id, req.request_id)
            if row is not None:
                return row, sql.ahead(row)
            return UniqueViolation(f"nonce {order.nonce} was seen before")  # a replay
        if number is None:
            return self._range_exhausted(site, req.type)
        row = TicketRow(
            ticket_id,
            day,
            req.type,
            number,
            f"{req.type}{number:03d}",
            "normal",
            "waiting",
            1,
            now,
            now,
            None,
            site.code,
        )
        return row, ahead

    def _issue_one(self, sql: QueueSql, order: TicketOrder, site: Site, now: datetime, day: date):
        """(row, people ahead), or the exception refusing it (its savepoint rolled back)."""
        try:
            with sql.db.savepoint():
                # UniqueViolation: the nonce was seen before
                row = sql.find_request(order.kiosk_id, order.request.request_id, order.nonce, now)
                if row is not None:
                    return row, sql.ahead(row)
                person_key = self._person(sql, order, now)
                return self._new_ticket(sql, site, order.kiosk_id, order.request, person_key, now, day)
        except QueueError as exc:
            return exc
        except UniqueViolation as exc:
            # The same request reached another worker or node, which committed
            # first (its nonce or request id is taken): the citizen gets that
            # ticket. With no ticket for it, the nonce was a replay.
            row = sql.ticket_by_request(order.kiosk_id, order.request.request_id)
            return (row, sql.ahead(row)) if row is not None else exc

    @staticmethod
    def _person(sql: QueueSql, order: TicketOrder, now: datetime) -> str | None:
        """The card holder behind the request's citizen token (presented at this kiosk, not expired)."""
        token = order.request.citizen_token
        if not token:
            return None
        row = sql.db.one(citizens.SQL_TOKEN, token_hash=citizens.token_hash(token))
        if row is None or row[0] != order.kiosk_id or from_db(row[2]) < now:
            raise QueueError("card_not_present", "read the citizen's ID card again at this kiosk", 403)
        return row[1]

    def _new_ticket(
        self,
        sql: QueueSql,
        site: Site,
        kiosk_id: str,
        req: TicketRequest,
        person_key: str | None,
        now: datetime,
        day: date,
    ) -> tuple[TicketRow, int]:
        """The new ticket and the people ahead of it."""
        letter, ticket_class, order_at, booking_code = req.type, "normal", now, None
        if req.priority and not person_key:
            raise QueueError("priority_needs_card", "the green channel needs the citizen's ID card", 422)
        if req.booking_code or req.appointment:
            code, letter, slot_start, kind, _ = self._booking_for(sql, site, req, person_key, now)
            ticket_class = "remote" if kind == "remote" else "appointment"
            order_at, booking_code = slot_start, code  # a remote place keeps the place taken from the phone
        elif req.priority:
            ticket_class = "priority"
        if letter not in site.type_map:
            raise QueueError("unknown_type", f"no business type {letter!r} at {site.name}", 422)
        if person_key:
            self._check_person(sql, site, person_key, letter, day)
        ticket_id = secrets.token_urlsafe(12)
        order_rank = 0 if ticket_class == "priority" else 1
        taken = sql.add_ticket(
            first=self.cfg.first_number,
            last=self.cfg.online_last_number,
            prefix=f"{CLASS_PREFIX[ticket_class]}{letter}",
            id=ticket_id,
            site=site.code,
            day=day,
            type=letter,
            ticket_class=ticket_class,
            order_rank=order_rank,
            order_at=order_at,
            issued_at=now,
            kiosk_id=kiosk_id,
            request_id=req.request_id,
            person_key=person_key,
            priority_reason=req.priority,
            booking_code=booking_code,
        )
        if taken is None:
            raise self._range_exhausted(site, letter)
        number, ahead = taken
        if booking_code:
            sql.check_in(booking_code, ticket_id)
        row = TicketRow(
            id=ticket_id,
            service_day=day,
            type=letter,
            number=number,
            display=f"{CLASS_PREFIX[ticket_class]}{letter}{number:03d}",
            ticket_class=ticket_class,
            state="waiting",
            order_rank=order_rank,
            order_at=order_at,
            issued_at=now,
            person_key=person_key,
            site=site.code,
        )
        return row, ahead

    def _range_exhausted(self, site: Site, letter: str) -> QueueError:
        kind = site.type_map.get(letter)
        return QueueError(
            "range_exhausted",
            f"all numbers for {kind.name if kind else letter} are taken today at {site.name} "
            f"({letter}{self.cfg.first_number:03d}-{letter}{self.cfg.online_last_number:03d})",
        )

    def _check_person(self, sql: QueueSql, site: Site, person_key: str, letter: str, day: date) -> None:
        rows = sql.person_tickets(day, person_key)
        open_same = [
            display
            for where, kind, state, display in rows
            if where == site.code and kind == letter and state in OPEN_STATES
        ]
        if open_same:
            raise QueueError("already_queued", f"this person already holds ticket {open_same[0]} for this service")
        if len(rows) >= self.cfg.daily_limit_per_person:
            raise QueueError(
                "daily_limit_reached",
                f"{self.cfg.daily_limit_per_person} tickets per person per day (all sites); limit reached",
            )

    def _booking_for(self, sql: QueueSql, site: Site, req: TicketRequest, person_key: str | None, now: datetime):
        """(code, type, slot_start, kind, slot_end) of the booking being checked in, at this site, in its window."""
        if req.booking_code:
            booking = sql.booking_by_code(site.code, req.booking_code.upper())
        elif person_key:
            day_start = datetime.combine(self.service_day(now, site), datetime.min.time(), site.tz)
            booking = sql.booking_of_person(site.code, person_key, day_start, day_start + timedelta(days=1))
        else:
            raise QueueError("booking_not_found", "appointment check-in needs a booking code or the ID card", 422)
        if booking is None:
            raise QueueError("booking_not_found", f"no booking for today at {site.name} was found")
        start = booking[2]
        if booking[3] == "remote":
            if now > booking[4]:
                raise QueueError(
                    "booking_too_late",
                    f"the remote place had to be checked in by {booking[4].astimezone(site.tz):%H:%M}: take a new number",
                )
            return booking
        if now < start - timedelta(minutes=self.cfg.appointment_early_min):
            raise QueueError(
                "booking_too_early",
                f"check-in opens {self.cfg.appointment_early_min} minutes "
                f"before the slot at {start.astimezone(site.tz):%H:%M}",
            )
        if now > start + timedelta(minutes=self.cfg.appointment_late_min):
            raise QueueError(
                "booking_too_late",
                f"the slot at {start.astimezone(site.tz):%H:%M} has passed "
                f"(check-in closes {self.cfg.appointment_late_min} minutes after)",
            )
        return booking

    # -- bookings ----------------------------------------------------------------------
    def book(
        self, letter: str, person_key: str, slot_start: datetime, slot_minutes: int = 30, site: str | None = None
    ) -> BookingReply:
        """A booked slot at the site for the person behind `person_key` (a hall's booking system normally does this)."""
        where = self.site(site)
        if not where.issues_tickets:
            raise QueueError("no_numbers_here", f"{where.name} is a self-service point: book at a hall", 409)
        if letter not in where.type_map:
            raise QueueError("unknown_type", f"no business type {letter!r} at {where.name}", 422)
        code = "".join(secrets.choice(BOOKING_ALPHABET) for _ in range(8))
        end = slot_start + timedelta(minutes=slot_minutes)
        self.store.transact(lambda sql: sql.add_booking(where.code, code, letter, person_key, slot_start, end))
        return BookingReply(code=code, type=letter, slot_start=slot_start, slot_end=end, state="booked")

    # -- where a ticket stands -----------------------------------------------------
    def _reply(self, row: TicketRow, ahead: int) -> TicketReply:
        site = self.site(row.site)
        low, high = self.estimate(site, row.service_day, row.type, ahead)
        kind = site.type_map.get(row.type)
        return TicketReply(
            id=row.id,
            number=row.display,
            type=row.type,
            type_name=kind.name if kind else row.type,
            type_name_en=kind.name_en if kind else "",
            ticket_class=row.ticket_class,  # type: ignore[arg-type]  # a TicketClass in the database
            real_name=row.person_key is not None,
            people_ahead=ahead,
            wait_low_min=low,
            wait_high_min=high,
            counters=tuple(site.counters_for(row.type)),
            issued_at=row.issued_at,
            service_day=row.service_day,
            url=f"{self.public_url}/t/{row.id}",
        )

    def status(self, ticket_id: str) -> TicketStatus | None:
        reads = self.store.read()
        row = reads.ticket(ticket_id)
        if row is None:
            return None
        site = self.sites.get().sites.get(row.site) or self.site()
        ahead, low, high = 0, 0, 0
        if row.state == "waiting":
            ahead = reads.ahead(row)
            low, high = self.estimate(site, row.service_day, row.type, ahead, wait=True)
        kind = site.type_map.get(row.type)
        counter = site.counter_map.get(row.counter) if row.counter is not None else None
        return TicketStatus(
            id=row.id,
            number=row.display,
            type=row.type,
            type_name=kind.name if kind else row.type,
            type_name_en=kind.name_en if kind else "",
            state=row.state,  # type: ignore[arg-type]  # a TicketState in the database
            people_ahead=ahead,
            wait_low_min=low,
            wait_high_min=high,
            counter=counter.label if counter else None,
            counter_number=row.counter,
            issued_at=row.issued_at,
            called_at=row.called_at,
            site=site.code,
            site_name=site.name,
            site_name_en=site.name_en,
        )

    def _queue_infos(self, site: Site, now: datetime) -> tuple[date, tuple[QueueInfo, ...]]:
        day = self.service_day(now, site)
        waiting = self.store.read().waiting_counts(site.code, day)
        infos = []
        for kind in site.types:
            low, high = self.estimate(site, day, kind.code, waiting.get(kind.code, 0), wait=True)
            infos.append(
                QueueInfo(
                    type=kind.code,
                    name=kind.name,
                    name_en=kind.name_en,
                    waiting=waiting.get(kind.code, 0),
                    counters=tuple(site.counters_for(kind.code)),
                    wait_low_min=low,
                    wait_high_min=high,
                )
            )
        return day, tuple(infos)

    def queues(self, now: datetime | None = None, *, site_code: str | None = None) -> QueuesReply:
        """The site's queues; at a self-service point, none of its own and the nearest halls' instead."""
        now = now or utcnow()
        site = self.site(site_code)
        day, infos = self._queue_infos(site, now) if site.issues_tickets else (self.service_day(now, site), ())
        nearby: list[SiteQueues] = []
        if not site.issues_tickets:
            for hall, distance in self.sites.get().nearest_halls(site):
                hall_day, hall_infos = self._queue_infos(hall, now)
                nearby.append(
                    SiteQueues(
                        site=hall.code,
                        name=hall.name,
                        name_en=hall.name_en,
                        address=hall.address,
                        distance_km=distance,
                        open_now=hall.hours.open_at(now.astimezone(hall.tz)),
                        service_day=hall_day,
                        queues=hall_infos,
                    )
                )
        return QueuesReply(
            service_day=day,
            queues=infos,
            site=site.code,
            site_name=site.name,
            site_name_en=site.name_en,
            issues_tickets=site.issues_tickets,
            nearby=tuple(nearby),
        )

    # -- estimates -------------------------------------------------------------------
    def estimate(self, site: Site, day: date, letter: str, position: int, *, wait: bool = False) -> tuple[int, int]:
        """(low, high) minutes for the waiting ticket with `position` people
        ahead of it at `site`. Without `wait`, the cached curve, even a stale one
        (see `_curve`); the database is read only for the day's first."""
        curve = self._curve(site, day, wait)
        low = self._at(curve, curve.low.get(letter, []), curve.step_low.get(letter), position, letter, FAST)
        high = self._at(curve, curve.high.get(letter, []), curve.step_high.get(letter), position, letter, SLOW)
        return int(low), int(high + MARGIN_MIN + 0.999)

    @staticmethod
    def _at(curve: _Curve, starts: list[float], step: float | None, position: int, letter: str, factor: float) -> float:
        if position < len(starts):
            return starts[position]
        if step is None or step <= 0 or len(starts) < 4:  # too few points to trust: average over servers
            servers = max(1, len(curve.site.counters_for(letter)))
            kind = curve.site.type_map.get(letter)
            step = (kind.avg_minutes if kind else UNKNOWN_AVG_MIN) * factor / servers
        base = starts[-1] if starts else 0.0
        return base + step * (position - len(starts) + (1 if starts else 0))

    def _curve(self, site: Site, day: date, wait: bool) -> _Curve:
        """The site's simulated queue that day, recomputed every ESTIMATE_TTL_S
        (or when the site's configuration changed). Without `wait` (issuing a
        ticket) a stale curve is used and the site is queued for the refresher
        thread: the simulation takes milliseconds, which no ticket should wait for."""
        key = (site.code, day)
        with self._lock:
            cached = self._curves.get(key)
            if cached and cached.site == site and time.monotonic() - cached.at < ESTIMATE_TTL_S:
                return cached
            if cached and not wait:
                self._stale[key] = site
                if not self._refreshing:
                    self._refreshing = True
                    threading.Thread(target=self._refresh, name="estimate", daemon=True).start()
                return cached
        return self._compute_curve(site, day)

    def _refresh(self) -> None:
        """One thread recomputes the stale curves, stalest first, resting REFRESH_REST
        times as long as each took: with many busy sites their curves age a little
        longer instead of the simulations taking the CPU the tickets need."""
        while True:
            with self._lock:
                if not self._stale:
                    self._refreshing = False
                    return
                key = min(self._stale, key=lambda k: self._curves[k].at if k in self._curves else 0.0)
                site = self._stale.pop(key)
            started = time.monotonic()
            try:
                self._compute_curve(site, key[1])
            except Exception:  # the stale curve stays; the next ticket asks again
                log.exception("recomputing the wait estimates of %s failed", site.code)
            time.sleep((time.monotonic() - started) * REFRESH_REST)

    def _compute_curve(self, site: Site, day: date) -> _Curve:
        reads = self.store.read()
        queue = reads.waiting_types(site.code, day, SIMULATED)
        busy = reads.busy_counters(site.code, day)
        now = utcnow()
        # a type this process's view does not know yet (added on another node a moment
        # ago) or any more is simulated with a default handling time, never a KeyError
        avg = {**dict.fromkeys(queue, UNKNOWN_AVG_MIN), **{t.code: t.avg_minutes for t in site.types}}
        counters = []
        for c in site.counters:
            free_in = 0.0
            letter, called_at = busy.get(c.number, ("", None))
            if called_at is not None:
                elapsed = (now - called_at).total_seconds() / 60
                free_in = max(0.0, avg.get(letter, UNKNOWN_AVG_MIN) - elapsed)
            counters.append(CounterState(c.number, frozenset(c.types), free_in))
        curve = _Curve(time.monotonic(), site, {}, {}, {}, {})
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
            self._curves = {k: v for k, v in self._curves.items() if k[1] >= day}  # a new day drops the old ones
            self._curves[(site.code, day)] = curve
        return curve
