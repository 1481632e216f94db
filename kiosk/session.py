"""The citizen's session: everything one person did at the kiosk, wiped when
they leave (idle timeout, "finish", card removal). The identity from the card
lives only here, in memory; screens get masked values; central gets the
number once (over TLS) and answers a token for this session."""

from __future__ import annotations

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
