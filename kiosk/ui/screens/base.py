"""What every screen is given: a navigator (the app's `show`), the services
and the translator. Screens never reach for the App or for drivers."""

import threading
from collections.abc import Callable
from typing import Any

from kivy.clock import Clock
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

    def spoken(self) -> tuple[str, list]:
        """What voice guidance says when this screen or its state shows: the kind
        (`[voice] always` names the kinds spoken outside voice mode) and the parts.
        By default its visible texts outside controls, top to bottom: title,
        prompt and any message. Screens showing a person's data say less."""
        from kiosk.ui.speech import readable_texts

        return "screen", readable_texts(self)

    def in_background(self, name: str, work: Callable[[], Any], done: Callable[[Any], None]) -> None:
        """Run `work` (a slow service call: central, a printer, a card) on a
        daemon thread and hand its result to `done` on the UI thread, through
        Kivy's Clock: the one way screens call what may block. The citizen is
        waiting for the kiosk meanwhile: the idle countdown stands still."""
        idle = self.services.session.idle if self.services is not None else None
        token = object()
        if idle is not None:
            idle.hold(token)

        def run():
            try:
                result = work()
            finally:
                if idle is not None:
                    idle.release(token)
            Clock.schedule_once(lambda _dt: done(result), 0)

        threading.Thread(target=run, name=name, daemon=True).start()
