"""An A4 printer that writes each job's PDF into a folder: the demo, docs
and tests print certificates without a printer. Its state can be set, so
the paper-out and offline paths run too."""

from __future__ import annotations

import itertools
import shutil
import threading
import time
from pathlib import Path

from drivers.printer import PaperState, PrinterError, PrinterStatus
from drivers.printer.document import DocumentJob, JobStage


class VirtualDocumentPrinter:
    def __init__(self, out_dir: Path, *, keep: int = 50):
        self.out_dir = Path(out_dir)
        self.keep = keep
        self.paper: PaperState = "ok"
        self.online = True
        self.jobs: list[DocumentJob] = []
        self._lock = threading.Lock()
        self._seq = itertools.count(1)

    def status(self) -> PrinterStatus:
        return PrinterStatus(self.online, self.paper, "virtual A4")

    def print_pdf(
        self, pdf: Path, *, copies: int, title: str, pages: int, on_stage: JobStage | None = None
    ) -> DocumentJob:
        if not self.online:
            raise PrinterError("offline", "virtual A4 printer switched off")
        if self.paper == "out":
            raise PrinterError("paper_out", "virtual A4 printer has no paper")
        with self._lock:
            n = next(self._seq)
            if on_stage:
                on_stage("submitted")
            self.out_dir.mkdir(parents=True, exist_ok=True)
            target = self.out_dir / f"{time.strftime('%Y%m%d-%H%M%S')}-{n:04d}-{title}-x{copies}.pdf"
            shutil.copyfile(pdf, target)
            job = DocumentJob(n, pages, copies, str(target))
            self.jobs.append(job)
            for old in sorted(self.out_dir.glob("*.pdf"))[: max(0, len(self.jobs) - self.keep)]:
                old.unlink(missing_ok=True)
        if on_stage:
            on_stage("done")
        return job
