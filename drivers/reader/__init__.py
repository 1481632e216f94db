"""ID card readers. One small Protocol, one module per transport (pcsc,
ga467, virtual); each publishes the same events from its own thread."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from common.identity import Identity
from drivers.reader.errors import ReaderError


@dataclass(frozen=True)
class CardReading:
    """A card is on the reader and being read (show progress)."""

    reader: str


@dataclass(frozen=True)
class CardInserted:
    reader: str
    identity: Identity


@dataclass(frozen=True)
class CardRemoved:
    reader: str


@dataclass(frozen=True)
class CardFailed:
    """A card was there but could not be read; `error.reason` says why."""

    reader: str
    error: ReaderError


@dataclass(frozen=True)
class ReaderFault:
    """The reader itself is unusable (service down, unplugged); None when it recovers."""

    reader: str
    error: ReaderError | None


Publish = Callable[[object], None]


class CardReader(Protocol):
    name: str

    def start(self, publish: Publish) -> None:
        """Begin watching for cards on a background thread."""

    def stop(self) -> None: ...


__all__ = [
    "CardFailed",
    "CardInserted",
    "CardReader",
    "CardReading",
    "CardRemoved",
    "Identity",
    "Publish",
    "ReaderError",
    "ReaderFault",
]
