"""A virtual smart card for vsmartcard's vpcd driver inside a real pcscd.

The vpcd protocol: the card connects to vpcd over TCP; each message is a
2-byte big-endian length and then either one control byte (0 power off, 1 on,
2 reset, 4 get ATR: answer with the ATR) or a command APDU (answer with data +
SW1 SW2). Connecting inserts the card, closing the socket removes it.

    python -m peers.vpcd_card --identity peers/identities/zhang.json [--port 35963]
"""

from __future__ import annotations

import argparse
import json
import socket
import struct
import threading
from dataclasses import dataclass, field
from pathlib import Path

from drivers.reader import tlv
from drivers.reader.profiles import EID_ATR, HALL_ID_ATR, HALL_ID_PATH

DEFAULT_PORT = 35963


def hall_id_file(identity: dict) -> bytes:
    fields = [
        (0x01, "id_number"),
        (0x02, "name"),
        (0x03, "gender"),
        (0x04, "nation"),
        (0x05, "birth"),
        (0x06, "address"),
        (0x07, "authority"),
        (0x08, "valid_from"),
        (0x09, "valid_to"),
    ]
    return tlv.encode([(tag, str(identity[key]).encode()) for tag, key in fields if key in identity])


def eid_files(identity: dict) -> dict[bytes, bytes]:
    ident = tlv.encode(
        [
            (0x01, b"592012345678"),
            (0x03, identity.get("valid_from", "01.01.2020").encode()),
            (0x04, identity.get("valid_to", "01.01.2030").encode()),
            (0x05, b"Leuven"),
            (0x06, identity["national_number"].encode()),
            (0x07, identity["surname"].encode()),
            (0x08, identity["first_names"].encode()),
            (0x0A, b"Belg"),
            (0x0B, b"Leuven"),
            (0x0C, identity["birth"].encode()),
            (0x0D, identity.get("gender", "M").encode()),
            (0x0F, b"1"),
        ]
    )
    addr = tlv.encode([(0x01, identity.get("street", "Grote Markt 1").encode()), (0x02, b"3000"), (0x03, b"Leuven")])
    return {bytes.fromhex("3F00DF014031"): ident, bytes.fromhex("3F00DF014033"): addr}


@dataclass
class Faults:
    pull_after: int | None = None  # close the connection after this many APDUs (card pulled mid-read)
    status: dict[int, int] = field(default_factory=dict)  # INS -> status word to answer instead
    corrupt: bool = False  # serve a truncated, malformed TLV file
    eof_style: str = "6C"  # how a too-long READ BINARY is answered: "6C" (6Cxx) or "6282"


class VirtualCard:
    def __init__(
        self,
        identity: dict,
        *,
        profile: str = "hall-id",
        port: int = DEFAULT_PORT,
        host: str = "127.0.0.1",
        faults: Faults | None = None,
    ):
        self.port = port
        self.host = host
        self.faults = faults or Faults()
        if profile == "hall-id":
            self.atr = HALL_ID_ATR
            content = hall_id_file(identity)
            if self.faults.corrupt:
                content = content[:-3] + b"\x7f\xff"
            self.files = {HALL_ID_PATH: content}
        else:
            self.atr = EID_ATR
            self.files = eid_files(identity)
        self.selected: bytes | None = None
        self.apdus = 0
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None

    # -- insert / remove ---------------------------------------------------
    def insert(self, timeout: float = 5.0) -> VirtualCard:
        self._sock = socket.create_connection((self.host, self.port), timeout=timeout)
        self._sock.settimeout(None)
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._thread = threading.Thread(target=self._serve, name="vpcd-card", daemon=True)
        self._thread.start()
        return self

    def remove(self) -> None:
        sock, self._sock = self._sock, None
        if sock:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        if self._thread:
            self._thread.join(2)

    # -- the vpcd conversation ----------------------------------------------
    def _recv(self, n: int) -> bytes | None:
        buf = b""
        while len(buf) < n:
            sock = self._sock
            if sock is None:
                return None
            try:
                # without QUICKACK every APDU waits ~40 ms for a delayed ACK
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
                chunk = sock.recv(n - len(buf))
            except OSError:
                return None
            if not chunk:
                return None
            buf += chunk
        return buf

    def _send(self, data: bytes) -> None:
        if self._sock is not None:
            self._sock.sendall(struct.pack(">H", len(data)) + data)

    def _serve(self) -> None:
        while True:
            header = self._recv(2)
            if header is None:
                return
            message = self._recv(struct.unpack(">H", header)[0])
            if message is None:
                return
            if len(message) == 1:
                if message[0] == 4:
                    self._send(self.atr)
                elif message[0] in (0, 2):
                    self.selected = None
                continue
            self.apdus += 1
            if self.faults.pull_after is not None and self.apdus > self.faults.pull_after:
                threading.Thread(target=self.remove, daemon=True).start()
                return
            self._send(self.respond(message))

    def respond(self, apdu: bytes) -> bytes:
        if len(apdu) < 4:
            return b"\x67\x00"
        _cla, ins, p1, p2 = apdu[:4]
        if ins in self.faults.status:
            return struct.pack(">H", self.faults.status[ins])
        if ins == 0xA4:
            lc = apdu[4] if len(apdu) > 4 else 0
            path = apdu[5 : 5 + lc]
            if path in self.files:
                self.selected = path
                return b"\x90\x00"
            return b"\x6a\x82"
        if ins == 0xB0:
            if self.selected is None:
                return b"\x69\x86"
            content = self.files[self.selected]
            offset = (p1 << 8) | p2
            le = apdu[4] if len(apdu) > 4 else 256
            le = le or 256
            remaining = len(content) - offset
            if remaining <= 0:
                return b"\x6b\x00"
            if le > remaining:
                if self.faults.eof_style == "6282":
                    return content[offset:] + b"\x62\x82"
                return bytes([0x6C, remaining])
            return content[offset : offset + le] + b"\x90\x00"
        return b"\x6d\x00"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="insert a virtual ID card into pcscd's vpcd reader")
    ap.add_argument("--identity", type=Path, required=True)
    ap.add_argument("--profile", choices=("hall-id", "belgian-eid"), default="hall-id")
    ap.add_argument("--port", type=int, default=DEFAULT_PORT)
    args = ap.parse_args(argv)
    card = VirtualCard(json.loads(args.identity.read_text(encoding="utf-8")), profile=args.profile, port=args.port)
    card.insert()
    print(f"card inserted into vpcd on port {args.port}; Ctrl-C removes it", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        card.remove()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
