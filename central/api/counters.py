"""Staff at counters: log in, choose a counter, call and serve tickets; the
hall manager opens and closes counters.

Counter staff act only for the counter their session chose (403
`not_your_counter` otherwise); managers may act for any."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from pydantic import Field

from central.errors import ApiError
from central.queue.calling import Calling
from central.queue.engine import QueueError
from central.staff import StaffError, StaffSession, StaffStore
from common import wire
from common.wire import WireModel

router = APIRouter(prefix=wire.API_PREFIX, tags=["counters"])
COOKIE = "hall_session"


class Login(WireModel):
    username: str = Field(max_length=40)
    password: str = Field(max_length=200)


class ChooseCounter(WireModel):
    counter: int


class Transfer(WireModel):
    to_type: str = Field(pattern=r"^[A-Z]$")


class Priority(WireModel):
    reason: str


def _store(request: Request) -> StaffStore:
    return request.app.state.staff


def _calling(request: Request) -> Calling:
    return request.app.state.calling


def staff_session(request: Request) -> StaffSession:
    session = _store(request).session(request.cookies.get(COOKIE))
    if session is None:
        raise ApiError(401, "not_logged_in", "log in first")
    return session


def _for_counter(session: StaffSession, number: int) -> None:
    if session.role != "manager" and session.counter != number:
        raise ApiError(403, "not_your_counter", f"this session serves counter {session.counter}, not {number}")


def _queue_errors(action):
    try:
        return action()
    except QueueError as exc:
        raise ApiError(exc.status, exc.code, exc.message) from None


@router.post("/staff/login")
def login(body: Login, request: Request, response: Response) -> dict:
    try:
        token, session = _store(request).login(body.username, body.password)
    except StaffError as exc:
        raise ApiError(exc.status, exc.code, exc.message) from None
    response.set_cookie(
        COOKIE,
        token,
        httponly=True,
        samesite="strict",
        max_age=12 * 3600,
        secure=request.app.state.central.config.server.public_url.startswith("https"),
    )
    return {"username": session.username, "role": session.role, "counter": session.counter}


@router.post("/staff/logout")
def logout(request: Request, response: Response) -> dict:
    token = request.cookies.get(COOKIE)
    if token:
        _store(request).logout(token)
    response.delete_cookie(COOKIE)
    return {"ok": True}


@router.get("/staff/me")
def me(session: StaffSession = Depends(staff_session)) -> dict:
    return {"username": session.username, "role": session.role, "counter": session.counter}


@router.post("/staff/counter")
def choose_counter(body: ChooseCounter, request: Request, session: StaffSession = Depends(staff_session)) -> dict:
    _queue_errors(lambda: _calling(request).counter_name(body.counter))
    _store(request).choose_counter(request.cookies[COOKIE], body.counter)
    return {"counter": body.counter}


@router.get("/counters/{number}")
def counter_status(number: int, request: Request, session: StaffSession = Depends(staff_session)) -> dict:
    _for_counter(session, number)
    return _queue_errors(lambda: request.app.state.board.counter(number))


@router.post("/counters/{number}/call-next")
def call_next(number: int, request: Request, session: StaffSession = Depends(staff_session)) -> dict:
    """A write that may wait for the database: a plain `def`, so FastAPI runs it on a pool thread."""
    _for_counter(session, number)
    call = _queue_errors(lambda: _calling(request).call_next(number, session.username))
    return {"called": call.__dict__ if call else None}


@router.post("/counters/{number}/recall")
def recall(number: int, request: Request, session: StaffSession = Depends(staff_session)) -> dict:
    _for_counter(session, number)
    return {"called": _queue_errors(lambda: _calling(request).recall(number)).__dict__}


@router.post("/counters/{number}/no-show")
def no_show(number: int, request: Request, session: StaffSession = Depends(staff_session)) -> dict:
    _for_counter(session, number)
    _queue_errors(lambda: _calling(request).no_show(number))
    return {"ok": True}


@router.post("/counters/{number}/finish")
def finish(number: int, request: Request, session: StaffSession = Depends(staff_session)) -> dict:
    _for_counter(session, number)
    _queue_errors(lambda: _calling(request).finish(number))
    return {"ok": True}


@router.post("/counters/{number}/transfer")
def transfer(number: int, body: Transfer, request: Request, session: StaffSession = Depends(staff_session)) -> dict:
    _for_counter(session, number)
    _queue_errors(lambda: _calling(request).transfer(number, body.to_type))
    return {"ok": True}


@router.post("/counters/{number}/pause")
def pause(number: int, request: Request, session: StaffSession = Depends(staff_session)) -> dict:
    _for_counter(session, number)
    _queue_errors(lambda: _calling(request).set_paused(number, True))
    return {"ok": True}


@router.post("/counters/{number}/resume")
def resume(number: int, request: Request, session: StaffSession = Depends(staff_session)) -> dict:
    _for_counter(session, number)
    _queue_errors(lambda: _calling(request).set_paused(number, False))
    return {"ok": True}


@router.post("/counters/{number}/{action}")
def open_close(number: int, action: str, request: Request, session: StaffSession = Depends(staff_session)) -> dict:
    if action not in ("open", "close"):
        raise ApiError(404, "not_found", "unknown counter action")
    if session.role != "manager":
        raise ApiError(403, "managers_only", "only the hall manager opens and closes counters")
    _queue_errors(lambda: _calling(request).set_open(number, action == "open"))
    return {"ok": True}


@router.get("/counters/{number}/waiting")
def waiting(number: int, request: Request, session: StaffSession = Depends(staff_session)) -> dict:
    _for_counter(session, number)
    return {"waiting": _queue_errors(lambda: _calling(request).waiting(number))}


@router.post("/tickets/{ticket_id}/priority")
def grant_priority(
    ticket_id: str, body: Priority, request: Request, session: StaffSession = Depends(staff_session)
) -> dict:
    _queue_errors(lambda: _calling(request).grant_priority(ticket_id, body.reason))
    return {"ok": True}
