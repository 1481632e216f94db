"""Kiosk enrollment and heartbeat."""
from __future__ import annotations


from fastapi import APIRouter, Depends, Request

from central import fleet
from central.auth import SignedKiosk, authenticated_kiosk
from central.errors import ApiError
from central.models import Kiosk
from common import wire

router = APIRouter(prefix=wire.API_PREFIX + "/kiosks", tags=["kiosks"])
UNAUTHORISED = {401: {"model": wire.ErrorReply, "description": "unknown, revoked, badly signed or replayed"}}


@router.post("/enroll", response_model=wire.EnrollReply,
             responses={403: {"model": wire.ErrorReply}})
def enroll(body: wire.EnrollRequest, request: Request) -> wire.EnrollReply:
    """Exchange a one-time enrollment code for this kiosk's secret."""
    state = request.app.state.central
    with state.sessions() as db:
        try:
            kiosk, secret = fleet.enroll(db, state.master_key, body)
        except fleet.FleetError as exc:
            raise ApiError(403, exc.code, exc.message) from None
        return wire.EnrollReply(kiosk_id=kiosk.id, name=kiosk.name, secret=fleet.secret_b64(secret),
                                id_hash_key=fleet.secret_b64(state.id_hash_key), server_time=fleet.utcnow())


@router.post("/heartbeat", response_model=wire.HeartbeatReply, responses=UNAUTHORISED)
def heartbeat(body: wire.HeartbeatRequest, request: Request,
              kiosk: SignedKiosk = Depends(authenticated_kiosk)) -> wire.HeartbeatReply:
    """Store the kiosk's version, uptime and device status."""
    state = request.app.state.central
    with state.sessions() as db:
        row = db.get(Kiosk, kiosk.id)
        fleet.record_heartbeat(db, row, body)
        return wire.HeartbeatReply(server_time=fleet.utcnow(), kiosk_name=row.name)


