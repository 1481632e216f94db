"""A fake GA/T 467 SAM reader on a pty: the driver opens a real serial device
path; this answers frames on the other end, with a card on it or not, and
with any status, a garbled checksum or silence on demand."""

from __future__ import annotations

import os
import struct
import threading
import tty

from drivers.reader import ga467_protocol as proto


class FakeSamReader:
    def __init__(self):
        self.master, slave = os.openpty()
        tty.setraw(slave)
        self.path = os.ttyname(slave)
        self._slave = slave
        self.card: dict | None = None  # text fields of the card on the reader
        self.status: dict[bytes, int] = {}  # command -> SW3 to answer instead
        self.garble_next = 0  # how many replies to send with a wrong checksum
        self.silent = False
        self.commands: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="fake-sam", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        for fd in (self.master, self._slave):
            try:
                os.close(fd)
            except OSError:
                pass

    def _reply(self, sw3: int, data: bytes = b"") -> bytes:
        out = proto.frame(bytes([0x00, 0x00, sw3]) + data)
        if self.garble_next:
            self.garble_next -= 1
            out = out[:-1] + bytes([out[-1] ^ 0xFF])
        return out

    def answer(self, cmd: bytes) -> bytes:
        if cmd in self.status:
            return self._reply(self.status[cmd])
        if cmd in (proto.FIND_CARD, proto.SELECT_CARD):
            return self._reply(0x9F if cmd == proto.FIND_CARD else 0x90) if self.card else self._reply(0x80)
        if cmd == proto.READ_BASE:
            if not self.card:
                return self._reply(0x41)
            text = proto.encode_text(self.card)
            photo = bytes(range(256)) * 4  # stands in for the WLT photo
            return self._reply(0x90, struct.pack(">HH", len(text), len(photo)) + text + photo)
        if cmd in (proto.RESET, proto.SAM_STATUS):
            return self._reply(0x90)
        return self._reply(0x21)

    def _serve(self) -> None:
        buffer = b""
        while not self._stop.is_set():
            try:
                chunk = os.read(self.master, 4096)
            except OSError:
                return
            buffer += chunk
            while True:
                try:
                    payload, buffer = proto.split_frame(buffer)
                except Exception:
                    buffer = b""
                    break
                if payload is None:
                    break
                cmd = payload[:2]
                self.commands.append(cmd)
                if not self.silent:
                    try:
                        os.write(self.master, self.answer(cmd))
                    except OSError:
                        return


ZHANG = {
    "name": "张伟明",
    "gender": "1",
    "nation": "01",
    "birth": "19491231",
    "address": "北京市朝阳区示例路88号院3号楼2单元501",
    "id_number": "11010519491231002X",
    "authority": "北京市公安局朝阳分局",
    "valid_from": "20150301",
    "valid_to": "长期",
}
