"""TLV records as on eID-style identity files: one tag byte, then a length
of 7-bit groups (high bit = another length byte follows), then the value."""

from __future__ import annotations

from drivers.reader.errors import ReaderError

MAX_LENGTH_BYTES = 4


def parse(data: bytes) -> dict[int, bytes]:
    """All records; a later duplicate tag wins. Raises ReaderError('unreadable')."""
    records: dict[int, bytes] = {}
    i = 0
    while i < len(data):
        tag = data[i]
        i += 1
        if tag == 0x00 and not any(data[i:]):  # zero padding after the last record
            break
        length, n = 0, 0
        while True:
            if i >= len(data):
                raise ReaderError("unreadable", f"record {tag:#04x} has no length")
            byte = data[i]
            i += 1
            n += 1
            length = (length << 7) | (byte & 0x7F)
            if not byte & 0x80:
                break
            if n >= MAX_LENGTH_BYTES:
                raise ReaderError("unreadable", f"record {tag:#04x} length is too long")
        if i + length > len(data):
            raise ReaderError("unreadable", f"record {tag:#04x} needs {length} bytes, {len(data) - i} left")
        records[tag] = data[i : i + length]
        i += length
    return records


def encode(records: list[tuple[int, bytes]]) -> bytes:
    out = bytearray()
    for tag, value in records:
        out.append(tag)
        groups = []
        n = len(value)
        while True:
            groups.append(n & 0x7F)
            n >>= 7
            if not n:
                break
        for k, g in enumerate(reversed(groups)):
            out.append(g | (0x80 if k < len(groups) - 1 else 0))
        out += value
    return bytes(out)
