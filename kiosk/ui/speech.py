"""What voice guidance reads from the widgets on screen: a screen's visible
texts in reading order (its title, prompt and message), and the label of a
tapped control. The Voice service (kiosk/voice.py) does the speaking."""

from __future__ import annotations

from kivy.core.window import Window
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.label import Label
from kivy.uix.scrollview import ScrollView

from common.speech import CJK

READ_AT_MOST = 4  # texts read when a screen shows: title, prompt, message; the rest by touch


def readable_texts(root, limit: int = READ_AT_MOST) -> list[str]:
    """Visible texts outside controls (buttons, rows, keys speak when touched),
    top to bottom then left to right, as a sighted person scans the screen."""
    found: list[tuple[float, float, str]] = []

    def walk(widget, clip) -> None:
        if widget.opacity <= 0 or widget.width <= 1 or widget.height <= 1 or isinstance(widget, ButtonBehavior):
            return
        x, y = widget.to_window(widget.x, widget.y)
        top = y + widget.height
        if clip is not None and (top < clip[1] or y > clip[3]):
            return  # scrolled out of view
        if isinstance(widget, Label) and widget.text.strip() and top >= 0 and y <= Window.height:
            found.append((-round(top), x, " ".join(widget.text.split())))
        if isinstance(widget, ScrollView):
            cx, cy = widget.to_window(widget.x, widget.y)
            clip = (cx, cy, cx + widget.width, cy + widget.height)
        for child in reversed(widget.children):
            walk(child, clip)

    walk(root, None)
    found.sort(key=lambda item: (item[0], item[1]))
    texts: list[str] = []
    for _top, _x, text in found:
        if text not in texts:
            texts.append(text)
    return texts[:limit]


SYMBOLS = str.maketrans("", "", "‹›←→•·●✓✕×")


def label_of(widget) -> str:
    """What a control says when touched: its `spoken` text if set, else its title
    and subtitle (tiles, rows), else its text."""
    for name in ("spoken", "title", "text"):
        value = getattr(widget, name, "")
        if isinstance(value, str) and value.strip():
            subtitle = getattr(widget, "subtitle", "") if name == "title" else ""
            stop = "。" if CJK.search(value) else ". "
            said = f"{value}{stop}{subtitle}" if isinstance(subtitle, str) and subtitle.strip() else value
            return said.translate(SYMBOLS).strip()
    return ""
