"""A service that this release does not offer yet: say so, and where to go instead."""
from kivy.properties import ObjectProperty, StringProperty
from kivy.uix.screenmanager import Screen


class ComingSoonScreen(Screen):
    navigator = ObjectProperty(None)
    title = StringProperty("")
