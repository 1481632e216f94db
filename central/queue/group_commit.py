"""Group commit for tickets: the requests that reach the event loop in the
same turn are issued in one write transaction (`QueueEngine.issue_many`, a
savepoint per ticket), written at the end of that turn. Batches grow with the
load by themselves (the longer a batch takes, the more requests arrive
meanwhile) and a quiet hall sees batches of one with no added delay: there is
no timer. The commit is paid once per batch instead of once per ticket.

The write runs on the loop itself, as the rest of the ticket path: measured,
a writer thread was slower (the GIL, and a thread hop per batch). Only waiting
for another worker process's write leaves the loop: the database's WriteLock
is tried without blocking, and if it is taken a pool thread waits for it while
the loop keeps reading, verifying and answering requests."""

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
        runner = engine.runner
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
        if self.lock is None or self.lock.acquire(blocking=False):
            self._write_locked(loop, batch)
        else:  # another worker process is writing: wait off the loop, which keeps serving meanwhile
            waited = loop.run_in_executor(None, self.lock.acquire)
            waited.add_done_callback(lambda _done: self._write_locked(loop, batch))

    def _write_locked(self, loop: asyncio.AbstractEventLoop, batch) -> None:
        try:
            results = self.engine.issue_many([order for order, _ in batch], locked=self.lock is not None)
        except Exception as exc:  # the transaction itself failed (disk, lock timeout): nothing was issued
            log.error("a batch of %d ticket(s) failed: %s", len(batch), exc)
            results = [exc] * len(batch)
        finally:
            if self.lock is not None:
                self.lock.release()
        for (_, future), result in zip(batch, results, strict=False):
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
