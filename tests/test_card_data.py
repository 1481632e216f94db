"""Card data decoding never crashes: malformed TLV, short reads and wrong
status words give typed ReaderErrors (property-based, hypothesis)."""

from __future__ import annotations

import struct

from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.reader import ga467_protocol as proto
from drivers.reader import tlv
from drivers.reader.errors import ReaderError
from drivers.reader.profiles import Apdu, read_binary, read_hall_id
from peers.ga467_reader import ZHANG
from peers.vpcd_card import hall_id_file

records = st.lists(st.tuples(st.integers(1, 255), st.binary(max_size=600)), max_size=12)


@given(records)
def test_tlv_round_trip(items):
    unique = list(dict(items).items())
    assert tlv.parse(tlv.encode(unique)) == dict(unique)


@given(st.binary(max_size=400))
def test_tlv_garbage_gives_typed_errors(data):
    try:
        tlv.parse(data)
    except ReaderError as exc:
        assert exc.reason == "unreadable"


def card_transmit(content: bytes, answers: list[int], chunk_cut: int):
    """A card whose READ BINARY answers with given status words, or short reads."""
    calls = iter(answers)

    def transmit(apdu: bytes) -> Apdu:
        sw = next(calls, 0x9000)
        if apdu[1] == 0xA4:
            return Apdu(b"", 0x9000 if sw != 0x6A82 else sw)
        offset, le = (apdu[2] << 8) | apdu[3], apdu[4] or 256
        if sw != 0x9000:
            return Apdu(b"", sw)
        return Apdu(content[offset : offset + min(le, chunk_cut)], 0x9000)

    return transmit


@settings(max_examples=200)
@given(
    st.lists(st.sampled_from([0x9000, 0x6B00, 0x6282, 0x6A82, 0x6986, 0x6C10, 0x6C00, 0x6F00, 0x6700]), max_size=6),
    st.integers(1, 248),
    st.binary(max_size=300),
)
def test_reads_with_odd_cards_give_identity_or_typed_error(answers, chunk_cut, noise):
    content = hall_id_file({"id_number": "11010519491231002X", "name": "张伟明", "birth": "19491231"}) + noise
    try:
        read_hall_id(card_transmit(content, answers, chunk_cut))
    except ReaderError as exc:
        assert exc.reason in ("unreadable", "wrong_status", "invalid_id")


def test_read_binary_handles_6c_6282_and_6b00():
    content = bytes(range(256)) * 3  # 768 bytes: 3 full chunks + 24
    state = {"mode": "6C"}

    def transmit(apdu):
        offset, le = (apdu[2] << 8) | apdu[3], apdu[4] or 256
        rest = len(content) - offset
        if rest <= 0:
            return Apdu(b"", 0x6B00)
        if le > rest:
            return Apdu(b"", 0x6C00 | rest) if state["mode"] == "6C" else Apdu(content[offset:], 0x6282)
        return Apdu(content[offset : offset + le], 0x9000)

    assert read_binary(transmit) == content
    state["mode"] = "6282"
    assert read_binary(transmit) == content


@given(st.binary(max_size=300))
def test_serial_garbage_never_crashes_the_frame_splitter(data):
    buffer = data + proto.frame(b"\x00\x00\x90")
    try:
        _payload, _rest = proto.split_frame(buffer)
    except ReaderError as exc:
        assert exc.reason in ("checksum", "device")


def test_base_info_text_round_trip_and_photo_dropped():
    text = proto.encode_text(ZHANG)
    assert len(text) == 256
    reply = struct.pack(">HH", 256, 1024) + text + b"\x55" * 1024
    assert proto.split_base_info(reply) == text
    person = proto.decode_text(text)
    assert (person.name, person.nation, person.gender, person.valid_to) == ("张伟明", "汉", "male", None)
    assert not any(isinstance(v, bytes) for v in vars(person).values())  # no photo kept anywhere


def test_frame_checksum_is_the_xor_after_the_preamble():
    f = proto.command(proto.FIND_CARD)
    assert f == bytes.fromhex("AAAAAA966900032001") + bytes([0x00 ^ 0x03 ^ 0x20 ^ 0x01])
