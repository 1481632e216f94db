"""PC/SC through the real stack: pcscd + vsmartcard-vpcd + our virtual card
speaking the vpcd protocol, read by our own SCardGetStatusChange loop."""

from __future__ import annotations

import json
import queue
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import wait_event, wait_until

from drivers.reader import CardFailed, CardInserted, CardReading, CardRemoved, ReaderFault
from drivers.reader.pcsc import PcscReader
from kiosk.cards import CardService
from kiosk.events import EventBus, SessionEnded
from kiosk.session import CitizenSession, IdleTimer
from peers.vpcd_card import Faults, VirtualCard

ZHANG = json.loads(Path("peers/identities/zhang.json").read_text(encoding="utf-8"))
EID = json.loads(Path("peers/identities/eid.json").read_text(encoding="utf-8"))


@pytest.fixture
def reader(pcscd):
    events: queue.Queue = queue.Queue()
    driver = PcscReader("Virtual PCD 00 00", poll_ms=200, retry_s=0.2)
    driver.start(events.put)
    yield driver, events
    driver.stop()


@contextmanager
def inserted(card, events):
    """A card on the reader for the block; afterwards the reader is empty again
    (pcscd polls vpcd every ~0.4 s, so removal must be seen before the next test)."""
    card.insert()
    try:
        yield card
    finally:
        card.remove()
        wait_event(events, CardRemoved)


def test_insertion_gives_the_identity_and_removal_is_seen(pcscd, reader):
    _driver, events = reader
    with inserted(VirtualCard(ZHANG, port=pcscd.port), events):
        wait_event(events, CardReading)
        person = wait_event(events, CardInserted).identity
        assert (person.name, person.id_number, person.nation) == ("张伟明", "11010519491231002X", "汉")
        assert person.valid_to is None and person.authority == "北京市公安局朝阳分局"


def test_removal_wipes_the_citizen_session(pcscd):
    bus = EventBus()
    ended = []
    bus.subscribe(SessionEnded, ended.append)
    session = CitizenSession(bus, IdleTimer(60, 15))
    service = CardService(PcscReader("Virtual PCD 00 00", poll_ms=200, retry_s=0.2), session, bus)
    service.start()
    try:
        card = VirtualCard(ZHANG, port=pcscd.port).insert()
        wait_until(lambda: session.identity is not None, what="the card to be read")
        assert session.masked().number == "1101**********002X" and session.reader == "pcsc"
        session.put("chosen", "something")
        card.remove()
        wait_until(lambda: ended, what="the session to end on removal")
        assert [e.reason for e in ended] == ["card_removed"]
        assert session.identity is None and session.masked() is None and "chosen" not in session
    finally:
        service.stop()


def test_belgian_eid_profile(pcscd, reader):
    _driver, events = reader
    with inserted(VirtualCard(EID, port=pcscd.port, profile="belgian-eid"), events):
        person = wait_event(events, CardInserted).identity
        assert (person.name, person.document_type, person.document_number) == (
            "Jan Maria Peeters",
            "eid",
            "80010112345",
        )
        assert person.birth_date.isoformat() == "1980-01-01" and person.valid_to.isoformat() == "2031-03-01"
        assert person.masked_number == "8001***2345" and "Grote Markt 1" in person.address


def test_card_pulled_mid_read_then_the_next_read_works(pcscd, reader):
    _driver, events = reader
    card = VirtualCard(ZHANG, port=pcscd.port, faults=Faults(pull_after=1)).insert()
    failed = wait_event(events, CardFailed)
    assert failed.error.reason == "card_removed"
    wait_event(events, CardRemoved)
    card.remove()
    with inserted(VirtualCard(ZHANG, port=pcscd.port), events):
        assert wait_event(events, CardInserted).identity.name == "张伟明"


@pytest.mark.parametrize(
    "faults,reason",
    [
        (Faults(corrupt=True), "unreadable"),
        (Faults(corrupt=True, eof_style="6282"), "unreadable"),
        (Faults(status={0xA4: 0x6A82}), "wrong_status"),
        (Faults(status={0xB0: 0x6981}), "wrong_status"),
    ],
)
def test_bad_cards_give_typed_errors(pcscd, reader, faults, reason):
    _driver, events = reader
    with inserted(VirtualCard(ZHANG, port=pcscd.port, faults=faults), events):
        assert wait_event(events, CardFailed).error.reason == reason


def test_unknown_card_is_unsupported(pcscd, reader):
    _driver, events = reader
    card = VirtualCard(ZHANG, port=pcscd.port)
    card.atr = bytes.fromhex("3B8F8001804F0CA000000306030001000000006A")
    with inserted(card, events):
        assert wait_event(events, CardFailed).error.reason == "unsupported"


def test_the_loop_survives_a_pcscd_restart(pcscd, reader):
    _driver, events = reader
    pcscd.stop()
    fault = wait_event(events, ReaderFault)
    assert fault.error is not None and fault.error.reason in ("no_service", "no_reader")
    pcscd.start()
    wait_event(events, ReaderFault, timeout=15)  # recovered (error None) or re-reported until it is back
    with inserted(VirtualCard(ZHANG, port=pcscd.port), events):
        assert wait_event(events, CardInserted, timeout=15).identity.name == "张伟明"
