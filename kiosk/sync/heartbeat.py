"""Background heartbeat: tells central this kiosk is alive (version, uptime,
devices) and tells the UI whether central is reachable."""
from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timezone
from typing import Callable

from common import wire
from kiosk import __version__
from kiosk.events import EventBus, NetworkStatus
from kiosk.sync.client import CentralClient, CentralError

log = logging.getLogger(__name__)


class HeartbeatWorker:
    def __init__(self, client: CentralClient, events: EventBus, interval_s: float,
                 devices: Callable[[], dict[str, wire.DeviceStatus]]):
        self.client = client
        self.events = events
        self.interval_s = interval_s
        self.devices = devices
        self.started = time.monotonic()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_status: NetworkStatus | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="heartbeat", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout)

    def beat_now(self) -> None:
        self._wake.set()

    def beat_once(self) -> NetworkStatus:
        now = datetime.now(timezone.utc)
        beat = wire.HeartbeatRequest(version=__version__, uptime_s=round(time.monotonic() - self.started, 1),
                                     sent_at=now, devices=self.devices())
        try:
            self.client.heartbeat(beat)
            status = NetworkStatus(True, "", now)
        except CentralError as exc:
            status = NetworkStatus(False, exc.code or exc.kind, now)
            if self.last_status is None or self.last_status.online or self.last_status.detail != status.detail:
                log.warning("heartbeat failed (%s): %s", exc.kind, exc)
        if self.last_status is None or self.last_status.online != status.online:
            log.info("central %s", "reachable" if status.online else "unreachable")
        if self.last_status is None or (self.last_status.online, self.last_status.detail) != (status.online, status.detail):
            self.events.publish(status)
        self.last_status = status
        return status

    def _run(self) -> None:
        while not self._stop.is_set():
            self.beat_once()
            # retry sooner while offline so the status light turns green quickly
            wait = self.interval_s if self.last_status and self.last_status.online else min(self.interval_s, 10)
            self._wake.wait(wait)
            self._wake.clear()
