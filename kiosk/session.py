"""The citizen's session: everything one person did at the kiosk, wiped when
they leave (idle timeout, "finish", card removal). The identity from the card
lives only here, in memory; screens get masked values, central a keyed hash."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from common.identity import Identity
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


@dataclass(frozen=True)
class MaskedIdentity:
    """What a screen or a ticket may show of the person."""

    name: str
    number: str
    gender: str
    nation: str
    birth_date: str
    valid_to: str  # YYYY-MM-DD or 长期
    age: int
    document_type: str


class CitizenSession:
    """Holds per-citizen state for the screens; `end()` wipes all of it."""

    def __init__(self, events: EventBus, idle: IdleTimer, id_hash_key: bytes = b""):
        self.events = events
        self.idle = idle
        self.id_hash_key = id_hash_key
        self.active = False
        self.started_at: float | None = None
        self._data: dict[str, Any] = {}
        self._identity: Identity | None = None

    # -- identity --------------------------------------------------------------
    def identify(self, identity: Identity) -> None:
        """A card was read: this session now belongs to that person."""
        if self._identity is not None and self._identity.number != identity.number:
            self.end("card_changed")
        self._identity = identity
        self.begin()

    @property
    def identity(self) -> Identity | None:
        return self._identity

    def masked(self, today: date | None = None) -> MaskedIdentity | None:
        i = self._identity
        if i is None:
            return None
        return MaskedIdentity(
            i.masked_name,
            i.masked_number,
            i.gender,
            i.nation,
            i.birth_date.isoformat(),
            i.valid_to.isoformat() if i.valid_to else "长期",
            i.age_on(today or date.today()),
            i.document_type,
        )

    def person_key(self) -> str | None:
        """The keyed hash central counts a person by; None without a card or a key."""
        if self._identity is None or not self.id_hash_key:
            return None
        return self._identity.keyed_hash(self.id_hash_key)

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
        was_active = self.active or self._identity is not None
        self._identity = None
        self._data.clear()
        self.active = False
        self.started_at = None
        self.idle.stop()
        if was_active:
            self.events.publish(SessionEnded(reason))
