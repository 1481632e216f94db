"""Printing on the ticket printer for the screens: builds the receipt, checks
the printer, prints, and answers with a reason a screen can put into words."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from common import wire
from common.fonts import resolve
from drivers.printer import PrinterError, TicketPrinter
from kiosk.catalog.notice import notice_receipt
from kiosk.catalog.service import CatalogService
from kiosk.config import KioskConfig
from kiosk.faults import FaultLog
from kiosk.i18n import Translator

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PrintOutcome:
    ok: bool
    reason: str = ""  # "" or offline, paper_out, no_printer, unknown_matter, failed
    preview: str = ""


def make_ticket_printer(config: KioskConfig) -> TicketPrinter | None:
    choice = config.devices.ticket_printer
    if choice == "none":
        return None
    if choice == "virtual":
        from drivers.printer.virtual import VirtualTicketPrinter

        font = resolve("regular", config.ui.font, config.data_dir / "cache" / "fonts")
        return VirtualTicketPrinter(config.data_dir / "printer", font)
    from drivers.printer.escpos import EscposSettings, EscposTicketPrinter

    p = config.printer
    settings = EscposSettings(
        transport=p.transport,
        host=p.host,
        port=p.port,
        usb_vendor=int(p.usb_vendor, 16),
        usb_product=int(p.usb_product, 16),
        serial_device=p.serial_device,
        serial_baud=p.serial_baud,
        file_path=p.file_path,
        mode=p.mode,
        native_qr=p.native_qr,
        timeout_s=p.timeout_s,
    )
    font = resolve("regular", config.ui.font, config.data_dir / "cache" / "fonts")
    return EscposTicketPrinter(settings, font)


def make_document_printer(config: KioskConfig):
    choice = config.devices.document_printer
    if choice == "none":
        return None
    if choice == "virtual":
        from drivers.printer.virtual_document import VirtualDocumentPrinter

        return VirtualDocumentPrinter(config.data_dir / "documents")
    from drivers.printer.cups import CupsDocumentPrinter

    d = config.document
    return CupsDocumentPrinter(d.cups_queue, server=d.cups_server, timeout_s=d.timeout_s)


class TicketPrinting:
    def __init__(self, catalog: CatalogService, config: KioskConfig, printer: TicketPrinter | None = None):
        self.catalog = catalog
        self.config = config
        self._printer = printer
        self._made = printer is not None
        self.last_fault = ""  # the latest print failure, for the heartbeat
        self.site: wire.SiteInfo | None = None  # the kiosk's site from central's settings: named on the notice
        self.faults: FaultLog | None = None  # when the kiosk keeps one

    @property
    def printer(self) -> TicketPrinter | None:
        """Made on first use: the ESC/POS and imaging libraries are not needed to draw the home screen."""
        if not self._made:
            self._printer = make_ticket_printer(self.config)
            self._made = True
        return self._printer

    def print_receipt(self, receipt, what: str) -> PrintOutcome:
        """Any receipt; `what` names it in logs (never personal data)."""
        if self.printer is None:
            return PrintOutcome(False, "no_printer")
        try:
            status = self.printer.status()
            if not status.online:
                raise PrinterError("offline", status.detail)
            if status.paper == "out":
                raise PrinterError("paper_out", status.detail)
            result = self.printer.print_receipt(receipt)
        except PrinterError as exc:
            log.warning("%s not printed: %s", what, exc)
            self._fault(exc.reason, str(exc))
            return PrintOutcome(False, exc.reason)
        except Exception:  # a driver bug must not take the screen down
            log.exception("%s failed", what)
            self._fault("failed", "driver error (see the kiosk log)")
            return PrintOutcome(False, "failed")
        self._fault("", "")
        log.info("%s printed (%d bytes)", what, result.bytes_sent)
        return PrintOutcome(True, preview=result.preview)

    def _fault(self, reason: str, detail: str) -> None:
        self.last_fault = reason
        if self.faults is not None:
            self.faults.note("ticket_printer", reason, detail)

    def print_notice(self, code: str, translator: Translator, kiosk_name: str = "") -> PrintOutcome:
        """The one-time notice of a matter. Runs on a worker thread."""
        if self.printer is None:
            return PrintOutcome(False, "no_printer")
        matter = self.catalog.matter(code)
        if matter is None:
            return PrintOutcome(False, "unknown_matter")
        hall = self.config.kiosk.place_name(translator.language, self.site)
        receipt = notice_receipt(
            matter, translator.gettext, hall_name=hall, guide_url=self.config.catalog.guide_url, kiosk_name=kiosk_name
        )
        return self.print_receipt(receipt, f"one-time notice for {code}")


__all__ = ["PrintOutcome", "TicketPrinting", "make_ticket_printer"]
