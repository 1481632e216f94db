"""Touch controls sized for a kiosk: every target is far above 60x60 px."""

from collections.abc import Callable
from typing import ClassVar

from kivy.properties import BooleanProperty, ColorProperty, ObjectProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label


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
