"""Central's staff and hall pages: /counter (a counter's desk), /display (the
hall's display board) and /manager (the hall manager's view). The pages are
static HTML that talk to the JSON API; their texts come from the message
catalogs (see central.web.render)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from central.web.evaluator import LEVELS, OUTCOMES, REASONS
from central.web.i18n import N_
from central.web.render import html_page, render

router = APIRouter(include_in_schema=False)

ERRORS = {
    "err_bad_login": N_("Wrong username or password"),
    "err_locked": N_("Too many failed logins from this computer: wait a moment, then try again"),
    "err_busy": N_("Too many logins right now: try again in a few seconds"),
    "err_bad_csrf_token": N_("This page is out of date: reload it and try again"),
    "err_bad_origin": N_("Refused: this action must come from the hall's own pages"),
    "err_counter_taken": N_("Another clerk holds this counter: they log out, or the hall manager closes it"),
    "err_not_your_type": N_("Your counter does not serve this business type"),
    "err_not_logged_in": N_("Your session has ended: please log in again"),
    "err_not_your_counter": N_("You are not logged in at this counter"),
    "err_counter_paused": N_("This counter is paused or closed: resume it first"),
    "err_nobody_called": N_("No ticket is being served at this counter"),
    "err_not_waiting": N_("Only a waiting ticket can be given priority"),
    "err_unknown_type": N_("Unknown business type"),
    "err_managers_only": N_("This needs a hall manager account"),
    "err_unknown_matter": N_("This matter is not in the catalog: search for it again"),
    "err_wrong_step": N_("This step does not follow the review's current state: reload the page"),
    "err_empty_note": N_("Write the note first"),
    "err_unknown_case": N_("Unknown case"),
    "err_network": N_("The server cannot be reached: check the network and try again"),
    "err_other": N_("The action failed"),
}

COMMON = {
    "logout": N_("Log out"),
    "site_label": N_("Site"),
    "login_title": N_("Staff login"),
    "username": N_("Username"),
    "password": N_("Password"),
    "login": N_("Log in"),
    "help_title": N_("A citizen at a kiosk asks for help"),
    "help_ack": N_("On my way"),
    "help_answered": N_("{who} is on the way"),
    "screen_home": N_("home screen"),
    "screen_guides": N_("service guides"),
    "screen_matter": N_("a service guide"),
    "screen_tickets": N_("taking a number"),
    "screen_card": N_("reading the ID card"),
    "screen_certificates": N_("printing a certificate"),
    "screen_rating": N_("rating"),
    "screen_cases": N_("rating a case"),
    **ERRORS,
}

COUNTER = {
    **COMMON,
    "title": N_("Counter desk"),
    "choose": N_("Choose your counter"),
    "nobody": N_("No citizen at the counter"),
    "paused_note": N_("Calling is paused at this counter"),
    "closed_note": N_("This counter is closed by the hall manager"),
    "call_next": N_("Call next"),
    "recall": N_("Recall"),
    "finish": N_("Finish"),
    "no_show": N_("No-show"),
    "pause": N_("Pause"),
    "resume": N_("Resume"),
    "transfer": N_("Transfer"),
    "transfer_to": N_("Transfer to..."),
    "transfer_pick": N_("Choose the business type to transfer to"),
    "waiting_title": N_("Waiting for this counter"),
    "no_waiting": N_("Nobody is waiting"),
    "priority_reason": N_("Priority reason"),
    "priority_hint": N_("Grant the green channel after checking proof"),
    "reason_disabled": N_("Disabled person"),
    "reason_military": N_("Military or their family"),
    "reason_pregnancy": N_("Pregnancy"),
    "reason_elderly": N_("Elderly citizen"),
    "col_number": N_("Number"),
    "col_type": N_("Type"),
    "col_class": N_("Class"),
    "col_waited": N_("Waited (min)"),
    "class_priority": N_("Green channel"),
    "class_appointment": N_("Appointment"),
    "class_remote": N_("Remote queue place"),
    "grant": N_("Priority"),
    "state_called": N_("Called, waiting for the citizen"),
    "state_serving": N_("Being served"),
    "called": N_("Called {number}"),
    "recalled": N_("Called {number} again"),
    "finished": N_("Finished"),
    "nobody_waiting": N_("Nobody is waiting for this counter"),
    "no_show_done": N_("Marked as no-show"),
    "transferred": N_("Transferred to type {type}"),
    "granted": N_("Green channel granted to {number}"),
    "handled_title": N_("What was handled"),
    "matter_search": N_("Search matters by name, code or pinyin initials"),
    "finish_cases": N_("Finish and record the cases"),
    "finish_no_case": N_("Finish without a case (consultation)"),
    "cancel": N_("Cancel"),
    "outcome": N_("Outcome"),
    "remove": N_("Remove"),
    "finished_cases": N_("Finished: case {cases}"),
    "evaluator_link": N_("Evaluator link for this counter"),
    **OUTCOMES,
}

DISPLAY = {
    "title": N_("Queue display"),
    "now_calling": N_("Now calling"),
    "latest": N_("Recent calls"),
    "counters": N_("Counters"),
    "waiting": N_("Waiting"),
    "people": N_("waiting"),
    "paused": N_("Paused"),
    "closed": N_("Closed"),
    "idle": N_("Free"),
    "remote": N_("Remote queue place"),
    "reconnecting": N_("Connection lost, reconnecting..."),
    "enable_sound": N_("Tap anywhere to turn on voice announcements"),
    "go_to": N_("please go to {counter}"),
    "none_yet": N_("Please take a ticket and wait to be called"),
}

MANAGER = {
    **COMMON,
    "title": N_("Hall manager"),
    "counters": N_("Counters"),
    "types": N_("Queues today"),
    "col_counter": N_("Counter"),
    "col_serves": N_("Serves"),
    "col_state": N_("State"),
    "col_current": N_("Current number"),
    "col_staff": N_("Staff"),
    "col_type": N_("Business type"),
    "col_waiting": N_("Waiting"),
    "col_issued": N_("Issued"),
    "col_served": N_("Served"),
    "col_no_show": N_("No-shows"),
    "col_booked": N_("Of them booked"),
    "col_remote": N_("Of them remote"),
    "col_avg_wait": N_("Average wait (min)"),
    "col_avg_handling": N_("Average handling (min)"),
    "col_longest": N_("Longest waiting now (min)"),
    "state_open": N_("In service"),
    "state_closed": N_("Closed"),
    "state_paused": N_("Paused"),
    "open": N_("Open"),
    "close": N_("Close"),
    "updated": N_("Updated {time}"),
    "opened": N_("{counter} opened"),
    "closed_done": N_("{counter} closed"),
    "reviews": N_("Bad reviews to follow up"),
    "col_case": N_("Case number"),
    "col_matter": N_("Matter, counter, staff"),
    "col_level": N_("Rating"),
    "col_comment": N_("Reasons and comment"),
    "col_follow_up": N_("Follow-up"),
    "col_due": N_("Next deadline"),
    "col_action": N_("Action"),
    "col_reason": N_("Reason given by the province"),
    "no_reviews": N_("No bad reviews"),
    "satisfied_share": N_("{share}% satisfied of {count} ratings"),
    "note": N_("Note"),
    "add_note": N_("Add note"),
    "step_contacted": N_("Citizen contacted"),
    "step_resolved": N_("Resolved"),
    "step_closed": N_("Closed after a return visit"),
    "step_escalated": N_("Escalated"),
    "step_note": N_("Note"),
    "step_done": N_("Follow-up of {case} recorded"),
    "fu_open": N_("Awaiting contact"),
    "fu_contacted": N_("Contacted"),
    "fu_resolved": N_("Resolved"),
    "fu_closed": N_("Closed after a return visit"),
    "escalated": N_("Escalated"),
    "overdue": N_("Overdue"),
    "channel_window": N_("Window evaluator"),
    "channel_qr": N_("QR code"),
    "channel_terminal": N_("Self-service terminal"),
    "province": N_("Reported to the province"),
    "province_state": N_("{delivered} delivered, {pending} waiting, {refused} refused"),
    "send_again": N_("Send again"),
    "sent_again": N_("{case} will be sent again"),
    **LEVELS,
    **REASONS,
}


def _page(request: Request, template: str, messages: dict) -> HTMLResponse:
    """The page for the site in its address (?site=), else the first site."""
    code = request.query_params.get("site")
    known = request.app.state.sites.get().sites
    site = known.get(code) if code else None
    if site is None:
        site = request.app.state.sites.get().first
    return html_page(render(template, messages, hall=site.name, hall_en=site.name_en))


@router.get("/counter", response_class=HTMLResponse)
def counter_page(request: Request) -> HTMLResponse:
    return _page(request, "counter.html", COUNTER)


@router.get("/display", response_class=HTMLResponse)
def display_page(request: Request) -> HTMLResponse:
    return _page(request, "display.html", DISPLAY)


@router.get("/manager", response_class=HTMLResponse)
def manager_page(request: Request) -> HTMLResponse:
    return _page(request, "manager.html", MANAGER)


FLEET = {
    **COMMON,
    "title": N_("Kiosk fleet"),
    "kiosks": N_("Kiosks"),
    "faults": N_("Recent device faults"),
    "col_kiosk": N_("Kiosk"),
    "col_status": N_("Status"),
    "col_seen": N_("Last heartbeat"),
    "col_version": N_("Version"),
    "col_printer": N_("Ticket printer"),
    "col_reader": N_("Card reader"),
    "col_backlog": N_("Outbox"),
    "col_disk": N_("Disk"),
    "col_memory": N_("Memory"),
    "col_sync": N_("Last sync"),
    "col_offline": N_("Offline numbers"),
    "col_alerts": N_("Alerts"),
    "col_device": N_("Device"),
    "col_reason": N_("Fault"),
    "col_at": N_("Time"),
    "ok": N_("Normal"),
    "never": N_("never"),
    "ago_min": N_("{n} min ago"),
    "just_now": N_("just now"),
    "maintenance_on": N_("Maintenance"),
    "maintenance_off": N_("Back in service"),
    "maint_switched_on": N_("{kiosk} goes into maintenance at its next heartbeat"),
    "maint_switched_off": N_("{kiosk} returns to service at its next heartbeat"),
    "alert_offline": N_("Offline"),
    "alert_paper_out": N_("Paper out"),
    "alert_paper_low": N_("Paper low"),
    "alert_device_fault": N_("Device fault"),
    "alert_backlog": N_("Outbox backlog"),
    "alert_stuck": N_("Outbox not draining"),
    "alert_outbox_failed": N_("Items refused"),
    "alert_disk": N_("Disk almost full"),
    "alert_maintenance": N_("In maintenance"),
    "alert_suspended": N_("Suspended: too many ID cards"),
    "review": N_("Reviewed: resume"),
    "reviewed": N_("{kiosk} serves citizens again"),
    "no_faults": N_("No faults reported"),
    "updated": N_("Updated {time}"),
}


@router.get("/fleet", response_class=HTMLResponse)
def fleet_page(request: Request) -> HTMLResponse:
    return _page(request, "fleet.html", FLEET)
