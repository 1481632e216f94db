"""A receipt as blocks, independent of the printer: text lines with size and
alignment, rules, QR codes, feed and cut. Encoded to ESC/POS for thermal
printers and drawn to PNG for previews."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Align = Literal["left", "center", "right"]


@dataclass(frozen=True)
class Text:
    text: str
    size: Literal[1, 2, 3] = 1  # character magnification
    bold: bool = False
    align: Align = "left"


@dataclass(frozen=True)
class Rule:
    char: str = "-"


@dataclass(frozen=True)
class QR:
    data: str
    size: int = 6  # module size in dots
    caption: str = ""


@dataclass(frozen=True)
class Feed:
    lines: int = 1


Block = Text | Rule | QR | Feed


@dataclass(frozen=True)
class Receipt:
    blocks: tuple[Block, ...] = field(default_factory=tuple)
    width_chars: int = 48  # an 80 mm printer's Font A: 48 half-width characters per line
    title: str = ""  # for file names and logs; never personal data

    def __add__(self, more: Receipt) -> Receipt:
        return Receipt(self.blocks + more.blocks, self.width_chars, self.title or more.title)
