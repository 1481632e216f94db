"""Token buckets kept in process memory: cheap enough for the ticket path,
answered without the database. Each worker process holds its own buckets, so
a limit is split evenly between the workers of a node (`per_process`)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class RateLimit:
    """At most `per_minute` events per key and minute, with bursts up to the
    same number; `allow` answers how long to wait (0.0: allowed now)."""

    MAX_KEYS = 100_000  # forgotten when full: a flood of new keys cannot grow memory without bound

    def __init__(self, per_minute: float, *, clock: Callable[[], float] = time.monotonic):
        self.rate = per_minute / 60.0
        self.burst = max(1.0, per_minute)
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, at)
        self._lock = threading.Lock()

    @classmethod
    def per_process(cls, per_minute: int, workers: int, **kw) -> RateLimit | None:
        """None when the limit is off (0)."""
        return cls(max(1.0, per_minute / max(1, workers)), **kw) if per_minute else None

    def allow(self, key: str) -> float:
        now = self.clock()
        with self._lock:
            tokens, at = self._buckets.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - at) * self.rate)
            if tokens >= 1.0:
                if len(self._buckets) >= self.MAX_KEYS and key not in self._buckets:
                    self._buckets.clear()
                self._buckets[key] = (tokens - 1.0, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) / self.rate
