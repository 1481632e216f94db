"""The queue store: every statement on the queue, calling, lease and event
tables (central.queue.tables), one implementation for SQLite and PostgreSQL.
The engine, calling, offline desk and board keep only the rules.

Concurrency is settled here, the same way on both engines:
- a write is one transaction run by `QueueStore.transact`, retried whole on a
  deadlock or serialization failure (PostgreSQL; SQLite has one writer);
- rows are locked in one order: a counter's row, then tickets, then the event
  log; numbers come from one UPSERT per ticket, and a batch takes its types'
  counter rows in sorted order (see QueueEngine.issue_many);
- the next ticket for a counter is taken with FOR UPDATE SKIP LOCKED and a
  conditional update, so two counters never call the same ticket;
- events get their id under a lock held to commit, so ids are in commit order
  and a stream that has read id N never misses a smaller one later; each commit
  that adds one NOTIFYs `queue_events` (PostgreSQL) to wake the streams.

Datetimes go in aware and come out aware UTC (central.clock)."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy.engine import Engine

from central.clock import day_from_db, from_db
from central.rawsql import INSERT_NONCE, Exec, in_list, runner_for, transact

log = logging.getLogger(__name__)
T = TypeVar("T")
RETRIES = 8
EVENT_LOCK = 0x6B696F736B  # pg_advisory_xact_lock key: one writer of the event log at a time, until commit
EVENT_CHANNEL = "queue_events"

ROW_COLUMNS = (
    "id, service_day, type, number, display, ticket_class, state, order_rank, order_at, issued_at, person_key, site"
)
SQL_BY_REQUEST = f"SELECT {ROW_COLUMNS} FROM tickets WHERE kiosk_id = :kiosk_id AND request_id = :request_id"
SQL_NEXT_NUMBER = (
    "INSERT INTO number_counters (site, service_day, type, last_number) VALUES (:site, :day, :type, :first) "
    "ON CONFLICT (site, service_day, type) DO UPDATE SET last_number = number_counters.last_number + 1 "
    "RETURNING last_number"
)
SQL_INSERT_TICKET = (
    "INSERT INTO tickets (id, site, service_day, type, issued_type, number, display, ticket_class, state, order_rank, "
    "order_at, issued_at, kiosk_id, request_id, person_key, priority_reason, booking_code, offline, kiosk_issued_at, "
    "received_at) VALUES (:id, :site, :service_day, :type, :type, :number, :display, :ticket_class, 'waiting', :order_rank, "
    ":order_at, :issued_at, :kiosk_id, :request_id, :person_key, :priority_reason, :booking_code, :offline, "
    ":kiosk_issued_at, :received_at)"
)
_WAITING = (
    "SELECT COUNT(*) FROM tickets WHERE site = :site AND service_day = :day AND type = :type AND state = 'waiting' AND "
)
# People ahead in calling order (order_rank, order_at, number): three index
# ranges summed, each answered from ix_tickets_queue alone. One OR-ed range
# costs twice as much, since every waiting ticket is then tested row by row.
SQL_AHEAD = (
    f"SELECT ({_WAITING}order_rank < :rank) + ({_WAITING}order_rank = :rank AND order_at < :at) + "
    f"({_WAITING}order_rank = :rank AND order_at = :at AND number < :number)"
)
CALLING_ORDER = "ORDER BY order_rank, order_at, number"
# PostgreSQL: the nonce and the idempotency lookup in one round trip, and the
# number, the ticket and its place in the queue in another (a data-modifying
# CTE; SQLite has none, so there they are separate statements). Round trips,
# not work, are what a ticket costs on a networked database.
SQL_PG_FIND_REQUEST = f"WITH seen AS ({INSERT_NONCE} RETURNING 1) {SQL_BY_REQUEST}"
# the calling order as one row comparison: a single range of ix_tickets_queue (SQLite cannot use
# a row comparison as an index range, hence SQL_AHEAD's three ranges there)
_PG_AHEAD = (
    "SELECT COUNT(*) FROM tickets WHERE site = :site AND service_day = :day AND type = :type AND state = 'waiting' AND "
)
SQL_PG_ADD_TICKET = (
    f"WITH num AS ({SQL_NEXT_NUMBER}), "
    "ins AS (INSERT INTO tickets (id, site, service_day, type, issued_type, number, display, ticket_class, state, "
    "order_rank, order_at, issued_at, kiosk_id, request_id, person_key, priority_reason, booking_code, offline) "
    "SELECT :id, :site, :day, :type, :type, last_number, :prefix || lpad(CAST(last_number AS TEXT), 3, '0'), "
    ":ticket_class, 'waiting', :order_rank, :order_at, :issued_at, :kiosk_id, :request_id, :person_key, "
    ":priority_reason, :booking_code, FALSE FROM num WHERE last_number <= :last RETURNING number) "
    f"SELECT num.last_number, ({_PG_AHEAD}(order_rank, order_at, number) < (:order_rank, :order_at, num.last_number)) "
    "FROM num"
)
# PostgreSQL, a ticket with nothing to check between "was it issued?" and "issue
# it" (no card, no booking): everything in one statement, no savepoint. The
# nonce goes in only if unseen (waiting for a transaction of another node that
# holds it); a number is taken only for a new nonce and an unknown request, and
# only below `last` (the counter row is left as it was otherwise).
SQL_PG_PLAIN_TICKET = (
    "WITH prior AS (SELECT id FROM tickets WHERE kiosk_id = :kiosk_id AND request_id = :request_id), "
    "seen AS (INSERT INTO used_nonces (kiosk_id, nonce, seen_at) VALUES (:kiosk_id, :nonce, :issued_at) "
    "ON CONFLICT DO NOTHING RETURNING 1), "
    "num AS (INSERT INTO number_counters (site, service_day, type, last_number) SELECT :site, :day, :type, :first "
    "FROM seen WHERE NOT EXISTS (SELECT 1 FROM prior) ON CONFLICT (site, service_day, type) DO UPDATE "
    "SET last_number = number_counters.last_number + 1 WHERE number_counters.last_number < :last "
    "RETURNING last_number), "
    "ins AS (INSERT INTO tickets (id, site, service_day, type, issued_type, number, display, ticket_class, state, "
    "order_rank, order_at, issued_at, kiosk_id, request_id, person_key, priority_reason, booking_code, offline) "
    "SELECT :id, :site, :day, :type, :type, last_number, :prefix || lpad(CAST(last_number AS TEXT), 3, '0'), "
    ":ticket_class, 'waiting', :order_rank, :order_at, :issued_at, :kiosk_id, :request_id, NULL, NULL, NULL, "
    "FALSE FROM num RETURNING number) "
    "SELECT (SELECT COUNT(*) FROM seen), (SELECT id FROM prior), num.last_number, "
    f"({_PG_AHEAD}(order_rank, order_at, number) < (:order_rank, :order_at, num.last_number)) "
    "FROM (SELECT 1) AS one LEFT JOIN num ON TRUE"
)


@dataclass(frozen=True)
class TicketRow:
    """A ticket as the engine needs it (issuing, "people ahead")."""

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
    site: str

    @classmethod
    def from_db(cls, row: Sequence[Any]) -> TicketRow:
        ident, day, kind, number, display, cls_, state, rank, order_at, issued_at, person, site = row
        return cls(
            ident,
            day_from_db(day),
            kind,
            number,
            display,
            cls_,
            state,
            rank,
            from_db(order_at),
            from_db(issued_at),
            person,
            site,
        )


@dataclass(frozen=True)
class Ticket:
    """Everything about one ticket (status pages, counters)."""

    id: str
    service_day: date
    type: str
    display: str
    ticket_class: str
    state: str
    order_rank: int
    order_at: datetime
    number: int
    issued_at: datetime
    counter: int | None
    called_at: datetime | None
    finished_at: datetime | None
    site: str


TICKET_COLUMNS = (
    "id, service_day, type, display, ticket_class, state, order_rank, order_at, number, issued_at, counter, "
    "called_at, finished_at, site"
)


def _ticket(row) -> Ticket | None:
    if row is None:
        return None
    ident, day, kind, display, cls_, state, rank, order_at, number, issued, counter, called, finished, site = row
    return Ticket(
        ident,
        day_from_db(day),
        kind,
        display,
        cls_,
        state,
        rank,
        from_db(order_at),
        number,
        from_db(issued),
        counter,
        from_db(called),
        from_db(finished),
        site,
    )


@dataclass(frozen=True)
class CounterRow:
    site: str
    number: int
    open: bool
    paused: bool
    ticket_id: str | None
    staff: str | None


@dataclass(frozen=True)
class Event:
    id: int
    site: str
    at: datetime
    kind: str
    ticket_id: str | None
    payload: dict


@dataclass(frozen=True)
class LeaseRow:
    id: int
    kiosk_id: str
    site: str
    service_day: date
    type: str
    first: int
    last: int
    leased_at: datetime


class QueueSql:
    """The statements, on one transaction (a write) or on autocommit reads."""

    def __init__(self, db: Exec, postgres: bool):
        self.db = db
        self.postgres = postgres
        self._for_update = " FOR UPDATE" if postgres else ""  # SQLite: the one writer holds the file
        self.events_added = 0

    # -- issuing ---------------------------------------------------------------
    def record_nonce(self, kiosk_id: str, nonce: str, at: datetime) -> None:
        """UniqueViolation when the nonce was seen (a replay)."""
        self.db.run(INSERT_NONCE, kiosk_id=kiosk_id, nonce=nonce, seen_at=at)

    def ticket_by_request(self, kiosk_id: str, request_id: str) -> TicketRow | None:
        row = self.db.one(SQL_BY_REQUEST, kiosk_id=kiosk_id, request_id=request_id)
        return TicketRow.from_db(row) if row else None

    def find_request(self, kiosk_id: str, request_id: str, nonce: str | None, at: datetime) -> TicketRow | None:
        """The ticket already issued for this request, after recording the
        signed request's nonce (UniqueViolation: the nonce was seen before)."""
        if nonce is None:
            return self.ticket_by_request(kiosk_id, request_id)
        if not self.postgres:
            self.record_nonce(kiosk_id, nonce, at)
            return self.ticket_by_request(kiosk_id, request_id)
        row = self.db.one(SQL_PG_FIND_REQUEST, kiosk_id=kiosk_id, nonce=nonce, seen_at=at, request_id=request_id)
        return TicketRow.from_db(row) if row else None

    def add_ticket(self, *, first: int, last: int, prefix: str, **values: Any) -> tuple[int, int] | None:
        """Take the type's next number and insert the ticket under it: (number,
        people ahead of it), or None when the number is past `last` (nothing was
        inserted; rolling back the caller's savepoint gives the number back).
        `values`: id, day, type, ticket_class, order_rank, order_at, issued_at,
        kiosk_id, request_id, person_key, priority_reason, booking_code."""
        if self.postgres:
            number, ahead = self.db.one(SQL_PG_ADD_TICKET, first=first, last=last, prefix=prefix, **values)
            return (number, ahead) if number <= last else None
        number = self.next_number(values["site"], values["day"], values["type"], first)
        if number > last:
            return None
        day = values.pop("day")
        self.insert_ticket(service_day=day, number=number, display=f"{prefix}{number:03d}", **values)
        rank, at = values["order_rank"], values["order_at"]
        ahead = self.db.one(
            SQL_AHEAD, site=values["site"], day=day, type=values["type"], rank=rank, at=at, number=number
        )[0]
        return number, ahead

    def add_plain_ticket(
        self, *, nonce: str, first: int, last: int, prefix: str, **values: Any
    ) -> tuple[bool, str | None, int | None, int | None]:
        """PostgreSQL, one statement: (nonce was new, id of the ticket already
        issued for the request, new number, people ahead). `values`: id, day,
        type, ticket_class, order_rank, order_at, issued_at, kiosk_id, request_id.
        A UniqueViolation here (the same request on two nodes under two nonces at
        once) aborts the whole transaction: the caller runs it again carefully."""
        fresh, prior, number, ahead = self.db.one(
            SQL_PG_PLAIN_TICKET, nonce=nonce, first=first, last=last, prefix=prefix, **values
        )
        return bool(fresh), prior, number, ahead

    def person_tickets(self, day: date, person_key: str) -> list[tuple[str, str, str, str]]:
        """(site, type, state, display) of the person's tickets that day, at every site."""
        return [
            tuple(r)
            for r in self.db.all(
                "SELECT site, type, state, display FROM tickets WHERE service_day = :day AND person_key = :person_key",
                day=day,
                person_key=person_key,
            )
        ]

    def booking_by_code(self, site: str, code: str) -> tuple[str, str, datetime, str, datetime] | None:
        """(code, type, slot start, kind, slot end) of a booking not yet checked in."""
        row = self.db.one(
            "SELECT code, type, slot_start, kind, slot_end FROM bookings WHERE state = 'booked' AND code = :code "
            "AND site = :site "
            "ORDER BY slot_start",
            code=code,
            site=site,
        )
        return (row[0], row[1], from_db(row[2]), row[3], from_db(row[4])) if row else None

    def booking_of_person(
        self, site: str, person_key: str, start: datetime, end: datetime
    ) -> tuple[str, str, datetime, str, datetime] | None:
        row = self.db.one(
            "SELECT code, type, slot_start, kind, slot_end FROM bookings WHERE state = 'booked' "
            "AND person_key = :person_key "
            "AND site = :site AND slot_start >= :start AND slot_start < :end ORDER BY slot_start",
            person_key=person_key,
            site=site,
            start=start,
            end=end,
        )
        return (row[0], row[1], from_db(row[2]), row[3], from_db(row[4])) if row else None

    def next_number(self, site: str, day: date, letter: str, first: int) -> int:
        """The next number of the site's type that day (locks its counter row to commit)."""
        return self.db.one(SQL_NEXT_NUMBER, site=site, day=day, type=letter, first=first)[0]

    def lock_numbers(self, site: str, day: date, letter: str, first: int) -> None:
        """Lock the type's counter row without taking a number (leases). Creates
        it at first - 1, so the next online ticket still gets `first`."""
        self.db.one(
            "INSERT INTO number_counters (site, service_day, type, last_number) VALUES (:site, :day, :type, :before) "
            "ON CONFLICT (site, service_day, type) DO UPDATE SET last_number = number_counters.last_number "
            "RETURNING last_number",
            site=site,
            day=day,
            type=letter,
            before=first - 1,
        )

    def insert_ticket(self, **values: Any) -> None:
        """Every column of SQL_INSERT_TICKET; UniqueViolation on a taken number or request id."""
        defaults = {"booking_code": None, "offline": False, "kiosk_issued_at": None, "received_at": None}
        self.db.run(SQL_INSERT_TICKET, **{**defaults, **values})

    def check_in(self, code: str, ticket_id: str) -> None:
        """The booking is used; whoever asked for messages about it follows its ticket."""
        self.db.run(
            "UPDATE bookings SET state = 'checked_in', ticket_id = :ticket_id WHERE code = :code",
            code=code,
            ticket_id=ticket_id,
        )
        self.db.run("UPDATE notify_subscriptions SET ticket_id = :t WHERE booking_code = :c", t=ticket_id, c=code)

    def ahead(self, row: TicketRow | Ticket) -> int:
        """Waiting tickets of the same type before `row` in calling order."""
        return self.db.one(
            SQL_AHEAD,
            site=row.site,
            day=row.service_day,
            type=row.type,
            rank=row.order_rank,
            at=row.order_at,
            number=row.number,
        )[0]

    def add_booking(self, site: str, code: str, letter: str, person_key: str, start: datetime, end: datetime) -> None:
        self.db.run(
            "INSERT INTO bookings (code, site, type, person_key, slot_start, slot_end, state) "
            "VALUES (:code, :site, :type, :person_key, :start, :end, 'booked')",
            code=code,
            site=site,
            type=letter,
            person_key=person_key,
            start=start,
            end=end,
        )

    # -- reading the queue -------------------------------------------------------
    def ticket(self, ticket_id: str, *, lock: bool = False) -> Ticket | None:
        return _ticket(
            self.db.one(
                f"SELECT {TICKET_COLUMNS} FROM tickets WHERE id = :id{self._for_update if lock else ''}", id=ticket_id
            )
        )

    def waiting_counts(self, site: str, day: date) -> dict[str, int]:
        return dict(
            self.db.all(
                "SELECT type, COUNT(*) FROM tickets WHERE site = :site AND service_day = :day AND state = 'waiting' "
                "GROUP BY type",
                site=site,
                day=day,
            )
        )

    def waiting_types(self, site: str, day: date, limit: int) -> list[str]:
        """The types of the site's waiting tickets in calling order (the estimate's queue)."""
        rows = self.db.all(
            "SELECT type FROM tickets WHERE site = :site AND service_day = :day AND state = 'waiting' "
            f"{CALLING_ORDER} LIMIT :limit",
            site=site,
            day=day,
            limit=limit,
        )
        return [r[0] for r in rows]

    def busy_counters(self, site: str, day: date) -> dict[int, tuple[str, datetime | None]]:
        """Counter -> (type, called_at) of the ticket it is calling or serving."""
        rows = self.db.all(
            "SELECT counter, type, called_at FROM tickets WHERE site = :site AND service_day = :day "
            "AND state IN ('called', 'serving') AND counter IS NOT NULL",
            site=site,
            day=day,
        )
        return {r[0]: (r[1], from_db(r[2])) for r in rows}

    def waiting_list(self, site: str, day: date, types: Sequence[str], limit: int) -> list[dict]:
        where, params = in_list("t", types) if types else ("", {})
        rows = self.db.all(
            "SELECT id, display, type, ticket_class, issued_at, order_rank, priority_reason FROM tickets "
            f"WHERE site = :site AND service_day = :day AND state = 'waiting'{' AND type IN ' + where if types else ''} "
            f"{CALLING_ORDER} LIMIT :limit",
            site=site,
            day=day,
            limit=limit,
            **params,
        )
        return [
            {
                "id": r[0],
                "number": r[1],
                "type": r[2],
                "class": r[3],
                "priority": r[5] == 0,
                "priority_reason": r[6],
                "issued_at": from_db(r[4]).isoformat().replace("+00:00", "Z"),
            }
            for r in rows
        ]

    def day_tickets(
        self, site: str, day: date
    ) -> list[tuple[str, str, datetime, datetime | None, datetime | None, str]]:
        """(type, state, issued_at, called_at, finished_at, ticket_class) of the site's tickets
        that day (the manager's figures)."""
        rows = self.db.all(
            "SELECT type, state, issued_at, called_at, finished_at, ticket_class FROM tickets "
            "WHERE site = :site AND service_day = :day",
            site=site,
            day=day,
        )
        return [(r[0], r[1], from_db(r[2]), from_db(r[3]), from_db(r[4]), r[5]) for r in rows]

    # -- counters ------------------------------------------------------------------
    def lock_counter(self, site: str, number: int) -> CounterRow:
        """The counter's row, made if missing, locked to commit (first in the lock order)."""
        sql = (
            "SELECT site, number, open, paused, ticket_id, staff FROM counter_states "
            f"WHERE site = :site AND number = :number{self._for_update}"
        )
        row = self.db.one(sql, site=site, number=number)
        if row is None:
            self.db.run(
                "INSERT INTO counter_states (site, number, open, paused) VALUES (:site, :number, TRUE, FALSE) "
                "ON CONFLICT (site, number) DO NOTHING",
                site=site,
                number=number,
            )
            row = self.db.one(sql, site=site, number=number)
        return CounterRow(row[0], row[1], bool(row[2]), bool(row[3]), row[4], row[5])

    def counters(self, site: str) -> list[tuple[CounterRow, Ticket | None]]:
        """Every counter's row at the site, with the ticket it holds."""
        rows = self.db.all(
            "SELECT c.site, c.number, c.open, c.paused, c.ticket_id, c.staff, "
            + ", ".join(f"t.{name.strip()}" for name in TICKET_COLUMNS.split(","))
            + " FROM counter_states c LEFT JOIN tickets t ON t.id = c.ticket_id WHERE c.site = :site",
            site=site,
        )
        return [
            (CounterRow(r[0], r[1], bool(r[2]), bool(r[3]), r[4], r[5]), _ticket(r[6:]) if r[6] is not None else None)
            for r in rows
        ]

    def update_counter(self, site: str, number: int, **values: Any) -> None:
        """Set columns of a counter's row: ticket_id, staff, open, paused."""
        allowed = {"ticket_id", "staff", "open", "paused"}
        if not values or set(values) - allowed:
            raise ValueError(f"counter columns are {sorted(allowed)}")
        sets = ", ".join(f"{name} = :{name}" for name in values)
        self.db.run(
            f"UPDATE counter_states SET {sets} WHERE site = :site AND number = :number",
            site=site,
            number=number,
            **values,
        )

    def next_waiting(self, site: str, day: date, types: Sequence[str]) -> tuple[str, str, str] | None:
        """(id, display, type) of the site's first waiting ticket of `types`,
        locked; one another counter is calling right now is skipped (PostgreSQL)."""
        where, params = in_list("t", types)
        row = self.db.one(
            "SELECT id, display, type FROM tickets WHERE site = :site AND service_day = :day AND state = 'waiting' "
            f"AND type IN {where} {CALLING_ORDER} LIMIT 1{' FOR UPDATE SKIP LOCKED' if self.postgres else ''}",
            site=site,
            day=day,
            **params,
        )
        return (row[0], row[1], row[2]) if row else None

    def call(self, ticket_id: str, counter: int, at: datetime, staff: str | None = None) -> bool:
        """Mark a waiting ticket called at `counter` by `staff`; False if it is no longer waiting."""
        return (
            self.db.count(
                "UPDATE tickets SET state = 'called', counter = :counter, called_at = :at, served_by = :staff "
                "WHERE id = :id AND state = 'waiting'",
                id=ticket_id,
                counter=counter,
                at=at,
                staff=staff,
            )
            == 1
        )

    def finish(self, ticket_id: str, at: datetime, state: str = "done") -> bool:
        """Close a called or serving ticket (done, no_show)."""
        return (
            self.db.count(
                "UPDATE tickets SET state = :state, finished_at = :at WHERE id = :id AND state IN ('called', 'serving')",
                id=ticket_id,
                at=at,
                state=state,
            )
            == 1
        )

    def requeue(self, ticket_id: str, order_at: datetime, letter: str | None = None) -> bool:
        """Back to waiting (a no-show at the end of its queue, or a transfer to `letter`)."""
        sets = "state = 'waiting', counter = NULL, called_at = NULL" + (", type = :type" if letter else "")
        params: dict[str, Any] = {"id": ticket_id}
        if letter:
            params["type"] = letter
        else:
            sets += ", order_at = :order_at"
            params["order_at"] = order_at
        return (
            self.db.count(f"UPDATE tickets SET {sets} WHERE id = :id AND state IN ('called', 'serving')", **params) == 1
        )

    def give_priority(self, ticket_id: str, reason: str) -> bool:
        return (
            self.db.count(
                "UPDATE tickets SET order_rank = 0, priority_reason = :reason WHERE id = :id AND state = 'waiting'",
                id=ticket_id,
                reason=reason,
            )
            == 1
        )

    # -- the event log ---------------------------------------------------------------
    def add_event(self, site: str, kind: str, ticket_id: str | None, payload: dict, at: datetime) -> None:
        """Append to the event log: the last statement of its transaction (the
        lock it takes on PostgreSQL is the last in the lock order)."""
        if self.postgres:
            self.db.run("SELECT pg_advisory_xact_lock(:key)", key=EVENT_LOCK)
            self.db.run(f"NOTIFY {EVENT_CHANNEL}")  # delivered at commit, to every node's listener
        self.db.run(
            "INSERT INTO queue_events (site, at, kind, ticket_id, payload) "
            "VALUES (:site, :at, :kind, :ticket_id, :payload)",
            site=site,
            at=at,
            kind=kind,
            ticket_id=ticket_id,
            payload=json.dumps(payload, ensure_ascii=False),
        )
        self.events_added += 1

    def last_event_id(self) -> int:
        return self.db.one("SELECT MAX(id) FROM queue_events")[0] or 0

    def events_since(self, last_id: int, limit: int, site: str | None = None) -> list[Event]:
        """Events after `last_id` in id order: every site's (the event hub sorts them
        out per stream), or one site's."""
        where = " AND site = :site" if site else ""
        rows = self.db.all(
            f"SELECT id, site, at, kind, ticket_id, payload FROM queue_events WHERE id > :last{where} "
            "ORDER BY id LIMIT :limit",
            last=last_id,
            limit=limit,
            **({"site": site} if site else {}),
        )
        return [Event(r[0], r[1], from_db(r[2]), r[3], r[4], json.loads(r[5])) for r in rows]

    def latest_events(self, site: str, kinds: Sequence[str], limit: int) -> list[Event]:
        """The site's newest events of `kinds`, newest first (ix_queue_events_site, read backwards)."""
        where, params = in_list("k", kinds)
        rows = self.db.all(
            f"SELECT id, site, at, kind, ticket_id, payload FROM queue_events WHERE site = :site AND kind IN {where} "
            "ORDER BY id DESC LIMIT :limit",
            site=site,
            limit=limit,
            **params,
        )
        return [Event(r[0], r[1], from_db(r[2]), r[3], r[4], json.loads(r[5])) for r in rows]

    # -- offline numbers -------------------------------------------------------------
    def open_lease(self, kiosk_id: str, site: str, day: date, letter: str) -> LeaseRow | None:
        row = self.db.one(
            "SELECT id, kiosk_id, site, service_day, type, first_number, last_number, leased_at FROM number_leases "
            "WHERE kiosk_id = :kiosk_id AND site = :site AND service_day = :day AND type = :type "
            "ORDER BY id DESC LIMIT 1",
            kiosk_id=kiosk_id,
            site=site,
            day=day,
            type=letter,
        )
        return self._lease(row)

    def lease(self, lease_id: int) -> LeaseRow | None:
        return self._lease(
            self.db.one(
                "SELECT id, kiosk_id, site, service_day, type, first_number, last_number, leased_at "
                "FROM number_leases WHERE id = :id",
                id=lease_id,
            )
        )

    @staticmethod
    def _lease(row) -> LeaseRow | None:
        if row is None:
            return None
        return LeaseRow(row[0], row[1], row[2], day_from_db(row[3]), row[4], row[5], row[6], from_db(row[7]))

    def lease_used(self, lease: LeaseRow) -> bool:
        """Whether any number of the block was delivered."""
        return (
            self.db.one(
                "SELECT COUNT(*) FROM tickets WHERE kiosk_id = :kiosk_id AND offline = :yes AND site = :site "
                "AND service_day = :day AND issued_type = :type AND number BETWEEN :first AND :last",
                kiosk_id=lease.kiosk_id,
                site=lease.site,
                day=lease.service_day,
                type=lease.type,
                first=lease.first,
                last=lease.last,
                yes=True,
            )[0]
            > 0
        )

    def top_leased(self, site: str, day: date, letter: str) -> int | None:
        return self.db.one(
            "SELECT MAX(last_number) FROM number_leases WHERE site = :site AND service_day = :day AND type = :type",
            site=site,
            day=day,
            type=letter,
        )[0]

    def add_lease(self, kiosk_id: str, site: str, day: date, letter: str, first: int, last: int, at: datetime) -> int:
        return self.db.one(
            "INSERT INTO number_leases (kiosk_id, site, service_day, type, first_number, last_number, leased_at) "
            "VALUES (:kiosk_id, :site, :day, :type, :first, :last, :at) RETURNING id",
            kiosk_id=kiosk_id,
            site=site,
            day=day,
            type=letter,
            first=first,
            last=last,
            at=at,
        )[0]

    def last_heartbeat(self, kiosk_id: str) -> tuple[datetime, datetime] | None:
        """(received_at, sent_at) of the kiosk's last heartbeat (fleet's table, read here for clock offsets)."""
        row = self.db.one(
            "SELECT received_at, sent_at FROM heartbeats WHERE kiosk_id = :kiosk_id ORDER BY id DESC LIMIT 1",
            kiosk_id=kiosk_id,
        )
        return (from_db(row[0]), from_db(row[1])) if row else None

    def abandon(self, kiosk_id: str, request_id: str, at: datetime) -> None:
        self.db.run(
            "UPDATE tickets SET state = 'cancelled', finished_at = :at WHERE kiosk_id = :kiosk_id AND "
            "request_id = :request_id AND state = 'waiting'",
            kiosk_id=kiosk_id,
            request_id=request_id,
            at=at,
        )

    def issued_by(self, ticket_id: str, kiosk_id: str) -> bool:
        row = self.db.one(
            "SELECT 1 FROM tickets WHERE id = :id AND kiosk_id = :kiosk_id", id=ticket_id, kiosk_id=kiosk_id
        )
        return row is not None

    def add_print(self, kiosk_id: str, **values: Any) -> None:
        """One print attempt; UniqueViolation when its key was stored before."""
        self.db.run(
            "INSERT INTO ticket_prints (kiosk_id, site, key, ticket_id, number, outcome, reason, attempt, at, "
            "received_at) VALUES (:kiosk_id, :site, :key, :ticket_id, :number, :outcome, :reason, :attempt, :at, "
            ":received_at)",
            kiosk_id=kiosk_id,
            **values,
        )

    # -- retention ---------------------------------------------------------------------
    def forget_people(self, before_day: date, slots_before: datetime) -> tuple[int, int]:
        """Drop who held tickets before `before_day` and bookings that ended before
        `slots_before`: (tickets changed, bookings deleted)."""
        held = self.db.count(
            "UPDATE tickets SET person_key = NULL WHERE service_day < :day AND person_key IS NOT NULL", day=before_day
        )
        booked = self.db.count("DELETE FROM bookings WHERE slot_end < :end", end=slots_before)
        return held, booked


class QueueStore:
    """Transactions and reads on the queue tables of one database."""

    ANALYZE_EVERY = 1000  # new tickets between two ANALYZE of the queue tables (PostgreSQL)

    def __init__(self, engine: Engine, runner=None):
        self.engine = engine
        self.runner = runner or runner_for(engine)
        self.postgres = engine.dialect.name == "postgresql"
        self._since_analyze = self.ANALYZE_EVERY - 100  # the first soon after start: a new day, a new database
        self._analyzing = threading.Lock()

    def tickets_added(self, count: int) -> None:
        """Keep PostgreSQL's statistics up with the day. The queue's counts are
        planned from them: with a new day's rows missing from the statistics
        (every morning, or a new database) the planner picks an index that reads
        the whole day per ticket instead of one type's waiting range. Autovacuum
        looks once a minute and only after 10 % growth: too late. On a thread."""
        if not self.postgres:
            return
        self._since_analyze += count
        if self._since_analyze < self.ANALYZE_EVERY or not self._analyzing.acquire(blocking=False):
            return
        self._since_analyze = 0
        threading.Thread(target=self._analyze, name="queue-analyze", daemon=True).start()

    def _analyze(self) -> None:
        try:
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM (ANALYZE) tickets")
        except Exception as exc:  # statistics are an optimisation: say so, carry on
            log.warning("ANALYZE tickets failed: %s", exc)
        finally:
            self._analyzing.release()

    def transact(self, work: Callable[[QueueSql], T], *, locked: bool = False) -> T:
        """`work` in one write transaction, run again from the start (a few
        times, after a short random pause) when PostgreSQL breaks a deadlock
        or a serialization conflict: `work` must only touch the database.
        `locked`: the caller holds the SQLite file's WriteLock."""
        return transact(self.runner, lambda db: work(QueueSql(db, self.postgres)), locked=locked, retries=RETRIES)

    def read(self) -> QueueSql:
        """Autocommit reads: each statement sees the latest commit."""
        return QueueSql(self.runner.read(), self.postgres)
