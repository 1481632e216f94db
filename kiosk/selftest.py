"""Self-tests for the hidden maintenance screen: a test ticket, an A4 test
page, a card read. Each answers with a short reason a technician can act on
(the same reasons the citizen screens use), never with personal data."""

from __future__ import annotations

import socket
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from drivers.printer import PrinterError
from drivers.printer.receipt import Block, Feed, Receipt, Rule, Text
from kiosk import __version__


@dataclass(frozen=True)
class SelfTest:
    ok: bool
    reason: str = ""  # printer or reader reason code, "" when ok
    detail: str = ""  # masked or technical detail for the screen


def _lines(services) -> list[str]:
    counts = services.outbox.counts() if services.outbox else {}
    return [
        f"{services.enrolled_as or 'not enrolled'} · {socket.gethostname()}",
        f"version {__version__} · {datetime.now():%Y-%m-%d %H:%M:%S}",
        f"outbox ready {counts.get('ready', 0)} failed {counts.get('failed', 0)}",
        f"offline numbers {services.offline.numbers_left() if services.offline else 0}",
    ]


def test_ticket(services) -> SelfTest:
    blocks: list[Block] = [
        Text("自助终端测试小票", bold=True, align="center"),
        Text("Kiosk test ticket", align="center"),
        Rule(),
    ]
    blocks += [Text(line, align="center") for line in _lines(services)] + [Feed(2)]
    outcome = services.printing.print_receipt(Receipt(tuple(blocks), title="test"), "test ticket")
    return SelfTest(outcome.ok, outcome.reason)


def test_page(services) -> SelfTest:
    """One A4 page through the document printer (CUPS or virtual), followed to its end."""
    printer = services.certificates.printer if services.certificates else None
    if printer is None:
        return SelfTest(False, "no_printer")
    from fpdf import FPDF

    fonts = services.certificates.fonts.full
    pdf = FPDF(format="A4")
    pdf.add_font("cjk", "", str(fonts[""]))
    pdf.add_page()
    pdf.set_font("cjk", size=20)
    pdf.cell(0, 14, "自助终端测试页 / Kiosk test page", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=12)
    for line in _lines(services):
        pdf.cell(0, 9, line, new_x="LMARGIN", new_y="NEXT")
    pdf.set_line_width(0.5)
    for n in range(6):  # toner and alignment: boxes to the edges of the printable area
        pdf.rect(15 + n * 30, 120, 25, 25, style="F" if n % 2 else "D")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "test-page.pdf"
        pdf.output(str(path))
        try:
            printer.print_pdf(path, copies=1, title="kiosk-test-page", pages=1)
        except PrinterError as exc:
            return SelfTest(False, exc.reason, exc.detail)
    return SelfTest(True)


def card_read(services, timeout_s: float = 15.0, poll_s: float = 0.2) -> SelfTest:
    """Wait for a card to be read; answers with the masked name only."""
    cards = services.cards
    if cards is None or cards.reader is None:
        return SelfTest(False, "no_reader")
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        masked = services.session.masked()
        if masked is not None:
            return SelfTest(True, detail=f"{masked.name} {masked.number}")
        if cards.status.state in ("failed", "fault"):
            return SelfTest(False, cards.status.reason or cards.status.state)
        time.sleep(poll_s)
    return SelfTest(False, "timeout")
