"""Read-only views of the hall's queue: what the display board shows (each
counter's current number, the latest calls, waiting per type), what a counter
sees of itself, and the manager's figures for today. Nothing personal: ticket
numbers, types and counters only."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import select

from central.queue.calling import Calling
from central.queue.engine import naive_utc, utcnow
from central.queue.tables import counter_states, queue_events, tickets

_t = tickets.c
_c = counter_states.c
CALL_KINDS = ("call", "recall")


def _minutes(seconds: float) -> float:
    return round(seconds / 60, 1)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() + "Z" if moment else None


class HallBoard:
    def __init__(self, calling: Calling):
        self.calling = calling
        self.q = calling.q

    def _type(self, letter: str) -> dict:
        kind = self.q.types.get(letter)
        return {
            "type": letter,
            "type_name": kind.name if kind else letter,
            "type_name_en": (kind.name_en or kind.name) if kind else letter,
        }

    def _counters(self, conn) -> list[dict]:
        rows = {
            r.number: r
            for r in conn.execute(
                select(
                    _c.number, _c.open, _c.paused, _c.staff, _t.id, _t.display, _t.type, _t.state, _t.called_at
                ).select_from(counter_states.outerjoin(tickets, _t.id == _c.ticket_id))
            ).all()
        }
        out = []
        for counter in self.q.cfg.counters:
            row = rows.get(counter.number)
            current = None
            if row is not None and row.id:
                current = {
                    "id": row.id,
                    "number": row.display,
                    **self._type(row.type),
                    "state": row.state,
                    "called_at": _iso(row.called_at),
                }
            out.append(
                {
                    "number": counter.number,
                    "name": self.calling.counter_name(counter.number),
                    "types": list(counter.types) or sorted(self.q.types),
                    "open": bool(row.open) if row is not None else True,
                    "paused": bool(row.paused) if row is not None else False,
                    "staff": row.staff if row is not None else None,
                    "current": current,
                }
            )
        return out

    def _waiting(self, conn, day) -> dict[str, int]:
        counts = dict.fromkeys(self.q.types, 0)
        for (letter,) in conn.execute(select(_t.type).where(_t.service_day == day, _t.state == "waiting")):
            counts[letter] = counts.get(letter, 0) + 1
        return counts

    def snapshot(self, latest: int | None = None) -> dict:
        """Everything the display board draws, in one reply."""
        latest = latest or self.calling.display.latest_calls
        day = self.q.service_day(utcnow())
        with self.q.engine.connect() as conn:
            last_id = conn.execute(select(queue_events.c.id).order_by(queue_events.c.id.desc()).limit(1)).scalar()
            events = conn.execute(
                select(queue_events)
                .where(queue_events.c.kind.in_(CALL_KINDS))
                .order_by(queue_events.c.id.desc())
                .limit(latest * 4)
            ).all()
            counters = self._counters(conn)
            waiting = self._waiting(conn, day)
        calls, seen = [], set()
        for event in events:  # newest first; a recall does not list a ticket twice
            if event.ticket_id in seen:
                continue
            seen.add(event.ticket_id)
            payload = json.loads(event.payload)
            calls.append(
                {
                    "event_id": event.id,
                    "at": _iso(event.at),
                    **{
                        k: payload[k]
                        for k in (
                            "number",
                            "counter",
                            "counter_name",
                            "type",
                            "type_name",
                            "announcement_zh",
                            "announcement_en",
                        )
                    },
                }
            )
            if len(calls) == latest:
                break
        return {
            "last_event_id": last_id or 0,
            "service_day": day.isoformat(),
            "counters": counters,
            "waiting": [{**self._type(letter), "waiting": n} for letter, n in waiting.items()],
            "latest_calls": calls,
        }

    def counter(self, number: int) -> dict:
        """One counter's state, for its own page."""
        self.calling.counter_name(number)  # unknown counter -> 404
        with self.q.engine.connect() as conn:
            return next(c for c in self._counters(conn) if c["number"] == number)

    def today(self) -> dict:
        """The manager's figures: per type, waiting now, served, no-shows, the
        average wait before a call and the average time at the counter."""
        now = naive_utc(utcnow())
        day = self.q.service_day(utcnow())
        with self.q.engine.connect() as conn:
            rows = conn.execute(
                select(_t.type, _t.state, _t.issued_at, _t.order_at, _t.called_at, _t.finished_at).where(
                    _t.service_day == day
                )
            ).all()
            counters = self._counters(conn)

        def tally() -> dict:
            return {"issued": 0, "waiting": 0, "served": 0, "no_show": 0, "waits": [], "handling": [], "longest": 0.0}

        per = {letter: tally() for letter in self.q.types}
        for row in rows:
            s = per.setdefault(row.type, tally())
            s["issued"] += 1
            if row.state == "waiting":
                s["waiting"] += 1
                s["longest"] = max(s["longest"], (now - row.issued_at).total_seconds())
            elif row.state == "no_show":
                s["no_show"] += 1
            if row.called_at:
                s["waits"].append((row.called_at - row.issued_at).total_seconds())
            if row.state == "done" and row.called_at and row.finished_at:
                s["served"] += 1
                s["handling"].append((row.finished_at - row.called_at).total_seconds())
        types = []
        for letter, s in per.items():
            types.append(
                {
                    **self._type(letter),
                    "issued": s["issued"],
                    "waiting": s["waiting"],
                    "served": s["served"],
                    "no_show": s["no_show"],
                    "avg_wait_min": _minutes(sum(s["waits"]) / len(s["waits"])) if s["waits"] else None,
                    "avg_handling_min": _minutes(sum(s["handling"]) / len(s["handling"])) if s["handling"] else None,
                    "longest_waiting_min": _minutes(s["longest"]) if s["waiting"] else None,
                }
            )
        return {"service_day": day.isoformat(), "types": types, "counters": counters}
