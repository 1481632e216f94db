"""What staff do at a counter: call the next ticket (in the engine's order,
among the types the counter serves), recall, mark a no-show, transfer,
finish, pause. Every change is one write transaction and leaves an event for
the display board and the phone pages."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection

from central.config import DisplaySection
from central.db import writer
from central.queue.engine import QueueEngine, QueueError, naive_utc, utcnow
from central.queue.tables import counter_states, queue_events, tickets

_t = tickets.c
SQL_STATE = "SELECT open, paused, ticket_id, staff FROM counter_states WHERE number = :number"
SQL_NEW_STATE = "INSERT INTO counter_states (number, open, paused) VALUES (:number, TRUE, FALSE)"
SQL_FINISH_CURRENT = (
    "UPDATE tickets SET state = 'done', finished_at = :at WHERE id = :id AND state IN ('called', 'serving')"
)
SQL_NEXT_FOR = (
    "SELECT id, display, type FROM tickets WHERE service_day = :day AND state = 'waiting' "
    "AND type IN ({types}) ORDER BY order_rank, order_at, number LIMIT 1"
)
SQL_SET_COUNTER = "UPDATE counter_states SET ticket_id = :ticket_id, staff = :staff WHERE number = :number"
SQL_CALL = "UPDATE tickets SET state = 'called', counter = :number, called_at = :at WHERE id = :id"
STAFF_ONLY_FIELDS = ("reason", "staff")  # never on the public event stream
SQL_EVENT = "INSERT INTO queue_events (at, kind, ticket_id, payload) VALUES (:at, :kind, :ticket_id, :payload)"


@dataclass(frozen=True)
class _Ticket:
    id: str
    display: str
    type: str


@dataclass(frozen=True)
class Call:
    counter: int
    counter_name: str
    ticket_id: str
    number: str
    type: str
    type_name: str
    announcement_zh: str
    announcement_en: str


class Calling:
    def __init__(self, engine: QueueEngine, display: DisplaySection | None = None, *, requeue_no_shows: bool = True):
        self.q = engine
        self.display = display or DisplaySection()
        self.requeue_no_shows = requeue_no_shows
        self.counters = {c.number: c for c in engine.cfg.counters}

    def _counter(self, number: int):
        if number not in self.counters:
            raise QueueError("unknown_counter", f"no counter {number}", 404)
        return self.counters[number]

    def counter_name(self, number: int) -> str:
        counter = self._counter(number)
        return counter.name or f"{number}号窗口"

    def _state(self, conn: Connection, number: int):
        row = conn.execute(select(counter_states).where(counter_states.c.number == number)).first()
        if row is None:
            conn.execute(insert(counter_states).values(number=number, open=True, paused=False))
            row = conn.execute(select(counter_states).where(counter_states.c.number == number)).first()
        return row

    def _event(self, conn: Connection, kind: str, ticket_id: str | None, payload: dict) -> None:
        conn.execute(
            insert(queue_events).values(
                at=naive_utc(utcnow()), kind=kind, ticket_id=ticket_id, payload=json.dumps(payload, ensure_ascii=False)
            )
        )

    def _announce(self, number: int, ticket) -> Call:
        kind = self.q.types.get(ticket.type)
        name = self.counter_name(number)
        fill = {"number": ticket.display, "counter": number}
        return Call(
            number,
            name,
            ticket.id,
            ticket.display,
            ticket.type,
            kind.name if kind else ticket.type,
            self.display.announce_zh.format(**fill),
            self.display.announce_en.format(**fill),
        )

    # -- actions ---------------------------------------------------------------
    def call_next(self, number: int, staff: str = "") -> Call | None:
        """The next waiting ticket this counter serves; None when nobody waits.
        The busiest staff action: plain SQL on the raw runner (see central.rawsql)."""
        counter = self._counter(number)
        now = utcnow()
        day = self.q.service_day(now)
        types = list(counter.types) or list(self.q.types)
        in_types = ", ".join(f":t{i}" for i in range(len(types)))
        with self.q.runner.write() as db:
            state = db.one(SQL_STATE, number=number)
            if state is None:
                db.run(SQL_NEW_STATE, number=number)
                state = (1, 0, None, None)
            is_open, paused, current, current_staff = state
            if not is_open or paused:
                raise QueueError("counter_paused", f"counter {number} is paused or closed; resume it first")
            if current:  # calling next finishes the current citizen
                db.run(SQL_FINISH_CURRENT, id=current, at=now)
            ticket = db.one(SQL_NEXT_FOR.format(types=in_types), day=day, **{f"t{i}": t for i, t in enumerate(types)})
            db.run(
                SQL_SET_COUNTER, number=number, ticket_id=ticket[0] if ticket else None, staff=staff or current_staff
            )
            if ticket is None:
                return None
            db.run(SQL_CALL, id=ticket[0], number=number, at=now)
            call = self._announce(number, _Ticket(*ticket))
            db.run(
                SQL_EVENT,
                at=now,
                kind="call",
                ticket_id=ticket[0],
                payload=json.dumps(call.__dict__, ensure_ascii=False),
            )
        return call

    def current(self, conn: Connection, number: int):
        state = self._state(conn, number)
        if not state.ticket_id:
            raise QueueError("nobody_called", f"counter {number} has no called ticket")
        return conn.execute(select(tickets).where(_t.id == state.ticket_id)).first()

    def recall(self, number: int) -> Call:
        with writer(self.q.engine) as conn, conn.begin():
            ticket = self.current(conn, number)
            call = self._announce(number, ticket)
            self._event(conn, "recall", ticket.id, call.__dict__)
        return call

    def finish(self, number: int) -> None:
        with writer(self.q.engine) as conn, conn.begin():
            ticket = self.current(conn, number)
            conn.execute(
                update(tickets).where(_t.id == ticket.id).values(state="done", finished_at=naive_utc(utcnow()))
            )
            conn.execute(update(counter_states).where(counter_states.c.number == number).values(ticket_id=None))
            self._event(conn, "finish", ticket.id, {"counter": number, "number": ticket.display})

    def no_show(self, number: int) -> None:
        """过号: the citizen did not come. By policy the ticket goes back to the
        end of its queue (they may still turn up) or is closed."""
        now = utcnow()
        with writer(self.q.engine) as conn, conn.begin():
            ticket = self.current(conn, number)
            values = (
                {"state": "waiting", "order_at": naive_utc(now), "counter": None, "called_at": None}
                if self.requeue_no_shows
                else {"state": "no_show", "finished_at": naive_utc(now)}
            )
            conn.execute(update(tickets).where(_t.id == ticket.id).values(**values))
            conn.execute(update(counter_states).where(counter_states.c.number == number).values(ticket_id=None))
            self._event(
                conn,
                "no_show",
                ticket.id,
                {"counter": number, "number": ticket.display, "requeued": self.requeue_no_shows},
            )

    def transfer(self, number: int, to_type: str) -> None:
        """Send the current citizen to another business type; they keep their
        place in time (their arrival) and their number."""
        if to_type not in self.q.types:
            raise QueueError("unknown_type", f"no business type {to_type!r}", 422)
        with writer(self.q.engine) as conn, conn.begin():
            ticket = self.current(conn, number)
            conn.execute(
                update(tickets)
                .where(_t.id == ticket.id)
                .values(state="waiting", type=to_type, counter=None, called_at=None)
            )
            conn.execute(update(counter_states).where(counter_states.c.number == number).values(ticket_id=None))
            self._event(conn, "transfer", ticket.id, {"counter": number, "number": ticket.display, "to_type": to_type})

    def set_paused(self, number: int, paused: bool) -> None:
        self._counter(number)
        with writer(self.q.engine) as conn, conn.begin():
            self._state(conn, number)
            conn.execute(update(counter_states).where(counter_states.c.number == number).values(paused=paused))
            self._event(conn, "pause" if paused else "resume", None, {"counter": number})

    def set_open(self, number: int, is_open: bool) -> None:
        self._counter(number)
        with writer(self.q.engine) as conn, conn.begin():
            self._state(conn, number)
            conn.execute(update(counter_states).where(counter_states.c.number == number).values(open=is_open))
            self._event(conn, "open" if is_open else "close", None, {"counter": number})

    def grant_priority(self, ticket_id: str, reason: str, counter: int | None = None) -> str:
        """Green channel confirmed by staff: disabled, military, late pregnancy.
        With `counter`, only a ticket of a type that counter serves (a clerk
        grants for their own queue; a manager passes None). Returns the number."""
        if reason not in ("disabled", "military", "pregnancy", "elderly"):
            raise QueueError("bad_reason", "priority reasons: disabled, military, pregnancy, elderly", 422)
        types = self._counter(counter).types if counter is not None else ()
        with writer(self.q.engine) as conn, conn.begin():
            row = conn.execute(select(_t.display, _t.type, _t.state).where(_t.id == ticket_id)).first()
            if row is None or row.state != "waiting":
                raise QueueError("not_waiting", "only a waiting ticket can be given priority", 409)
            if types and row.type not in types:
                raise QueueError(
                    "not_your_type",
                    f"counter {counter} serves {', '.join(types)}, not {row.type}: ask its counter",
                    403,
                )
            changed = conn.execute(
                update(tickets)
                .where(_t.id == ticket_id, _t.state == "waiting")
                .values(order_rank=0, priority_reason=reason)
            ).rowcount
            if not changed:
                raise QueueError("not_waiting", "only a waiting ticket can be given priority", 409)
            self._event(conn, "priority", ticket_id, {"reason": reason})
        return row.display

    def waiting(self, number: int, limit: int = 200) -> list[dict]:
        """The waiting tickets this counter serves, in calling order."""
        counter = self._counter(number)
        query = select(
            _t.id, _t.display, _t.type, _t.ticket_class, _t.issued_at, _t.order_rank, _t.priority_reason
        ).where(_t.service_day == self.q.service_day(utcnow()), _t.state == "waiting")
        if counter.types:
            query = query.where(_t.type.in_(counter.types))
        with self.q.engine.connect() as conn:
            rows = conn.execute(query.order_by(_t.order_rank, _t.order_at, _t.number).limit(limit)).all()
        return [
            {
                "id": r.id,
                "number": r.display,
                "type": r.type,
                "class": r.ticket_class,
                "priority": r.order_rank == 0,
                "priority_reason": r.priority_reason,
                "issued_at": r.issued_at.isoformat() + "Z",
            }
            for r in rows
        ]

    def last_event_id(self) -> int:
        with self.q.engine.connect() as conn:
            return conn.execute(select(func.max(queue_events.c.id))).scalar() or 0

    def events_since(self, last_id: int, limit: int = 100, *, public: bool = True) -> list[dict]:
        """Events after `last_id`, oldest first. `public` (the stream anyone may read: the
        board, phones) leaves out what only staff may know, such as why a citizen was
        given the green channel (disability, pregnancy)."""
        with self.q.engine.connect() as conn:
            rows = conn.execute(
                select(queue_events).where(queue_events.c.id > last_id).order_by(queue_events.c.id).limit(limit)
            ).all()
        events = [{**json.loads(r.payload), "id": r.id, "kind": r.kind, "ticket_id": r.ticket_id} for r in rows]
        if public:
            for event in events:
                for name in STAFF_ONLY_FIELDS:
                    event.pop(name, None)
        return events
