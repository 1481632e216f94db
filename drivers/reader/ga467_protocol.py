"""GA/T 467 frames between a host and a resident-ID SAM reader, and the
decoding of the card's 256-byte text. Pure functions, shared by the driver
and the fake reader used in tests.

Frame: AA AA AA 96 69 | length (2, big-endian, of everything after it) |
command: CMD PARA data | reply: SW1 SW2 SW3 data | checksum (XOR of every byte
after the preamble, length bytes included, checksum excluded).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from datetime import date
from functools import reduce

from common.identity import GENDERS, NATIONS, Identity, InvalidIdentity
from drivers.reader.errors import ReaderError

PREAMBLE = b"\xaa\xaa\xaa\x96\x69"
RESET, SAM_STATUS, SAM_ID = b"\x10\xff", b"\x11\xff", b"\x12\xff"
FIND_CARD, SELECT_CARD = b"\x20\x01", b"\x20\x02"
READ_BASE, READ_WITH_FINGERPRINT = b"\x30\x01", b"\x30\x10"
TEXT_BYTES, PHOTO_BYTES = 256, 1024

SW3 = {
    0x90: ("ok", "success"),
    0x9F: ("ok", "card found"),
    0x80: ("no_card", "no card found"),
    0x81: ("unreadable", "selecting the card failed"),
    0x41: ("unreadable", "reading the card failed"),
    0x40: ("unsupported", "not a resident ID card"),
    0x10: ("checksum", "the reader saw a checksum error"),
    0x11: ("device", "the reader saw a length error"),
    0x21: ("device", "command not understood by the reader"),
    0x31: ("unreadable", "card authentication failed"),
    0x32: ("unreadable", "card authentication failed"),
    0x33: ("unreadable", "card authentication failed"),
    0x60: ("device", "the SAM failed its self-test"),
    0x66: ("device", "the SAM is not authorised"),
}
# text fields: (name, bytes) in card order, UCS-2LE padded with spaces
FIELDS = (
    ("name", 30),
    ("gender", 2),
    ("nation", 4),
    ("birth", 16),
    ("address", 70),
    ("id_number", 36),
    ("authority", 30),
    ("valid_from", 16),
    ("valid_to", 16),
    ("reserved", 36),
)


def checksum(body: bytes) -> int:
    return reduce(lambda a, b: a ^ b, body, 0)


def frame(payload: bytes) -> bytes:
    body = struct.pack(">H", len(payload) + 1) + payload
    return PREAMBLE + body + bytes([checksum(body)])


def command(cmd: bytes, data: bytes = b"") -> bytes:
    return frame(cmd + data)


@dataclass(frozen=True)
class Reply:
    sw1: int
    sw2: int
    sw3: int
    data: bytes

    @property
    def ok(self) -> bool:
        return self.sw1 == 0 and self.sw2 == 0 and self.sw3 in (0x90, 0x9F)

    def error(self) -> ReaderError:
        reason, text = SW3.get(self.sw3, ("device", "unknown status"))
        return ReaderError(reason, f"{text} (SW {self.sw1:02X} {self.sw2:02X} {self.sw3:02X})")


def split_frame(buffer: bytes) -> tuple[bytes | None, bytes]:
    """(one complete frame's payload, the rest) or (None, what to keep waiting on).
    Raises ReaderError('checksum') for a frame that arrived garbled."""
    start = buffer.find(PREAMBLE)
    if start < 0:
        return None, buffer[-4:]
    buffer = buffer[start:]
    if len(buffer) < 7:
        return None, buffer
    length = struct.unpack(">H", buffer[5:7])[0]
    if length < 3:  # a command is CMD PARA + checksum; a reply has three status bytes
        raise ReaderError("device", f"frame length {length} is too short")
    end = 7 + length
    if len(buffer) < end:
        return None, buffer
    body, check = buffer[5 : end - 1], buffer[end - 1]
    if checksum(body) != check:
        raise ReaderError("checksum", "reply checksum does not match")
    return body[2:], buffer[end:]


def parse_reply(payload: bytes) -> Reply:
    if len(payload) < 3:
        raise ReaderError("device", "reply too short")
    return Reply(payload[0], payload[1], payload[2], payload[3:])


def split_base_info(data: bytes) -> bytes:
    """The 256 text bytes of a base-info reply (text length, photo length,
    text, photo). The photo (WLT, vendor-only format) is dropped here."""
    if len(data) < 4:
        raise ReaderError("unreadable", "base info too short")
    text_len, _photo_len = struct.unpack(">HH", data[:4])
    if text_len != TEXT_BYTES or len(data) < 4 + text_len:
        raise ReaderError("unreadable", f"unexpected text length {text_len} ({len(data)} bytes received)")
    return bytes(data[4 : 4 + text_len])


def _ymd(text: str, what: str) -> date:
    try:
        return date(int(text[0:4]), int(text[4:6]), int(text[6:8]))
    except (ValueError, IndexError):
        raise ReaderError("unreadable", f"{what} is not a date") from None


def decode_text(text: bytes) -> Identity:
    if len(text) != TEXT_BYTES:
        raise ReaderError("unreadable", f"text is {len(text)} bytes, not {TEXT_BYTES}")
    values, i = {}, 0
    for name, size in FIELDS:
        try:
            values[name] = text[i : i + size].decode("utf-16-le").strip().rstrip("\x00").strip()
        except UnicodeDecodeError:
            raise ReaderError("unreadable", f"field {name} is not UCS-2") from None
        i += size
    nation = values["nation"]
    valid_to = values["valid_to"]
    try:
        return Identity(
            name=values["name"],
            gender=GENDERS.get(values["gender"], "unknown"),
            nation=NATIONS.get(int(nation), "") if nation.isdigit() else "",
            birth_date=_ymd(values["birth"], "birth date"),
            address=values["address"],
            id_number=values["id_number"],
            authority=values["authority"],
            valid_from=_ymd(values["valid_from"], "valid-from date"),
            valid_to=None if valid_to.startswith("长期") else _ymd(valid_to, "valid-to date"),
        )
    except InvalidIdentity as exc:
        raise ReaderError("invalid_id", str(exc)) from None


def encode_text(values: dict[str, str]) -> bytes:
    """The inverse, for the fake reader in tests and the demo."""
    out = b""
    for name, size in FIELDS:
        raw = values.get(name, "").encode("utf-16-le")[:size]
        out += raw + " ".encode("utf-16-le") * ((size - len(raw)) // 2)
    return out
