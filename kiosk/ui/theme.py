"""Sizes and colours. Sizes scale with the window's short side (1080 px = 1.0)
and grow in large-text mode (适老化: body >= 30 px-equivalent of 18 pt, main
text larger, touch targets far above 60x60)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

from kivy.event import EventDispatcher
from kivy.properties import BooleanProperty, ColorProperty, NumericProperty, StringProperty


@contextmanager
def restyling() -> Iterator[None]:
    """Holds the cyclic garbage collector while a style or language change runs
    thousands of kv rules. A collection inside one rule's evaluation can free the
    very widget it is about to update (Kivy unbinds it from the weakref callback,
    but the running rule then writes to a dead proxy: ReferenceError). Widgets
    freed by reference count are unaffected: they unbind before any rule runs."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _rgba(hex_colour: str, alpha: float = 1.0) -> tuple[float, float, float, float]:
    h = hex_colour.lstrip("#")
    return (int(h[0:2], 16) / 255, int(h[2:4], 16) / 255, int(h[4:6], 16) / 255, alpha)


# Every text/background pair here has a contrast ratio >= 4.5:1 (WCAG AA);
# in the high-contrast theme >= 7:1 (AAA). tests/test_theme.py checks both.
Colour = str | tuple[str, float]  # hex, or hex with alpha
STANDARD: dict[str, Colour] = {
    "background": "#F3F5F9",
    "surface": "#FFFFFF",
    "header": "#0B4A8B",
    "header_text": "#FFFFFF",
    "text": "#1A1F2B",
    "muted": "#4A5568",
    "primary": "#0B5CAD",
    "primary_text": "#FFFFFF",
    "tile_guides": "#1259A8",
    "tile_tickets": "#23703A",
    "tile_certificates": "#6A2C91",
    "tile_rating": "#B23C0E",
    "help": "#B23C0E",  # 呼叫工作人员: the one warm button in the footer
    "tile_text": "#FFFFFF",
    "online": "#1E7B34",
    "offline": "#9A5B00",
    "warning_bg": "#FFF4D6",
    "scrim": ("#000000", 0.55),
    "pressed": ("#000000", 0.18),
    "outline": ("#4A5568", 0.45),
    # the edge of a white (secondary) button: white on the near-white page is 1.09:1, and
    # WCAG asks 3:1 for a control's boundary (tests/test_theme.py)
    "edge": "#64748B",
    "keyboard_bg": ("#0B4A8B", 0.10),
}
# 高对比度: light text and light controls on black, for low vision (selected in the
# header like large text). Controls are light with black text, so every boundary shows.
HIGH_CONTRAST: dict[str, Colour] = {
    "background": "#000000",
    "surface": "#000000",
    "header": "#000000",
    "header_text": "#FFFFFF",
    "text": "#FFFFFF",
    "muted": "#E6E6E6",
    "primary": "#FFE14D",
    "primary_text": "#000000",
    "tile_guides": "#FFE14D",
    "tile_tickets": "#8CF5A8",
    "tile_certificates": "#B8DEFF",
    "tile_rating": "#FFC2A3",
    "help": "#FFC2A3",
    "tile_text": "#000000",
    "online": "#8CF5A8",
    "offline": "#FFC266",
    "warning_bg": "#000000",
    "scrim": ("#000000", 0.8),
    "pressed": ("#FFFFFF", 0.35),
    "outline": ("#FFFFFF", 0.8),
    "edge": "#FFFFFF",
    "keyboard_bg": ("#FFFFFF", 0.12),
}
THEMES = {"standard": STANDARD, "high_contrast": HIGH_CONTRAST}


class Palette(EventDispatcher):
    """The colours in force. Kivy properties, so every .kv rule that reads
    `palette.text` follows a switch of theme at once."""

    name = StringProperty("standard")
    background = ColorProperty()
    surface = ColorProperty()
    header = ColorProperty()
    header_text = ColorProperty()
    text = ColorProperty()
    muted = ColorProperty()
    primary = ColorProperty()
    primary_text = ColorProperty()
    tile_guides = ColorProperty()
    tile_tickets = ColorProperty()
    tile_certificates = ColorProperty()
    tile_rating = ColorProperty()
    help = ColorProperty()
    tile_text = ColorProperty()
    online = ColorProperty()
    offline = ColorProperty()
    warning_bg = ColorProperty()
    scrim = ColorProperty()
    pressed = ColorProperty()
    outline = ColorProperty()
    edge = ColorProperty()
    keyboard_bg = ColorProperty()

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.use("standard")

    def use(self, name: str) -> None:
        with restyling():
            for key, value in self.colours(name).items():
                setattr(self, key, value)
            self.name = name

    def colours(self, name: str) -> dict[str, tuple[float, float, float, float]]:
        """A theme's colours without switching to it (tests/test_theme.py)."""
        return {k: _rgba(v[0], v[1]) if isinstance(v, tuple) else _rgba(v) for k, v in THEMES[name].items()}


palette = Palette()

# px at scale 1.0: (normal, large-text)
_SIZES = {
    "small": (24, 32),
    "body": (30, 40),
    "title": (44, 56),
    # the hall name, clock and network status stay put: they are not what people read closely
    "header_title": (44, 44),
    "header_small": (26, 26),
    "tile_title": (64, 80),
    "display": (96, 120),
    "button_height": (96, 120),
    "header_height": (200, 230),
    "footer_height": (120, 140),
}


# px whatever the window: a touch target stays at least 60x60 on a 1366x768 screen
_LEAST = {"button_height": 64, "header_height": 164, "footer_height": 88}


class Theme(EventDispatcher):
    scale = NumericProperty(1.0)
    large = BooleanProperty(False)
    landscape = BooleanProperty(False)  # a window wider than tall: screens put things side by side
    small = NumericProperty(24)
    body = NumericProperty(30)
    title = NumericProperty(44)
    header_title = NumericProperty(44)
    header_small = NumericProperty(26)
    tile_title = NumericProperty(64)
    display = NumericProperty(96)
    button_height = NumericProperty(96)
    header_height = NumericProperty(200)
    footer_height = NumericProperty(120)
    pad = NumericProperty(32)
    gap = NumericProperty(24)
    radius = NumericProperty(20)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.bind(scale=self._recompute, large=self._recompute)
        self._recompute()

    def fit(self, width: int, height: int) -> None:
        self.scale = max(0.5, min(width, height) / 1080)
        self.landscape = width > height

    def _recompute(self, *_):
        idx = 1 if self.large else 0
        for name, sizes in _SIZES.items():
            setattr(self, name, max(round(sizes[idx] * self.scale), _LEAST.get(name, 0)))
        self.pad = round(32 * self.scale)
        self.gap = round(24 * self.scale)
        self.radius = round(20 * self.scale)
