"""What the whole hall sees: the display board's snapshot and its live event
stream, the spoken announcements, and the hall manager's figures for today.
The board's data is public (numbers, types, counters: nothing personal)."""

from __future__ import annotations

import asyncio
import json
import re

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response, StreamingResponse

from central.api.counters import staff_session
from central.errors import ApiError
from central.staff import StaffSession
from central.voice import VoiceUnavailable
from common import wire

router = APIRouter(prefix=wire.API_PREFIX, tags=["hall"])
EVENT_POLL_S = 0.1
KEEPALIVE_S = 15.0
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


@router.get("/events")
async def events(request: Request, after: int | None = None) -> StreamingResponse:
    """Server-sent events: every call, recall and change, in order. A client
    that reconnects sends Last-Event-ID (browsers do) and misses nothing."""
    calling = request.app.state.calling
    header = request.headers.get("last-event-id", "")
    last = int(header) if header.isdigit() else (after if after is not None else calling.last_event_id())

    async def stream():
        nonlocal last
        idle = 0.0
        yield "retry: 1000\n\n"
        while not await request.is_disconnected():
            batch = calling.events_since(last)
            for event in batch:
                last = event["id"]
                yield f"id: {last}\nevent: {event['kind']}\ndata: {json.dumps(event, ensure_ascii=False)}\n\n"
            if batch:
                idle = 0.0
                continue
            await asyncio.sleep(EVENT_POLL_S)
            idle += EVENT_POLL_S
            if idle >= KEEPALIVE_S:
                idle = 0.0
                yield ": keep-alive\n\n"

    return StreamingResponse(
        stream(), media_type="text/event-stream", headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    )
