"""The citizen's session: everything one person did at the kiosk, wiped when
they leave (idle timeout, "finish", card removal). The identity from the card
lives only here, in memory; screens get masked values; central gets the
number once (over TLS) and answers a token for this session."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from common.identity import Identity
from common.wire import CardPresented, CitizenToken
from kiosk.events import EventBus, SessionEnded

IdlePhase = Literal["idle", "active", "warning", "expired"]


class IdleTimer:
    """Counts down from the last touch. How long depends on what the citizen
    is doing: `reading_timeout_s` on screens people read (a guide, a
    certificate), times `slow_factor` in large-text or voice mode; and the
    countdown stands still while the kiosk itself is busy (a card being read,
    a document printing, central answering: `hold`). The clock is injectable
    so tests can move time without sleeping."""

    def __init__(
        self,
        timeout_s: float,
        warning_s: float,
        clock: Callable[[], float] = time.monotonic,
        *,
        reading_timeout_s: float | None = None,
        slow_factor: float = 1.0,
    ):
        self.timeout_s = timeout_s
        self.warning_s = warning_s
        self.reading_timeout_s = reading_timeout_s or timeout_s
        self.slow_factor = slow_factor
        self.clock = clock
        self.reading = False  # the current screen is one people read
        self.slow = False  # large text or voice
        self._last_touch: float | None = None
        self._holds: set[object] = set()
        self._held_at: float | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        with self._lock:
            self._last_touch = self.clock()
            if self._held_at is not None:
                self._held_at = self._last_touch

    touch = start

    def stop(self) -> None:
        with self._lock:
            self._last_touch = None

    def hold(self, reason: object) -> None:
        """The kiosk is busy for the citizen (reading a card, printing, asking
        central): the countdown stands still until every hold is released."""
        with self._lock:
            if not self._holds:
                self._held_at = self.clock()
            self._holds.add(reason)

    def release(self, reason: object) -> None:
        with self._lock:
            if reason not in self._holds:
                return
            self._holds.discard(reason)
            if not self._holds and self._held_at is not None:
                if self._last_touch is not None:
                    self._last_touch += self.clock() - self._held_at  # the time held does not count
                self._held_at = None

    @property
    def held(self) -> bool:
        return bool(self._holds)

    @property
    def running(self) -> bool:
        return self._last_touch is not None

    @property
    def limit_s(self) -> float:
        """The timeout in force: the screen's kind, then the mode."""
        base = self.reading_timeout_s if self.reading else self.timeout_s
        return base * (self.slow_factor if self.slow else 1.0)

    def remaining(self) -> float:
        with self._lock:
            if self._last_touch is None:
                return self.limit_s
            now = self._held_at if self._held_at is not None else self.clock()
            return max(0.0, self.limit_s - (now - self._last_touch))

    def phase(self) -> IdlePhase:
        if self._last_touch is None:
            return "idle"
        left = self.remaining()
        if left <= 0:
            return "expired"
        return "warning" if left <= self.warning_s and not self.held else "active"


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

    def __init__(self, events: EventBus, idle: IdleTimer):
        self.events = events
        self.idle = idle
        self.active = False
        self.started_at: float | None = None
        self._data: dict[str, Any] = {}
        self._identity: Identity | None = None
        self._token: tuple[str, float] | None = None  # central's citizen token, and when to ask again
        self.reader = ""

    # -- identity --------------------------------------------------------------
    def identify(self, identity: Identity, reader: str = "") -> None:
        """A card was read (by `reader`: pcsc, ga467, virtual): this session now belongs to that person."""
        self.reader = reader
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

    def citizen_token(self, present: Callable[[CardPresented], CitizenToken]) -> str | None:
        """The token that opens this card holder's records at central, asked
        for once per session (`present` is the central client's call; it
        raises when central cannot be reached). None without a card. The kiosk
        holds no key that could hash an ID number itself."""
        if self._identity is None:
            return None
        now = self.idle.clock()
        if self._token is not None and now < self._token[1]:
            return self._token[0]
        reply = present(
            CardPresented(document_type=self._identity.document_type, number=self._identity.number, reader=self.reader)
        )
        self._token = (reply.token, now + max(1, reply.expires_in_s - 30))
        return reply.token

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
        self._token = None
        self._data.clear()
        self.active = False
        self.started_at = None
        self.idle.stop()
        if was_active:
            self.events.publish(SessionEnded(reason))
