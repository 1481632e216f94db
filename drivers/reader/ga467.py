"""China's resident ID card through a GA/T 467 SAM reader on a serial port.

Polls "find card"; when a card appears: select, read base info, decode the
text, drop the photo at once (WLT, decodable only by vendor libraries, and
not ours to keep). A card is taken as removed after `removal_misses` failed
finds in a row. Garbled replies and silent readers are retried, then
reported as typed errors; the port is reopened after a fault.
"""

from __future__ import annotations

import importlib.util
import logging
import threading
import time
from typing import Any

from drivers.reader import CardFailed, CardInserted, CardReading, CardRemoved, Publish, ReaderFault
from drivers.reader import ga467_protocol as proto
from drivers.reader.errors import ReaderError

log = logging.getLogger(__name__)


def is_usable() -> bool:
    """Whether the library this driver needs (serial) is installed; `kiosk doctor` asks."""
    return importlib.util.find_spec("serial") is not None


class Ga467Reader:
    def __init__(
        self,
        device: str,
        baud: int = 115200,
        *,
        poll_s: float = 0.3,
        timeout_s: float = 1.0,
        retries: int = 2,
        removal_misses: int = 2,
        reopen_s: float = 1.0,
    ):
        self.name = "ga467"
        self.device = device
        self.baud = baud
        self.poll_s = poll_s
        self.timeout_s = timeout_s
        self.retries = retries
        self.removal_misses = removal_misses
        self.reopen_s = reopen_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._port: Any = None  # serial.Serial while open (pyserial is imported only when used)
        self._fault: str | None = None

    def start(self, publish: Publish) -> None:
        self._publish = publish
        self._thread = threading.Thread(target=self._run, name="ga467-reader", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(5)
        self._close()

    # -- serial --------------------------------------------------------------
    def _open(self) -> None:
        import serial

        self._port = serial.Serial(self.device, self.baud, timeout=0.05, write_timeout=self.timeout_s)

    def _close(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            try:
                port.close()
            except OSError:
                pass

    def exchange(self, cmd: bytes, data: bytes = b"") -> proto.Reply:
        """One command and its reply, retried on a garbled or missing reply."""
        last: ReaderError | None = None
        for _attempt in range(self.retries + 1):
            try:
                return self._exchange_once(cmd, data)
            except ReaderError as exc:
                if exc.reason not in ("checksum", "timeout"):
                    raise
                last = exc
                if self._port is not None:
                    self._port.reset_input_buffer()
        raise last or ReaderError("timeout", "no reply")

    def _exchange_once(self, cmd: bytes, data: bytes) -> proto.Reply:
        port = self._port
        port.reset_input_buffer()
        port.write(proto.command(cmd, data))
        buffer = b""
        deadline = time.monotonic() + self.timeout_s
        while time.monotonic() < deadline:
            chunk = port.read(max(1, port.in_waiting))  # returns as soon as bytes arrive
            if chunk:
                buffer += chunk
                payload, buffer = proto.split_frame(buffer)
                if payload is not None:
                    return proto.parse_reply(payload)
        raise ReaderError("timeout", f"no reply to {cmd.hex().upper()} within {self.timeout_s} s")

    # -- polling -------------------------------------------------------------
    def _report_fault(self, error: ReaderError | None) -> None:
        key = error.reason if error else None
        if key != self._fault:
            self._fault = key
            if error:
                log.warning("ID card reader %s unavailable: %s", self.device, error)
            self._publish(ReaderFault(self.name, error))

    def _run(self) -> None:
        present, misses = False, 0
        while not self._stop.is_set():
            if self._port is None:
                try:
                    self._open()
                except (OSError, ValueError) as exc:
                    self._report_fault(ReaderError("no_reader", f"cannot open {self.device}: {exc}"))
                    self._stop.wait(self.reopen_s)
                    continue
            try:
                found = self.exchange(proto.FIND_CARD)
                self._report_fault(None)
                if found.ok:
                    misses = 0
                    if not present:
                        present = True
                        self._read_card()
                elif found.sw3 == 0x80:
                    misses += 1
                    if present and misses >= self.removal_misses:
                        present = False
                        self._publish(CardRemoved(self.name))
                else:
                    raise found.error()
            except ReaderError as exc:
                self._report_fault(exc)
                self._close()
                if present:
                    present = False
                    self._publish(CardRemoved(self.name))
                self._stop.wait(self.reopen_s)
                continue
            except OSError as exc:  # unplugged
                self._report_fault(ReaderError("no_reader", str(exc)))
                self._close()
                self._stop.wait(self.reopen_s)
                continue
            self._stop.wait(self.poll_s)

    def _read_card(self) -> None:
        self._publish(CardReading(self.name))
        try:
            selected = self.exchange(proto.SELECT_CARD)
            if not selected.ok:
                raise selected.error()
            base = self.exchange(proto.READ_BASE)
            if not base.ok:
                raise base.error()
            text = proto.split_base_info(base.data)
            del base  # the photo goes with it, unread
            identity = proto.decode_text(text)
        except ReaderError as exc:
            if exc.reason in ("timeout", "device"):
                raise
            log.info("ID card not read: %s", exc.reason)
            self._publish(CardFailed(self.name, exc))
            return
        self._publish(CardInserted(self.name, identity))
