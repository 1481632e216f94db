"""Queue tickets: kiosks take them (signed); anyone with a ticket's id can
follow it (the QR on the ticket); queues are public (waiting counts only)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request, Response

from central.api.citizens import person_for
from central.auth import (
    KIOSK_HEADER,
    SignedKiosk,
    authenticated_kiosk,
    authenticated_serving_kiosk,
    kiosk_site,
    signed_path,
)
from central.errors import ApiError, Responses, refused
from central.queue.engine import QueueError
from central.queue.offline import OfflineDesk
from common import wire
from common.certificates import Acknowledged
from common.tickets import (
    AbandonRequest,
    BookingReply,
    BookingRequest,
    Lease,
    LeaseRequest,
    OfflineTicket,
    QueuesReply,
    TicketPrint,
    TicketReply,
    TicketRequest,
    TicketStatus,
)
from common.wire import SITE_CODE

router = APIRouter(prefix=wire.API_PREFIX, tags=["queue"])
REFUSED: Responses = {
    409: {
        "model": wire.ErrorReply,
        "description": "range_exhausted, already_queued, daily_limit_reached, "
        "booking_not_found, booking_too_early, booking_too_late",
    },
    401: {"model": wire.ErrorReply},
    403: {"model": wire.ErrorReply, "description": "kiosk_suspended, card_not_present"},
    422: {"model": wire.ErrorReply},
    429: {"model": wire.ErrorReply, "description": "too_many_tickets (per-kiosk limit; see Retry-After)"},
}


def _engine(request: Request):
    return request.app.state.queue


@router.post(
    "/tickets",
    response_model=TicketReply,
    responses=REFUSED,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": TicketRequest.model_json_schema(ref_template="#/components/schemas/{model}")
                }
            },
        }
    },
)
async def take_ticket(request: Request) -> Response:
    """Issue a ticket (idempotent on request_id). Served by
    `central.api.ticket_desk` ahead of FastAPI; declared here for the OpenAPI
    document, and answering the same way if reached."""
    status, body, extra = await request.app.state.ticket_desk.answer(
        request.method, signed_path(request), request.headers, await request.body()
    )
    headers = {name.decode(): value.decode() for name, value in extra}
    return Response(body, status_code=status, media_type="application/json", headers=headers)


def _offline(request: Request) -> OfflineDesk:
    return request.app.state.offline


@router.post("/tickets/leases", response_model=Lease, responses=REFUSED)
def lease(body: LeaseRequest, request: Request, kiosk: SignedKiosk = Depends(authenticated_serving_kiosk)) -> Lease:
    """A block of numbers this kiosk may issue while central is unreachable."""
    return refused(QueueError, lambda: _offline(request).lease(kiosk.id, body, site=kiosk.site))


@router.post("/tickets/offline", response_model=Acknowledged, responses=REFUSED)
def offline_ticket(
    body: OfflineTicket, request: Request, kiosk: SignedKiosk = Depends(authenticated_kiosk)
) -> Acknowledged:
    """A ticket the kiosk issued from its lease; joins the queue by issue time (once per request id)."""
    stored = refused(QueueError, lambda: _offline(request).accept(kiosk.id, body))
    return Acknowledged(key=body.request_id, duplicate=not stored)


@router.post("/tickets/abandon", response_model=Acknowledged, responses=REFUSED)
def abandon(body: AbandonRequest, request: Request, kiosk: SignedKiosk = Depends(authenticated_kiosk)) -> Acknowledged:
    """Cancel a ticket the kiosk never showed to anyone (it crashed mid-issue, or fell back to offline)."""
    cancelled = refused(QueueError, lambda: _offline(request).abandon(kiosk.id, body))
    return Acknowledged(key=body.request_id, duplicate=not cancelled)


@router.post("/tickets/prints", response_model=Acknowledged, responses={404: {"model": wire.ErrorReply}})
def ticket_print(
    body: TicketPrint, request: Request, kiosk: SignedKiosk = Depends(authenticated_kiosk)
) -> Acknowledged:
    """One attempt to print a ticket (once per key)."""
    stored = refused(QueueError, lambda: _offline(request).record_print(kiosk.id, body, site=kiosk.site))
    return Acknowledged(key=body.key, duplicate=not stored)


@router.get("/tickets/{ticket_id}", response_model=TicketStatus, responses={404: {"model": wire.ErrorReply}})
def ticket_status(ticket_id: str, request: Request) -> TicketStatus:
    """Where a ticket stands (public: the id is unguessable, the answer holds no personal data)."""
    status = _engine(request).status(ticket_id)
    if status is None:
        raise ApiError(404, "unknown_ticket", "no such ticket")
    return status


@router.get("/queues", response_model=QueuesReply, responses={404: {"model": wire.ErrorReply}})
def queues(
    request: Request,
    site: str | None = Query(
        default=None, pattern=SITE_CODE, description="whose queues; empty: a signed kiosk's own site, else the first"
    ),
) -> QueuesReply:
    """Waiting people and estimated wait per business type at a site; at a
    self-service point, the nearest halls' queues instead (`nearby`)."""
    if site is None and request.headers.get(KIOSK_HEADER):
        site = kiosk_site(request)
    return refused(QueueError, lambda: _engine(request).queues(site_code=site))


@router.post("/bookings", response_model=BookingReply, responses=REFUSED)
def book(
    body: BookingRequest, request: Request, kiosk: SignedKiosk = Depends(authenticated_serving_kiosk)
) -> BookingReply:
    """Book a slot for the card holder present at this kiosk (a hall's booking system normally does this)."""
    person = person_for(request, kiosk, body.citizen_token)
    return refused(
        QueueError,
        lambda: _engine(request).book(body.type, person, body.slot_start, body.slot_minutes, site=kiosk.site),
    )
