"""好差评 from kiosks (through their outbox; no identity), and the follow-up of
bad reviews by the hall manager."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import Field

from central.api.counters import staff_action, staff_session
from central.auth import SignedKiosk, authenticated_kiosk
from central.certs.ratings import RatingError, RatingService
from central.errors import ApiError
from central.staff import MANAGING, StaffSession
from common import wire
from common.certificates import Acknowledged, RatingRequest
from common.wire import WireModel

router = APIRouter(prefix=wire.API_PREFIX, tags=["ratings"])


class FollowUp(WireModel):
    state: str = Field(pattern=r"^(open|in_progress|resolved)$")
    note: str = Field(default="", max_length=2000)


def _service(request: Request) -> RatingService:
    return request.app.state.ratings


def _manager(session: StaffSession) -> tuple[str, ...] | None:
    """The sites whose reviews the session sees (None: every site, the city administrator)."""
    if session.role not in MANAGING:
        raise ApiError(403, "managers_only", "bad reviews are followed up by the hall manager")
    return None if session.role == "admin" else session.sites


@router.post("/ratings", response_model=Acknowledged, responses={422: {"model": wire.ErrorReply}})
def rate(body: RatingRequest, request: Request, kiosk: SignedKiosk = Depends(authenticated_kiosk)) -> Acknowledged:
    try:
        _case, duplicate = _service(request).record(kiosk.id, body, kiosk.site)
    except RatingError as exc:
        raise ApiError(exc.status, exc.code, exc.message) from None
    return Acknowledged(key=body.key, duplicate=duplicate)


@router.get("/ratings/bad")
def bad_reviews(request: Request, state: str | None = None, session: StaffSession = Depends(staff_session)) -> dict:
    sites = _manager(session)
    return {"reviews": _service(request).bad_reviews(state, sites), "summary": _service(request).summary(sites)}


@router.post("/ratings/bad/{case_number}")
def follow_up(
    case_number: str, body: FollowUp, request: Request, session: StaffSession = Depends(staff_action)
) -> dict:
    sites = _manager(session)
    try:
        _service(request).follow_up(case_number, body.state, body.note, sites)
    except RatingError as exc:
        raise ApiError(exc.status, exc.code, exc.message) from None
    return {"ok": True}
