"""好差评: five levels, large and equal (nobody may steer the rating), reasons
and optional text for a bad one. The kiosk's own service: nothing links the
rating to the card holder; it leaves through the outbox. A case handled at a
window (subject "case", chosen on the cases screen): rated once at central,
which may refuse a second rating; the citizen reads why."""

from __future__ import annotations

from typing import cast, get_args

from kivy.clock import Clock
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, StringProperty

from kiosk.i18n import N_
from kiosk.ratings import LEVELS, REASONS, CaseProblem, RatedKind, RatingSubject
from kiosk.ui.screens.base import KioskScreen

THANKS_S = 4.0
HALL = N_("This service hall")
CASE_PROBLEMS = {
    "already_rated": N_("This case has been rated already: each case is rated once."),
    "rating_closed": N_("The time to rate this case is over."),
    "refused": N_("This case cannot be rated here. Please ask the staff."),
}


class RatingScreen(KioskScreen):
    state = StringProperty("levels")  # levels, details, comment, sending, thanks, refused
    message = StringProperty("")
    is_case = BooleanProperty(False)
    subject_title = StringProperty("")
    level = NumericProperty(0)
    reasons = ListProperty([])
    text = StringProperty("")
    bad = BooleanProperty(False)
    levels = ListProperty([(level, name) for level, name in LEVELS.items()])
    reason_items = ListProperty(list(REASONS.items()))

    def prepare(self, subject: str = "hall", ref: str = "", title: str = "", by_card: bool = False, **_params) -> None:
        """From a finished service (ticket, certificate, guide), the home tile
        (the hall), or a case chosen on the cases screen."""
        kind = subject if subject in get_args(RatedKind) else "hall"
        self._subject = RatingSubject(cast(RatedKind, kind), ref, title)
        self._by_card = by_card
        self.is_case = kind == "case"
        self.subject_title = title or self.tr._(HALL)
        self.state, self.level, self.reasons, self.text, self.bad = "levels", 0, [], "", False
        self.message = ""
        self.ids.keyboard.reset()

    def wipe(self) -> None:
        self.ids.keyboard.reset()
        self.state, self.level, self.reasons, self.text, self.subject_title = "levels", 0, [], "", ""
        self.message, self.is_case = "", False

    def choose(self, level: int) -> None:
        self.level = level
        self.bad = self.services.ratings.is_bad(level)
        if self.bad:
            self.state = "details"
        else:
            self.submit()

    def toggle_reason(self, key: str) -> None:
        self.reasons = [r for r in self.reasons if r != key] if key in self.reasons else [*self.reasons, key]

    def write_comment(self) -> None:
        """The comment's own page: the keyboard does not fit beside the reasons."""
        self.state = "comment"

    def comment_done(self) -> None:
        self.type_key(self.ids.keyboard.finish())
        self.state = "details"

    def type_key(self, key: str) -> None:
        self.text = (self.text + key.lower())[:200]

    def backspace(self) -> None:
        self.text = self.text[:-1]

    def submit(self) -> None:
        self.type_key(self.ids.keyboard.finish())  # letters still being composed are part of the comment
        if self.is_case:
            self._submit_case()
            return
        self.services.ratings.submit(self._subject, int(self.level), tuple(self.reasons), self.text)
        self._thanks()

    def _thanks(self) -> None:
        self.state = "thanks"
        Clock.schedule_once(lambda _dt: self.done() if self.state == "thanks" else None, THANKS_S)

    def _submit_case(self) -> None:
        if self.state == "sending":
            return
        self.state = "sending"
        ratings, case = self.services.ratings, self._subject.ref
        level, reasons, text, by_card = int(self.level), tuple(self.reasons), self.text, self._by_card

        def work():
            try:
                return ratings.rate_case(case, level, reasons, text, by_card=by_card)
            except CaseProblem as exc:
                return exc

        self.in_background("rate-case", work, self._case_rated)

    def _case_rated(self, result) -> None:
        if self.manager is None or self.manager.current != self.name or self.state != "sending":
            return
        if isinstance(result, CaseProblem):
            self.message = self.tr._(CASE_PROBLEMS.get(result.reason, CASE_PROBLEMS["refused"]))
            self.state = "refused"
            return
        self._thanks()

    def done(self) -> None:
        if self.manager is not None and self.manager.current == self.name:
            self.services.session.end("rated")
