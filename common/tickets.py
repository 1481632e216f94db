"""Queue wire formats (取号): what a kiosk asks for, what central answers, and
what the public phone page reads. No personal data leaves central in any of
them: real-name tickets carry only a keyed hash on the way in."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Literal

from pydantic import Field

from common.wire import SITE_CODE, CitizenTokenStr, WireModel

TicketClass = Literal["normal", "priority", "appointment", "remote"]
PriorityClaim = Literal["elderly"]  # the green channel a kiosk may claim from the card alone
TicketState = Literal["waiting", "called", "serving", "done", "no_show", "cancelled"]
CLASS_PREFIX = {"normal": "", "priority": "V", "appointment": "Y", "remote": ""}  # remote: 线上取号, checked in
# A business type's code: 1-3 capital letters or digits, starting with a letter.
# I and O are never used (read as 1 and 0); V and Y never start one (they are the
# green-channel and appointment prefixes: VA001 must not also be a type VA's number).
TYPE_CODE = r"^[A-HJ-NP-UWXZ][A-HJ-NP-Z0-9]{0,2}$"
TYPE_CODE_RULE = (
    "1-3 capital letters or digits starting with a letter; never I or O (read as 1 and 0); "
    "not starting with V or Y (the green-channel and appointment prefixes)"
)


def type_code_problem(code: str) -> str | None:
    """Why `code` cannot name a business type, or None."""
    if re.fullmatch(TYPE_CODE, code):
        return None
    if code[:1] in ("V", "Y"):
        return f"{code!r} starts with {code[0]}, reserved for {'green-channel' if code[0] == 'V' else 'appointment'} numbers"
    if "I" in code or "O" in code:
        return f"{code!r} contains I or O, which are read as 1 and 0"
    return f"{code!r} is not {TYPE_CODE_RULE}"


class TicketRequest(WireModel):
    request_id: str = Field(
        min_length=8,
        max_length=64,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="idempotency key: a retried request returns the same ticket",
    )
    type: str = Field(pattern=TYPE_CODE, description="business type code (TYPE_CODE_RULE)")
    citizen_token: CitizenTokenStr | None = Field(default=None, description="for real-name tickets")
    priority: PriorityClaim | None = Field(default=None, description="green channel claimed from the card")
    booking_code: str | None = Field(
        default=None, min_length=4, max_length=16, description="appointment check-in by booking code"
    )
    appointment: bool = Field(default=False, description="appointment check-in by ID card (needs citizen_token)")
    site: str | None = Field(
        default=None,
        pattern=SITE_CODE,
        description="the site the kiosk believes it stands in; refused when central has it enrolled at another",
    )


class TicketReply(WireModel):
    id: str = Field(description="public ticket id, for the phone page /t/{id}")
    number: str = Field(description="what is printed and called, e.g. A001, VB012, YC003")
    type: str
    type_name: str
    type_name_en: str
    ticket_class: TicketClass
    real_name: bool
    people_ahead: int
    wait_low_min: int
    wait_high_min: int
    counters: tuple[str, ...]
    issued_at: datetime
    service_day: date
    url: str = Field(description="the phone page that follows this ticket")
    offline: bool = Field(
        default=False,
        description="issued by the kiosk from its leased block while central "
        "was unreachable; people_ahead and the wait are its last guess",
    )


class TicketStatus(WireModel):
    id: str
    number: str
    type: str
    type_name: str
    type_name_en: str
    state: TicketState
    people_ahead: int
    wait_low_min: int
    wait_high_min: int
    counter: str | None = Field(default=None, description="where to go, once called")
    counter_number: int | None = Field(default=None, description="the counter's number, once called")
    issued_at: datetime
    called_at: datetime | None = None
    site: str = Field(
        default="", description="the site whose queue it is in (its board's events: /sites/{site}/events)"
    )
    site_name: str = ""
    site_name_en: str = ""


class QueueInfo(WireModel):
    type: str
    name: str
    name_en: str
    waiting: int
    counters: tuple[str, ...]
    wait_low_min: int = Field(description="estimated wait for a ticket taken now")
    wait_high_min: int


class SiteQueues(WireModel):
    """Another site's queues, shown read only where no numbers are issued (a self-service point)."""

    site: str
    name: str
    name_en: str
    address: str = ""
    distance_km: float | None = Field(default=None, description="as the crow flies, when both sites have coordinates")
    open_now: bool = True
    service_day: date
    queues: tuple[QueueInfo, ...]


class QueuesReply(WireModel):
    service_day: date
    queues: tuple[QueueInfo, ...]
    site: str = ""
    site_name: str = ""
    site_name_en: str = ""
    issues_tickets: bool = Field(default=True, description="False at a self-service point: see `nearby`")
    nearby: tuple[SiteQueues, ...] = Field(default=(), description="the nearest halls' queues, where none are issued")


class BookingRequest(WireModel):
    type: str = Field(pattern=TYPE_CODE)
    citizen_token: CitizenTokenStr
    slot_start: datetime
    slot_minutes: int = Field(default=30, ge=5, le=240)


class BookingReply(WireModel):
    code: str
    type: str
    slot_start: datetime
    slot_end: datetime
    state: Literal["booked", "checked_in", "missed", "cancelled"]


# -- offline issuing (leased number blocks) ------------------------------------
class LeaseRequest(WireModel):
    type: str = Field(pattern=TYPE_CODE)
    service_day: date | None = Field(default=None, description="today when empty; tomorrow to lease in advance")


class Lease(WireModel):
    """A block of numbers only this kiosk may issue, for one type and day,
    while central is unreachable. Everything needed to print the ticket."""

    id: int
    type: str
    type_name: str
    type_name_en: str
    counters: tuple[str, ...]
    service_day: date
    first: int
    last: int
    valid_from: datetime = Field(description="the instant the service day starts (numbering reset)")
    valid_until: datetime = Field(description="the instant the service day ends")
    url_base: str = Field(description="phone page base: a ticket's QR is {url_base}/t/{id}")


class OfflineTicket(WireModel):
    """A ticket the kiosk issued from a lease, delivered through its outbox."""

    request_id: str = Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    id: str = Field(
        min_length=12, max_length=24, pattern=r"^[A-Za-z0-9_-]+$", description="public id, made by the kiosk"
    )
    lease_id: int = Field(ge=1, le=2**31 - 1)
    type: str = Field(pattern=TYPE_CODE)
    number: int = Field(ge=1, le=999)
    real_name: bool = Field(default=False, description="the kiosk read the holder's card (not counted per person)")
    priority: PriorityClaim | None = None
    issued_at: datetime = Field(description="the kiosk's clock when it was issued (kept as given)")
    clock_offset_s: float = Field(
        default=0.0,
        ge=-86400,
        le=86400,
        description="central minus kiosk clock, as last measured; central orders by issued_at + offset",
    )


class AbandonRequest(WireModel):
    """The kiosk never showed this request's ticket to anyone (it crashed, or
    fell back to an offline ticket): cancel it if central issued it."""

    request_id: str = Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")


class TicketPrint(WireModel):
    """One attempt to print a ticket (through the outbox)."""

    key: str = Field(min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
    ticket_id: str = Field(min_length=8, max_length=24)
    number: str = Field(max_length=8)
    outcome: Literal["printed", "failed", "interrupted"] = Field(
        description="interrupted: the kiosk stopped while printing; the paper may or may not have come out"
    )
    reason: str = Field(default="", max_length=200)
    attempt: int = Field(ge=1, le=100)
    at: datetime
