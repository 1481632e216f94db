"""systemd's watchdog for central: WATCHDOG=1 only while the server answers.

A thread of the `serve` process asks its own /healthz over loopback every
half WatchdogSec and pings only when the answer comes in time, so what is
watched is the whole serving path (accepting, the event loop, a pool thread,
the database), not merely that a thread is alive. A stuck loop stops the pings
and systemd restarts central. With several workers each probe lands on one of
them; a stuck worker is caught when probes reach it, and uvicorn's supervisor
restarts workers that die.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import requests

from common import sd_notify

log = logging.getLogger(__name__)
PROBE_TIMEOUT_S = 5.0


def probe_healthz(url: str, timeout_s: float = PROBE_TIMEOUT_S) -> bool:
    try:
        return requests.get(url, timeout=timeout_s).ok
    except requests.RequestException:
        return False


class HealthWatchdog:
    """READY=1 at the first good probe, then WATCHDOG=1 after each good probe."""

    def __init__(self, probe: Callable[[], bool], interval_s: float):
        self.probe = probe
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="systemd-watchdog", daemon=True)
        self.ready = False

    def start(self) -> HealthWatchdog:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        failing_since: float | None = None
        while not self._stop.is_set():
            if self.probe():
                failing_since = None
                if not self.ready:
                    self.ready = True
                    sd_notify.notify("READY=1")
                sd_notify.notify("WATCHDOG=1")
            elif self.ready:
                failing_since = failing_since or time.monotonic()
                log.error(
                    "central does not answer its own /healthz (for %.0f s): no watchdog ping",
                    time.monotonic() - failing_since,
                )
            self._stop.wait(self.interval_s if self.ready else 0.2)


def start_for(host: str, port: int) -> HealthWatchdog | None:
    """The watchdog when systemd asks for one (NOTIFY_SOCKET), else None.
    Without WatchdogSec it still says READY=1 once the server answers."""
    if not sd_notify.enabled():
        return None
    interval = sd_notify.interval_s() or 3600.0
    probe_host = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    url = f"http://{probe_host}:{port}/healthz"
    return HealthWatchdog(lambda: probe_healthz(url, min(PROBE_TIMEOUT_S, interval)), interval).start()
