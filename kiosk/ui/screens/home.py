"""Home: the four services, large enough to hit from a wheelchair."""
from kivy.properties import ObjectProperty
from kivy.uix.screenmanager import Screen


class HomeScreen(Screen):
    navigator = ObjectProperty(None)

    def open(self, name: str) -> None:
        self.navigator.show(name)
