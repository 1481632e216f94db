"""The A4 document printer (certificates): a small Protocol with a CUPS
transport (`cups.py`) and a virtual twin (`virtual_document.py`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from drivers.printer import PrinterStatus

JobStage = Callable[[str], None]  # "submitted", "printing", "done": for the screen's progress


@dataclass(frozen=True)
class DocumentJob:
    job_id: int
    pages: int
    copies: int
    output: str = ""  # where a virtual printer put the file


class DocumentPrinter(Protocol):
    def status(self) -> PrinterStatus: ...

    def print_pdf(
        self, pdf: Path, *, copies: int, title: str, pages: int, on_stage: JobStage | None = None
    ) -> DocumentJob:
        """Check status, submit, follow the job to its end, or raise
        PrinterError (offline, paper_out, jammed, timeout, failed)."""
        ...
