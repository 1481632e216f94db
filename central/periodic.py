"""Central's background chores (retention, escalating overdue bad reviews):
one daemon thread each, running `work` at start and then every `interval_s`,
never dying of a failed pass (a busy or full database: the next pass tries
again, the log says why now)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class PeriodicJob:
    def __init__(self, name: str, interval_s: float, work: Callable[[], object]):
        self.name, self.interval_s, self.work = name, interval_s, work
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)

    def start(self) -> PeriodicJob:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _loop(self) -> None:
        while True:
            try:
                self.work()
            except Exception:
                log.exception("%s pass failed; retrying in %.0f s", self.name, self.interval_s)
            if self._stop.wait(self.interval_s):
                return
