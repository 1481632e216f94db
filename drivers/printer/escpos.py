"""The ticket printer over python-escpos transports: network, USB, serial or a
file. Every job checks DLE EOT status first (online, paper), then sends the
receipt as Chinese text (`FS &` + GB18030, native QR) or as one raster image,
per printer profile. One connection per job: a printer that was switched off
and on again simply works at the next ticket."""

from __future__ import annotations

import importlib.util
import io
import logging
from dataclasses import dataclass
from pathlib import Path

from escpos.exceptions import DeviceNotFoundError
from escpos.printer import Dummy

from drivers.printer import PaperState, PrinterError, PrinterStatus, PrintResult
from drivers.printer.escpos_encode import encode
from drivers.printer.receipt import Receipt

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EscposSettings:
    transport: str = "network"  # network, usb, serial, file
    host: str = "127.0.0.1"
    port: int = 9100
    usb_vendor: int = 0x0416
    usb_product: int = 0x5011
    serial_device: str = "/dev/ttyS0"
    serial_baud: int = 19200
    file_path: str = "/dev/usb/lp0"
    mode: str = "text"  # text (small, fast) or image (any printer, ~25 KB a ticket)
    native_qr: bool = True  # the printer's own QR command (GS ( k); else drawn as an image
    timeout_s: float = 3.0


TRANSPORT_LIBRARIES = {"usb": ("usb", "escpos-usb"), "serial": ("serial", "serial")}


def is_usable(transport: str) -> bool:
    """Whether the library this transport needs is installed (network and file need none)."""
    module = TRANSPORT_LIBRARIES.get(transport, ("", ""))[0]
    return not module or importlib.util.find_spec(module) is not None


class EscposTicketPrinter:
    def __init__(self, settings: EscposSettings, font_path: Path):
        self.settings = settings
        self.font_path = font_path
        self.name = f"escpos-{settings.transport}"

    def _open(self):
        s = self.settings
        try:
            if s.transport == "network":
                from escpos.printer import Network

                printer = Network(s.host, s.port, timeout=s.timeout_s)
            elif s.transport == "usb":
                from escpos.printer import Usb

                printer = Usb(s.usb_vendor, s.usb_product, timeout=int(s.timeout_s * 1000))
            elif s.transport == "serial":
                from escpos.printer import Serial

                printer = Serial(s.serial_device, baudrate=s.serial_baud, timeout=s.timeout_s)
            else:
                from escpos.printer import File

                printer = File(s.file_path)
            printer.open()
        except (DeviceNotFoundError, OSError) as exc:
            raise PrinterError("offline", f"{self.name}: {exc}".strip()) from None
        except Exception as exc:  # python-escpos transports raise their own kinds
            raise PrinterError("offline", f"{self.name}: {type(exc).__name__}: {exc}") from None
        return printer

    def _status(self, printer) -> PrinterStatus:
        if self.settings.transport == "file":
            return PrinterStatus(True, "unknown", "a file has no status")
        try:
            online = printer.is_online()
            paper = printer.paper_status()
        except TimeoutError:
            return PrinterStatus(False, "unknown", "no answer to a status request")
        except OSError as exc:
            return PrinterStatus(False, "unknown", str(exc))
        states: dict[int, PaperState] = {2: "ok", 1: "near_end", 0: "out"}
        return PrinterStatus(
            online,
            states.get(paper, "unknown"),
            "" if online else "printer reports offline (cover open or error)",
        )

    def status(self) -> PrinterStatus:
        try:
            printer = self._open()
        except PrinterError as exc:
            return PrinterStatus(False, "unknown", exc.detail)
        try:
            return self._status(printer)
        finally:
            _close(printer)

    def render(self, receipt: Receipt) -> bytes:
        """The bytes a receipt becomes, per this printer's profile."""
        if self.settings.mode == "image":
            from drivers.printer.preview import render_png

            buffer = io.BytesIO()
            image = render_png(receipt, buffer, self.font_path)
            d = Dummy()
            d.hw("INIT")
            d.image(image)
            d.cut()
            return bytes(d.output)
        return encode(receipt, native_qr=self.settings.native_qr)

    def print_receipt(self, receipt: Receipt) -> PrintResult:
        data = self.render(receipt)
        printer = self._open()
        try:
            state = self._status(printer)
            if not state.online:
                raise PrinterError("offline", state.detail)
            if state.paper == "out":
                raise PrinterError("paper_out", "no paper")
            if state.paper == "near_end":
                log.warning("%s: paper near its end", self.name)
            try:
                printer._raw(data)
            except (TimeoutError, OSError) as exc:
                raise PrinterError("failed", f"sending the job: {exc}") from None
        finally:
            _close(printer)
        return PrintResult(len(data))


def _close(printer) -> None:
    try:
        printer.close()
    except Exception:  # closing a dead connection must not hide the real error
        pass
