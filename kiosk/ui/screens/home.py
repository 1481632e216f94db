"""Home: the four services, large enough to hit from a wheelchair."""
from kiosk.ui.screens.base import KioskScreen


class HomeScreen(KioskScreen):
    def open(self, name: str) -> None:
        self.navigator.show(name)

    def identify_then(self, name: str) -> None:
        """Services for a named person start with the card."""
        self.navigator.show("card", next_screen=name)
