"""Staff at counters: log in, choose a counter, call and serve tickets; the
hall manager opens and closes counters.

Counter staff act only for the counter their session chose (403
`not_your_counter` otherwise), which no other clerk then holds; managers may
act for any. Every state-changing staff call carries the session's CSRF token
in `X-CSRF-Token` (the pages read it from the `hall_csrf` cookie)."""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import Field

from central.access import Permission, allowed, require, visible_sites
from central.audit import Actor
from central.errors import ApiError, refused
from central.queue.calling import Calling
from central.queue.engine import QueueError
from central.rate_limit import RateLimit
from central.ratings.cases import open_cases
from central.staff import StaffError, StaffSession, StaffStore
from common import wire
from common.ratings import FinishRequest
from common.tickets import TYPE_CODE
from common.wire import SITE_CODE, WireModel

router = APIRouter(prefix=wire.API_PREFIX, tags=["counters"])
COOKIE = "hall_session"
CSRF_COOKIE, CSRF_HEADER = "hall_csrf", "x-csrf-token"


class Login(WireModel):
    username: str = Field(max_length=40)
    password: str = Field(max_length=200)


class ChooseCounter(WireModel):
    counter: int = Field(ge=1, le=999)
    site: str | None = Field(default=None, pattern=SITE_CODE, description="empty: the account's only site")


class Transfer(WireModel):
    to_type: str = Field(pattern=TYPE_CODE)


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


def staff_action(request: Request, session: StaffSession = Depends(staff_session)) -> StaffSession:
    """A logged-in session making a change: its CSRF token must come along (403 otherwise)."""
    expected = _store(request).csrf_token(request.cookies.get(COOKIE, ""))
    if not hmac.compare_digest(request.headers.get(CSRF_HEADER, ""), expected):
        raise ApiError(403, "bad_csrf_token", "this request lacks the page's CSRF token; reload the page")
    return session


SITE = Query(default=None, pattern=SITE_CODE, description="the counter's site; empty: the session's")


def _for_counter(request: Request, session: StaffSession, number: int, site: str | None) -> str:
    """The site whose counter `number` this session may act for, or 403 saying why.
    A clerk acts for the counter they took; a manager for any at their sites; an
    admin for any."""
    require(session, Permission.SERVE)
    if not allowed(session, Permission.MANAGE_SITE):
        if session.counter != number or (site is not None and site != session.site):
            held = f"counter {session.counter} at {session.site}" if session.counter else "no counter"
            raise ApiError(
                403, "not_your_counter", f"this session serves {held}, not {number} at {site or session.site}"
            )
        assert session.site is not None
        return session.site
    chosen = site or session.site or (session.sites[0] if session.sites else request.app.state.sites.get().first.code)
    if not session.may_see(chosen):
        raise ApiError(403, "other_site", f"you work at {', '.join(session.sites) or 'no site'}, not {chosen}")
    return chosen


def _login_limit(request: Request) -> RateLimit:
    limit = getattr(request.app.state, "login_limit", None)
    if limit is None:
        per_second = request.app.state.central.config.security.logins_per_second
        limit = request.app.state.login_limit = RateLimit(per_second * 60)
    return limit


def _actor(session: StaffSession) -> Actor:
    """Who acts: a queue action writes its audit entry in its own transaction (central.queue.calling)."""
    return Actor(session.username, session.role)


def audited(
    request: Request, session: StaffSession, action: str, target: str, detail: str = "", site: str = ""
) -> None:
    """The action's entry in the audit trail: who, with which role, at which site."""
    _store(request).audit(session.username, action, target, detail, role=session.role, site=site or session.site or "")


@router.post("/staff/login")
def login(body: Login, request: Request, response: Response) -> dict:
    wait = _login_limit(request).allow("all")
    if wait:  # a flood of guesses from many addresses: everyone waits a moment, the database is spared
        raise ApiError(429, "busy", f"too many logins right now; try again in {max(1, round(wait))} s")
    source = request.client.host if request.client else ""
    try:
        token, session = _store(request).login(body.username, body.password, source)
    except StaffError as exc:
        if exc.code == "bad_login":  # a wrong password: kept (who tried which account, from where)
            _store(request).audit(body.username[:40], "login_failed", source)
        raise ApiError(exc.status, exc.code, exc.message) from None
    audited(request, session, "login", source)
    secure = request.app.state.central.config.server.public_url.startswith("https")
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict", max_age=12 * 3600, secure=secure)
    csrf = _store(request).csrf_token(token)
    response.set_cookie(CSRF_COOKIE, csrf, httponly=False, samesite="strict", max_age=12 * 3600, secure=secure)
    return {
        "username": session.username,
        "role": session.role,
        "counter": session.counter,
        "sites": list(session.sites),
        "csrf_token": csrf,
    }


@router.post("/staff/logout")
def logout(request: Request, response: Response) -> dict:
    token = request.cookies.get(COOKIE)
    session = _store(request).session(token) if token else None
    if token:
        _store(request).logout(token)
    if session is not None:
        audited(request, session, "logout", session.username)
    response.delete_cookie(COOKIE)
    response.delete_cookie(CSRF_COOKIE)
    return {"ok": True}


@router.get("/staff/me")
def me(session: StaffSession = Depends(staff_session)) -> dict:
    return {
        "username": session.username,
        "role": session.role,
        "counter": session.counter,
        "site": session.site,
        "sites": list(session.sites),
    }


@router.post("/staff/counter")
def choose_counter(body: ChooseCounter, request: Request, session: StaffSession = Depends(staff_action)) -> dict:
    """Take a counter at one of the account's sites."""
    site = body.site or (session.sites[0] if len(session.sites) == 1 else None)
    if site is None:
        raise ApiError(422, "choose_site", f"you work at several sites ({', '.join(session.sites)}): say which")
    require(session, Permission.SERVE, site)
    refused(QueueError, lambda: _calling(request).counter_name(body.counter, site))
    try:
        _store(request).choose_counter(request.cookies[COOKIE], body.counter, site)
    except StaffError as exc:
        raise ApiError(exc.status, exc.code, exc.message) from None
    audited(request, session, "counter_taken", f"{site}/{body.counter}", site=site)
    return {"counter": body.counter, "site": site}


@router.get("/counters/{number}")
def counter_status(
    number: int, request: Request, site: str | None = SITE, session: StaffSession = Depends(staff_session)
) -> dict:
    where = _for_counter(request, session, number, site)
    return refused(QueueError, lambda: request.app.state.board.counter(number, site=where))


@router.post("/counters/{number}/call-next")
def call_next(
    number: int, request: Request, site: str | None = SITE, session: StaffSession = Depends(staff_action)
) -> dict:
    """A write that may wait for the database: a plain `def`, so FastAPI runs it on a pool thread."""
    where = _for_counter(request, session, number, site)
    call = refused(
        QueueError, lambda: _calling(request).call_next(number, session.username, site=where, actor=_actor(session))
    )
    return {"called": call.__dict__ if call else None}


@router.post("/counters/{number}/recall")
def recall(
    number: int, request: Request, site: str | None = SITE, session: StaffSession = Depends(staff_action)
) -> dict:
    where = _for_counter(request, session, number, site)
    call = refused(QueueError, lambda: _calling(request).recall(number, site=where, actor=_actor(session)))
    return {"called": call.__dict__}


@router.post("/counters/{number}/no-show")
def no_show(
    number: int, request: Request, site: str | None = SITE, session: StaffSession = Depends(staff_action)
) -> dict:
    where = _for_counter(request, session, number, site)
    refused(
        QueueError,
        lambda: _calling(request).no_show(number, site=where, staff=session.username, actor=_actor(session)),
    )
    return {"ok": True}


@router.post("/counters/{number}/finish")
def finish(
    number: int,
    request: Request,
    body: FinishRequest | None = None,
    site: str | None = SITE,
    session: StaffSession = Depends(staff_action),
) -> dict:
    """The citizen is done; each matter handled (`matters`) becomes a case
    (办件) with its number, written with the finish in one transaction."""
    where = _for_counter(request, session, number, site)
    handled = []
    for matter in body.matters if body else ():
        entry = request.app.state.matter_index.get(matter.code)
        if entry is None:
            raise ApiError(422, "unknown_matter", f"no matter {matter.code} in the catalog")
        handled.append((entry, matter))
    rules = request.app.state.case_rules

    def cases(db, ticket, now) -> list[str]:
        return open_cases(
            db, rules, site=where, ticket_id=ticket.id, counter=number, staff=session.username, handled=handled, now=now
        )

    numbers = refused(
        QueueError, lambda: _calling(request).finish(number, site=where, then=cases, actor=_actor(session))
    )
    return {"ok": True, "cases": numbers or []}


@router.post("/counters/{number}/transfer")
def transfer(
    number: int,
    body: Transfer,
    request: Request,
    site: str | None = SITE,
    session: StaffSession = Depends(staff_action),
) -> dict:
    where = _for_counter(request, session, number, site)
    refused(
        QueueError,
        lambda: _calling(request).transfer(
            number, body.to_type, site=where, staff=session.username, actor=_actor(session)
        ),
    )
    return {"ok": True}


@router.post("/counters/{number}/pause")
def pause(
    number: int, request: Request, site: str | None = SITE, session: StaffSession = Depends(staff_action)
) -> dict:
    where = _for_counter(request, session, number, site)
    refused(QueueError, lambda: _calling(request).set_paused(number, True, site=where, actor=_actor(session)))
    return {"ok": True}


@router.post("/counters/{number}/resume")
def resume(
    number: int, request: Request, site: str | None = SITE, session: StaffSession = Depends(staff_action)
) -> dict:
    where = _for_counter(request, session, number, site)
    refused(QueueError, lambda: _calling(request).set_paused(number, False, site=where, actor=_actor(session)))
    return {"ok": True}


@router.post("/counters/{number}/{action}")
def open_close(
    number: int,
    action: str,
    request: Request,
    site: str | None = SITE,
    session: StaffSession = Depends(staff_action),
) -> dict:
    if action not in ("open", "close"):
        raise ApiError(404, "not_found", "unknown counter action")
    require(
        session, Permission.MANAGE_SITE, code="managers_only", why="only the hall manager opens and closes counters"
    )
    where = _for_counter(request, session, number, site)
    refused(QueueError, lambda: _calling(request).set_open(number, action == "open", site=where, actor=_actor(session)))
    if action == "close":  # a clerk who left without logging out no longer holds it
        _store(request).release_counter(where, number)
    return {"ok": True}


@router.get("/counters/{number}/waiting")
def waiting(
    number: int, request: Request, site: str | None = SITE, session: StaffSession = Depends(staff_session)
) -> dict:
    where = _for_counter(request, session, number, site)
    return {"waiting": refused(QueueError, lambda: _calling(request).waiting(number, site=where))}


@router.post("/tickets/{ticket_id}/priority")
def grant_priority(
    ticket_id: str, body: Priority, request: Request, session: StaffSession = Depends(staff_action)
) -> dict:
    """The green channel, after staff checked the proof: a clerk for the types their counter
    serves, a manager for any; every grant goes into the audit trail."""
    require(session, Permission.SERVE)
    managing = allowed(session, Permission.MANAGE_SITE)
    if not managing and session.counter is None:
        raise ApiError(403, "not_your_counter", "choose your counter first")
    counter = None if managing else session.counter
    sites = visible_sites(session) if managing else ((session.site,) if session.site else session.sites)
    refused(
        QueueError,
        lambda: _calling(request).grant_priority(ticket_id, body.reason, counter, sites, actor=_actor(session)),
    )
    return {"ok": True}
