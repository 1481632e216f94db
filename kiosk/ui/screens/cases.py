"""评价窗口办件: a citizen finds what a window handled for them (by the number
on their ticket, or by the ID card on the reader) and rates one case; the
rating screen does the rest (one rating per case, 一次一评)."""

from __future__ import annotations

from kivy.factory import Factory
from kivy.properties import BooleanProperty, StringProperty

from kiosk.i18n import N_
from kiosk.ratings import CaseProblem
from kiosk.ui.screens.base import KioskScreen

MAX_NUMBER = 8
PROBLEMS = {
    "offline": N_("The service center cannot be reached now. Please rate on your ticket's QR page or try later."),
    "no_card": N_("Please place your ID card on the reader first."),
    "card_not_present": N_("Please place your ID card on the reader again."),
    "refused": N_("Your cases cannot be looked up here. Please ask the staff."),
}
OUTCOMES = {
    "accepted": N_("Accepted"),
    "completed": N_("Completed"),
    "correction": N_("Documents to be completed"),
    "rejected": N_("Not accepted"),
}


class CasesScreen(KioskScreen):
    state = StringProperty("find")  # find, busy, list, message
    number = StringProperty("")
    message = StringProperty("")
    has_card = BooleanProperty(False)

    def prepare(self, **_params) -> None:
        self.state, self.number, self.message = "find", "", ""
        self.has_card = self.services.session.identity is not None
        self.ids.case_list.clear_widgets()

    def wipe(self) -> None:
        self.state, self.number, self.message, self.has_card = "find", "", "", False
        self.ids.case_list.clear_widgets()

    def type_key(self, key: str) -> None:
        if len(self.number) < MAX_NUMBER:
            self.number += key.upper()

    def backspace(self) -> None:
        self.number = self.number[:-1]

    def find(self, by_card: bool = False) -> None:
        if not by_card and not self.number:
            self.message = self.tr._("Please enter the number on your ticket, for example A001.")
            return
        self.state, self.message = "busy", ""
        ratings, number = self.services.ratings, self.number

        def work():
            try:
                return ratings.find_cases(number=number, by_card=by_card)
            except CaseProblem as exc:
                return exc

        self.in_background("find-cases", work, lambda found: self._found(found, by_card))

    def _found(self, found, by_card: bool) -> None:
        if self.manager is None or self.manager.current != self.name:
            return
        _ = self.tr._
        if isinstance(found, CaseProblem):
            self.state, self.message = "message", _(PROBLEMS.get(found.reason, PROBLEMS["refused"]))
            return
        if not found:
            self.state = "message"
            self.message = (
                _("No cases found for your ID card in the last 30 days.")
                if by_card
                else _("No cases found for {number} today. A case appears once the window has finished it.").format(
                    number=self.number
                )
            )
            return
        box = self.ids.case_list
        box.clear_widgets()
        for case in found:
            row = Factory.CaseRow()
            row.case_number = case.case_number
            row.rateable = case.rateable
            state = _("Rated") if case.level else (_("Rate this case") if case.rateable else _("Rating period is over"))
            row.text = f"{case.matter_name}\n{_(OUTCOMES[case.outcome])} · {case.counter_name} · {state}"
            row.bind(on_release=lambda _b, c=case: self.choose(c, by_card))
            box.add_widget(row)
        self.state = "list"

    def choose(self, case, by_card: bool) -> None:
        if not case.rateable:
            return
        self.navigator.show(
            "rating",
            subject="case",
            ref=case.case_number,
            title=f"{case.matter_name} · {case.counter_name}",
            by_card=by_card,
        )
