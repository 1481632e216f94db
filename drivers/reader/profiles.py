"""Card profiles: which files to select and read on a PC/SC card, and how to
decode them into an Identity. Chosen by ATR, then by a successful SELECT."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from common.identity import Identity, InvalidIdentity
from drivers.reader.errors import ReaderError
from drivers.reader.tlv import parse

CHUNK = 0xF8  # 248 bytes per READ BINARY
MAX_FILE = 16 * 1024


@dataclass(frozen=True)
class Apdu:
    data: bytes
    sw: int

    @property
    def sw_hex(self) -> str:
        return f"{self.sw:04X}"


Transmit = Callable[[bytes], Apdu]


def select_path(transmit: Transmit, path: bytes) -> None:
    reply = transmit(bytes([0x00, 0xA4, 0x08, 0x0C, len(path)]) + path)
    if reply.sw != 0x9000:
        raise ReaderError("wrong_status", f"SELECT {path.hex().upper()} -> {reply.sw_hex}")


def read_binary(transmit: Transmit) -> bytes:
    """The whole selected file in 248-byte chunks. 6B00 (offset past the end)
    or 6282 (end reached early) end the file; 6Cxx asks again with Le=xx."""
    out = bytearray()
    le = CHUNK
    while len(out) < MAX_FILE:
        offset = len(out)
        reply = transmit(bytes([0x00, 0xB0, offset >> 8, offset & 0xFF, le]))
        sw1, sw2 = reply.sw >> 8, reply.sw & 0xFF
        if reply.sw == 0x9000:
            out += reply.data
            if len(reply.data) < le or not reply.data:
                break
            le = CHUNK
        elif sw1 == 0x6C:
            if sw2 in (0, le):
                raise ReaderError("wrong_status", f"READ BINARY asked to retry with Le={sw2:02X}")
            le = sw2
        elif reply.sw == 0x6282:
            out += reply.data
            break
        elif reply.sw == 0x6B00:
            break
        else:
            raise ReaderError("wrong_status", f"READ BINARY at {offset} -> {reply.sw_hex}")
    else:
        raise ReaderError("unreadable", f"file longer than {MAX_FILE} bytes")
    return bytes(out)


def _text(records: dict[int, bytes], tag: int, required: bool = True) -> str:
    value = records.get(tag)
    if value is None:
        if required:
            raise ReaderError("unreadable", f"record {tag:#04x} missing")
        return ""
    try:
        return value.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise ReaderError("unreadable", f"record {tag:#04x} is not UTF-8") from None


def _ymd(text: str, what: str) -> date:
    try:
        return date(int(text[0:4]), int(text[4:6]), int(text[6:8]))
    except (ValueError, IndexError):
        raise ReaderError("unreadable", f"{what} is not a YYYYMMDD date") from None


@dataclass(frozen=True)
class Profile:
    name: str
    atr_prefixes: tuple[bytes, ...]
    read: Callable[[Transmit], Identity]

    def matches(self, atr: bytes) -> bool:
        return any(atr.startswith(p) for p in self.atr_prefixes)


# -- our identity card: one TLV file ------------------------------------------
HALL_ID_PATH = bytes.fromhex("3F00DF104031")
HALL_ID_ATR = bytes.fromhex("3B8880014B494F534B49443031")  # historical bytes "KIOSKID01"


def read_hall_id(transmit: Transmit) -> Identity:
    """Tags: 01 ID number, 02 name, 03 gender code, 04 nation code, 05 birth
    YYYYMMDD, 06 address, 07 authority, 08 valid from, 09 valid to (or 长期)."""
    select_path(transmit, HALL_ID_PATH)
    records = parse(read_binary(transmit))
    from common.identity import GENDERS, NATIONS

    valid_to = _text(records, 0x09, required=False)
    nation = _text(records, 0x04, required=False)
    try:
        return Identity(
            name=_text(records, 0x02),
            id_number=_text(records, 0x01),
            gender=GENDERS.get(_text(records, 0x03, required=False), "unknown"),
            nation=NATIONS.get(int(nation), "") if nation.isdigit() else "",
            birth_date=_ymd(_text(records, 0x05), "birth date"),
            address=_text(records, 0x06, required=False),
            authority=_text(records, 0x07, required=False),
            valid_from=_ymd(_text(records, 0x08), "valid-from date") if 0x08 in records else None,
            valid_to=None if valid_to in ("", "长期") else _ymd(valid_to, "valid-to date"),
        )
    except InvalidIdentity as exc:
        raise ReaderError("invalid_id", str(exc)) from None


# -- Belgian eID: identity file 4031 and address file 4033 ---------------------
EID_ATR = bytes.fromhex("3B9813400AA503010101AD1311")
_MONTHS = {
    "JAN": 1,
    "FEV": 2,
    "FEB": 2,
    "MARS": 3,
    "MAR": 3,
    "MAAR": 3,
    "AVR": 4,
    "APR": 4,
    "MAI": 5,
    "MEI": 5,
    "MAY": 5,
    "JUIN": 6,
    "JUN": 6,
    "JUIL": 7,
    "JUL": 7,
    "AOUT": 8,
    "AUG": 8,
    "SEPT": 9,
    "SEP": 9,
    "OCT": 10,
    "OKT": 10,
    "NOV": 11,
    "DEC": 12,
    "DEZ": 12,
}


def _eid_birth(text: str) -> date:
    """'01 JAN 1980', '01.JAN.1980', '01 JANV 1980' (fr/nl/de month names)."""
    m = re.match(r"^\s*(\d{1,2})[\s.]+([A-ZÉÛ]+)\.?[\s.]+(\d{4})\s*$", text.upper().replace("É", "E").replace("Û", "U"))
    if not m or (m.group(2)[:4] not in _MONTHS and m.group(2)[:3] not in _MONTHS):
        raise ReaderError("unreadable", "eID birth date not understood")
    month = _MONTHS.get(m.group(2)[:4]) or _MONTHS[m.group(2)[:3]]
    return date(int(m.group(3)), month, int(m.group(1)))


def _eid_date(text: str) -> date:
    try:
        d, mth, y = text.split(".")
        return date(int(y), int(mth), int(d))
    except ValueError:
        raise ReaderError("unreadable", "eID validity date not understood") from None


def read_belgian_eid(transmit: Transmit) -> Identity:
    select_path(transmit, bytes.fromhex("3F00DF014031"))
    ident = parse(read_binary(transmit))
    select_path(transmit, bytes.fromhex("3F00DF014033"))
    addr = parse(read_binary(transmit))
    gender = {"M": "male", "F": "female", "V": "female", "W": "female"}.get(_text(ident, 0x0D, False)[:1], "unknown")
    address = " ".join(x for x in (_text(addr, 0x01, False), _text(addr, 0x02, False), _text(addr, 0x03, False)) if x)
    return Identity(
        name=f"{_text(ident, 0x08, False)} {_text(ident, 0x07)}".strip(),
        document_type="eid",
        document_number=_text(ident, 0x06),
        birth_date=_eid_birth(_text(ident, 0x0C)),
        gender=gender,
        nationality=_text(ident, 0x0A, False),
        address=address,
        authority=_text(ident, 0x05, False),
        valid_from=_eid_date(_text(ident, 0x03)) if 0x03 in ident else None,
        valid_to=_eid_date(_text(ident, 0x04)) if 0x04 in ident else None,
    )


PROFILES = (
    Profile("hall-id", (HALL_ID_ATR,), read_hall_id),
    Profile("belgian-eid", (EID_ATR[:6],), read_belgian_eid),
)


def profile_for(atr: bytes) -> Profile:
    for profile in PROFILES:
        if profile.matches(atr):
            return profile
    raise ReaderError("unsupported", f"no profile for ATR {atr.hex().upper()}")
