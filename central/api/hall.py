"""What the whole hall sees: the display board's snapshot and its live event
stream, the spoken announcements, and the hall manager's figures for today.
The board's data is public (numbers, types, counters: nothing personal)."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response, StreamingResponse

from central.access import Permission, allowed, require
from central.api.counters import staff_session
from central.api.event_hub import EventHub, TooManyStreams
from central.errors import ApiError, error_json, refused
from central.queue.engine import QueueError
from central.staff import StaffSession
from central.voice import VoiceUnavailable
from common import wire
from common.wire import SITE_CODE

router = APIRouter(prefix=wire.API_PREFIX, tags=["hall"])
KEEPALIVE_S = 15.0
EVENT_ID = re.compile(r"[0-9]{1,18}")
TICKET_NUMBER = re.compile(r"^[A-Z][A-Z0-9]{0,3}\d{3}$")  # (V|Y) + a type code of 1-3 + three digits


SITE = Query(default=None, pattern=SITE_CODE, description="the site (a hall's code); empty: the first site")


@router.get("/hall")
def hall(request: Request, site: str | None = SITE) -> dict:
    """The site's counters with their current numbers, waiting per type, the latest calls."""
    snapshot = refused(QueueError, lambda: request.app.state.board.snapshot(site))
    for counter in snapshot["counters"]:
        counter.pop("staff")  # who works where is for the manager, not the public board
    return snapshot


@router.get("/hall/today")
def today(request: Request, site: str | None = SITE, session: StaffSession = Depends(staff_session)) -> dict:
    """A site's figures for today (its managers), or with no site every site's (the city view)."""
    require(session, Permission.MANAGE_SITE, code="managers_only", why="today's figures are for the hall manager")
    if site is None and allowed(session, Permission.MANAGE_CITY):
        return request.app.state.board.city()
    chosen = site or (session.sites[0] if session.sites else None)
    if not session.may_see(chosen):
        raise ApiError(403, "other_site", f"you manage {', '.join(session.sites) or 'no site'}, not {chosen}")
    return refused(QueueError, lambda: request.app.state.board.today(chosen))


@router.get("/announcements/{lang}.wav", response_class=Response, responses={200: {"content": {"audio/wav": {}}}})
def announcement(
    lang: str, number: str, request: Request, counter: int | None = None, site: str | None = SITE
) -> Response:
    """The spoken call, joined from pre-generated clips (no network needed)."""
    if lang not in ("zh", "en"):
        raise ApiError(404, "not_found", "announcements exist in zh and en")
    if not TICKET_NUMBER.match(number):
        raise ApiError(422, "bad_number", f"not a ticket number: {number[:12]!r}")
    where = refused(QueueError, lambda: request.app.state.queue.site(site))
    if counter is not None and counter not in where.counter_map:
        raise ApiError(404, "unknown_counter", f"no counter {counter} at {where.code}")
    try:
        template = where.announce_zh if lang == "zh" else where.announce_en
        audio = request.app.state.voice.announcement(lang, number, counter, template)
    except VoiceUnavailable as exc:
        raise ApiError(503, "voice_unavailable", str(exc)) from None
    return Response(audio, media_type="audio/wav", headers={"Cache-Control": "public, max-age=86400"})


@router.get("/events", responses={503: {"model": wire.ErrorReply}})
async def events(
    request: Request,
    after: int | None = Query(default=None, ge=0, le=2**62),
    site: str | None = Query(default=None, pattern=SITE_CODE, description="one site's events; empty: every site's"),
) -> Response:
    """Server-sent events: every call, recall and change, in order, public data
    only; each names its site, and `site` keeps one site's.
    A client that reconnects sends Last-Event-ID (browsers do) and misses nothing.
    One reader per worker serves every stream (central.api.event_hub)."""
    hub: EventHub = request.app.state.event_hub
    header = request.headers.get("last-event-id", "")
    if header and not EVENT_ID.fullmatch(header):
        raise ApiError(422, "bad_event_id", "Last-Event-ID must be a decimal event id")
    address = request.client.host if request.client else "unknown"
    try:
        hub.check_room(address)
    except TooManyStreams as exc:
        return Response(
            error_json("too_many_streams", exc.message),
            status_code=503,
            media_type="application/json",
            headers={"Retry-After": "10"},
        )
    last = int(header) if header else (after if after is not None else await hub.last_id())

    async def stream() -> AsyncIterator[str]:
        nonlocal last
        with hub.holding(address):
            yield "retry: 1000\n\n"
            while True:
                batch, upto = await hub.after(last, KEEPALIVE_S, site)
                if not batch:
                    yield ": keep-alive\n\n"
                for event in batch:
                    last = event["id"]
                    yield f"id: {last}\nevent: {event['kind']}\ndata: {json.dumps(event, ensure_ascii=False)}\n\n"
                last = max(last, upto)

    return StreamingResponse(
        stream(), media_type="text/event-stream", headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    )
