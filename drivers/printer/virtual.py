"""A ticket printer that keeps what it was sent: the ESC/POS bytes and a PNG
of the paper, in a folder (OctoPrint's virtual-printer idea). Its paper state
can be set, so the out-of-paper path runs without hardware."""

from __future__ import annotations

import itertools
import threading
import time
from pathlib import Path

from drivers.printer import PaperState, PrinterError, PrinterStatus, PrintResult
from drivers.printer.escpos_encode import encode
from drivers.printer.preview import render_png
from drivers.printer.receipt import Receipt


class VirtualTicketPrinter:
    def __init__(self, out_dir: Path, font_path: Path, *, keep: int = 50):
        self.out_dir = Path(out_dir)
        self.font_path = font_path
        self.keep = keep
        self.paper: PaperState = "ok"
        self.online = True
        self.printed: list[bytes] = []  # every job's bytes, for tests and the maintenance screen
        self._lock = threading.Lock()
        self._seq = itertools.count(1)

    def status(self) -> PrinterStatus:
        return PrinterStatus(self.online, self.paper, "virtual")

    def print_receipt(self, receipt: Receipt) -> PrintResult:
        state = self.status()
        if not state.online:
            raise PrinterError("offline", "virtual printer switched off")
        if state.paper == "out":
            raise PrinterError("paper_out", "virtual printer has no paper")
        data = encode(receipt)
        with self._lock:
            n = next(self._seq)
            stem = f"{time.strftime('%Y%m%d-%H%M%S')}-{n:04d}-{receipt.title or 'receipt'}"
            self.out_dir.mkdir(parents=True, exist_ok=True)
            (self.out_dir / f"{stem}.bin").write_bytes(data)
            preview = render_png(receipt, self.out_dir / f"{stem}.png", self.font_path)
            self.printed.append(data)
            self._prune()
        return PrintResult(len(data), str(preview))

    def _prune(self) -> None:
        files = sorted(self.out_dir.glob("*.bin"))
        for old in files[: max(0, len(files) - self.keep)]:
            old.unlink(missing_ok=True)
            old.with_suffix(".png").unlink(missing_ok=True)
