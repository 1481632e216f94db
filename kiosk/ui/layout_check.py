"""The layout check: what a person would see wrong on the screen showing now.

It reads the widget tree (no pixels), so it runs on laid-out frames in any
window size, language, text size and theme:

- **clipped**: text larger than its box (lines dropped, a word shortened to
  "...", a text spilling out of its box);
- **overlap**: two texts, or two touch targets, on top of each other;
- **small**: a touch target under 60x60 px;
- **offscreen**: a text or target pushed out of the window (not scrolled away);
- **contrast**: text under 4.5:1 against what is painted behind it;
- **boundary**: a control under 3:1 against what is behind it, with no edge that is.

`problems()` returns them; tests/test_layout.py walks every screen state in
every supported variant and fails on any."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kivy.core.text import Label as CoreLabel
from kivy.core.window import Window
from kivy.graphics import BorderImage, Color, Line, Rectangle, RoundedRectangle
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.label import Label
from kivy.uix.modalview import ModalView
from kivy.uix.relativelayout import RelativeLayout
from kivy.uix.scrollview import ScrollView
from kivy.uix.textinput import TextInput

MIN_TARGET_PX = 60
TEXT_CONTRAST = 4.5
BOUNDARY_CONTRAST = 3.0
SLACK_PX = 1.5  # rounding in Kivy's layouts

Rect = tuple[float, float, float, float]  # x0, y0, x1, y1 in window pixels
Rgb = tuple[float, float, float]


@dataclass(frozen=True)
class Problem:
    kind: str  # clipped, overlap, small, contrast, boundary
    what: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.what}: {self.detail}"


@dataclass
class _Seen:
    widget: Any
    rect: Rect  # the part a person can see
    chain: tuple  # the widget and its ancestors
    whole: Rect  # all of it, seen or not


def describe(widget) -> str:
    text = getattr(widget, "text", "") or getattr(widget, "title", "")
    name = type(widget).__name__
    ident = next((k for k, v in _ids_of(widget).items() if v is widget), "")
    label = f" {text!r}" if isinstance(text, str) and text.strip() else ""
    return f"{name}{'#' + ident if ident else ''}{label[:60]}"


def _ids_of(widget) -> dict:
    parent = widget.parent
    while parent is not None and parent is not parent.parent:
        ids = getattr(parent, "ids", None)
        if ids and any(v is widget for v in ids.values()):
            return dict(ids)
        parent = parent.parent
    return {}


def _visible(root) -> list[_Seen]:
    """Every widget with something on screen, with the part of it that shows."""
    out: list[_Seen] = []

    def walk(widget, clip: Rect, chain: tuple) -> None:
        if widget.opacity <= 0.01:
            return
        x0, y0 = widget.to_window(widget.x, widget.y)
        rect = (max(x0, clip[0]), max(y0, clip[1]), min(x0 + widget.width, clip[2]), min(y0 + widget.height, clip[3]))
        chain = (widget, *chain)
        whole = (x0, y0, x0 + widget.width, y0 + widget.height)
        if widget.width > 0.5 and widget.height > 0.5:
            out.append(_Seen(widget, rect, chain, whole))
        if isinstance(widget, ScrollView):
            clip = (
                max(clip[0], x0),
                max(clip[1], y0),
                min(clip[2], x0 + widget.width),
                min(clip[3], y0 + widget.height),
            )
        for child in widget.children:
            walk(child, clip, chain)

    walk(root, (0, 0, Window.width, Window.height), ())
    return out


def _needed(label: Label) -> tuple[float, float]:
    """The size its whole text needs within its width (Kivy drops lines that
    do not fit a fixed text_size, and shortens a single line to "...")."""
    options = dict(label._label.options)
    width = label.text_size[0]
    options.update(text_size=(width, None), shorten=False, max_lines=0)
    core = CoreLabel(**options)
    core.text = label.text
    core.resolve_font_name()
    w, h = core.render(real=False)
    return w, h


def _clipped(label: Label) -> str:
    width, height = label.text_size
    tw, th = label.texture_size
    if width is None and height is None:  # the texture is the text: it must fit the box
        if tw > label.width + SLACK_PX or th > label.height + SLACK_PX:
            return f"text needs {tw:.0f}x{th:.0f} px, box is {label.width:.0f}x{label.height:.0f}"
        return ""
    need_w, need_h = _needed(label)
    room_h = height if height is not None else label.height
    if need_h > room_h + SLACK_PX:
        return f"text needs {need_h:.0f} px of height, has {room_h:.0f}"
    if width is not None and need_w > width + SLACK_PX:
        return f"text needs {need_w:.0f} px of width, has {width:.0f}"
    if height is None and th > label.height + SLACK_PX:
        return f"text is {th:.0f} px high, box is {label.height:.0f}"
    return ""


def _luminance(rgb: Rgb) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: Rgb, b: Rgb) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _over(top, below: Rgb) -> Rgb:
    a = top[3] if len(top) > 3 else 1.0
    return (top[0] * a + below[0] * (1 - a), top[1] * a + below[1] * (1 - a), top[2] * a + below[2] * (1 - a))


def _paint(
    widget, point: tuple[float, float], below: Rgb, parts=("before", "canvas"), colour: tuple = (1.0, 1.0, 1.0, 1.0)
) -> tuple[Rgb, list, tuple]:
    """What `widget`'s own fills paint at `point` over `below`, its edges' colours,
    and the colour in force after it (a fill with no Color of its own uses the last one set)."""
    edges: list = []
    if isinstance(widget, RelativeLayout):  # its canvas is in its own coordinates (screens paint nothing)
        return below, edges, colour
    groups = {"before": widget.canvas.before, "canvas": widget.canvas, "after": widget.canvas.after}
    if isinstance(widget, Label | TextInput):  # their main canvas is the text itself
        parts = tuple(p for p in parts if p != "canvas")
    for part in parts:
        for instruction in groups[part].children:
            if isinstance(instruction, Color):
                colour = tuple(instruction.rgba)
            elif isinstance(instruction, Rectangle | RoundedRectangle | BorderImage) and colour[3] > 0.01:
                x, y = widget.to_window(*instruction.pos)
                w, h = instruction.size
                if x <= point[0] <= x + w and y <= point[1] <= y + h:
                    below = _over(colour, below)
            elif isinstance(instruction, Line) and colour[3] > 0.01:
                edges.append(colour)
    return below, edges, colour


def _backdrop(chain: tuple, point: tuple[float, float], include_self: bool) -> Rgb:
    """The colour painted at `point` by the widget's ancestors (and itself)."""
    return _backdrop_and_colour(chain, point, include_self)[0]


def _backdrop_and_colour(chain: tuple, point: tuple[float, float], include_self: bool) -> tuple[Rgb, tuple]:
    behind: Rgb = (0.0, 0.0, 0.0)  # the window's clear colour
    colour: tuple = (1.0, 1.0, 1.0, 1.0)
    ancestors = list(reversed(chain)) if include_self else list(reversed(chain[1:]))
    for widget in ancestors:
        if isinstance(widget, ModalView):
            behind = _over(tuple(widget.overlay_color), behind)
        behind, _, colour = _paint(widget, point, behind, colour=colour)
    return behind, colour


def _intersect(a: Rect, b: Rect) -> bool:
    return min(a[2], b[2]) - max(a[0], b[0]) > SLACK_PX and min(a[3], b[3]) - max(a[1], b[1]) > SLACK_PX


def _is_target(widget) -> bool:
    return isinstance(widget, ButtonBehavior | TextInput) and not widget.disabled


def problems(root=None) -> list[Problem]:
    """Everything wrong with what shows now: the topmost popup if one is open, else the app."""
    if root is None:
        modals = [w for w in Window.children if isinstance(w, ModalView)]
        root = modals[0] if modals else Window.children[-1]
    seen = _visible(root)
    found: list[Problem] = []
    texts = [s for s in seen if isinstance(s.widget, Label) and s.widget.text.strip()]
    targets = [s for s in seen if _is_target(s.widget)]
    for s in texts + targets:
        if not _scrolled_part(s) and not _inside(s.whole, (0, 0, Window.width, Window.height)):
            found.append(Problem("offscreen", describe(s.widget), f"box {_box(s.whole)} leaves the window"))
    texts = [s for s in texts if _area(s.rect) > 0]
    targets = [s for s in targets if _area(s.rect) > 0]
    for s in texts:
        label = s.widget
        why = _clipped(label)
        if why:
            found.append(Problem("clipped", describe(label), why))
        if not label.disabled:
            point = ((s.rect[0] + s.rect[2]) / 2, (s.rect[1] + s.rect[3]) / 2)
            behind = _backdrop(s.chain, point, include_self=True)
            ratio = contrast(_over(tuple(label.color), behind), behind)
            if ratio < TEXT_CONTRAST:
                found.append(Problem("contrast", describe(label), f"text at {ratio:.2f}:1"))
    for s in targets:
        w, h = s.rect[2] - s.rect[0], s.rect[3] - s.rect[1]
        whole = s.widget.width >= MIN_TARGET_PX and s.widget.height >= MIN_TARGET_PX
        if (w < MIN_TARGET_PX or h < MIN_TARGET_PX) and not (whole and _scrolled_part(s)):
            found.append(Problem("small", describe(s.widget), f"{w:.0f}x{h:.0f} px"))
        point = ((s.rect[0] + s.rect[2]) / 2, (s.rect[1] + s.rect[3]) / 2)
        behind, colour = _backdrop_and_colour(s.chain, point, include_self=False)
        fill, edges, _ = _paint(s.widget, point, behind, parts=("before", "canvas", "after"), colour=colour)
        if contrast(fill, behind) < BOUNDARY_CONTRAST and not any(
            contrast(_over(edge, behind), behind) >= BOUNDARY_CONTRAST for edge in edges
        ):
            found.append(Problem("boundary", describe(s.widget), f"{contrast(fill, behind):.2f}:1 and no edge at 3:1"))
    found += _overlaps(texts, "texts") + _overlaps(targets, "targets")
    return found


def _area(rect: Rect) -> float:
    return max(0.0, rect[2] - rect[0]) * max(0.0, rect[3] - rect[1])


def _inside(rect: Rect, bounds: Rect) -> bool:
    return (
        rect[0] >= bounds[0] - SLACK_PX
        and rect[1] >= bounds[1] - SLACK_PX
        and rect[2] <= bounds[2] + SLACK_PX
        and rect[3] <= bounds[3] + SLACK_PX
    )


def _box(rect: Rect) -> str:
    return f"({rect[0]:.0f},{rect[1]:.0f})-({rect[2]:.0f},{rect[3]:.0f})"


def _scrolled_part(seen: _Seen) -> bool:
    """A row half scrolled out of its list is whole once scrolled: not too small."""
    return any(isinstance(w, ScrollView) for w in seen.chain[1:])


def _overlaps(items: list[_Seen], what: str) -> list[Problem]:
    out = []
    for i, a in enumerate(items):
        for b in items[i + 1 :]:
            if a.widget in b.chain or b.widget in a.chain:
                continue  # a label inside its button
            if _intersect(a.rect, b.rect):
                out.append(
                    Problem(
                        "overlap",
                        f"{describe(a.widget)} and {describe(b.widget)}",
                        f"two {what}: {_box(a.rect)} and {_box(b.rect)}",
                    )
                )
    return out
