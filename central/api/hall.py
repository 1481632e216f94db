"""What the whole hall sees: the display board's snapshot and its live event
stream, the spoken announcements, and the hall manager's figures for today.
The board's data is public (numbers, types, counters: nothing personal)."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response, StreamingResponse

from central.api.counters import staff_session
from central.api.event_hub import EventHub, TooManyStreams
from central.errors import ApiError, error_json
from central.staff import StaffSession
from central.voice import VoiceUnavailable
from common import wire

router = APIRouter(prefix=wire.API_PREFIX, tags=["hall"])
KEEPALIVE_S = 15.0
EVENT_ID = re.compile(r"[0-9]{1,18}")
TICKET_NUMBER = re.compile(r"^[A-Z]{1,2}\d{1,4}$")


@router.get("/hall")
def hall(request: Request) -> dict:
    """Counters with their current numbers, waiting per type, the latest calls."""
    snapshot = request.app.state.board.snapshot()
    for counter in snapshot["counters"]:
        counter.pop("staff")  # who works where is for the manager, not the public board
    return snapshot


@router.get("/hall/today")
def today(request: Request, session: StaffSession = Depends(staff_session)) -> dict:
    if session.role != "manager":
        raise ApiError(403, "managers_only", "today's figures are for the hall manager")
    return request.app.state.board.today()


@router.get("/announcements/{lang}.wav", response_class=Response, responses={200: {"content": {"audio/wav": {}}}})
def announcement(lang: str, number: str, request: Request, counter: int | None = None) -> Response:
    """The spoken call, joined from pre-generated clips (no network needed)."""
    if lang not in ("zh", "en"):
        raise ApiError(404, "not_found", "announcements exist in zh and en")
    if not TICKET_NUMBER.match(number):
        raise ApiError(422, "bad_number", f"not a ticket number: {number[:12]!r}")
    if counter is not None and counter not in request.app.state.calling.counters:
        raise ApiError(404, "unknown_counter", f"no counter {counter}")
    try:
        audio = request.app.state.voice.announcement(lang, number, counter)
    except VoiceUnavailable as exc:
        raise ApiError(503, "voice_unavailable", str(exc)) from None
    return Response(audio, media_type="audio/wav", headers={"Cache-Control": "public, max-age=86400"})


@router.get("/events", responses={503: {"model": wire.ErrorReply}})
async def events(request: Request, after: int | None = Query(default=None, ge=0, le=2**62)) -> Response:
    """Server-sent events: every call, recall and change, in order, public data only.
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
                batch = await hub.after(last, KEEPALIVE_S)
                if not batch:
                    yield ": keep-alive\n\n"
                for event in batch:
                    last = event["id"]
                    yield f"id: {last}\nevent: {event['kind']}\ndata: {json.dumps(event, ensure_ascii=False)}\n\n"

    return StreamingResponse(
        stream(), media_type="text/event-stream", headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    )
