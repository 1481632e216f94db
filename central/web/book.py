"""/book: the citizen's booking page (mobile first, Chinese with English
below, a large-text switch). It calls the booking API (central.api.booking)
with the token of the phone verified by a code; the booking's code is shown
as text and QR, and typed or shown at a kiosk of the site to check in."""

from __future__ import annotations

import io
import re

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from central.web.i18n import N_
from central.web.render import NO_STORE, html_page, render

router = APIRouter(include_in_schema=False)

MESSAGES = {
    "title": N_("Book a visit"),
    "larger": N_("Larger text"),
    "mine": N_("My bookings"),
    "step_site": N_("1. Where"),
    "step_type": N_("2. Which service"),
    "step_matter": N_("What is it about? (optional)"),
    "matter_hint": N_("Type a name or pinyin initials, e.g. sfz"),
    "step_day": N_("3. Day and time"),
    "free": N_("{n} free"),
    "full": N_("Full"),
    "closed_day": N_("Closed on this day"),
    "remote_now": N_("Queue from here now (remote queue place)"),
    "remote_hint": N_("Check in at a kiosk of the hall within the time shown, and your place is kept."),
    "step_who": N_("4. Who is coming"),
    "name": N_("Name"),
    "id_number": N_("ID card number"),
    "phone": N_("Mobile number"),
    "get_code": N_("Send code"),
    "code": N_("Verification code"),
    "verified": N_("Mobile number confirmed: {phone}"),
    "confirm": N_("Confirm booking"),
    "take_remote": N_("Take a remote queue place"),
    "booked": N_("Booked"),
    "remote_taken": N_("Remote queue place taken"),
    "booking_code": N_("Your booking code"),
    "check_in_hint": N_("At the hall, tap 'Check in' on a kiosk and type this code."),
    "check_in_by": N_("Check in by {time}"),
    "change_until": N_("Cancel or change until {time}"),
    "cancel": N_("Cancel booking"),
    "change": N_("Change time"),
    "cancelled": N_("Cancelled"),
    "checked_in": N_("Checked in"),
    "missed": N_("Missed"),
    "none": N_("No bookings yet"),
    "back": N_("Back"),
    "opt_out": N_("Stop text messages to this number"),
    "opted_out": N_("No more messages will be sent to this number."),
    "code_sent": N_("Code sent to {phone}"),
    "err_slot_full": N_("This time is fully booked. Next free: {times}"),
    "err_booking_blocked": N_("Booking is blocked: {message}"),
    "err_past_cutoff": N_("Too late to book or change this time: choose a later one"),
    "err_wrong_code": N_("The code is not right: check the text message"),
    "err_code_expired": N_("The code has expired: ask for a new one"),
    "err_code_too_soon": N_("A code was just sent: wait a minute before asking again"),
    "err_too_many_codes": N_("Too many codes asked for: try again in an hour"),
    "err_invalid_id": N_("The ID card number is not valid: check it"),
    "err_too_many_bookings": N_("You have too many open bookings: cancel one first"),
    "err_daily_limit_reached": N_("The daily limit of remote queue places is reached"),
    "err_phone_not_verified": N_("Confirm your mobile number with a code first"),
    "err_other": N_("Something went wrong: {message}"),
    "offline": N_("No connection: try again"),
}


@router.get("/book", response_class=HTMLResponse)
def book_page(request: Request) -> HTMLResponse:
    return html_page(render("book.html", MESSAGES))


@router.get("/book/qr/{code}.svg")
def booking_qr(code: str) -> Response:
    """The booking code as a QR code (an SVG drawn on the server: no script)."""
    import qrcode
    import qrcode.image.svg

    if not re.fullmatch(r"[0-9A-Z]{4,16}", code):
        return Response(status_code=404)
    out = io.BytesIO()
    qrcode.make(code, image_factory=qrcode.image.svg.SvgPathImage, box_size=12, border=2).save(out)
    return Response(out.getvalue(), media_type="image/svg+xml", headers=NO_STORE)
