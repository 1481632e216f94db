"""Printing on the ticket printer for the screens: builds the receipt, checks
the printer, prints, and answers with a reason a screen can put into words."""
from __future__ import annotations

import logging
from dataclasses import dataclass

from common.fonts import resolve
from drivers.printer import PrinterError, TicketPrinter
from kiosk.catalog.notice import notice_receipt
from kiosk.catalog.service import CatalogService
from kiosk.config import KioskConfig
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
    raise ValueError(f"ticket printer {choice!r} is not available in this release")


class TicketPrinting:
    def __init__(self, catalog: CatalogService, config: KioskConfig, printer: TicketPrinter | None = None):
        self.catalog = catalog
        self.config = config
        self._printer = printer
        self._made = printer is not None

    @property
    def printer(self) -> TicketPrinter | None:
        """Made on first use: the ESC/POS and imaging libraries are not needed to draw the home screen."""
        if not self._made:
            self._printer = make_ticket_printer(self.config)
            self._made = True
        return self._printer

    def print_notice(self, code: str, translator: Translator, kiosk_name: str = "") -> PrintOutcome:
        """The one-time notice of a matter. Runs on a worker thread."""
        if self.printer is None:
            return PrintOutcome(False, "no_printer")
        matter = self.catalog.matter(code)
        if matter is None:
            return PrintOutcome(False, "unknown_matter")
        hall = self.config.kiosk.hall_name if translator.language == "zh_CN" else self.config.kiosk.hall_name_en
        receipt = notice_receipt(matter, translator.gettext, hall_name=hall,
                                 guide_url=self.config.catalog.guide_url, kiosk_name=kiosk_name)
        try:
            status = self.printer.status()
            if not status.online:
                raise PrinterError("offline", status.detail)
            if status.paper == "out":
                raise PrinterError("paper_out", status.detail)
            result = self.printer.print_receipt(receipt)
        except PrinterError as exc:
            log.warning("one-time notice for %s not printed: %s", code, exc)
            return PrintOutcome(False, exc.reason)
        except Exception:  # a driver bug must not take the screen down
            log.exception("one-time notice for %s failed", code)
            return PrintOutcome(False, "failed")
        log.info("one-time notice for %s printed (%d bytes)", code, result.bytes_sent)
        return PrintOutcome(True, preview=result.preview)


__all__ = ["PrintOutcome", "TicketPrinting", "make_ticket_printer"]
