"""The citizen's session: everything one person did at the kiosk, wiped when
they leave (idle timeout, "finish", or later card removal)."""
from __future__ import annotations

import time
from typing import Any, Callable, Literal

from kiosk.events import EventBus, SessionEnded

IdlePhase = Literal["idle", "active", "warning", "expired"]


class IdleTimer:
    """Counts down from the last touch. The clock is injectable so tests can
    move time without sleeping."""

    def __init__(self, timeout_s: float, warning_s: float, clock: Callable[[], float] = time.monotonic):
        self.timeout_s = timeout_s
        self.warning_s = warning_s
        self.clock = clock
        self._last_touch: float | None = None

    def start(self) -> None:
        self._last_touch = self.clock()

    touch = start

    def stop(self) -> None:
        self._last_touch = None

    @property
    def running(self) -> bool:
        return self._last_touch is not None

    def remaining(self) -> float:
        if self._last_touch is None:
            return self.timeout_s
        return max(0.0, self.timeout_s - (self.clock() - self._last_touch))

    def phase(self) -> IdlePhase:
        if self._last_touch is None:
            return "idle"
        left = self.remaining()
        if left <= 0:
            return "expired"
        return "warning" if left <= self.warning_s else "active"


class CitizenSession:
    """Holds per-citizen state for the screens; `end()` wipes all of it."""

    def __init__(self, events: EventBus, idle: IdleTimer):
        self.events = events
        self.idle = idle
        self.active = False
        self.started_at: float | None = None
        self._data: dict[str, Any] = {}

    def begin(self) -> None:
        if not self.active:
            self.active = True
            self.started_at = self.idle.clock()
        self.idle.start()

    def touch(self) -> None:
        if self.active:
            self.idle.touch()

    def put(self, key: str, value: Any) -> None:
        self._data[key] = value

    def get(self, key: str, default: Any = None) -> Any:
        return self._data.get(key, default)

    def __contains__(self, key: str) -> bool:
        return key in self._data

    def end(self, reason: str) -> None:
        was_active = self.active
        self._data.clear()
        self.active = False
        self.started_at = None
        self.idle.stop()
        if was_active:
            self.events.publish(SessionEnded(reason))
