"""Receipt -> ESC/POS bytes, with python-escpos for styles, QR and cut.

Chinese: python-escpos sends GB18030 for hanzi but never `FS &` (enter Chinese
character mode) that most Chinese printers need, and a line of full-width
punctuation alone goes the code-page way and prints '?'. So text is sent here
as `FS &` + GB18030 + `FS .` in Chinese mode, always.
"""

from __future__ import annotations

import unicodedata

from escpos.printer import Dummy

from common.text import printable
from drivers.printer.receipt import QR, Feed, Receipt, Rule, Text

FS_CHINESE_ON = b"\x1c\x26"
FS_CHINESE_OFF = b"\x1c\x2e"


def display_width(text: str) -> int:
    """Columns on the printer: hanzi and full-width forms take two."""
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)


def wrap(text: str, columns: int) -> list[str]:
    lines, current, width = [], "", 0
    for ch in text:
        w = 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
        if ch == "\n" or width + w > columns:
            lines.append(current)
            current, width = "", 0
            if ch == "\n":
                continue
        current += ch
        width += w
    if current or not lines:
        lines.append(current)
    return lines


def encode(receipt: Receipt, *, native_qr: bool = True) -> bytes:
    p = Dummy()
    p.hw("INIT")
    for block in receipt.blocks:
        if isinstance(block, Text):
            p.set(
                align=block.align,
                bold=block.bold,
                width=block.size,
                height=block.size,
                custom_size=block.size > 1,
                normal_textsize=block.size == 1,
            )
            for line in wrap(printable(block.text), receipt.width_chars // block.size):
                p._raw(FS_CHINESE_ON + line.encode("gb18030", errors="replace") + b"\n" + FS_CHINESE_OFF)
        elif isinstance(block, Rule):
            p.set(align="left", bold=False, normal_textsize=True)
            p._raw((block.char * receipt.width_chars).encode("ascii", errors="replace") + b"\n")
        elif isinstance(block, QR):
            p.set(align="center", normal_textsize=True, bold=False)
            p.qr(block.data, native=native_qr, size=block.size, center=not native_qr)
            if block.caption:
                caption = printable(block.caption).replace("\n", " ")
                p._raw(FS_CHINESE_ON + caption.encode("gb18030", errors="replace") + b"\n" + FS_CHINESE_OFF)
        elif isinstance(block, Feed):
            p._raw(b"\n" * block.lines)
    p.set(align="left", bold=False, normal_textsize=True)
    p.cut()
    return bytes(p.output)
