"""Background heartbeat: tells central this kiosk is alive (version, uptime,
devices, health) and tells the UI whether central is reachable. After each
beat that got through, the `after_beat` hooks run (clock offset, number
leases, pushed settings): the one moment the kiosk knows central is there."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

from common import wire
from kiosk import __version__
from kiosk.events import EventBus, NetworkStatus
from kiosk.sync.client import CentralClient, CentralError
from kiosk.sync.periodic import PeriodicWorker

log = logging.getLogger(__name__)


class HeartbeatWorker(PeriodicWorker):
    name = "heartbeat"

    def __init__(
        self,
        client: CentralClient,
        events: EventBus,
        interval_s: float,
        devices: Callable[[], dict[str, wire.DeviceStatus]],
        health: Callable[[], wire.KioskHealth] | None = None,
    ):
        super().__init__(interval_s)
        self.client = client
        self.events = events
        self.devices = devices
        self.health = health
        self.started = time.monotonic()
        self.last_status: NetworkStatus | None = None
        self.clock_offset_s = 0.0  # central minus this kiosk's clock, from the last beat
        self.after_beat: list[Callable[[wire.HeartbeatReply], None]] = []

    def beat_now(self) -> None:
        self.run_now()

    def run_once(self) -> bool:
        return self.beat_once().online

    def beat_once(self) -> NetworkStatus:
        now = datetime.now(UTC)
        beat = wire.HeartbeatRequest(
            version=__version__,
            uptime_s=round(time.monotonic() - self.started, 1),
            sent_at=now,
            devices=self.devices(),
            health=self.health() if self.health else None,
        )
        try:
            sent = time.time()
            reply = self.client.heartbeat(beat)
            midpoint = (sent + time.time()) / 2
            self.clock_offset_s = reply.server_time.timestamp() - midpoint
            status = NetworkStatus(True, "", now)
        except CentralError as exc:
            reply = None
            status = NetworkStatus(False, exc.code or exc.kind, now)
            if self.last_status is None or self.last_status.online or self.last_status.detail != status.detail:
                log.warning("heartbeat failed (%s): %s", exc.kind, exc)
        if self.last_status is None or self.last_status.online != status.online:
            log.info("central %s", "reachable" if status.online else "unreachable")
        if self.last_status is None or (self.last_status.online, self.last_status.detail) != (
            status.online,
            status.detail,
        ):
            self.events.publish(status)
        self.last_status = status
        if reply is not None:
            for hook in self.after_beat:
                try:
                    hook(reply)
                except Exception:  # one failing hook must not stop the others or the beat
                    log.exception("after-heartbeat task failed")
        return status
