"""The durable outbox: what a citizen did is written here first (SQLite, WAL)
and delivered to central afterwards, each item with its idempotency key, so
a network fault or a restart loses nothing and a retry never counts twice.

States: ready -> in_flight -> acked, or back to ready with exponential backoff
and jitter after a transient failure, or failed when central refuses the item
for good (it is kept, with the reason, for the maintenance screen). Items in
flight when the kiosk stopped are ready again at start-up."""

from __future__ import annotations

import json
import logging
import random
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from kiosk import storage

log = logging.getLogger(__name__)
SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  key TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  payload TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'ready',
  attempts INTEGER NOT NULL DEFAULT 0,
  next_at REAL NOT NULL DEFAULT 0,
  created_at REAL NOT NULL,
  last_error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS ix_outbox_ready ON outbox (state, next_at);
"""
BACKOFF_BASE_S = 2.0
BACKOFF_MAX_S = 600.0


class Permanent(Exception):
    """Central refused the item for good (a 4xx other than auth or rate limit)."""


@dataclass(frozen=True)
class Item:
    id: int
    key: str
    kind: str
    payload: dict
    attempts: int


_JITTER = random.Random()


def backoff_s(attempts: int, rng: random.Random = _JITTER) -> float:
    """Full jitter: a random wait up to base * 2^attempts, capped."""
    return rng.uniform(0.5, 1.0) * min(BACKOFF_MAX_S, BACKOFF_BASE_S * 2 ** max(0, attempts - 1))


class Outbox:
    def __init__(self, path: Path, *, clock: Callable[[], float] = time.time):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.clock = clock
        self._lock = threading.Lock()
        self.damage: storage.Damage | None = None
        try:
            self._db = self._open()
        except sqlite3.DatabaseError as exc:  # a damaged file: set aside, start anew, keep what is readable
            moved = storage.move_aside(path, str(exc))
            self._db = self._open()
            self.damage = storage.Damage(path, moved, str(exc), self._recover(moved))
        resumed = self._db.execute("UPDATE outbox SET state = 'ready' WHERE state = 'in_flight'").rowcount
        if resumed:
            log.info("outbox: %d item(s) in flight at the last stop are ready again", resumed)

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(str(self.path), check_same_thread=False, isolation_level=None)
        try:
            storage.check(db)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")  # a citizen's ticket or rating survives a power cut
            db.executescript(SCHEMA)
        except sqlite3.DatabaseError:
            db.close()
            raise
        return db

    def _recover(self, damaged: Path) -> int:
        """Carry over the undelivered items SQLite can still read from the damaged file."""
        rows = storage.readable_rows(
            damaged, "SELECT key, kind, payload, created_at FROM outbox WHERE state != 'acked' ORDER BY id"
        )
        for key, kind, payload, created_at in rows:
            self._db.execute(
                "INSERT OR IGNORE INTO outbox (key, kind, payload, state, created_at) VALUES (?, ?, ?, 'ready', ?)",
                (key, kind, payload, created_at),
            )
        log.warning("outbox: %d undelivered item(s) recovered from %s", len(rows), damaged.name)
        return len(rows)

    def put(self, kind: str, key: str, payload: dict, *, held: bool = False) -> bool:
        """Store an item; False if this key is already there (put is idempotent).
        A `held` item is being handled in the foreground: the worker leaves
        it alone until `release` (or a restart) makes it ready."""
        with self._lock:
            return self.put_in(self._db, kind, key, payload, held=held)

    def put_in(self, db: sqlite3.Connection, kind: str, key: str, payload: dict, *, held: bool = False) -> bool:
        """`put` inside a `transaction()` (the caller holds it)."""
        cur = db.execute(
            "INSERT OR IGNORE INTO outbox (key, kind, payload, state, created_at) VALUES (?, ?, ?, ?, ?)",
            (key, kind, json.dumps(payload, ensure_ascii=False), "in_flight" if held else "ready", self.clock()),
        )
        return cur.rowcount == 1

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic write across the outbox and the tables that share its
        file (the offline ticket leases): both happen or neither."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def read(self, sql: str, params: tuple = ()) -> list[tuple]:
        """The rows of one query on the outbox's file (the leases too): a
        plain read, without the write lock `transaction()` takes."""
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    def settle(self, key: str) -> None:
        """A held item the foreground completed itself."""
        with self._lock:
            self._db.execute("UPDATE outbox SET state = 'acked', attempts = attempts + 1 WHERE key = ?", (key,))

    def release(self, key: str, payload: dict | None = None) -> None:
        """Hand a held item to the worker (optionally with a new payload)."""
        with self._lock:
            if payload is not None:
                self._db.execute(
                    "UPDATE outbox SET state = 'ready', payload = ? WHERE key = ? AND state = 'in_flight'",
                    (json.dumps(payload, ensure_ascii=False), key),
                )
            else:
                self._db.execute("UPDATE outbox SET state = 'ready' WHERE key = ? AND state = 'in_flight'", (key,))

    def claim(self, limit: int = 20, *, ignore_backoff: bool = False) -> list[Item]:
        """Due items (all ready ones with `ignore_backoff`), marked in flight, oldest first."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                due = float("inf") if ignore_backoff else self.clock()
                rows = self._db.execute(
                    "SELECT id, key, kind, payload, attempts FROM outbox WHERE state = 'ready' "
                    "AND next_at <= ? ORDER BY id LIMIT ?",
                    (due, limit),
                ).fetchall()
                self._db.executemany("UPDATE outbox SET state = 'in_flight' WHERE id = ?", [(r[0],) for r in rows])
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return [Item(r[0], r[1], r[2], json.loads(r[3]), r[4]) for r in rows]

    def ack(self, item: Item) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE outbox SET state = 'acked', attempts = attempts + 1, last_error = '' WHERE id = ?", (item.id,)
            )

    def retry(self, item: Item, error: str, *, wait: float | None = None, count: bool = True) -> float:
        wait = backoff_s(item.attempts + 1) if wait is None else wait
        with self._lock:
            self._db.execute(
                "UPDATE outbox SET state = 'ready', attempts = attempts + ?, next_at = ?, last_error = ? WHERE id = ?",
                (1 if count else 0, self.clock() + wait, error[:500], item.id),
            )
        return wait

    def fail(self, item: Item, error: str) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE outbox SET state = 'failed', attempts = attempts + 1, last_error = ? WHERE id = ?",
                (error[:500], item.id),
            )

    def counts(self, kind: str | None = None) -> dict[str, int]:
        """Items per state (of one kind, when given)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT state, COUNT(*) FROM outbox WHERE ? IS NULL OR kind = ? GROUP BY state", (kind, kind)
            ).fetchall()
        return {"ready": 0, "in_flight": 0, "acked": 0, "failed": 0, **dict(rows)}

    def backlog(self) -> int:
        c = self.counts()
        return c["ready"] + c["in_flight"]

    def oldest_pending_s(self) -> float:
        """Age of the oldest item not yet delivered (0 when none)."""
        with self._lock:
            oldest = self._db.execute(
                "SELECT MIN(created_at) FROM outbox WHERE state IN ('ready', 'in_flight')"
            ).fetchone()[0]
        return max(0.0, self.clock() - oldest) if oldest is not None else 0.0

    def drain(self, timeout_s: float, worker: OutboxWorker) -> bool:
        """Deliver until nothing is pending or the time is up (shutdown, tests, force sync)."""
        deadline = time.monotonic() + timeout_s
        while self.backlog():
            if time.monotonic() > deadline:
                return False
            if not worker.deliver_due(ignore_backoff=True):
                time.sleep(0.05)
        return True

    def prune_acked(self, older_than_s: float = 7 * 86400) -> int:
        with self._lock:
            return self._db.execute(
                "DELETE FROM outbox WHERE state = 'acked' AND created_at < ?", (self.clock() - older_than_s,)
            ).rowcount

    def close(self) -> None:
        self._db.close()


Sender = Callable[[dict], None]  # raises Permanent, or any other exception for "try again later"


class OutboxWorker:
    """Delivers due items on a background thread; `kick()` after a put
    delivers at once instead of at the next poll."""

    def __init__(self, outbox: Outbox, senders: dict[str, Sender], *, poll_s: float = 5.0):
        self.outbox = outbox
        self.senders = senders
        self.poll_s = poll_s
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def deliver_due(self, *, ignore_backoff: bool = False) -> int:
        """One pass, oldest first; returns how many items were acknowledged.
        The pass stops at the first transient failure: the items after it
        wait (a ticket's print record never overtakes the ticket)."""
        done = 0
        items = self.outbox.claim(ignore_backoff=ignore_backoff)
        for n, item in enumerate(items):
            sender = self.senders.get(item.kind)
            try:
                if sender is None:
                    raise Permanent(f"no sender for kind {item.kind!r}")
                sender(item.payload)
            except Permanent as exc:
                log.error("outbox: %s %s refused for good: %s", item.kind, item.key, exc)
                self.outbox.fail(item, str(exc))
            except Exception as exc:  # network, timeout, 5xx: later
                wait = self.outbox.retry(item, str(exc))
                log.info("outbox: %s %s not delivered (%s); retry in %.0f s", item.kind, item.key, exc, wait)
                for later in items[n + 1 :]:
                    self.outbox.retry(later, "waiting for an earlier item", wait=wait, count=False)
                break
            else:
                self.outbox.ack(item)
                done += 1
        return done

    def kick(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="outbox", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.deliver_due()
            except Exception:  # never let the delivery thread die
                log.exception("outbox: delivery pass failed")
            self._wake.wait(self.poll_s)
            self._wake.clear()
