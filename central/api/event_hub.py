"""One reader of the event log per worker, however many streams are open.

Every display board and phone page holds a server-sent-event stream open. If
each stream asked the database for new events ten times a second, a thousand
idle phones would be ten thousand queries a second and the hall's tickets
would wait behind them. Here one task reads the log (on a pool thread) and
wakes the streams that are waiting; an idle stream costs an asyncio wait and
a keep-alive line every 15 s. Streams are capped in total and per address, so
a burst of connections is refused (503, Retry-After) instead of starving the
workers.

On SQLite the reader looks every 100 ms (a read of a local file). On
PostgreSQL it reads when told: each transaction that adds an event NOTIFYs
`queue_events` (central.queue.store), a listener thread per worker hears it
from whichever node committed, and the reader reads once; a look every few
seconds covers a notification lost while the listener reconnected. Event ids
are assigned in commit order (see the store), so reading "after the last id
seen" never skips one.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import Counter, deque
from collections.abc import Iterator
from contextlib import contextmanager

from central.queue.store import EVENT_CHANNEL

log = logging.getLogger(__name__)
POLL_S = 0.1  # how often the one reader looks for new events (SQLite)
LISTENING_POLL_S = 5.0  # with LISTEN/NOTIFY (PostgreSQL): a safety net only
KEEP = 1000  # recent events kept in memory for streams that resume a little behind


class TooManyStreams(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class EventHub:
    def __init__(self, calling, *, max_streams: int = 2000, max_per_address: int = 100, listen_dsn: str | None = None):
        """`listen_dsn`: a PostgreSQL connection string to LISTEN on (None: poll)."""
        self.calling = calling
        self.listen_dsn = listen_dsn
        self.poll_s = LISTENING_POLL_S if listen_dsn else POLL_S
        self._poked: asyncio.Event | None = None
        self._listener: threading.Thread | None = None
        self.reads = 0  # how often the log was read (benchmarks: the cost of idle streams)
        self.max_streams = max_streams
        self.max_per_address = max_per_address
        self._recent: deque[dict] = deque(maxlen=KEEP)
        self._last_id: int | None = None
        self._changed = asyncio.Event()
        self._streams: Counter[str] = Counter()
        self._reader: asyncio.Task | None = None

    @property
    def open_streams(self) -> int:
        return sum(self._streams.values())

    def check_room(self, address: str) -> None:
        """Raise TooManyStreams when a new stream from `address` would pass a cap (checked
        before the reply starts, so the refusal can still be a 503)."""
        if self.open_streams >= self.max_streams:
            raise TooManyStreams(f"{self.max_streams} live streams are open on this server; try again shortly")
        if self._streams[address] >= self.max_per_address:
            raise TooManyStreams(f"{self.max_per_address} live streams are open from this address already")

    @contextmanager
    def holding(self, address: str) -> Iterator[None]:
        """Count a stream for the time its generator runs (released however it ends)."""
        self._streams[address] += 1
        self._ensure_reader()
        try:
            yield
        finally:
            self._streams[address] -= 1
            if self._streams[address] <= 0:
                del self._streams[address]

    def _ensure_reader(self) -> None:
        loop = asyncio.get_running_loop()
        if self._poked is None:
            self._poked = asyncio.Event()
        if self.listen_dsn and self._listener is None:
            self._listener = threading.Thread(target=self._listen, args=(loop,), name="event-listen", daemon=True)
            self._listener.start()
        if self._reader is None or self._reader.done():
            self._reader = loop.create_task(self._read_forever(), name="event-hub")

    async def _read_forever(self) -> None:
        assert self._poked is not None
        while self._streams:
            self._poked.clear()
            try:
                await self._read_once()
            except Exception:  # a database hiccup: the streams keep waiting, the next poll retries
                log.exception("reading the event log failed")
            try:
                await asyncio.wait_for(self._poked.wait(), self.poll_s)
            except TimeoutError:
                pass

    def _poke(self) -> None:
        if self._poked is not None:
            self._poked.set()

    def _listen(self, loop: asyncio.AbstractEventLoop) -> None:
        """On a thread: LISTEN on PostgreSQL, and wake the reader at each NOTIFY
        (and after every reconnection, when some may have been missed)."""
        import psycopg

        assert self.listen_dsn is not None
        failing = False
        while not loop.is_closed():
            try:
                with psycopg.connect(self.listen_dsn, autocommit=True, connect_timeout=5) as conn:
                    conn.execute(f"LISTEN {EVENT_CHANNEL}")
                    if failing:
                        log.info("listening for queue events again")
                    failing = False
                    loop.call_soon_threadsafe(self._poke)
                    while not loop.is_closed():
                        for _ in conn.notifies(timeout=1.0, stop_after=1):
                            loop.call_soon_threadsafe(self._poke)
            except RuntimeError:  # the loop closed: the worker is stopping
                return
            except Exception as exc:  # the database restarted or the network dropped: the poll covers it
                if not failing:
                    log.warning("listening for queue events failed (retrying every 2 s): %s", exc)
                failing = True
                threading.Event().wait(2.0)

    async def _read_once(self) -> None:
        self.reads += 1
        batch = await asyncio.to_thread(self.calling.events_since, await self.last_id(), 500)
        if batch:
            self._recent.extend(batch)
            self._last_id = batch[-1]["id"]
            changed, self._changed = self._changed, asyncio.Event()
            changed.set()  # wake every waiting stream

    async def last_id(self) -> int:
        """The newest event id now (where a new stream starts)."""
        if self._last_id is not None:
            return self._last_id
        newest: int = await asyncio.to_thread(self.calling.last_event_id)
        self._last_id = newest
        return newest

    async def after(self, last: int, wait_s: float, site: str | None = None) -> tuple[list[dict], int]:
        """(events after `last`, the id the stream has now seen up to). Only
        `site`'s events when given: another site's do not wake the stream, but
        move it on (so a quiet site's stream never falls behind memory). At once
        if there are some, else when the reader sees new ones, or none after
        `wait_s` (time for a keep-alive)."""
        behind_memory = not self._recent or last < self._recent[0]["id"] - 1
        if behind_memory and (self._last_id is None or last < self._last_id):
            known = self._last_id or 0  # the reader read up to here before this read begins: it sees them too
            batch = await asyncio.to_thread(self.calling.events_since, last, 500, site=site)  # a resume from far back
            if batch:
                return batch, batch[-1]["id"]
            last = max(last, known)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait_s
        while True:
            seen = self._last_id if self._last_id is not None else last
            ready = [e for e in self._recent if e["id"] > last and (site is None or e["site"] == site)]
            if ready:
                return ready, max(seen, ready[-1]["id"])
            left = deadline - loop.time()
            if left <= 0:
                return [], max(last, seen)
            changed = self._changed
            try:
                await asyncio.wait_for(changed.wait(), left)
            except TimeoutError:
                return [], max(last, self._last_id or last)
