"""Printers. The ticket printer (80 mm thermal, ESC/POS) prints device-neutral
`Receipt`s; each transport is one module, with a virtual twin for the demo,
docs and tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from drivers.printer.receipt import Receipt

PaperState = Literal["ok", "near_end", "out", "unknown"]


class PrinterError(Exception):
    """A print that did not happen. `reason` is stable for screens and logs:
    offline, paper_out, cover_open, timeout, failed."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class PrinterStatus:
    online: bool
    paper: PaperState
    detail: str = ""

    @property
    def ready(self) -> bool:
        return self.online and self.paper in ("ok", "near_end", "unknown")


@dataclass(frozen=True)
class PrintResult:
    bytes_sent: int
    preview: str = ""  # where a virtual printer put its PNG, if any


class TicketPrinter(Protocol):
    def status(self) -> PrinterStatus: ...

    def print_receipt(self, receipt: Receipt) -> PrintResult:
        """Check status, send, or raise PrinterError (nothing half-printed is retried blindly)."""
        ...


__all__ = ["PaperState", "PrintResult", "PrinterError", "PrinterStatus", "Receipt", "TicketPrinter"]
