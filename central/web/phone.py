"""/t/{id}: the page a ticket's QR code opens. It follows the ticket live:
position, estimated wait, and which counter to go to once called. It shows
nothing personal (the public ticket status holds nothing personal). Texts come
from the kiosk's message catalogs, in Chinese with English below."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from central.web.evaluator import LEVELS, OUTCOMES, REASONS
from central.web.i18n import N_
from central.web.render import html_page, render

router = APIRouter(include_in_schema=False)

MESSAGES = {
    "title": N_("Queue progress"),
    "loading": N_("Loading..."),
    "ahead": N_("people ahead"),
    "minutes": N_("minutes to wait"),
    "refresh": N_("This page refreshes every 5 seconds."),
    "missed": N_("If your number has passed, please ask at the service desk."),
    "not_found": N_("Ticket not found"),
    "updated": N_("Updated {time}"),
    "offline": N_("Offline, retrying"),
    "waiting": N_("Please wait"),
    "called": N_("Please go to counter {n}"),
    "serving": N_("Being served at counter {n}"),
    "done": N_("Done, thank you"),
    "no_show": N_("Number passed: please ask at the service desk"),
    "cancelled": N_("Ticket cancelled"),
    "your_cases": N_("What was handled"),
    "rate_case": N_("How was the service?"),
    "why": N_("What went wrong? (choose any)"),
    "comment": N_("Comment (optional)"),
    "submit": N_("Submit"),
    "rated": N_("Rated: {level}"),
    "thanks": N_("Thank you for your rating"),
    "rating_over": N_("The time to rate this case is over"),
    "follow_open": N_("The hall has received your review and will contact you"),
    "follow_contacted": N_("The hall has contacted you and is working on it"),
    "follow_resolved": N_("The hall reports the problem resolved"),
    "follow_closed": N_("Your review has been followed up and closed"),
    "err_already_rated": N_("This case has been rated already"),
    "err_rating_closed": N_("The time to rate this case is over"),
    "err_other": N_("The rating failed: please try again"),
    "notify_me": N_("Tell this phone when it is nearly my turn"),
    "notify_on": N_("This phone will be told when it is nearly your turn and when you are called"),
    "notify_unavailable": N_("This browser cannot receive notifications: keep this page open"),
    **LEVELS,
    **REASONS,
    **OUTCOMES,
}


@router.get("/t/{ticket_id}", response_class=HTMLResponse)
def phone_page(ticket_id: str, request: Request) -> HTMLResponse:
    """The ticket's own page; its header names the site whose queue it is in."""
    status = request.app.state.queue.status(ticket_id) if len(ticket_id) <= 24 else None
    hall = status.site_name if status is not None else request.app.state.queue.site().name
    return html_page(render("phone.html", MESSAGES, hall=hall, ticket_id=ticket_id))
