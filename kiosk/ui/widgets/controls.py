"""Touch controls sized for a kiosk: every target is far above 60x60 px."""

from collections.abc import Callable
from typing import ClassVar

from kivy.clock import Clock
from kivy.core.text import Label as CoreLabel
from kivy.properties import (
    BooleanProperty,
    ColorProperty,
    ListProperty,
    NumericProperty,
    ObjectProperty,
    StringProperty,
)
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label
from kivy.uix.recycleview import RecycleView


class SpokenControl:
    """A control that says what it is when touched, in voice mode (语音引导).
    `spoken` replaces its visible text where that is a symbol (⌫, ✓)."""

    spoken = StringProperty("")
    listener: ClassVar[Callable[[object], None] | None] = None  # set by the app: it owns the voice

    def on_press(self) -> None:
        if SpokenControl.listener is not None:
            SpokenControl.listener(self)


class KioskButton(SpokenControl, ButtonBehavior, Label):
    """A flat, rounded button with a pressed state. A white (secondary) one
    gets an edge: without it its boundary shows at 1.09:1 on the page."""

    background = ColorProperty((0, 0, 0, 0))
    edge = ColorProperty((0, 0, 0, 0))  # an edge of its own (a button on a coloured header)
    edge_color = ColorProperty((0, 0, 0, 0))  # the edge drawn: its own, or the secondary buttons' (controls.kv)


class Tile(SpokenControl, ButtonBehavior, BoxLayout):
    """A home-screen service tile: big title, one line of what it is for."""

    title = StringProperty("")
    subtitle = StringProperty("")
    background = ColorProperty((0, 0, 0, 1))


class ListItem(SpokenControl, ButtonBehavior, BoxLayout):
    """A row of a list (a matter, a queue, a certificate): title and one line."""

    title = StringProperty("")
    subtitle = StringProperty("")
    screen = ObjectProperty(None, allownone=True)


class StatePane(BoxLayout):
    """One of several panes a screen switches between. A hidden pane takes no
    room, is invisible and ignores touches (a disabled Kivy widget would still
    swallow the touches that land on its overflowing children)."""

    shown = BooleanProperty(True)

    def on_touch_down(self, touch):
        return super().on_touch_down(touch) if self.shown else False

    def on_touch_move(self, touch):
        return super().on_touch_move(touch) if self.shown else False

    def on_touch_up(self, touch):
        return super().on_touch_up(touch) if self.shown else False


class RowList(RecycleView):
    """A list of rows (ListItem and headings) whose every row is as tall as its
    text: a long matter name wraps onto a second line instead of being cut,
    in any window, language and text size. Set `rows`; each row's height is
    measured here and handed to the RecycleBoxLayout (`key_size: 'size'`)."""

    rows = ListProperty([])
    title_font = NumericProperty(30)  # bound in .kv to the theme's sizes
    subtitle_font = NumericProperty(24)
    pad_x = NumericProperty(32)
    pad_y = NumericProperty(12)
    least = NumericProperty(72)  # a row is a touch target: never under 60 px

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._relayout = Clock.create_trigger(self._lay_out_rows, -1)
        self.bind(
            rows=self._relayout,
            width=self._relayout,
            title_font=self._relayout,
            subtitle_font=self._relayout,
            pad_x=self._relayout,
        )

    def _lay_out_rows(self, *_args) -> None:
        room = max(10.0, self.width - 2 * self.pad_x - self.bar_width)
        data = []
        for row in self.rows:
            height = _text_height(row.get("title") or row.get("text", ""), self.title_font, room, bold=True)
            height += _text_height(row.get("subtitle", ""), self.subtitle_font, room)
            data.append({**row, "size": (None, max(self.least, height + 2 * self.pad_y))})
        self.data = data


_HEIGHTS: dict[tuple, float] = {}


def _text_height(text: str, font_size: float, width: float, bold: bool = False) -> float:
    """How tall `text` is when wrapped to `width` (measured, not drawn; remembered)."""
    if not text:
        return 0.0
    key = (text, round(font_size), round(width), bold)
    if key not in _HEIGHTS:
        if len(_HEIGHTS) > 20000:
            _HEIGHTS.clear()
        core = CoreLabel(text=text, font_size=font_size, bold=bold, text_size=(width, None))
        core.resolve_font_name()
        _HEIGHTS[key] = core.render(real=False)[1]
    return _HEIGHTS[key]
