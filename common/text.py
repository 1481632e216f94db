"""Plain text from outside (a catalog file, a notice typed at central) reaches thermal
printers and screens: control characters in it could reset a printer, cut paper or
pulse a cash drawer (ESC @, GS V, ESC p). They are refused where text comes in and
stripped where it goes out."""

from __future__ import annotations

import re
from typing import Any

# C0 controls but tab, newline and carriage return; DEL; C1 controls
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def first_control(text: str) -> str | None:
    """'U+001B' for the first control character in `text`, or None."""
    match = CONTROL.search(text)
    return f"U+{ord(match.group(0)):04X}" if match else None


def printable(text: str) -> str:
    """`text` without control characters (tabs become spaces, carriage returns go)."""
    return CONTROL.sub("", text.replace("\t", " ").replace("\r", ""))


def controls_in(value: Any, where: str = "") -> list[tuple[str, str]]:
    """(path, 'U+XXXX') for every string in a nested structure that holds a control character."""
    if isinstance(value, str):
        bad = first_control(value)
        return [(where, bad)] if bad else []
    if isinstance(value, dict):
        return [hit for key, item in value.items() for hit in controls_in(item, f"{where}.{key}" if where else key)]
    if isinstance(value, list | tuple):
        return [hit for i, item in enumerate(value) for hit in controls_in(item, f"{where}[{i}]")]
    return []
