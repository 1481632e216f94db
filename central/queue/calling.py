"""What staff do at a counter: call the next ticket (in the engine's order,
among the types the counter serves), recall, mark a no-show, transfer,
finish, pause. Every change is one write transaction and leaves an event for
the display board and the phone pages."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from central import audit
from central.audit import Actor
from central.clock import utcnow
from central.config import DisplaySection
from central.queue.engine import QueueEngine, QueueError
from central.queue.store import QueueSql, Ticket
from central.rawsql import Exec
from central.sites.model import Counter, Site

T = TypeVar("T")
STAFF_ONLY_FIELDS = ("reason", "staff")  # never on the public event stream


@dataclass(frozen=True)
class Call:
    site: str
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

    def _counter(self, site: Site, number: int) -> Counter:
        counter = site.counter_map.get(number)
        if counter is None:
            raise QueueError("unknown_counter", f"no counter {number} at {site.name}", 404)
        return counter

    def counter_name(self, number: int, site: str | None = None) -> str:
        return self._counter(self.q.site(site), number).label

    def _announce(self, site: Site, number: int, ticket_id: str, display: str, letter: str) -> Call:
        kind = site.type_map.get(letter)
        name = self._counter(site, number).label
        fill = {"number": display, "counter": number}
        return Call(
            site.code,
            number,
            name,
            ticket_id,
            display,
            letter,
            kind.name if kind else letter,
            (site.announce_zh or self.display.announce_zh).format(**fill),
            (site.announce_en or self.display.announce_en).format(**fill),
        )

    # -- actions ---------------------------------------------------------------
    def call_next(
        self, number: int, staff: str = "", *, site: str | None = None, actor: Actor | None = None
    ) -> Call | None:
        """The next waiting ticket this counter serves; None when nobody waits.
        Calling next finishes the current citizen. The counter's row is locked
        first, so one counter's clicks queue up; the ticket is taken with SKIP
        LOCKED and a conditional update, so two counters never share one."""
        where = self.q.site(site)
        counter = self._counter(where, number)
        now = utcnow()
        day = self.q.service_day(now, where)
        types = list(counter.types) or list(where.type_map)

        def work(sql: QueueSql) -> Call | None:
            state = sql.lock_counter(where.code, number)
            if not state.open or state.paused:
                raise QueueError("counter_paused", f"counter {number} is paused or closed; resume it first")
            if state.ticket_id:
                sql.finish(state.ticket_id, now)
            while True:
                ticket = sql.next_waiting(where.code, day, types) if types else None
                if ticket is None or sql.call(ticket[0], number, now, staff or state.staff):
                    break  # (else another counter called it in between: take the next one)
            sql.update_counter(where.code, number, ticket_id=ticket[0] if ticket else None, staff=staff or state.staff)
            if ticket is None:
                _audit(sql, actor, "call", "-", f"counter {number}", where.code)
                return None
            call = self._announce(where, number, ticket[0], ticket[1], ticket[2])
            sql.add_event(where.code, "call", ticket[0], call.__dict__, now)
            _audit(sql, actor, "call", call.number, f"counter {number}", where.code)
            return call

        return self.q.store.transact(work)

    def _current(self, sql: QueueSql, site: Site, number: int) -> Ticket:
        """The ticket the counter is calling or serving; its row and the counter's are locked."""
        self._counter(site, number)
        state = sql.lock_counter(site.code, number)
        ticket = sql.ticket(state.ticket_id, lock=True) if state.ticket_id else None
        if ticket is None or ticket.state not in ("called", "serving"):
            raise QueueError("nobody_called", f"counter {number} has no called ticket")
        return ticket

    def recall(self, number: int, *, site: str | None = None, actor: Actor | None = None) -> Call:
        where = self.q.site(site)

        def work(sql: QueueSql) -> Call:
            ticket = self._current(sql, where, number)
            call = self._announce(where, number, ticket.id, ticket.display, ticket.type)
            sql.add_event(where.code, "recall", ticket.id, call.__dict__, utcnow())
            _audit(sql, actor, "recall", call.number, f"counter {number}", where.code)
            return call

        return self.q.store.transact(work)

    def finish(
        self,
        number: int,
        *,
        site: str | None = None,
        then: Callable[[Exec, Ticket, datetime], T] | None = None,
        actor: Actor | None = None,
    ) -> T | None:
        """The counter's citizen is done. `then(db, ticket, now)` runs in the
        same transaction (the cases handled are written with the finish, or
        neither is); its result is returned."""
        where = self.q.site(site)

        def work(sql: QueueSql) -> T | None:
            ticket = self._current(sql, where, number)
            now = utcnow()
            sql.finish(ticket.id, now)
            sql.update_counter(where.code, number, ticket_id=None)
            result = then(sql.db, ticket, now) if then is not None else None
            sql.add_event(where.code, "finish", ticket.id, {"counter": number, "number": ticket.display}, now)
            cases = " ".join(result) if isinstance(result, list) else ""  # the case numbers `then` opened
            _audit(sql, actor, "finish", f"counter {number}", cases, where.code)
            return result

        return self.q.store.transact(work)

    def no_show(self, number: int, *, site: str | None = None, staff: str = "", actor: Actor | None = None) -> None:
        """过号: the citizen did not come. By policy the ticket goes back to the
        end of its queue (they may still turn up) or is closed."""

        where = self.q.site(site)

        def work(sql: QueueSql) -> None:
            ticket = self._current(sql, where, number)
            now = utcnow()
            if self.requeue_no_shows:
                sql.requeue(ticket.id, now)
            else:
                sql.finish(ticket.id, now, "no_show")
            sql.update_counter(where.code, number, ticket_id=None)
            payload = {
                "counter": number,
                "number": ticket.display,
                "requeued": self.requeue_no_shows,
                "type": ticket.type,
                "staff": staff,
            }
            sql.add_event(where.code, "no_show", ticket.id, payload, now)
            _audit(sql, actor, "no_show", f"counter {number}", ticket.display, where.code)

        self.q.store.transact(work)

    def transfer(
        self, number: int, to_type: str, *, site: str | None = None, staff: str = "", actor: Actor | None = None
    ) -> None:
        """Send the current citizen to another business type of the site; they
        keep their place in time (their arrival) and their number."""
        where = self.q.site(site)
        if to_type not in where.type_map:
            raise QueueError("unknown_type", f"no business type {to_type!r} at {where.name}", 422)

        def work(sql: QueueSql) -> None:
            ticket = self._current(sql, where, number)
            sql.requeue(ticket.id, ticket.order_at, to_type)
            sql.update_counter(where.code, number, ticket_id=None)
            payload = {
                "counter": number,
                "number": ticket.display,
                "to_type": to_type,
                "type": ticket.type,
                "staff": staff,
            }
            sql.add_event(where.code, "transfer", ticket.id, payload, utcnow())
            _audit(sql, actor, "transfer", f"counter {number}", f"{ticket.display} to {to_type}", where.code)

        self.q.store.transact(work)

    def set_paused(self, number: int, paused: bool, *, site: str | None = None, actor: Actor | None = None) -> None:
        where = self.q.site(site)
        self._counter(where, number)

        def work(sql: QueueSql) -> None:
            sql.lock_counter(where.code, number)
            sql.update_counter(where.code, number, paused=paused)
            sql.add_event(where.code, "pause" if paused else "resume", None, {"counter": number}, utcnow())
            _audit(sql, actor, "pause" if paused else "resume", f"counter {number}", "", where.code)

        self.q.store.transact(work)

    def set_open(self, number: int, is_open: bool, *, site: str | None = None, actor: Actor | None = None) -> None:
        where = self.q.site(site)
        self._counter(where, number)

        def work(sql: QueueSql) -> None:
            sql.lock_counter(where.code, number)
            sql.update_counter(where.code, number, open=is_open)
            sql.add_event(where.code, "open" if is_open else "close", None, {"counter": number}, utcnow())
            _audit(sql, actor, "counter_open" if is_open else "counter_close", f"{where.code}/{number}", "", where.code)

        self.q.store.transact(work)

    def grant_priority(
        self,
        ticket_id: str,
        reason: str,
        counter: int | None = None,
        sites: tuple[str, ...] | None = None,
        actor: Actor | None = None,
    ) -> str:
        """Green channel confirmed by staff: disabled, military, late pregnancy.
        With `counter` (at `sites[0]`), only a ticket of a type that counter
        serves (a clerk grants for their own queue); `sites`: the staff
        member's sites (None: every site). Returns the number."""
        if reason not in ("disabled", "military", "pregnancy", "elderly"):
            raise QueueError("bad_reason", "priority reasons: disabled, military, pregnancy, elderly", 422)
        types = self._counter(self.q.site(sites[0]), counter).types if counter is not None and sites else ()

        def work(sql: QueueSql) -> str:
            row = sql.ticket(ticket_id, lock=True)
            if row is None or row.state != "waiting":
                raise QueueError("not_waiting", "only a waiting ticket can be given priority", 409)
            if sites is not None and row.site not in sites:
                raise QueueError("other_site", "that ticket is in the queue of a site you do not work at", 403)
            if counter is not None and sites and row.site != sites[0]:
                raise QueueError("other_site", "that ticket is in another site's queue: ask its counter", 403)
            if types and row.type not in types:
                raise QueueError(
                    "not_your_type",
                    f"counter {counter} serves {', '.join(types)}, not {row.type}: ask its counter",
                    403,
                )
            if not sql.give_priority(ticket_id, reason):
                raise QueueError("not_waiting", "only a waiting ticket can be given priority", 409)
            sql.add_event(row.site, "priority", ticket_id, {"reason": reason}, utcnow())
            _audit(sql, actor, "priority_granted", row.display, reason, row.site)
            return row.display

        return self.q.store.transact(work)

    def waiting(self, number: int, limit: int = 200, *, site: str | None = None) -> list[dict]:
        """The waiting tickets this counter serves, in calling order."""
        where = self.q.site(site)
        counter = self._counter(where, number)
        return self.q.store.read().waiting_list(where.code, self.q.service_day(utcnow(), where), counter.types, limit)

    def last_event_id(self) -> int:
        return self.q.store.read().last_event_id()

    def events_since(
        self, last_id: int, limit: int = 100, *, public: bool = True, site: str | None = None
    ) -> list[dict]:
        """Events after `last_id`, oldest first, each with its site (every site's,
        or `site`'s). `public` (the stream anyone may read: the board, phones)
        leaves out what only staff may know, such as why a citizen was given the
        green channel (disability, pregnancy)."""
        events = [
            {**e.payload, "id": e.id, "site": e.site, "kind": e.kind, "ticket_id": e.ticket_id}
            for e in self.q.store.read().events_since(last_id, limit, site)
        ]
        if public:
            for event in events:
                for name in STAFF_ONLY_FIELDS:
                    event.pop(name, None)
        return events


def _audit(sql: QueueSql, actor: Actor | None, action: str, target: str, detail: str, site: str) -> None:
    """The staff member's entry, in the action's own transaction: the call and
    its audit entry are committed together, or neither is."""
    if actor is not None:
        audit.append(sql.db, actor.username, action, target, detail, role=actor.role, site=site)
