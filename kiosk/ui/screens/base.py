"""What every screen is given: a navigator (the app's `show`), the services
and the translator. Screens never reach for the App or for drivers."""
from kivy.properties import ObjectProperty
from kivy.uix.screenmanager import Screen


class KioskScreen(Screen):
    navigator = ObjectProperty(None)
    services = ObjectProperty(None)
    tr = ObjectProperty(None)

    def prepare(self, **params) -> None:
        """Called by the navigator before the screen shows, with its parameters."""

    def wipe(self) -> None:
        """Called when the citizen's session ends: forget everything personal."""
