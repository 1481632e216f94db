"""From a card on the reader to a citizen session: picks the reader driver,
turns its events into session changes, and refuses what a real-name service
must not accept (an expired card). Full identity data stays in memory only."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from common.assets import asset_path
from drivers.reader import CardFailed, CardInserted, CardReader, CardReading, CardRemoved, ReaderFault
from drivers.reader.errors import ReaderError
from kiosk.config import KioskConfig
from kiosk.events import EventBus
from kiosk.session import CitizenSession

log = logging.getLogger(__name__)


def make_reader(config: KioskConfig) -> CardReader | None:
    choice, r = config.devices.reader, config.reader
    if choice == "none":
        return None
    if choice == "virtual":
        from drivers.reader.virtual import VirtualReader

        return VirtualReader(Path(r.virtual_identity) if r.virtual_identity else asset_path("identities/demo.json"))
    if choice == "pcsc":
        from drivers.reader.pcsc import PcscReader

        return PcscReader(r.pcsc_name)
    from drivers.reader.ga467 import Ga467Reader

    return Ga467Reader(r.serial_device, r.serial_baud)


@dataclass(frozen=True)
class CardStatus:
    """What the card screen shows: state is idle, reading, ok, failed or fault."""

    state: str
    reason: str = ""


class CardService:
    def __init__(self, reader: CardReader | None, session: CitizenSession, events: EventBus):
        self.reader = reader
        self.session = session
        self.events = events
        self.status = CardStatus("fault", "no_reader") if reader is None else CardStatus("idle")
        self.reader_fault: ReaderError | None = None if reader else ReaderError("no_reader", "not configured")

    @property
    def card_on_reader(self) -> bool:
        """A card lies on the reader (read, being read, or unreadable)."""
        return self.status.state in ("ok", "reading", "failed")

    def start(self) -> None:
        if self.reader is not None:
            self.reader.start(self._on_driver_event)

    def stop(self) -> None:
        if self.reader is not None:
            self.reader.stop()

    def _on_driver_event(self, event: object) -> None:
        """Runs on the driver's thread: update state, then publish for the UI."""
        if isinstance(event, CardReading):
            self.status = CardStatus("reading")
            self.session.idle.hold("card")  # the citizen waits for the reader, not idle
        else:
            self.session.idle.release("card")
        if isinstance(event, CardInserted):
            identity = event.identity
            if identity.expired_on(date.today()):
                self.status = CardStatus("failed", "expired")
                log.info("card refused: expired")
            else:
                kind = type(self.reader).__name__.removesuffix("Reader").lower()  # virtual, pcsc, ga467
                self.session.identify(identity, reader=kind)
                self.status = CardStatus("ok")
        elif isinstance(event, CardFailed):
            self.status = CardStatus("failed", event.error.reason)
        elif isinstance(event, CardRemoved):
            self.status = CardStatus("idle")
            if self.session.identity is not None:
                self.session.end("card_removed")
        elif isinstance(event, ReaderFault):
            self.reader_fault = event.error
            self.status = CardStatus("fault", event.error.reason) if event.error else CardStatus("idle")
        self.events.publish(CardStatusChanged(self.status))


@dataclass(frozen=True)
class CardStatusChanged:
    status: CardStatus
