"""The citizen's phone: sites and free slots (public), a verification code
to the mobile number, then bookings and remote queue places held by that
verified phone (a bearer token the page keeps). Messages: a ticket's page
subscribes its browser to Web Push, the mini program its openid."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Header, Path, Query, Request, Response

from central.booking.service import BookingDesk, BookingError, Phone
from central.errors import ApiError, Responses
from central.notify import outbox
from central.rawsql import transact
from common import wire
from common.booking import (
    BookingCard,
    ChangeRequest,
    CodeRequest,
    CodeSent,
    DaySlots,
    PhoneBookingRequest,
    PhoneSession,
    PushSubscription,
    RemoteRequest,
    Subscribed,
    VapidKey,
    VerifyRequest,
    WeChatSubscription,
)
from common.tickets import TYPE_CODE
from common.wire import SITE_CODE

router = APIRouter(prefix=wire.API_PREFIX, tags=["booking"])
REFUSED: Responses = {
    401: {"model": wire.ErrorReply, "description": "phone_not_verified"},
    403: {"model": wire.ErrorReply, "description": "booking_blocked (the no-show rule; the message says until when)"},
    404: {"model": wire.ErrorReply},
    409: {
        "model": wire.ErrorReply,
        "description": "slot_full (with next_free), past_cutoff, too_many_bookings, daily_limit_reached, "
        "remote_not_offered, booking_closed",
    },
    422: {"model": wire.ErrorReply},
    429: {"model": wire.ErrorReply, "description": "code_too_soon, too_many_codes"},
    503: {"model": wire.ErrorReply, "description": "code_not_sent"},
}


def _desk(request: Request) -> BookingDesk:
    return request.app.state.booking


def _call(action):
    try:
        return action()
    except BookingError as exc:
        raise ApiError(exc.status, exc.code, exc.message, list(exc.next_free) or None) from None


BEARER = Header(default="", max_length=200, description="Bearer <token> of the verified phone (POST /book/verify)")


def verified_phone(request: Request, authorization: str) -> Phone:
    """The phone behind the token; called inside the route (a sync dependency
    would cost a second thread hop per request)."""
    token = authorization.removeprefix("Bearer ").strip()
    if not token:
        raise ApiError(401, "phone_not_verified", "confirm your mobile number with a code first")
    return _call(lambda: _desk(request).phone(token))


@router.get("/book/sites")
def booking_sites(request: Request) -> list[dict]:
    """Sites that take bookings, with their business types."""
    out = []
    for site in request.app.state.sites.get().sites.values():
        if site.issues_tickets and site.active:
            d = site.describe()
            out.append({k: d[k] for k in ("code", "kind", "name", "name_en", "address", "timezone", "hours", "types")})
    return out


@router.get("/book/sites/{site}/types/{letter}/slots", response_model=DaySlots, responses=REFUSED)
def slots(
    request: Request,
    site: str = Path(pattern=SITE_CODE),
    letter: str = Path(pattern=TYPE_CODE),
    day: date = Query(description="the local day, YYYY-MM-DD"),
) -> DaySlots:
    return _call(lambda: _desk(request).day_slots(site, letter, day))


@router.get("/book/matters", responses=REFUSED)
def matters(request: Request, q: str = Query(min_length=1, max_length=40)) -> list[dict]:
    """Matters by name, code or pinyin initials, to say what the visit is for."""
    return [{"code": m.code, "name": m.name} for m in request.app.state.matter_index.search(q, limit=10)]


@router.post("/book/code", response_model=CodeSent, responses=REFUSED)
def send_code(body: CodeRequest, request: Request) -> CodeSent:
    address = request.client.host if request.client else "unknown"
    return _call(lambda: _desk(request).request_code(body.phone, address))


@router.post("/book/verify", response_model=PhoneSession, responses=REFUSED)
def verify(body: VerifyRequest, request: Request) -> PhoneSession:
    return _call(lambda: _desk(request).verify(body.phone, body.code))


@router.get("/book/bookings", response_model=list[BookingCard], responses=REFUSED)
def my_bookings(request: Request, authorization: str = BEARER) -> list[BookingCard]:
    phone = verified_phone(request, authorization)
    return _desk(request).mine(phone)


@router.post("/book/bookings", response_model=BookingCard, status_code=201, responses=REFUSED)
def book(body: PhoneBookingRequest, request: Request, authorization: str = BEARER) -> BookingCard:
    phone = verified_phone(request, authorization)
    return _call(lambda: _desk(request).book(phone, body.site, body.type, body.slot_start, body, body.matter_code))


@router.post("/book/remote", response_model=BookingCard, status_code=201, responses=REFUSED)
def remote(body: RemoteRequest, request: Request, authorization: str = BEARER) -> BookingCard:
    phone = verified_phone(request, authorization)
    return _call(lambda: _desk(request).remote(phone, body.site, body.type, body, body.matter_code))


@router.post("/book/bookings/{code}/cancel", response_model=BookingCard, responses=REFUSED)
def cancel(code: str, request: Request, authorization: str = BEARER) -> BookingCard:
    phone = verified_phone(request, authorization)
    return _call(lambda: _desk(request).cancel(phone, code.upper()[:16]))


@router.post("/book/bookings/{code}/change", response_model=BookingCard, responses=REFUSED)
def change(code: str, body: ChangeRequest, request: Request, authorization: str = BEARER) -> BookingCard:
    phone = verified_phone(request, authorization)
    return _call(lambda: _desk(request).change(phone, code.upper()[:16], body.slot_start))


@router.post("/book/opt-out", status_code=204, responses=REFUSED)
def opt_out_phone(request: Request, authorization: str = BEARER) -> Response:
    """No more messages to this number (verification codes still come when asked for)."""
    phone = verified_phone(request, authorization)
    _opt_out(request, "sms", phone.number)
    return Response(status_code=204)


# -- a ticket's page and the mini program ---------------------------------------
@router.get("/push/key", response_model=VapidKey)
def push_key(request: Request) -> VapidKey:
    push = request.app.state.notifiers.get("webpush")
    if push is None or not hasattr(push, "public_key"):
        raise ApiError(404, "no_webpush", "this deployment sends no push messages")
    return VapidKey(public_key=push.public_key)


def _subscribe_ticket(request: Request, ticket_id: str, channel: str, address: str) -> Subscribed:
    status = request.app.state.queue.status(ticket_id) if len(ticket_id) <= 24 else None
    if status is None:
        raise ApiError(404, "not_found", "no such ticket")
    if status.state not in ("waiting", "called"):
        raise ApiError(409, "ticket_closed", f"the ticket is {status.state}: there is nothing more to tell")
    state = request.app.state.central
    sub_id, _ = transact(
        state.runner,
        lambda db: outbox.subscribe(
            db, state.id_hash_key, site=status.site, channel=channel, address=address,
            now=request.app.state.booking.clock(), ticket_id=ticket_id,
        ),
    )  # fmt: skip
    return Subscribed(channel=channel, id=sub_id)  # type: ignore[arg-type]


@router.post("/tickets/{ticket_id}/subscriptions/webpush", response_model=Subscribed, status_code=201)
def subscribe_push(ticket_id: str, body: PushSubscription, request: Request) -> Subscribed:
    """This browser is told when the ticket is nearly called and when it is (the ticket's id is the key)."""
    address = body.model_dump_json(exclude_none=True)
    return _subscribe_ticket(request, ticket_id, "webpush", address)


@router.post("/tickets/{ticket_id}/subscriptions/wechat", response_model=Subscribed, status_code=201)
def subscribe_wechat(ticket_id: str, body: WeChatSubscription, request: Request) -> Subscribed:
    return _subscribe_ticket(request, ticket_id, "wechat", body.openid)


@router.post("/tickets/{ticket_id}/subscriptions/webpush/opt-out", status_code=204)
def unsubscribe_push(ticket_id: str, body: PushSubscription, request: Request) -> Response:
    _opt_out(request, "webpush", body.model_dump_json(exclude_none=True))
    return Response(status_code=204)


def _opt_out(request: Request, channel: str, address: str) -> None:
    state = request.app.state.central
    key = outbox.recipient_key(state.id_hash_key, channel, address)
    transact(
        state.runner,
        lambda db: db.run(
            "INSERT INTO notify_opt_outs (recipient_key, at) VALUES (:k, :at) ON CONFLICT (recipient_key) DO NOTHING",
            k=key,
            at=request.app.state.booking.clock(),
        ),
    )
