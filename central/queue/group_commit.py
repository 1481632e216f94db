"""Group commit for tickets: the requests that reach the event loop in the
same turn are issued in one write transaction (`QueueEngine.issue_many`, a
savepoint per ticket), written at the end of that turn. Batches grow with the
load by themselves (the longer a batch takes, the more requests arrive
meanwhile) and a quiet hall sees batches of one with no added delay: there is
no timer. The commit is paid once per batch instead of once per ticket.

The write runs on the loop itself when nothing can make it wait: on SQLite,
the WriteLock is tried without blocking and, if free, the batch is written at
once (measured, a writer thread was slower: the GIL, and a thread hop per
batch). Otherwise the whole batch, waiting for the lock included, runs on a pool
thread and only its results come back to the loop. The loop never waits for a
lock, and no lock is ever held on behalf of a callback only the loop can run
(that was a deadlock: a pool thread took the lock for the loop while the loop
waited for the same lock). On PostgreSQL, whose row locks can make any write
wait, every batch runs on a pool thread."""

from __future__ import annotations

import asyncio
import logging

from central.db import WriteLock
from central.queue.engine import QueueEngine, TicketOrder
from central.rawsql import SqliteRunner
from common.tickets import TicketReply

log = logging.getLogger(__name__)
MAX_BATCH = 64  # bounds one transaction (a few ms) and so how long the loop is held


class GroupCommit:
    def __init__(self, engine: QueueEngine, *, max_batch: int = MAX_BATCH):
        self.engine = engine
        self.max_batch = max_batch
        runner = engine.store.runner
        self.lock = WriteLock(runner.path) if isinstance(runner, SqliteRunner) else None
        self._waiting: list[tuple[TicketOrder, asyncio.Future]] = []
        self._scheduled = False

    async def issue(self, order: TicketOrder) -> TicketReply:
        """The ticket, or the engine's QueueError / UniqueViolation for this order."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._waiting.append((order, future))
        if not self._scheduled:
            self._scheduled = True
            loop.call_soon(self._write, loop)  # after the rest of this turn: its other requests join the batch
        return await future

    def _write(self, loop: asyncio.AbstractEventLoop) -> None:
        batch, self._waiting = self._waiting[: self.max_batch], self._waiting[self.max_batch :]
        if self.lock is not None and self.lock.acquire(blocking=False):
            self._deliver(loop, batch, self._issue(batch, locked=True))  # nothing to wait for: on the loop
            return
        # another writer holds the lock (or PostgreSQL): the batch, waits included, on a pool thread
        done = loop.run_in_executor(None, self._issue_after_waiting, batch)
        done.add_done_callback(lambda finished: self._deliver(loop, batch, finished.result()))

    def _issue_after_waiting(self, batch) -> list:
        """On a pool thread: wait for the write lock, write, release; the loop is not involved."""
        if self.lock is None:
            return self._issue(batch, locked=False)
        self.lock.acquire()
        return self._issue(batch, locked=True)

    def _issue(self, batch, *, locked: bool) -> list:
        """The batch's results (a reply or an exception per order); releases the lock if `locked`."""
        try:
            return self.engine.issue_many([order for order, _ in batch], locked=locked)
        except Exception as exc:  # the transaction itself failed (disk, lock timeout): nothing was issued
            log.error("a batch of %d ticket(s) failed: %s", len(batch), exc)
            return [exc] * len(batch)
        finally:
            if locked and self.lock is not None:
                self.lock.release()

    def _deliver(self, loop: asyncio.AbstractEventLoop, batch, results: list) -> None:
        for (_, future), result in zip(batch, results, strict=True):
            if future.done():  # the client went away meanwhile; its ticket, if issued, is found by request id
                continue
            if isinstance(result, Exception):
                future.set_exception(result)
            else:
                future.set_result(result)
        if self._waiting:
            loop.call_soon(self._write, loop)
        else:
            self._scheduled = False
