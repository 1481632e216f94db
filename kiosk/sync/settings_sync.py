"""Settings pushed from central (hall hours, a notice, limits, maintenance)
and the mode they put the kiosk in. Fetched only when the heartbeat says the
version changed (and then with If-None-Match); kept on disk so a restart
offline keeps them; applied without a restart."""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from common import wire
from kiosk.events import EventBus, ModeChanged
from kiosk.sync.client import CentralClient, CentralError

log = logging.getLogger(__name__)


def mode_at(settings: wire.KioskSettings, local: datetime, *, forced: str = "") -> str:
    """normal, after_hours (outside the counters' hours) or maintenance."""
    if forced == "maintenance" or settings.maintenance:
        return "maintenance"
    hhmm = f"{local:%H:%M}"
    if local.date().isoformat() in settings.closed_dates:
        return "after_hours"
    if local.isoweekday() not in settings.open_days or not settings.open_time <= hhmm < settings.close_time:
        return "after_hours"
    return "normal"


class PushedSettings:
    def __init__(self, path: Path, client: CentralClient | None, events: EventBus, timezone: str):
        self.path = path
        self.client = client
        self.events = events
        self.tz = ZoneInfo(timezone)
        self.current = self._load()
        self.forced = ""  # the maintenance screen can take the kiosk out of service locally
        self._lock = threading.Lock()
        self._mode = ""
        self.on_change: list = []  # callables(settings), run at start and after each new version

    def _load(self) -> wire.KioskSettings:
        try:
            return wire.KioskSettings.model_validate_json(self.path.read_bytes())
        except FileNotFoundError:
            return wire.KioskSettings(version=0)
        except (ValidationError, ValueError) as exc:
            log.error(
                "ignoring the saved settings %s (%s); using the defaults until central sends them", self.path, exc
            )
            return wire.KioskSettings(version=0)

    def on_heartbeat(self, reply: wire.HeartbeatReply) -> None:
        if reply.config_version != self.current.version:
            self.fetch()

    def fetch(self) -> bool:
        """Ask central; True when new settings were applied."""
        if self.client is None:
            return False
        with self._lock:
            try:
                fresh = self.client.settings(if_none_match=self.current.etag)
            except CentralError as exc:
                log.warning("settings not fetched: %s", exc)
                return False
            if fresh is None:
                return False
            self._save(fresh)
            self.current = fresh
        log.info(
            "settings version %d applied (maintenance %s, hours %s-%s)",
            fresh.version,
            "on" if fresh.maintenance else "off",
            fresh.open_time,
            fresh.close_time,
        )
        self.apply()
        self.check_mode(force_event=True)
        return True

    def apply(self) -> None:
        for hook in self.on_change:
            try:
                hook(self.current)
            except Exception:
                log.exception("applying settings failed")

    def _save(self, settings: wire.KioskSettings) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(settings.model_dump_json(), encoding="utf-8")
            tmp.replace(self.path)
        except OSError as exc:
            log.warning("settings applied but not saved: %s", exc)

    def mode(self, now: datetime | None = None) -> str:
        return mode_at(self.current, (now or datetime.now(self.tz)).astimezone(self.tz), forced=self.forced)

    def check_mode(self, *, force_event: bool = False) -> str:
        """Publish ModeChanged when the mode changed (called every minute and on new settings)."""
        mode = self.mode()
        if mode != self._mode or force_event:
            if mode != self._mode:
                log.info("kiosk mode: %s", mode)
            self._mode = mode
            self.events.publish(ModeChanged(mode))
        return mode

    def notice(self, language: str) -> str:
        s = self.current
        return (s.notice_en or s.notice_zh) if language == "en" else (s.notice_zh or s.notice_en)
