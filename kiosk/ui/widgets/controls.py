"""Touch controls sized for a kiosk: every target is far above 60x60 px."""
from kivy.properties import ColorProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label


class KioskButton(ButtonBehavior, Label):
    """A flat, rounded button with a pressed state."""

    background = ColorProperty((0, 0, 0, 0))


class Tile(ButtonBehavior, BoxLayout):
    """A home-screen service tile: big title, one line of what it is for."""

    title = StringProperty("")
    subtitle = StringProperty("")
    background = ColorProperty((0, 0, 0, 1))
