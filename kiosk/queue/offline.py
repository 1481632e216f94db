"""Issuing tickets while central is unreachable, from number blocks central
leased to this kiosk in advance (per business type, for today and tomorrow).

The leases live in the outbox's own SQLite file, so taking a number and
queuing the ticket for delivery are one transaction: after a crash at any
point the number is either used and on its way to central, or still free.
A number is never handed out twice, whatever happens to the process."""

from __future__ import annotations

import logging
import secrets
import threading
import time
import uuid
from datetime import UTC, date, datetime, timedelta

from common.tickets import (
    CLASS_PREFIX,
    Lease,
    LeaseRequest,
    OfflineTicket,
    PriorityClaim,
    QueueInfo,
    TicketClass,
    TicketReply,
)
from kiosk.sync.client import CentralClient, CentralError
from kiosk.sync.outbox import Outbox

log = logging.getLogger(__name__)
SCHEMA = """CREATE TABLE IF NOT EXISTS leases (
  id INTEGER PRIMARY KEY,           -- central's lease id
  type TEXT NOT NULL,
  service_day TEXT NOT NULL,
  first INTEGER NOT NULL,
  last INTEGER NOT NULL,
  next INTEGER NOT NULL,            -- the next number to issue from this block
  valid_from REAL NOT NULL,         -- unix time the service day starts
  valid_until REAL NOT NULL,
  body TEXT NOT NULL                -- the Lease as central sent it
)"""
REFILL_EVERY_S = 300.0


class NoOfflineNumbers(Exception):
    """No leased number is usable for this type now (none leased, used up or
    expired): the one case where an offline ticket cannot be issued."""


class OfflineTickets:
    def __init__(self, outbox: Outbox, central: CentralClient | None, *, clock=time.time):
        self.outbox = outbox
        self.central = central
        self.clock = clock
        self.clock_offset_s = 0.0  # central minus kiosk clock, from the heartbeat
        self._refilled_at = 0.0
        self._refill_lock = threading.Lock()
        with outbox.transaction() as db:
            db.execute(SCHEMA)

    # -- issuing ---------------------------------------------------------------
    def issue(
        self,
        letter: str,
        *,
        real_name: bool = False,
        priority: PriorityClaim | None = None,
        queue: QueueInfo | None = None,
    ) -> TicketReply:
        """Take the next leased number and queue the ticket for delivery, in
        one transaction. `queue` is the last known state of that queue, for
        the people-ahead and wait guesses printed on the ticket."""
        now = self.clock()
        request_id = uuid.uuid4().hex
        ticket_id = secrets.token_urlsafe(12)
        with self.outbox.transaction() as db:
            row = db.execute(
                "SELECT id, next, body FROM leases WHERE type = ? AND valid_from <= ? AND valid_until > ? "
                "AND next <= last ORDER BY first LIMIT 1",
                (letter, now, now),
            ).fetchone()
            if row is None:
                raise NoOfflineNumbers(f"no leased number left for type {letter}")
            lease_id, number, body = row
            lease = Lease.model_validate_json(body)
            db.execute("UPDATE leases SET next = next + 1 WHERE id = ?", (lease_id,))
            issued_at = datetime.fromtimestamp(now, UTC)
            offline = OfflineTicket(
                request_id=request_id,
                id=ticket_id,
                lease_id=lease_id,
                type=letter,
                number=number,
                real_name=real_name,
                priority=priority,
                issued_at=issued_at,
                clock_offset_s=round(self.clock_offset_s, 3),
            )
            self.outbox.put_in(db, "offline_ticket", request_id, offline.model_dump(mode="json"))
        ticket_class: TicketClass = "priority" if priority else "normal"
        log.info("offline ticket %s%s%03d issued from lease %d", CLASS_PREFIX[ticket_class], letter, number, lease_id)
        return TicketReply(
            id=ticket_id,
            number=f"{CLASS_PREFIX[ticket_class]}{letter}{number:03d}",
            type=letter,
            type_name=lease.type_name,
            type_name_en=lease.type_name_en,
            ticket_class=ticket_class,
            real_name=real_name,
            people_ahead=queue.waiting if queue else 0,
            wait_low_min=queue.wait_low_min if queue else 0,
            wait_high_min=queue.wait_high_min if queue else 0,
            counters=lease.counters,
            issued_at=issued_at,
            service_day=lease.service_day,
            url=f"{lease.url_base}/t/{ticket_id}",
            offline=True,
        )

    def numbers_left(self, letter: str | None = None) -> int:
        """Usable numbers now (for the heartbeat and the maintenance screen)."""
        now = self.clock()
        sql = "SELECT COALESCE(SUM(last - next + 1), 0) FROM leases WHERE valid_from <= ? AND valid_until > ? AND next <= last"
        params: tuple = (now, now)
        if letter:
            sql += " AND type = ?"
            params += (letter,)
        return self.outbox.read(sql, params)[0][0]

    # -- leasing (online) ------------------------------------------------------------
    def refill(self, types: list[str], today: date, *, force: bool = False) -> int:
        """Lease blocks for today and tomorrow where fewer than half a block is
        left; returns how many new leases were stored. Network errors are
        left to the next round."""
        if self.central is None or not types:
            return 0
        with self._refill_lock:
            if not force and self.clock() - self._refilled_at < REFILL_EVERY_S:
                return 0
            stored = 0
            try:
                for day in (today, today + timedelta(days=1)):
                    for letter in types:
                        if self._needs_lease(letter, day):
                            stored += self._store(self.central.lease(LeaseRequest(type=letter, service_day=day)))
            except CentralError as exc:
                if exc.code in ("offline_disabled", "range_exhausted"):
                    log.info("no offline numbers from central: %s", exc)
                elif exc.kind != "network":
                    log.warning("lease refused: %s", exc)
                return stored
            self._refilled_at = self.clock()
            self._prune()
            return stored

    def _needs_lease(self, letter: str, day: date) -> bool:
        rows = self.outbox.read(
            "SELECT first, last, next FROM leases WHERE type = ? AND service_day = ?", (letter, day.isoformat())
        )
        if not rows:
            return True
        left = sum(last - nxt + 1 for first, last, nxt in rows if nxt <= last)
        block = max(last - first + 1 for first, last, _ in rows)
        return left * 2 < block

    def _store(self, lease: Lease) -> int:
        with self.outbox.transaction() as db:
            cur = db.execute(
                "INSERT OR IGNORE INTO leases (id, type, service_day, first, last, next, valid_from, valid_until, body) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    lease.id,
                    lease.type,
                    lease.service_day.isoformat(),
                    lease.first,
                    lease.last,
                    lease.first,
                    lease.valid_from.timestamp(),
                    lease.valid_until.timestamp(),
                    lease.model_dump_json(),
                ),
            )
        if cur.rowcount:
            log.info("leased %s%03d-%s%03d for %s", lease.type, lease.first, lease.type, lease.last, lease.service_day)
        return cur.rowcount

    def forget_leases(self) -> int:
        """The kiosk was moved to another site: its blocks are the old site's numbers
        and must not be issued here (tickets already issued still deliver there).
        New blocks are leased at the next refill."""
        with self.outbox.transaction() as db:
            dropped = db.execute("DELETE FROM leases").rowcount
        self._refilled_at = 0.0
        if dropped:
            log.info("moved to another site: %d leased number block(s) dropped", dropped)
        return dropped

    def _prune(self) -> None:
        with self.outbox.transaction() as db:
            db.execute("DELETE FROM leases WHERE valid_until < ?", (self.clock() - 86400,))

    def leases(self) -> list[dict]:
        rows = self.outbox.read(
            "SELECT type, service_day, first, last, next FROM leases ORDER BY service_day, type, first"
        )
        return [dict(zip(("type", "service_day", "first", "last", "next"), r, strict=False)) for r in rows]


__all__ = ["NoOfflineNumbers", "OfflineTickets"]
