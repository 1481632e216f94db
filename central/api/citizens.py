"""A citizen presents their card at a kiosk (signed): central hashes the ID
number with its own key and answers a token that opens that citizen's
records at that kiosk for a short while (central.citizens)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from central.auth import SignedKiosk, authenticated_serving_kiosk
from central.citizens import CitizenDesk, CitizenError
from central.errors import ApiError, Responses
from common import wire

router = APIRouter(prefix=wire.API_PREFIX, tags=["citizens"])
ERRORS: Responses = {
    401: {"model": wire.ErrorReply},
    403: {"model": wire.ErrorReply, "description": "kiosk_suspended, card_not_present"},
    422: {"model": wire.ErrorReply, "description": "invalid_id"},
}


def desk(request: Request) -> CitizenDesk:
    return request.app.state.citizens


def person_for(request: Request, kiosk: SignedKiosk, token: str) -> str:
    """The keyed hash behind a citizen token from this kiosk, or 403."""
    try:
        return desk(request).person_for(kiosk.id, token)
    except CitizenError as exc:
        raise ApiError(exc.status, exc.code, exc.message) from None


@router.post("/citizens/present", response_model=wire.CitizenToken, responses=ERRORS)
def present(
    body: wire.CardPresented, request: Request, kiosk: SignedKiosk = Depends(authenticated_serving_kiosk)
) -> wire.CitizenToken:
    """The card just read at this kiosk. Counted: too many identities suspend the kiosk."""
    try:
        return desk(request).present(kiosk.id, body)
    except CitizenError as exc:
        raise ApiError(exc.status, exc.code, exc.message) from None
