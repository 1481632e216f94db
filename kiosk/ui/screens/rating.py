"""好差评: five levels, large and equal (nobody may steer the rating), reasons
and optional text for a bad one. Nothing links the rating to the card holder;
it leaves through the outbox."""

from __future__ import annotations

from typing import cast, get_args

from kivy.clock import Clock
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, StringProperty

from kiosk.i18n import N_
from kiosk.ratings import LEVELS, REASONS, RatedKind, RatingSubject
from kiosk.ui.screens.base import KioskScreen

THANKS_S = 4.0
HALL = N_("This service hall")


class RatingScreen(KioskScreen):
    state = StringProperty("levels")  # levels, details, thanks
    subject_title = StringProperty("")
    level = NumericProperty(0)
    reasons = ListProperty([])
    text = StringProperty("")
    bad = BooleanProperty(False)
    levels = ListProperty([(level, name) for level, name in LEVELS.items()])
    reason_items = ListProperty(list(REASONS.items()))

    def prepare(self, subject: str = "hall", ref: str = "", title: str = "", **_params) -> None:
        """From a finished service (ticket, certificate, guide), or the home tile (the hall)."""
        kind = subject if subject in get_args(RatedKind) else "hall"
        self._subject = RatingSubject(cast(RatedKind, kind), ref, title)
        self.subject_title = title or self.tr._(HALL)
        self.state, self.level, self.reasons, self.text, self.bad = "levels", 0, [], "", False

    def wipe(self) -> None:
        self.state, self.level, self.reasons, self.text, self.subject_title = "levels", 0, [], "", ""

    def choose(self, level: int) -> None:
        self.level = level
        self.bad = self.services.ratings.is_bad(level)
        if self.bad:
            self.state = "details"
        else:
            self.submit()

    def toggle_reason(self, key: str) -> None:
        self.reasons = [r for r in self.reasons if r != key] if key in self.reasons else [*self.reasons, key]

    def type_key(self, key: str) -> None:
        if len(self.text) < 200:
            self.text += key.lower()

    def type_space(self) -> None:
        self.text += " "

    def backspace(self) -> None:
        self.text = self.text[:-1]

    def submit(self) -> None:
        self.services.ratings.submit(self._subject, int(self.level), tuple(self.reasons), self.text)
        self.state = "thanks"
        Clock.schedule_once(lambda _dt: self.done() if self.state == "thanks" else None, THANKS_S)

    def done(self) -> None:
        if self.manager is not None and self.manager.current == self.name:
            self.services.session.end("rated")
