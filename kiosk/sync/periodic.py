"""A background job that runs every N seconds and can be woken early; the
one loop shared by heartbeat and catalog sync."""

from __future__ import annotations

import logging
import threading

log = logging.getLogger(__name__)


class PeriodicWorker:
    name = "periodic"

    def __init__(self, interval_s: float):
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout)

    def run_now(self) -> None:
        self._wake.set()

    def run_once(self) -> bool:
        """Do the job once; True when it succeeded (sets the pace of retries)."""
        raise NotImplementedError

    def next_wait(self, succeeded: bool) -> float:
        return self.interval_s if succeeded else min(self.interval_s, 10)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                ok = self.run_once()
            except Exception:  # never let the loop die: a kiosk runs for months
                log.exception("%s failed", self.name)
                ok = False
            self._wake.wait(self.next_wait(ok))
            self._wake.clear()
