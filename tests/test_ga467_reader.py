"""The GA/T 467 driver over a real serial device (a pty) against a fake SAM
reader: a good read, every error status, a garbled checksum, silence."""

from __future__ import annotations

import queue

import pytest
from conftest import wait_event

from drivers.reader import CardFailed, CardInserted, CardReading, CardRemoved, ReaderFault
from drivers.reader import ga467_protocol as proto
from drivers.reader.ga467 import Ga467Reader
from peers.ga467_reader import ZHANG, FakeSamReader


@pytest.fixture
def rig():
    fake = FakeSamReader()
    events: queue.Queue = queue.Queue()
    reader = Ga467Reader(fake.path, poll_s=0.05, timeout_s=0.3, reopen_s=0.1, retries=2)
    reader.start(events.put)
    yield fake, events
    reader.stop()
    fake.close()


def test_good_read_then_removal(rig):
    fake, events = rig
    fake.card = dict(ZHANG)
    wait_event(events, CardReading)
    person = wait_event(events, CardInserted).identity
    assert (person.name, person.id_number, person.nation, person.gender) == ("张伟明", ZHANG["id_number"], "汉", "male")
    assert person.valid_to is None and person.birth_date.isoformat() == "1949-12-31"
    assert fake.commands[-2:] == [proto.SELECT_CARD, proto.READ_BASE]
    fake.card = None
    wait_event(events, CardRemoved)


@pytest.mark.parametrize(
    "cmd,sw3,reason",
    [
        (proto.SELECT_CARD, 0x81, "unreadable"),
        (proto.READ_BASE, 0x41, "unreadable"),
        (proto.READ_BASE, 0x40, "unsupported"),
        (proto.READ_BASE, 0x31, "unreadable"),
        (proto.READ_BASE, 0x33, "unreadable"),
    ],
)
def test_card_errors_are_typed(rig, cmd, sw3, reason):
    fake, events = rig
    fake.status = {cmd: sw3}
    fake.card = dict(ZHANG)
    failed = wait_event(events, CardFailed)
    assert failed.error.reason == reason and f"{sw3:02X}" in failed.error.detail


@pytest.mark.parametrize("sw3,reason", [(0x60, "device"), (0x66, "device"), (0x21, "device"), (0x10, "checksum")])
def test_reader_errors_are_faults_and_recover(rig, sw3, reason):
    fake, events = rig
    fake.status = {proto.FIND_CARD: sw3}
    fault = wait_event(events, ReaderFault)
    assert fault.error is not None and fault.error.reason == reason
    fake.status = {}
    assert wait_event(events, ReaderFault).error is None
    fake.card = dict(ZHANG)
    assert wait_event(events, CardInserted).identity.name == "张伟明"


def test_invalid_id_on_the_card(rig):
    fake, events = rig
    fake.card = {**ZHANG, "id_number": "110105194912310021"}  # wrong check digit
    assert wait_event(events, CardFailed).error.reason == "invalid_id"


def test_one_garbled_reply_is_retried(rig):
    fake, events = rig
    fake.garble_next = 1
    fake.card = dict(ZHANG)
    assert wait_event(events, CardInserted).identity.name == "张伟明"


def test_persistent_garbling_and_silence_are_faults(rig):
    fake, events = rig
    fake.garble_next = 100
    assert wait_event(events, ReaderFault).error.reason == "checksum"
    fake.garble_next = 0
    assert wait_event(events, ReaderFault).error is None
    fake.silent = True
    assert wait_event(events, ReaderFault).error.reason == "timeout"
    fake.silent = False
    assert wait_event(events, ReaderFault).error is None
    fake.card = dict(ZHANG)
    assert wait_event(events, CardInserted).identity.name == "张伟明"


def test_missing_device_is_no_reader():
    events: queue.Queue = queue.Queue()
    reader = Ga467Reader("/dev/does-not-exist", reopen_s=0.1)
    reader.start(events.put)
    try:
        fault = wait_event(events, ReaderFault)
        assert fault.error.reason == "no_reader" and "/dev/does-not-exist" in fault.error.detail
    finally:
        reader.stop()
