"""The frame around every screen: header (hall, clock, network, language,
large text), the screen area, and a footer with home button and countdown."""

from kivy.properties import NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.modalview import ModalView


class Shell(BoxLayout):
    clock_text = StringProperty("")
    network_text = StringProperty("")
    network_state = StringProperty("unknown")  # online, offline, unenrolled
    countdown_text = StringProperty("")
    at_home = NumericProperty(1)


class IdleWarning(ModalView):
    """Shown for the last seconds before an idle timeout; any touch keeps the session."""

    seconds_left = NumericProperty(0)


class TakeCardPrompt(ModalView):
    """请取走您的身份证: shown when a session ends, or a flow returns home, with
    the card still on the reader, until the card is taken (nobody leaves their
    ID card behind; taking it ends the session)."""


class HelpCalled(ModalView):
    """一键呼叫's answer: staff are called (or will be, once central is back)."""

    outcome = StringProperty("sent")  # sent, already (called a moment ago), offline
