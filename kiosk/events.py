"""A small pub/sub. Drivers and workers publish from their own threads; the UI
installs a dispatcher that hops onto the Kivy main thread (Clock), so
subscribers there never touch widgets from a background thread."""

from __future__ import annotations

import functools
import logging
import threading
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NetworkStatus:
    online: bool
    detail: str
    checked_at: datetime


@dataclass(frozen=True)
class CatalogUpdated:
    version: int
    changed: int


@dataclass(frozen=True)
class ModeChanged:
    """Normal service, after hours (counter-only services hidden) or maintenance."""

    mode: str


@dataclass(frozen=True)
class SessionEnded:
    reason: str  # "idle", "finished", "card_removed"


class EventBus:
    def __init__(self) -> None:
        self._subscribers: dict[type, list[Callable[[Any], None]]] = defaultdict(list)
        self._lock = threading.Lock()
        self._dispatch: Callable[[Callable[[], None]], None] = lambda call: call()

    def set_dispatcher(self, dispatch: Callable[[Callable[[], None]], None]) -> None:
        """How callbacks are run; the UI passes a Clock.schedule_once wrapper."""
        self._dispatch = dispatch

    def subscribe(self, event_type: type, callback: Callable[[Any], None]) -> Callable[[], None]:
        with self._lock:
            self._subscribers[event_type].append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._subscribers[event_type]:
                    self._subscribers[event_type].remove(callback)

        return unsubscribe

    def publish(self, event: Any) -> None:
        with self._lock:
            callbacks = list(self._subscribers[type(event)])
        for callback in callbacks:
            self._dispatch(functools.partial(self._safe, callback, event))

    @staticmethod
    def _safe(callback: Callable[[Any], None], event: Any) -> None:
        try:
            callback(event)
        except Exception:  # one bad subscriber must not break the others
            log.exception("subscriber %r failed on %s", callback, type(event).__name__)
