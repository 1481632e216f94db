"""Folding one site-day: its tickets, no-shows and transfers, ratings and
certificate prints become Facts per dimension key. The reading is plain SQL
on either engine (central.rawsql.Exec); the counting is pure and tested on its
own against hand-computed figures (tests/test_stats.py)."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from central.clock import from_db, to_db
from central.rawsql import Exec
from central.stats.facts import Facts

Key = tuple[str, str]  # (dimension, key)


@dataclass(frozen=True)
class DayWindow:
    """A site's service day: local `reset` to the next day's `reset`, in naive UTC."""

    site: str
    day: date
    start: datetime
    end: datetime
    tz: ZoneInfo

    @classmethod
    def of(cls, site: str, day: date, tz: ZoneInfo, reset_minutes: int) -> DayWindow:
        local = datetime.combine(day, time(reset_minutes // 60, reset_minutes % 60), tz)
        return cls(site, day, to_db(local), to_db(local + timedelta(days=1)), tz)

    def slot(self, at: datetime) -> int:
        """weekday * 24 + hour, local time: the arrivals heatmap's cell."""
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
    "SELECT (SELECT COUNT(*) FROM tickets WHERE site = :site AND service_day = :day), "
    "(SELECT COUNT(called_at) FROM tickets WHERE site = :site AND service_day = :day), "
    "(SELECT COUNT(finished_at) FROM tickets WHERE site = :site AND service_day = :day), "
    "(SELECT COUNT(*) FROM queue_events WHERE site = :site AND at >= :start AND at < :end "
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
    row = db.one(_FINGERPRINT, site=window.site, day=window.day, start=window.start, end=window.end)
    return fingerprint(*(int(v or 0) for v in row))


def fold(rows: DayRows, window: DayWindow) -> dict[Key, Facts]:
    """Facts per (dimension, key) of one site-day. Every ticket counts for the
    site and its (final) business type; its call for the counter and the staff
    member who made it; issuing for the kiosk that printed it."""
    facts: dict[Key, Facts] = defaultdict(Facts)

    def keys(type_: str | None, counter: int | None, staff: str | None) -> list[Key]:
        found = [("site", "")]
        if type_:
            found.append(("type", type_))
        if counter is not None:
            found.append(("counter", str(counter)))
        if staff:
            found.append(("staff", staff))
        return found

    for t in rows.tickets:
        slot = window.slot(t.issued_at)
        for key in [("site", ""), ("type", t.type)] + ([("kiosk", t.kiosk_id)] if t.kiosk_id else []):
            facts[key].issue(t.channel, slot)
        served_keys = keys(t.type, t.counter, t.served_by)
        if t.called_at is not None:
            wait = max(0, int((t.called_at - t.issued_at).total_seconds()))
            for key in served_keys:
                facts[key].waited(wait)
        if t.state == "done" and t.called_at is not None and t.finished_at is not None:
            handle = max(0, int((t.finished_at - t.called_at).total_seconds()))
            for key in served_keys:
                facts[key].handled(handle)
        if t.state == "waiting":
            for key in keys(t.type, None, None):
                facts[key].unserved += 1
    for kind, payload in rows.events:
        counter = payload.get("counter")
        for key in keys(payload.get("type"), counter if isinstance(counter, int) else None, payload.get("staff")):
            if kind == "no_show":
                facts[key].no_shows += 1
            else:
                facts[key].transfers += 1
    for level, type_, counter, staff in rows.ratings:
        for key in keys(type_, counter, staff):
            facts[key].rate(level)
    for kiosk, copies in rows.prints:
        for key in (("site", ""), ("kiosk", kiosk)):
            facts[key].prints += copies
    return dict(facts)
