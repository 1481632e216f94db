"""Tickets a kiosk issues while it cannot reach central.

Central leases each kiosk a block of numbers per business type and service
day, from the top of the day's range (`[queue] offline_first_number` up), so
online numbering below stays gap-free and no two kiosks can ever issue the
same number. The kiosk delivers what it issued through its outbox; central
inserts each ticket once (idempotent on the kiosk's request id) and places it
in the queue by when it was issued: the kiosk's clock corrected by the offset
central measured from its last heartbeat (the kiosk's own claim is used only
within a few seconds of that), never later than its arrival here. A ticket
whose corrected time falls before its lease was granted or outside the lease's
service day is refused: a stolen credential cannot back-date a ticket to the
head of the queue. The kiosk's own time is kept beside it.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta

from central.clock import utcnow
from central.queue.engine import QueueEngine, QueueError
from central.queue.store import LeaseRow, QueueSql
from central.rawsql import UniqueViolation
from central.sites.model import Site
from common.tickets import CLASS_PREFIX, AbandonRequest, Lease, LeaseRequest, OfflineTicket, TicketPrint

log = logging.getLogger(__name__)
OFFSET_TOLERANCE_S = 5.0  # the kiosk's measured offset may differ from central's by network delay
LATE_TOLERANCE_S = 2.0


class OfflineDesk:
    def __init__(self, queue: QueueEngine):
        self.queue = queue
        self.cfg = queue.cfg

    # -- leases ----------------------------------------------------------------
    def lease(self, kiosk_id: str, req: LeaseRequest, now: datetime | None = None, site: str | None = None) -> Lease:
        """This kiosk's block for the type and day at its site: the one it holds
        while it has not used it up (asking again is harmless), else a new one."""
        now = now or utcnow()
        where = self.queue.site(site)
        today = self.queue.service_day(now, where)
        day = req.service_day or today
        if not self.cfg.offline_first_number:
            raise QueueError(
                "offline_disabled", "this deployment issues no offline tickets ([queue] offline_first_number = 0)"
            )
        if not where.issues_tickets:
            raise QueueError("no_numbers_here", f"{where.name} is a self-service point: it issues no numbers", 409)
        if req.type not in where.type_map:
            raise QueueError("unknown_type", f"no business type {req.type!r} at {where.name}", 422)
        if not today <= day <= today + timedelta(days=1):
            raise QueueError("bad_service_day", f"leases are for today or tomorrow ({today}), not {day}", 422)

        def work(sql: QueueSql) -> LeaseRow:
            # the type's number row is locked first: two kiosks (or two nodes)
            # asking at once get consecutive blocks, one after the other
            sql.lock_numbers(where.code, day, req.type, self.cfg.first_number)
            held = sql.open_lease(kiosk_id, where.code, day, req.type)
            if held is not None and not sql.lease_used(held):
                return held
            top = sql.top_leased(where.code, day, req.type)
            first = (top or self.cfg.offline_first_number - 1) + 1
            if first > self.cfg.last_number:
                raise QueueError("range_exhausted", f"no offline numbers left for {req.type} on {day}")
            last = min(self.cfg.last_number, first + self.cfg.offline_block_size - 1)
            lease_id = sql.add_lease(kiosk_id, where.code, day, req.type, first, last, now)
            log.info(
                "leased %s%03d-%s%03d at %s for %s to kiosk %s",
                req.type,
                first,
                req.type,
                last,
                where.code,
                day,
                kiosk_id,
            )
            return LeaseRow(lease_id, kiosk_id, where.code, day, req.type, first, last, now)

        lease = self.queue.store.transact(work)
        return self._lease_reply(where, lease.id, req.type, day, lease.first, lease.last)

    def _lease_reply(self, site: Site, lease_id: int, letter: str, day: date, first: int, last: int) -> Lease:
        kind = site.type_map[letter]
        start = self._day_start(site, day)
        return Lease(
            id=lease_id,
            type=letter,
            type_name=kind.name,
            type_name_en=kind.name_en,
            counters=tuple(site.counters_for(letter)),
            service_day=day,
            first=first,
            last=last,
            valid_from=start,
            valid_until=self._day_start(site, day + timedelta(days=1)),
            url_base=self.queue.public_url,
        )

    def _day_start(self, site: Site, day: date) -> datetime:
        minutes = self.queue.reset_minutes
        local = datetime.combine(day, datetime.min.time(), site.tz) + timedelta(minutes=minutes)
        return local.astimezone(UTC)

    # -- delivery ------------------------------------------------------------------
    def accept(self, kiosk_id: str, t: OfflineTicket, now: datetime | None = None) -> bool:
        """Insert the ticket; False when it was delivered before."""
        now = now or utcnow()

        def work(sql: QueueSql) -> bool:
            if sql.ticket_by_request(kiosk_id, t.request_id) is not None:
                return False
            lease = sql.lease(t.lease_id)
            if lease is None or lease.kiosk_id != kiosk_id:
                raise QueueError("unknown_lease", f"lease {t.lease_id} was not given to this kiosk", 422)
            day, letter, first, last = lease.service_day, lease.type, lease.first, lease.last
            if t.type != letter or not first <= t.number <= last:
                raise QueueError(
                    "outside_lease",
                    f"{t.type}{t.number:03d} is not in the leased block {letter}{first:03d}-{letter}{last:03d}",
                    422,
                )
            issued = t.issued_at if t.issued_at.tzinfo else t.issued_at.replace(tzinfo=UTC)
            ordered = min(issued + timedelta(seconds=self._offset(sql, kiosk_id, t.clock_offset_s)), now)
            site = self.queue.site(lease.site)
            earliest = max(lease.leased_at, self._day_start(site, day)) - timedelta(seconds=LATE_TOLERANCE_S)
            if not earliest <= ordered < self._day_start(site, day + timedelta(days=1)):
                raise QueueError(
                    "outside_lease_day",
                    f"{t.type}{t.number:03d} claims to be issued at {ordered:%Y-%m-%d %H:%M:%S} UTC, before its "
                    f"number block was leased ({lease.leased_at:%H:%M:%S}) or outside service day {day}; "
                    "check the kiosk's clock",
                    422,
                )
            ticket_class = "priority" if t.priority else "normal"
            try:
                with sql.db.savepoint():
                    sql.insert_ticket(
                        id=t.id,
                        site=lease.site,
                        service_day=day,
                        type=letter,
                        number=t.number,
                        display=f"{CLASS_PREFIX[ticket_class]}{letter}{t.number:03d}",
                        ticket_class=ticket_class,
                        order_rank=0 if t.priority else 1,
                        order_at=ordered,
                        issued_at=ordered,
                        kiosk_id=kiosk_id,
                        request_id=t.request_id,
                        person_key=None,  # offline, the kiosk cannot tell who it was (it holds no hash key)
                        priority_reason=t.priority,
                        offline=True,
                        kiosk_issued_at=issued,
                        received_at=now,
                    )
            except UniqueViolation:
                if sql.ticket_by_request(kiosk_id, t.request_id) is not None:
                    return False  # delivered through another node at the same moment
                raise QueueError(
                    "number_taken",
                    f"{letter}{t.number:03d} on {day} was issued before "
                    "(a kiosk reused a number: check its outbox database)",
                ) from None
            return True

        return self.queue.store.transact(work)

    @staticmethod
    def _offset(sql: QueueSql, kiosk_id: str, claimed: float) -> float:
        """Central minus kiosk clock: the kiosk's claim if it agrees with what
        central measured at the last heartbeat, else central's measurement."""
        beat = sql.last_heartbeat(kiosk_id)
        if beat is None:
            return 0.0  # never heard from: no correction (the lease-day bounds still hold)
        measured = (beat[0] - beat[1]).total_seconds()
        return claimed if abs(claimed - measured) <= OFFSET_TOLERANCE_S else measured

    def abandon(self, kiosk_id: str, req: AbandonRequest, now: datetime | None = None) -> bool:
        """Cancel a ticket nobody holds; False when there was none waiting."""
        at = now or utcnow()

        def work(sql: QueueSql):
            found = sql.ticket_by_request(kiosk_id, req.request_id)
            if found is not None:
                sql.abandon(kiosk_id, req.request_id, at)
            return found

        found = self.queue.store.transact(work)
        if found is None:
            return False
        log.info("ticket %s abandoned by kiosk %s (never shown to anyone)", found.display, kiosk_id)
        return True

    def record_print(self, kiosk_id: str, p: TicketPrint, now: datetime | None = None, site: str | None = None) -> bool:
        """One print attempt at the kiosk's site; False when this key was stored before."""

        def work(sql: QueueSql) -> bool:
            if not sql.issued_by(p.ticket_id, kiosk_id):
                raise QueueError("unknown_ticket", "this kiosk did not issue that ticket", 404)
            try:
                with sql.db.savepoint():
                    sql.add_print(
                        kiosk_id,
                        site=site or self.queue.site().code,
                        key=p.key,
                        ticket_id=p.ticket_id,
                        number=p.number,
                        outcome=p.outcome,
                        reason=p.reason,
                        attempt=p.attempt,
                        at=p.at,
                        received_at=now or utcnow(),
                    )
            except UniqueViolation:
                return False
            return True

        return self.queue.store.transact(work)
