"""Folding one site-day: its tickets, no-shows and transfers, ratings and
certificate prints become Facts per dimension key. The reading is plain SQL
on either engine (central.rawsql.Exec); the counting is pure and tested on its
own against hand-computed figures (tests/test_stats.py)."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from central.clock import from_db, to_db
from central.rawsql import Exec
from central.stats.facts import CHANNELS, Facts, bucket

Key = tuple[str, str]  # (dimension, key)


@dataclass(frozen=True)
class DayWindow:
    """A site's service day: local `reset` to the next day's `reset`, in naive UTC."""

    site: str
    day: date
    start: datetime
    end: datetime
    tz: ZoneInfo
    reset_minutes: int = 0

    @classmethod
    def of(cls, site: str, day: date, tz: ZoneInfo, reset_minutes: int) -> DayWindow:
        local = datetime.combine(day, time(reset_minutes // 60, reset_minutes % 60), tz)
        return cls(site, day, to_db(local), to_db(local + timedelta(days=1)), tz, reset_minutes)

    @cached_property
    def _steady(self) -> datetime | None:
        """The window's start (aware UTC) when the zone's offset is the same all
        day (no clock change): local hours are then counted from it."""
        start, end = self.start.replace(tzinfo=UTC), self.end.replace(tzinfo=UTC)
        return start if start.astimezone(self.tz).utcoffset() == end.astimezone(self.tz).utcoffset() else None

    def slot(self, at: datetime) -> int:
        """weekday * 24 + hour, local time: the arrivals heatmap's cell."""
        start = self._steady
        if start is not None:
            hours = (self.reset_minutes * 60 + int((at - start).total_seconds())) // 3600
            return (self.day.weekday() * 24 + hours) % 168
        local = at.astimezone(self.tz)
        return local.weekday() * 24 + local.hour


@dataclass(frozen=True)
class TicketFacts:
    type: str
    state: str
    issued_at: datetime
    called_at: datetime | None
    finished_at: datetime | None
    counter: int | None
    served_by: str | None
    kiosk_id: str | None
    offline: bool
    ticket_class: str

    @property
    def channel(self) -> str:
        if self.ticket_class in ("appointment", "remote"):
            return "appointment"
        if self.offline:
            return "offline"
        return "kiosk" if self.kiosk_id else "staff"


@dataclass(frozen=True)
class DayRows:
    """What a site-day's fold reads."""

    tickets: list[TicketFacts]
    events: list[tuple[str, dict]]  # (kind, payload) of no-shows and transfers
    ratings: list[tuple[int, str | None, int | None, str | None]]  # level, type, counter, staff
    prints: list[tuple[str, int]]  # kiosk, copies printed

    def fingerprint(self) -> str:
        return fingerprint(
            len(self.tickets),
            sum(t.called_at is not None for t in self.tickets),
            sum(t.finished_at is not None for t in self.tickets),
            len(self.events),
            len(self.ratings),
            sum(c for _, c in self.prints),
        )


def fingerprint(tickets: int, called: int, finished: int, events: int, ratings: int, prints: int) -> str:
    """What must stay the same for a folded day to stay right."""
    return f"t{tickets}c{called}f{finished}e{events}r{ratings}p{prints}"


_TICKETS = (
    "SELECT type, state, issued_at, called_at, finished_at, counter, served_by, kiosk_id, offline, ticket_class "
    "FROM tickets WHERE site = :site AND service_day = :day"
)
_EVENTS = (
    "SELECT kind, payload FROM queue_events WHERE site = :site AND at >= :start AND at < :end "
    "AND kind IN ('no_show', 'transfer')"
)
# a case's rating counts for the case's counter and clerk; a ticket's for whoever served it
_RATINGS = (
    "SELECT r.level, t.type, COALESCE(c.counter, t.counter), COALESCE(c.staff, t.served_by) FROM ratings r "
    "LEFT JOIN cases c ON r.subject = 'case' AND c.case_number = r.case_number "
    "LEFT JOIN tickets t ON t.id = COALESCE(c.ticket_id, CASE WHEN r.subject = 'ticket' THEN r.subject_ref END) "
    "WHERE r.site = :site AND r.at >= :start AND r.at < :end"
)
_PRINTS = (
    "SELECT kiosk_id, SUM(copies) FROM certificate_prints WHERE site = :site AND at >= :start AND at < :end "
    "AND outcome = 'printed' GROUP BY kiosk_id"
)
_FINGERPRINT = (
    "SELECT COUNT(*), COUNT(called_at), COUNT(finished_at) FROM tickets WHERE site = :site AND service_day = :day"
)
_FINGERPRINT_OTHERS = (
    "SELECT (SELECT COUNT(*) FROM queue_events WHERE site = :site AND at >= :start AND at < :end "
    "AND kind IN ('no_show', 'transfer')), "
    "(SELECT COUNT(*) FROM ratings WHERE site = :site AND at >= :start AND at < :end), "
    "(SELECT COALESCE(SUM(copies), 0) FROM certificate_prints WHERE site = :site AND at >= :start AND at < :end "
    "AND outcome = 'printed')"
)


def read_day(db: Exec, window: DayWindow) -> DayRows:
    params = {"site": window.site, "day": window.day, "start": window.start, "end": window.end}
    tickets = [
        TicketFacts(r[0], r[1], from_db(r[2]), from_db(r[3]), from_db(r[4]), r[5], r[6], r[7], bool(r[8]), r[9])
        for r in db.all(_TICKETS, **params)
    ]
    events = [(r[0], json.loads(r[1])) for r in db.all(_EVENTS, **params)]
    ratings = [(int(r[0]), r[1], r[2], r[3]) for r in db.all(_RATINGS, **params)]
    prints = [(r[0], int(r[1])) for r in db.all(_PRINTS, **params)]
    return DayRows(tickets, events, ratings, prints)


def read_fingerprint(db: Exec, window: DayWindow) -> str:
    """The day's counts: the tickets in one pass over the day's rows, the rest by their indexes."""
    tickets = db.one(_FINGERPRINT, site=window.site, day=window.day)
    others = db.one(_FINGERPRINT_OTHERS, site=window.site, start=window.start, end=window.end)
    return fingerprint(*(int(v or 0) for v in (*tickets, *others)))


def fold(rows: DayRows, window: DayWindow) -> dict[Key, Facts]:
    """Facts per (dimension, key) of one site-day. Every ticket counts for the
    site and its (final) business type; its call for the counter and the staff
    member who made it; issuing for the kiosk that printed it. Tickets are
    gathered into lists per key first and counted with built-ins: today's
    tickets of a whole city are folded on the fly for reports."""
    site: Key = ("site", "")
    issued: dict[Key, list[tuple[str, int]]] = defaultdict(list)
    waits: dict[Key, list[int]] = defaultdict(list)
    handles: dict[Key, list[int]] = defaultdict(list)
    wait_buckets: dict[Key, list[int]] = defaultdict(list)  # the histogram's bucket of each, worked out once
    handle_buckets: dict[Key, list[int]] = defaultdict(list)
    unserved: Counter[Key] = Counter()
    for t in rows.tickets:
        kind: Key = ("type", t.type)
        mark = (t.channel, window.slot(t.issued_at))
        issued[site].append(mark)
        issued[kind].append(mark)
        if t.kiosk_id:
            issued[("kiosk", t.kiosk_id)].append(mark)
        if t.called_at is None:
            if t.state == "waiting":
                unserved[site] += 1
                unserved[kind] += 1
            continue
        served = [site, kind]
        if t.counter is not None:
            served.append(("counter", str(t.counter)))
        if t.served_by:
            served.append(("staff", t.served_by))
        wait = max(0, int((t.called_at - t.issued_at).total_seconds()))
        done = t.state == "done" and t.finished_at is not None
        handle = max(0, int((t.finished_at - t.called_at).total_seconds())) if done else 0  # type: ignore[operator]
        wait_bucket, handle_bucket = bucket(wait), bucket(handle)
        for key in served:
            waits[key].append(wait)
            wait_buckets[key].append(wait_bucket)
            if done:
                handles[key].append(handle)
                handle_buckets[key].append(handle_bucket)
    facts: dict[Key, Facts] = defaultdict(Facts)
    for key, marks in issued.items():
        f = facts[key]
        f.issued = len(marks)
        channels = Counter(channel for channel, _ in marks)
        for channel in CHANNELS:
            setattr(f, f"issued_{channel}", channels[channel])
        f.arrivals = Counter(slot for _, slot in marks)
    for key, values in waits.items():
        f = facts[key]
        f.wait_n, f.wait_sum, f.wait_max = len(values), sum(values), max(values)
        f.wait_hist = Counter(wait_buckets[key])
    for key, values in handles.items():
        f = facts[key]
        f.served = f.handle_n = len(values)
        f.handle_sum, f.handle_max = sum(values), max(values)
        f.handle_hist = Counter(handle_buckets[key])
    for key, n in unserved.items():
        facts[key].unserved = n

    def keys(type_: str | None, counter: int | None, staff: str | None) -> list[Key]:
        found = [site]
        if type_:
            found.append(("type", type_))
        if counter is not None:
            found.append(("counter", str(counter)))
        if staff:
            found.append(("staff", staff))
        return found

    for kind_, payload in rows.events:
        counter = payload.get("counter")
        for key in keys(payload.get("type"), counter if isinstance(counter, int) else None, payload.get("staff")):
            if kind_ == "no_show":
                facts[key].no_shows += 1
            else:
                facts[key].transfers += 1
    for level, type_, counter_, staff in rows.ratings:
        for key in keys(type_, counter_, staff):
            facts[key].rate(level)
    for kiosk, copies in rows.prints:
        for key in (site, ("kiosk", kiosk)):
            facts[key].prints += copies
    return dict(facts)
