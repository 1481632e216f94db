"""Make the Simplified-Chinese face Kivy's default font (see common.fonts)."""

from __future__ import annotations

from pathlib import Path

from common.fonts import FontError, resolve

__all__ = ["FontError", "register", "resolve"]


def register(regular: Path, bold: Path | None) -> None:
    """'Roboto' is what every Kivy widget asks for, so that is the name we replace."""
    from kivy.core.text import LabelBase

    LabelBase.register("Roboto", str(regular), fn_bold=str(bold or regular))
