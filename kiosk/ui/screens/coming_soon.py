"""A service that this release does not offer yet: say so, and where to go instead."""
from kivy.properties import StringProperty

from kiosk.ui.screens.base import KioskScreen


class ComingSoonScreen(KioskScreen):
    title = StringProperty("")
