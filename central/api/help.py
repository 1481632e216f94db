"""一键呼叫: a kiosk's call for help (signed, from its outbox), and the staff
who see the calls of their sites and answer them."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from central.access import visible_sites
from central.api.counters import staff_action, staff_session
from central.auth import SignedKiosk, authenticated_kiosk
from central.errors import ApiError, Responses
from central.staff import StaffSession
from common import wire
from common.wire import HelpCall, HelpCallView

router = APIRouter(prefix=wire.API_PREFIX, tags=["help"])
UNAUTHORISED: Responses = {401: {"model": wire.ErrorReply}}


@router.post("/help", response_model=HelpCallView, responses=UNAUTHORISED)
def call_for_help(body: HelpCall, request: Request, kiosk: SignedKiosk = Depends(authenticated_kiosk)) -> HelpCallView:
    """A citizen tapped 呼叫工作人员 (a suspended kiosk may still call: someone is standing there)."""
    view, _new = request.app.state.help.call(kiosk.site, kiosk.id, kiosk.name, body)
    return view


@router.get("/staff/help", response_model=list[HelpCallView])
def open_calls(request: Request, session: StaffSession = Depends(staff_session)) -> list[HelpCallView]:
    """Calls for help not yet answered at this member of staff's sites, newest first."""
    return request.app.state.help.open_calls(visible_sites(session))


@router.post("/staff/help/{help_id}/ack", response_model=HelpCallView, responses={404: {"model": wire.ErrorReply}})
def acknowledge(help_id: int, request: Request, session: StaffSession = Depends(staff_action)) -> HelpCallView:
    """ "I am on my way": the call leaves every page; the first to answer is recorded."""
    view = request.app.state.help.acknowledge(help_id, session.username, visible_sites(session))
    if view is None:
        raise ApiError(404, "not_found", "no such call for help at your sites")
    return view
