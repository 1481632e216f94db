"""Background heartbeat: tells central this kiosk is alive (version, uptime,
devices) and tells the UI whether central is reachable."""
from __future__ import annotations

import logging
import time
from datetime import datetime, timezone
from typing import Callable

from common import wire
from kiosk import __version__
from kiosk.events import EventBus, NetworkStatus
from kiosk.sync.client import CentralClient, CentralError
from kiosk.sync.periodic import PeriodicWorker

log = logging.getLogger(__name__)


class HeartbeatWorker(PeriodicWorker):
    name = "heartbeat"

    def __init__(self, client: CentralClient, events: EventBus, interval_s: float,
                 devices: Callable[[], dict[str, wire.DeviceStatus]]):
        super().__init__(interval_s)
        self.client = client
        self.events = events
        self.devices = devices
        self.started = time.monotonic()
        self.last_status: NetworkStatus | None = None

    def beat_now(self) -> None:
        self.run_now()

    def run_once(self) -> bool:
        return self.beat_once().online

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
