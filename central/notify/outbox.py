"""The notification outbox and the worker that plans and sends it.

- Messages are planned in the transaction that makes them true (a booking
  confirmed with its booking) or, for the queue, from its event log
  (`queue_events`: calls and no-shows, whichever node made them), read from a
  cursor stored with the messages it produced. A message's key makes it one
  row however often it is planned.
- One node at a time works the outbox (`worker_leases`). Per recipient,
  messages leave in the order they were planned: one that must be retried
  holds back the ones behind it.
- Before sending, a message is checked again: one that no longer makes sense
  (nearly your turn after the call, a reminder of a cancelled booking, a call
  already answered) is dropped with the reason; so is one to a recipient who
  opted out. A recipient gets at most `per_number_hour` messages an hour; more
  wait.
- A key goes with every message (the SMS gateway's requestId, the push
  Topic): a message re-sent after a lost reply is recognised."""

from __future__ import annotations

import json
import logging
import os
import random
import socket
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine

from central.clock import from_db, utcnow
from central.config import NotifySection
from central.db import hold_lease
from central.notify.adapters import Message, Notifier
from central.notify.tables import worker_leases
from central.notify.texts import render
from central.queue.store import SQL_AHEAD
from central.rawsql import Exec, transact
from common.identity import keyed_parts

log = logging.getLogger(__name__)
LEASE = timedelta(seconds=30)
SQL_PLAN = (
    "INSERT INTO notifications (key, subscription_id, recipient_key, kind, params, state, attempts, next_at, "
    "created_at, last_error) VALUES (:key, :sub, :recipient, :kind, :params, 'pending', 0, :now, :now, '') "
    "ON CONFLICT (key) DO NOTHING"
)


def recipient_key(secret: bytes, channel: str, address: str) -> str:
    """A number or subscription as counted and opted out (keyed hash)."""
    return keyed_parts(secret, "notify", channel, address)


def subscribe(
    db: Exec,
    secret: bytes,
    *,
    site: str,
    channel: str,
    address: str,
    now: datetime,
    ticket_id: str | None = None,
    booking_code: str | None = None,
    new: bool = False,
) -> tuple[int, str]:
    """The subscription of `address` to a ticket or a booking (made once);
    its id and recipient key. `new`: the ticket or booking was just made, so
    nobody can have subscribed yet."""
    recipient = recipient_key(secret, channel, address)
    ref = ticket_id or booking_code
    if not new:
        row = db.one(
            "SELECT id FROM notify_subscriptions WHERE recipient_key = :r AND "
            + ("ticket_id = :ref" if ticket_id else "booking_code = :ref"),
            r=recipient,
            ref=ref,
        )
        if row:
            return row[0], recipient
    made = db.one(
        "INSERT INTO notify_subscriptions (site, ticket_id, booking_code, channel, address, recipient_key, created_at) "
        "VALUES (:site, :ticket_id, :booking_code, :channel, :address, :r, :now) RETURNING id",
        site=site,
        ticket_id=ticket_id,
        booking_code=booking_code,
        channel=channel,
        address=address,
        r=recipient,
        now=now,
    )
    return made[0], recipient


def follow_ticket(db: Exec, booking_code: str, ticket_id: str) -> None:
    """At check-in the booking's subscribers follow its ticket."""
    db.run("UPDATE notify_subscriptions SET ticket_id = :t WHERE booking_code = :c", t=ticket_id, c=booking_code)


def plan(
    db: Exec,
    *,
    kind: str,
    params: dict[str, str],
    now: datetime,
    ticket_id: str | None = None,
    booking_code: str | None = None,
    round_: str = "",
    subs: list[tuple[int, str]] | None = None,
) -> int:
    """One message per subscriber of the ticket or booking; `round_` tells a
    second message of the same kind apart (a call after a no-show); `subs`:
    the subscribers, when the caller knows them. Rows planned already are
    left alone. Returns how many rows were new."""
    column, ref = ("ticket_id", ticket_id) if ticket_id else ("booking_code", booking_code)
    if subs is None:
        subs = db.all(f"SELECT id, recipient_key FROM notify_subscriptions WHERE {column} = :ref ORDER BY id", ref=ref)
    body = json.dumps({**params, "_ticket": ticket_id or "", "_booking": booking_code or ""}, ensure_ascii=False)
    made = 0
    for sub_id, recipient in subs:
        key = f"{kind}:{ref}:{round_}:{sub_id}"
        made += db.count(SQL_PLAN, key=key, sub=sub_id, recipient=recipient, kind=kind, params=body, now=now)
    return made


class NotifyWorker:
    """Plans the queue's messages, sweeps bookings (reminders, missed) and
    sends the outbox; one daemon thread, on the node holding the lease."""

    def __init__(
        self,
        engine: Engine,
        runner,
        cfg: NotifySection,
        notifiers: dict[str, Notifier],
        *,
        site_name: Callable[[str], str],
        sweep: Callable[[datetime], int] | None = None,
        public_url: str = "",
        clock: Callable[[], datetime] = utcnow,
        node: str = "",
    ):
        self.engine, self.runner, self.cfg, self.notifiers = engine, runner, cfg, notifiers
        self.site_name, self.sweep = site_name, sweep
        self.public_url, self.clock = public_url.rstrip("/"), clock
        self.node = node or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._swept_at: datetime | None = None
        self._lease_until: datetime | None = None

    # -- the thread ----------------------------------------------------------
    def start(self) -> NotifyWorker:
        self._thread = threading.Thread(target=self._loop, name="notify", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=15)

    def kick(self) -> None:
        self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                wait = self.run_once()
            except Exception:  # the database or a channel is away: try again later, never die
                log.exception("notification pass failed")
                wait = 5.0
            self._wake.wait(wait)
            self._wake.clear()

    def run_once(self) -> float:
        """Plan, sweep and send what is due; seconds until the next pass."""
        now = self.clock()
        if not self._hold_lease(now):
            return LEASE.total_seconds() / 2
        self.plan_from_events()
        if self.sweep is not None and (
            self._swept_at is None or (now - self._swept_at).total_seconds() >= self.cfg.sweep_s
        ):
            self.sweep(now)
            self._swept_at = now
        return min(self.deliver(), self.cfg.poll_s)

    def _hold_lease(self, now: datetime) -> bool:
        """Renewed in the database only in the second half of its time: an idle
        central writes nothing every poll."""
        if self._lease_until is not None and self._lease_until - now > LEASE / 2:
            return True
        if hold_lease(self.engine, worker_leases, "notify", self.node, now, LEASE):
            self._lease_until = now + LEASE
            return True
        self._lease_until = None
        return False

    # -- planning from the queue's events -------------------------------------
    def plan_from_events(self, batch: int = 500) -> int:
        """Messages for the calls and no-shows since the cursor; the cursor
        moves in the same transaction as the messages it produced (a read
        first: nothing new, no write)."""
        reads = self.runner.read()
        cursor = reads.one("SELECT last_id FROM notify_cursors WHERE name = 'events'")
        if cursor is not None and not reads.one(
            "SELECT 1 FROM queue_events WHERE id > :last AND kind IN ('call', 'no_show') LIMIT 1", last=cursor[0]
        ):
            return 0

        def work(db: Exec) -> int:
            row = db.one("SELECT last_id FROM notify_cursors WHERE name = 'events'")
            if row is None:  # first start: history is not replayed
                last = db.one("SELECT COALESCE(MAX(id), 0) FROM queue_events")[0]
                db.run("INSERT INTO notify_cursors (name, last_id) VALUES ('events', :last)", last=last)
                return 0
            events = db.all(
                "SELECT id, site, kind, ticket_id, payload FROM queue_events WHERE id > :last AND kind IN "
                "('call', 'no_show') ORDER BY id LIMIT :n",
                last=row[0],
                n=batch,
            )
            if not events:
                return 0
            now, made = self.clock(), 0
            for event_id, site, kind, ticket_id, payload in events:
                made += self._plan_event(db, event_id, site, kind, ticket_id, json.loads(payload), now)
            db.run("UPDATE notify_cursors SET last_id = :last WHERE name = 'events'", last=events[-1][0])
            return made

        made = transact(self.runner, work)
        if made:
            log.info("planned %d queue message(s)", made)
        return made

    def _plan_event(self, db: Exec, event_id: int, site: str, kind: str, ticket_id: str, p: dict, now) -> int:
        where = self.site_name(site)
        if kind == "no_show":
            what = "missed_requeued" if p.get("requeued") else "missed_ticket"
            params = {"site": where, "number": p.get("number", ""), "variant": what}
            return plan(db, kind="missed", params=params, now=now, ticket_id=ticket_id, round_=str(event_id))
        params = {"site": where, "number": p["number"], "counter": p.get("counter_name", "")}
        made = plan(db, kind="called", params=params, now=now, ticket_id=ticket_id, round_=str(event_id))
        # who is now close to the front of this type's line, among those who asked to be told
        watched = db.all(
            "SELECT DISTINCT t.id, t.service_day, t.order_rank, t.order_at, t.number, t.display "
            "FROM tickets t JOIN notify_subscriptions s ON s.ticket_id = t.id "
            "WHERE t.site = :site AND t.type = :type AND t.state = 'waiting'",
            site=site,
            type=p["type"],
        )
        for tid, day, rank, order_at, number, display in watched:
            ahead = db.one(
                SQL_AHEAD, site=site, day=day, type=p["type"], rank=rank, at=from_db(order_at), number=number
            )[0]
            if ahead <= self.cfg.ahead_at:
                params = {"site": where, "number": display, "ahead": str(ahead)}
                round_ = from_db(order_at).isoformat()  # a requeued ticket is told again
                made += plan(db, kind="three_ahead", params=params, now=now, ticket_id=tid, round_=round_)
        return made

    # -- sending ---------------------------------------------------------------
    def deliver(self, limit: int = 200) -> float:
        """Send what is due, in order per recipient; seconds until the next is due."""
        now = self.clock()
        rows = self.runner.read().all(
            "SELECT n.id, n.key, n.kind, n.params, n.attempts, n.next_at, n.recipient_key, "
            "s.channel, s.address FROM notifications n JOIN notify_subscriptions s ON s.id = n.subscription_id "
            "WHERE n.state = 'pending' ORDER BY n.id LIMIT :n",
            n=limit,
        )
        held: set[str] = set()
        wait = self.cfg.poll_s
        for nid, key, kind, params, attempts, next_at, recipient, channel, address in rows:
            if self._stop.is_set():
                break
            if recipient in held:
                continue
            due = from_db(next_at)
            if due > now:
                held.add(recipient)
                wait = min(wait, (due - now).total_seconds())
                continue
            outcome = self._deliver_one(nid, key, kind, json.loads(params), attempts, recipient, channel, address)
            if outcome != "done":
                held.add(recipient)
        return max(0.05, wait)

    def _deliver_one(self, nid, key, kind, params, attempts, recipient, channel, address) -> str:
        now = self.clock()
        reason = self._why_not(kind, params, recipient, now)
        if reason:
            self._finish(nid, "dropped", reason)
            log.info("message %s dropped: %s", key, reason)
            return "done"
        per_hour = self._sent_last_hour(recipient, now)
        if per_hour >= self.cfg.per_number_hour:
            self._retry(nid, attempts, f"rate limited: {per_hour} messages in the last hour", timedelta(minutes=5))
            return "held"
        notifier = self.notifiers.get(channel)
        if notifier is None:
            self._finish(nid, "dropped", f"no {channel} channel is configured")
            return "done"
        template = {k: v for k, v in params.items() if not k.startswith("_")}
        title, text, text_en = render(kind, template)
        url = f"{self.public_url}/t/{params['_ticket']}" if params.get("_ticket") else f"{self.public_url}/book"
        message = Message(key, kind, channel, address, title, text, text_en, template, url)
        result = notifier.send(message)
        if result.outcome == "sent":
            self._finish(nid, "sent", "")
            return "done"
        if result.outcome == "refused":
            self._finish(nid, "failed", result.detail)
            log.warning("message %s refused by %s: %s", key, channel, result.detail)
            return "done"
        self._retry(nid, attempts, result.detail, self.backoff(attempts + 1))
        log.info("message %s not sent (attempt %d): %s", key, attempts + 1, result.detail)
        return "held"

    def backoff(self, attempts: int) -> timedelta:
        base = min(self.cfg.retry_max_s, self.cfg.retry_min_s * 2 ** min(attempts - 1, 30))
        return timedelta(seconds=base * random.uniform(0.9, 1.1))

    def _why_not(self, kind: str, params: dict, recipient: str, now: datetime) -> str:
        """Why the message must not go now, or ''."""
        db = self.runner.read()
        if db.one("SELECT 1 FROM notify_opt_outs WHERE recipient_key = :r", r=recipient):
            return "the recipient opted out"
        if params.get("_ticket"):
            row = db.one("SELECT state FROM tickets WHERE id = :id", id=params["_ticket"])
            state = row[0] if row else "gone"
            if kind == "three_ahead" and state != "waiting":
                return f"the ticket is {state} now: nearly-your-turn no longer makes sense"
            if kind == "called" and state != "called":
                return f"the ticket is {state} now: the call was answered or is over"
        if params.get("_booking") and kind in ("confirmed", "reminder"):
            row = db.one("SELECT state, slot_start, slot_end FROM bookings WHERE code = :c", c=params["_booking"])
            if row is None or row[0] != "booked":
                return f"the booking is {row[0] if row else 'gone'}"
            if from_db(row[2] if kind == "confirmed" else row[1]) <= now:
                return "the slot has begun"
        return ""

    def _sent_last_hour(self, recipient: str, now: datetime) -> int:
        return self.runner.read().one(
            "SELECT COUNT(*) FROM notifications WHERE recipient_key = :r AND state = 'sent' AND done_at > :since",
            r=recipient,
            since=now - timedelta(hours=1),
        )[0]

    def _finish(self, nid: int, state: str, error: str) -> None:
        now = self.clock()
        transact(
            self.runner,
            lambda db: db.run(
                "UPDATE notifications SET state = :state, done_at = :now, last_error = :error, "
                "attempts = attempts + 1 WHERE id = :id AND state = 'pending'",
                state=state,
                now=now,
                error=error[:500],
                id=nid,
            ),
        )

    def _retry(self, nid: int, attempts: int, error: str, after: timedelta) -> None:
        at = self.clock() + after
        transact(
            self.runner,
            lambda db: db.run(
                "UPDATE notifications SET attempts = :a, next_at = :at, last_error = :error "
                "WHERE id = :id AND state = 'pending'",
                a=attempts + 1,
                at=at,
                error=error[:500],
                id=nid,
            ),
        )


def outbox_state(runner) -> dict:
    """Counts by state and kind, and the latest failures (for `notify outbox`)."""
    db = runner.read()
    counts: dict[str, dict[str, int]] = {}
    for state, kind, n in db.all("SELECT state, kind, COUNT(*) FROM notifications GROUP BY state, kind"):
        counts.setdefault(state, {})[kind] = n
    failed = [
        {"key": k, "kind": kind, "error": e, "attempts": a}
        for k, kind, e, a in db.all(
            "SELECT key, kind, last_error, attempts FROM notifications WHERE state IN ('failed', 'dropped') "
            "ORDER BY id DESC LIMIT 20"
        )
    ]
    return {"by_state": counts, "latest_not_sent": failed}
