"""What staff do at a counter: call the next ticket (in the engine's order,
among the types the counter serves), recall, mark a no-show, transfer,
finish, pause. Every change is one write transaction and leaves an event for
the display board and the phone pages."""

from __future__ import annotations

from dataclasses import dataclass

from central.clock import utcnow
from central.config import DisplaySection
from central.queue.engine import QueueEngine, QueueError
from central.queue.store import QueueSql, Ticket

STAFF_ONLY_FIELDS = ("reason", "staff")  # never on the public event stream


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

    def _announce(self, number: int, ticket_id: str, display: str, letter: str) -> Call:
        kind = self.q.types.get(letter)
        name = self.counter_name(number)
        fill = {"number": display, "counter": number}
        return Call(
            number,
            name,
            ticket_id,
            display,
            letter,
            kind.name if kind else letter,
            self.display.announce_zh.format(**fill),
            self.display.announce_en.format(**fill),
        )

    # -- actions ---------------------------------------------------------------
    def call_next(self, number: int, staff: str = "") -> Call | None:
        """The next waiting ticket this counter serves; None when nobody waits.
        Calling next finishes the current citizen. The counter's row is locked
        first, so one counter's clicks queue up; the ticket is taken with SKIP
        LOCKED and a conditional update, so two counters never share one."""
        counter = self._counter(number)
        now = utcnow()
        day = self.q.service_day(now)
        types = list(counter.types) or list(self.q.types)

        def work(sql: QueueSql) -> Call | None:
            state = sql.lock_counter(number)
            if not state.open or state.paused:
                raise QueueError("counter_paused", f"counter {number} is paused or closed; resume it first")
            if state.ticket_id:
                sql.finish(state.ticket_id, now)
            while True:
                ticket = sql.next_waiting(day, types)
                if ticket is None or sql.call(ticket[0], number, now):
                    break  # (else another counter called it in between: take the next one)
            sql.update_counter(number, ticket_id=ticket[0] if ticket else None, staff=staff or state.staff)
            if ticket is None:
                return None
            call = self._announce(number, ticket[0], ticket[1], ticket[2])
            sql.add_event("call", ticket[0], call.__dict__, now)
            return call

        return self.q.store.transact(work)

    def _current(self, sql: QueueSql, number: int) -> Ticket:
        """The ticket the counter is calling or serving; its row and the counter's are locked."""
        self._counter(number)
        state = sql.lock_counter(number)
        ticket = sql.ticket(state.ticket_id, lock=True) if state.ticket_id else None
        if ticket is None or ticket.state not in ("called", "serving"):
            raise QueueError("nobody_called", f"counter {number} has no called ticket")
        return ticket

    def recall(self, number: int) -> Call:
        def work(sql: QueueSql) -> Call:
            ticket = self._current(sql, number)
            call = self._announce(number, ticket.id, ticket.display, ticket.type)
            sql.add_event("recall", ticket.id, call.__dict__, utcnow())
            return call

        return self.q.store.transact(work)

    def finish(self, number: int) -> None:
        def work(sql: QueueSql) -> None:
            ticket = self._current(sql, number)
            now = utcnow()
            sql.finish(ticket.id, now)
            sql.update_counter(number, ticket_id=None)
            sql.add_event("finish", ticket.id, {"counter": number, "number": ticket.display}, now)

        self.q.store.transact(work)

    def no_show(self, number: int) -> None:
        """过号: the citizen did not come. By policy the ticket goes back to the
        end of its queue (they may still turn up) or is closed."""

        def work(sql: QueueSql) -> None:
            ticket = self._current(sql, number)
            now = utcnow()
            if self.requeue_no_shows:
                sql.requeue(ticket.id, now)
            else:
                sql.finish(ticket.id, now, "no_show")
            sql.update_counter(number, ticket_id=None)
            payload = {"counter": number, "number": ticket.display, "requeued": self.requeue_no_shows}
            sql.add_event("no_show", ticket.id, payload, now)

        self.q.store.transact(work)

    def transfer(self, number: int, to_type: str) -> None:
        """Send the current citizen to another business type; they keep their
        place in time (their arrival) and their number."""
        if to_type not in self.q.types:
            raise QueueError("unknown_type", f"no business type {to_type!r}", 422)

        def work(sql: QueueSql) -> None:
            ticket = self._current(sql, number)
            sql.requeue(ticket.id, ticket.order_at, to_type)
            sql.update_counter(number, ticket_id=None)
            payload = {"counter": number, "number": ticket.display, "to_type": to_type}
            sql.add_event("transfer", ticket.id, payload, utcnow())

        self.q.store.transact(work)

    def set_paused(self, number: int, paused: bool) -> None:
        self._counter(number)

        def work(sql: QueueSql) -> None:
            sql.lock_counter(number)
            sql.update_counter(number, paused=paused)
            sql.add_event("pause" if paused else "resume", None, {"counter": number}, utcnow())

        self.q.store.transact(work)

    def set_open(self, number: int, is_open: bool) -> None:
        self._counter(number)

        def work(sql: QueueSql) -> None:
            sql.lock_counter(number)
            sql.update_counter(number, open=is_open)
            sql.add_event("open" if is_open else "close", None, {"counter": number}, utcnow())

        self.q.store.transact(work)

    def grant_priority(self, ticket_id: str, reason: str, counter: int | None = None) -> str:
        """Green channel confirmed by staff: disabled, military, late pregnancy.
        With `counter`, only a ticket of a type that counter serves (a clerk
        grants for their own queue; a manager passes None). Returns the number."""
        if reason not in ("disabled", "military", "pregnancy", "elderly"):
            raise QueueError("bad_reason", "priority reasons: disabled, military, pregnancy, elderly", 422)
        types = self._counter(counter).types if counter is not None else ()

        def work(sql: QueueSql) -> str:
            row = sql.ticket(ticket_id, lock=True)
            if row is None or row.state != "waiting":
                raise QueueError("not_waiting", "only a waiting ticket can be given priority", 409)
            if types and row.type not in types:
                raise QueueError(
                    "not_your_type",
                    f"counter {counter} serves {', '.join(types)}, not {row.type}: ask its counter",
                    403,
                )
            if not sql.give_priority(ticket_id, reason):
                raise QueueError("not_waiting", "only a waiting ticket can be given priority", 409)
            sql.add_event("priority", ticket_id, {"reason": reason}, utcnow())
            return row.display

        return self.q.store.transact(work)

    def waiting(self, number: int, limit: int = 200) -> list[dict]:
        """The waiting tickets this counter serves, in calling order."""
        counter = self._counter(number)
        return self.q.store.read().waiting_list(self.q.service_day(utcnow()), counter.types, limit)

    def last_event_id(self) -> int:
        return self.q.store.read().last_event_id()

    def events_since(self, last_id: int, limit: int = 100, *, public: bool = True) -> list[dict]:
        """Events after `last_id`, oldest first. `public` (the stream anyone may read: the
        board, phones) leaves out what only staff may know, such as why a citizen was
        given the green channel (disability, pregnancy)."""
        events = [
            {**e.payload, "id": e.id, "kind": e.kind, "ticket_id": e.ticket_id}
            for e in self.q.store.read().events_since(last_id, limit)
        ]
        if public:
            for event in events:
                for name in STAFF_ONLY_FIELDS:
                    event.pop(name, None)
        return events
