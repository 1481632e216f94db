"""Sizes and colours. Sizes scale with the window's short side (1080 px = 1.0)
and grow in large-text mode (适老化: body >= 30 px-equivalent of 18 pt, main
text larger, touch targets far above 60x60)."""

from __future__ import annotations

from types import SimpleNamespace

from kivy.event import EventDispatcher
from kivy.properties import BooleanProperty, NumericProperty


def _rgba(hex_colour: str, alpha: float = 1.0) -> tuple[float, float, float, float]:
    h = hex_colour.lstrip("#")
    return (int(h[0:2], 16) / 255, int(h[2:4], 16) / 255, int(h[4:6], 16) / 255, alpha)


# Every text/background pair here has a contrast ratio >= 4.5:1 (WCAG AA);
# tests/test_theme.py checks it.
palette = SimpleNamespace(
    background=_rgba("#F3F5F9"),
    surface=_rgba("#FFFFFF"),
    header=_rgba("#0B4A8B"),
    on_header=_rgba("#FFFFFF"),
    text=_rgba("#1A1F2B"),
    muted=_rgba("#4A5568"),
    primary=_rgba("#0B5CAD"),
    on_primary=_rgba("#FFFFFF"),
    tile_guides=_rgba("#1259A8"),
    tile_tickets=_rgba("#23703A"),
    tile_certificates=_rgba("#6A2C91"),
    tile_rating=_rgba("#B23C0E"),
    help=_rgba("#B23C0E"),  # 呼叫工作人员: the one warm button in the footer
    on_tile=_rgba("#FFFFFF"),
    online=_rgba("#1E7B34"),
    offline=_rgba("#9A5B00"),
    warning_bg=_rgba("#FFF4D6"),
    scrim=_rgba("#000000", 0.55),
    pressed=_rgba("#000000", 0.18),
    outline=_rgba("#4A5568", 0.45),
    # the edge of a white (secondary) button: white on the near-white page is 1.09:1, and
    # WCAG asks 3:1 for a control's boundary (tests/test_theme.py)
    edge=_rgba("#64748B"),
    keyboard_bg=_rgba("#0B4A8B", 0.10),
)

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


class Theme(EventDispatcher):
    scale = NumericProperty(1.0)
    large = BooleanProperty(False)
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

    def _recompute(self, *_):
        idx = 1 if self.large else 0
        for name, sizes in _SIZES.items():
            setattr(self, name, round(sizes[idx] * self.scale))
        self.pad = round(32 * self.scale)
        self.gap = round(24 * self.scale)
        self.radius = round(20 * self.scale)
