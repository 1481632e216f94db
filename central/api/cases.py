"""Cases (办件) and their one rating (一次一评), through every channel:

- the counter page searches the catalog for what was handled (`/staff/matters`)
  and finishes the ticket with it (central.api.counters);
- the window evaluator (`/evaluator/{token}`), a tablet facing the citizen,
  rates its counter's latest case; its token (a keyed hash of site and
  counter, given to the clerk at that counter) is all it holds;
- the ticket's phone page rates the ticket's cases (the ticket id is the key);
- a kiosk (signed) lists today's cases of a ticket number at its site, or a
  card holder's recent cases, and rates one.
A second rating of a case is refused (409 `already_rated`)."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from fastapi import APIRouter, Depends, Query, Request
from pydantic import Field

from central.api.citizens import person_for
from central.api.counters import _for_counter, staff_session
from central.auth import SignedKiosk, authenticated_kiosk
from central.errors import ApiError, Responses, refused
from central.ratings.service import RatingError, RatingService
from central.staff import StaffSession
from common import wire
from common.ratings import CaseQuery, CaseRating, CasesReply, KioskCaseRating, RatedCase
from common.wire import WireModel

router = APIRouter(prefix=wire.API_PREFIX, tags=["cases"])
ERRORS: Responses = {
    403: {"model": wire.ErrorReply},
    404: {"model": wire.ErrorReply},
    409: {"model": wire.ErrorReply},
    422: {"model": wire.ErrorReply},
}


class MatterFound(WireModel):
    code: str
    name: str


class EvaluatorView(WireModel):
    site: str
    site_name: str
    counter: int
    counter_name: str
    staff_name: str = Field(description="the clerk logged in at the counter now; empty when nobody is")
    idle_after_s: int
    last_event_id: int = Field(description="follow the site's events from here for the counter's next case")
    cases: CasesReply


class EvaluatorLink(WireModel):
    token: str
    path: str


def _service(request: Request) -> RatingService:
    return request.app.state.ratings


# -- the counter -------------------------------------------------------------
@router.get("/staff/matters", response_model=list[MatterFound])
def search_matters(
    request: Request, q: str = Query(max_length=40), session: StaffSession = Depends(staff_session)
) -> list[MatterFound]:
    """Matters by name, code or pinyin (initials like `sfz`), for the finish dialog."""
    return [MatterFound(code=m.code, name=m.name) for m in request.app.state.matter_index.search(q)]


def evaluator_token(master_key: bytes, site: str, counter: int) -> str:
    mac = hmac.new(master_key, f"evaluator|{site}|{counter}".encode(), hashlib.sha256).hexdigest()[:24]
    return f"{site}.{counter}.{mac}"


def _evaluator(request: Request, token: str) -> tuple[str, int]:
    parts = token.split(".")
    if len(parts) == 3 and parts[1].isdigit():
        site, counter = parts[0], int(parts[1])
        expected = evaluator_token(request.app.state.central.master_key, site, counter)
        if hmac.compare_digest(expected, token):
            return site, counter
    raise ApiError(404, "unknown_evaluator", "this evaluator link is not valid: ask the hall manager for the link")


@router.get("/counters/{number}/evaluator", response_model=EvaluatorLink)
def evaluator_link(
    number: int, request: Request, site: str | None = None, session: StaffSession = Depends(staff_session)
) -> EvaluatorLink:
    """The link to open on the tablet facing the citizen at this counter."""
    where = _for_counter(request, session, number, site)
    token = evaluator_token(request.app.state.central.master_key, where, number)
    return EvaluatorLink(token=token, path=f"/evaluator/{token}")


# -- the window evaluator ----------------------------------------------------
@router.get("/evaluator/{token}", response_model=EvaluatorView, responses=ERRORS)
def evaluator_view(token: str, request: Request) -> EvaluatorView:
    site_code, counter = _evaluator(request, token)
    site = request.app.state.sites.get().sites.get(site_code)
    if site is None or counter not in site.counter_map:
        raise ApiError(404, "unknown_evaluator", "this counter no longer exists: ask the hall manager for a new link")
    cfg = request.app.state.central.config.ratings
    service = _service(request)
    staff = service.staff_at(site_code, counter)
    return EvaluatorView(
        site=site.code,
        site_name=site.name,
        counter=counter,
        counter_name=site.counter_map[counter].name,
        staff_name=service.staff_names().get(staff, staff) if staff else "",
        idle_after_s=cfg.evaluator_idle_s,
        last_event_id=request.app.state.calling.last_event_id(),
        cases=CasesReply(
            cases=tuple(service.cases_at_counter(site_code, counter, timedelta(minutes=cfg.evaluator_window_min)))
        ),
    )


@router.post("/evaluator/{token}/cases/{case_number}/rating", response_model=RatedCase, responses=ERRORS)
def evaluator_rate(token: str, case_number: str, body: CaseRating, request: Request) -> RatedCase:
    site, counter = _evaluator(request, token)
    window = timedelta(minutes=request.app.state.central.config.ratings.evaluator_window_min)

    def allowed(case: dict) -> str | None:
        if (case["site"], case["counter"]) != (site, counter):
            return "this evaluator rates its own counter's cases only"
        if case["finished_at"] < _service(request).clock() - window:
            return "this case is no longer offered at the counter: rate it on the ticket's phone page or a kiosk"
        return None

    return refused(RatingError, lambda: _service(request).rate_case(case_number, body, "window", allowed=allowed))


# -- the ticket's phone page ---------------------------------------------------
@router.get("/tickets/{ticket_id}/cases", response_model=CasesReply)
def ticket_cases(ticket_id: str, request: Request) -> CasesReply:
    if len(ticket_id) > 24:
        raise ApiError(404, "unknown_ticket", "no such ticket")
    return CasesReply(cases=tuple(_service(request).cases_of_ticket(ticket_id)))


@router.post("/tickets/{ticket_id}/cases/{case_number}/rating", response_model=RatedCase, responses=ERRORS)
def ticket_rate(ticket_id: str, case_number: str, body: CaseRating, request: Request) -> RatedCase:
    def allowed(case: dict) -> str | None:
        return None if case["ticket_id"] == ticket_id else "this case belongs to another ticket"

    return refused(RatingError, lambda: _service(request).rate_case(case_number, body, "qr", allowed=allowed))


# -- kiosks --------------------------------------------------------------------
@router.post("/cases/find", response_model=CasesReply, responses=ERRORS)
def kiosk_cases(body: CaseQuery, request: Request, kiosk: SignedKiosk = Depends(authenticated_kiosk)) -> CasesReply:
    """Today's cases of a ticket number at the kiosk's site, or the recent
    cases of the citizen whose card the kiosk read."""
    service = _service(request)
    if body.citizen:
        return CasesReply(cases=tuple(service.cases_of_person(person_for(request, kiosk, body.citizen))))
    if body.number:
        site = request.app.state.sites.get().get(kiosk.site or None)
        today = service.clock().astimezone(site.tz).date()
        return CasesReply(cases=tuple(service.cases_of_ticket_number(site.code, body.number, today)))
    raise ApiError(422, "missing_query", "give a ticket number or a citizen token")


@router.post("/cases/{case_number}/rating", response_model=RatedCase, responses=ERRORS)
def kiosk_rate(
    case_number: str, body: KioskCaseRating, request: Request, kiosk: SignedKiosk = Depends(authenticated_kiosk)
) -> RatedCase:
    person = person_for(request, kiosk, body.citizen) if body.citizen else None

    def allowed(case: dict) -> str | None:
        if person is not None and case["person_key"] == person:
            return None
        if case["site"] == (kiosk.site or request.app.state.sites.get().first.code):
            return None
        return "a kiosk rates its own site's cases, or the cases of the card holder in front of it"

    rating = CaseRating(level=body.level, reasons=body.reasons, text=body.text)
    return refused(
        RatingError,
        lambda: _service(request).rate_case(
            case_number, rating, "terminal", kiosk_id=kiosk.id, key=body.key, rater_key=person, allowed=allowed
        ),
    )


# -- a clerk's own figures -------------------------------------------------------
@router.get("/staff/me/ratings")
def my_ratings(request: Request, session: StaffSession = Depends(staff_session)) -> dict:
    """The clerk's own satisfaction figures and the comments on their cases,
    anonymised: never who rated, nor which case."""
    return _service(request).staff_view(session.username)
