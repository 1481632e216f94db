"""/evaluator/{token}: the window evaluator (评价器), a tablet facing the
citizen at one counter. Idle, it shows the counter and who serves there; when
the clerk finishes a ticket with what was handled, it offers the case's five
levels (and, for a bad review, the reasons), then thanks the citizen and goes
back to idle, or goes back by itself after a while. Its link carries a keyed
token for that counter only (central.api.cases)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from central.web.i18n import N_
from central.web.render import html_page, render

router = APIRouter(include_in_schema=False)

LEVELS = {
    "level_1": N_("Very satisfied"),
    "level_2": N_("Satisfied"),
    "level_3": N_("Basically satisfied"),
    "level_4": N_("Dissatisfied"),
    "level_5": N_("Very dissatisfied"),
}
REASONS = {
    "reason_attitude": N_("Staff attitude"),
    "reason_slow": N_("Took too long"),
    "reason_unclear_guide": N_("Guide unclear"),
    "reason_too_many_materials": N_("Too many materials"),
    "reason_device_fault": N_("Kiosk or printer fault"),
    "reason_other": N_("Other"),
}
OUTCOMES = {
    "outcome_accepted": N_("Accepted"),
    "outcome_completed": N_("Completed"),
    "outcome_correction": N_("Documents to be completed"),
    "outcome_rejected": N_("Not accepted"),
}
RATING = {**LEVELS, **REASONS, **OUTCOMES}

EVALUATOR = {
    **RATING,
    "title": N_("Rate our service"),
    "welcome": N_("Welcome"),
    "serving_you": N_("Serving you"),
    "idle_hint": N_("When your matter is done, please rate our service here"),
    "no_staff": N_("This counter is not staffed at the moment"),
    "please_rate": N_("Please rate the service you received"),
    "case_number": N_("Case number"),
    "why": N_("What went wrong? (choose any)"),
    "submit": N_("Submit"),
    "thanks": N_("Thank you for your rating"),
    "thanks_bad": N_("Thank you: the hall will look into it and contact you"),
    "err_already_rated": N_("This case has been rated already"),
    "err_rating_closed": N_("The time to rate this case is over"),
    "err_not_your_case": N_("This case cannot be rated here"),
    "err_unknown_evaluator": N_("This evaluator link is not valid: please tell the hall staff"),
    "err_network": N_("The server cannot be reached: please try again"),
    "err_other": N_("The rating failed"),
}


@router.get("/evaluator/{token}", response_class=HTMLResponse)
def evaluator_page(token: str, request: Request) -> HTMLResponse:
    return html_page(render("evaluator.html", EVALUATOR, token=token[:80]))
