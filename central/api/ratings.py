"""好差评 from kiosks (their own service, through their outbox; no identity),
the follow-up of bad reviews by the site manager, and what reached the
provincial system. Cases and their ratings: central.api.cases."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import Field

from central.access import Permission, require, visible_sites
from central.api.counters import staff_action, staff_session
from central.auth import SignedKiosk, authenticated_kiosk
from central.errors import ApiError, refused
from central.ratings.delivery import delivery_state, send_again
from central.ratings.service import RatingError, RatingService
from central.staff import StaffSession
from common import wire
from common.certificates import Acknowledged
from common.ratings import RatingRequest
from common.wire import WireModel

router = APIRouter(prefix=wire.API_PREFIX, tags=["ratings"])


class FollowUpStep(WireModel):
    step: str = Field(pattern=r"^(contacted|resolved|closed|note)$")
    note: str = Field(default="", max_length=2000)


def _service(request: Request) -> RatingService:
    return request.app.state.ratings


def _manager(session: StaffSession) -> tuple[str, ...] | None:
    """The sites whose reviews the session sees (None: every site, the city administrator)."""
    require(
        session, Permission.MANAGE_SITE, code="managers_only", why="bad reviews are followed up by the site manager"
    )
    return visible_sites(session)


@router.post("/ratings", response_model=Acknowledged, responses={422: {"model": wire.ErrorReply}})
def rate(body: RatingRequest, request: Request, kiosk: SignedKiosk = Depends(authenticated_kiosk)) -> Acknowledged:
    _case, duplicate = refused(RatingError, lambda: _service(request).record(kiosk.id, body, kiosk.site))
    return Acknowledged(key=body.key, duplicate=duplicate)


@router.get("/ratings/bad")
def bad_reviews(request: Request, state: str | None = None, session: StaffSession = Depends(staff_session)) -> dict:
    """Bad reviews at the manager's sites (every site for the city administrator),
    escalated and most urgent first, with every step taken; never who rated."""
    sites = _manager(session)
    return {"reviews": _service(request).bad_reviews(state, sites), "summary": _service(request).summary(sites)}


@router.post("/ratings/bad/{case_number}")
def follow_up(
    case_number: str, body: FollowUpStep, request: Request, session: StaffSession = Depends(staff_action)
) -> dict:
    sites = _manager(session)
    state = refused(
        RatingError,
        lambda: _service(request).follow_up(case_number, body.step, body.note, session.username, sites),
    )
    return {"ok": True, "state": state}


@router.get("/ratings/deliveries")
def deliveries(request: Request, session: StaffSession = Depends(staff_session)) -> dict:
    """What reached the provincial system, what waits, and what it refused (with its reason)."""
    report = delivery_state(request.app.state.central.engine, _manager(session))
    report["sink"] = request.app.state.central.config.ratings.sink.kind
    return report


@router.post("/ratings/deliveries/{delivery_id}/send-again")
def deliver_again(delivery_id: int, request: Request, session: StaffSession = Depends(staff_action)) -> dict:
    if not send_again(request.app.state.central.engine, delivery_id, _manager(session)):
        raise ApiError(404, "not_refused", f"no refused rating {delivery_id} at your sites")
    request.app.state.ratings.kick()
    return {"ok": True}
