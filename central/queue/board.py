"""Read-only views of the hall's queue: what the display board shows (each
counter's current number, the latest calls, waiting per type), what a counter
sees of itself, and the manager's figures for today. Nothing personal: ticket
numbers, types and counters only."""

from __future__ import annotations

from datetime import datetime

from central.clock import utcnow
from central.queue.calling import Calling
from central.queue.store import QueueSql
from central.sites.model import Site

CALL_KINDS = ("call", "recall")


def _minutes(seconds: float) -> float:
    return round(seconds / 60, 1)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


class HallBoard:
    def __init__(self, calling: Calling):
        self.calling = calling
        self.q = calling.q

    @staticmethod
    def _type(site: Site, letter: str) -> dict:
        kind = site.type_map.get(letter)
        return {
            "type": letter,
            "type_name": kind.name if kind else letter,
            "type_name_en": (kind.name_en or kind.name) if kind else letter,
        }

    def _counters(self, site: Site, reads: QueueSql) -> list[dict]:
        rows = {row.number: (row, ticket) for row, ticket in reads.counters(site.code)}
        out = []
        for counter in site.counters:
            row, ticket = rows.get(counter.number, (None, None))
            current = None
            if ticket is not None:
                current = {
                    "id": ticket.id,
                    "number": ticket.display,
                    **self._type(site, ticket.type),
                    "state": ticket.state,
                    "called_at": _iso(ticket.called_at),
                    "remote": ticket.ticket_class == "remote",  # 线上取号: marked on the board
                }
            out.append(
                {
                    "number": counter.number,
                    "name": counter.label,
                    "types": list(counter.types) or [t.code for t in site.types],
                    "open": row.open if row is not None else True,
                    "paused": row.paused if row is not None else False,
                    "staff": row.staff if row is not None else None,
                    "current": current,
                }
            )
        return out

    @staticmethod
    def _waiting(site: Site, reads: QueueSql, day) -> dict[str, int]:
        return {**dict.fromkeys(site.type_map, 0), **reads.waiting_counts(site.code, day)}

    def snapshot(self, site: str | None = None, latest: int | None = None) -> dict:
        """Everything the site's display board draws, in one reply."""
        where = self.q.site(site)
        latest = latest or self.calling.display.latest_calls
        day = self.q.service_day(utcnow(), where)
        reads = self.q.store.read()
        last_id = reads.last_event_id()
        events = reads.latest_events(where.code, CALL_KINDS, latest * 4)
        counters = self._counters(where, reads)
        waiting = self._waiting(where, reads, day)
        calls, seen = [], set()
        for event in events:  # newest first; a recall does not list a ticket twice
            if event.ticket_id in seen:
                continue
            seen.add(event.ticket_id)
            payload = event.payload
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
            "site": where.code,
            "site_name": where.name,
            "site_name_en": where.name_en,
            "kind": where.kind,
            "last_event_id": last_id,
            "service_day": day.isoformat(),
            "counters": counters,
            "waiting": [{**self._type(where, letter), "waiting": n} for letter, n in waiting.items()],
            "latest_calls": calls,
        }

    def counter(self, number: int, site: str | None = None) -> dict:
        """One counter's state, for its own page."""
        where = self.q.site(site)
        self.calling.counter_name(number, where.code)  # unknown counter -> 404
        return next(c for c in self._counters(where, self.q.store.read()) if c["number"] == number)

    def today(self, site: str | None = None) -> dict:
        """The manager's figures for a site: per type, waiting now, served,
        no-shows, the average wait before a call and the average time at the counter."""
        where = self.q.site(site)
        now = utcnow()
        day = self.q.service_day(now, where)
        reads = self.q.store.read()
        rows = reads.day_tickets(where.code, day)
        counters = self._counters(where, reads)

        def tally() -> dict:
            return {
                "issued": 0, "booked": 0, "remote": 0, "waiting": 0, "served": 0, "no_show": 0,
                "waits": [], "handling": [], "longest": 0.0,
            }  # fmt: skip

        per = {letter: tally() for letter in where.type_map}
        for letter, state, issued_at, called_at, finished_at, ticket_class in rows:
            s = per.setdefault(letter, tally())
            s["issued"] += 1
            s["booked"] += ticket_class == "appointment"  # checked in from a booked slot
            s["remote"] += ticket_class == "remote"  # 线上取号 from the phone
            if state == "waiting":
                s["waiting"] += 1
                s["longest"] = max(s["longest"], (now - issued_at).total_seconds())
            elif state == "no_show":
                s["no_show"] += 1
            if called_at:
                s["waits"].append((called_at - issued_at).total_seconds())
            if state == "done" and called_at and finished_at:
                s["served"] += 1
                s["handling"].append((finished_at - called_at).total_seconds())
        types = []
        for letter, s in per.items():
            types.append(
                {
                    **self._type(where, letter),
                    "issued": s["issued"],
                    "booked": s["booked"],
                    "remote": s["remote"],
                    "waiting": s["waiting"],
                    "served": s["served"],
                    "no_show": s["no_show"],
                    "avg_wait_min": _minutes(sum(s["waits"]) / len(s["waits"])) if s["waits"] else None,
                    "avg_handling_min": _minutes(sum(s["handling"]) / len(s["handling"])) if s["handling"] else None,
                    "longest_waiting_min": _minutes(s["longest"]) if s["waiting"] else None,
                }
            )
        return {
            "site": where.code,
            "site_name": where.name,
            "service_day": day.isoformat(),
            "types": types,
            "counters": counters,
        }

    def city(self) -> dict:
        """Every site's figures side by side, with the city's totals (the city view)."""
        sites = [self.today(code) for code, site in self.q.sites.get().sites.items() if site.issues_tickets]
        totals = {
            key: sum(t[key] for s in sites for t in s["types"])
            for key in ("issued", "booked", "remote", "waiting", "served", "no_show")
        }
        return {"sites": sites, "totals": totals}
