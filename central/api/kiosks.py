"""Kiosk enrollment and heartbeat."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response

from central import db as central_db
from central import fleet, fleet_health, kiosk_settings
from central.auth import SignedKiosk, authenticated_kiosk
from central.errors import ApiError, Responses
from central.models import Kiosk
from central.sites.store import site_config_version
from common import wire
from common.certificates import Acknowledged

router = APIRouter(prefix=wire.API_PREFIX + "/kiosks", tags=["kiosks"])
UNAUTHORISED: Responses = {401: {"model": wire.ErrorReply, "description": "unknown, revoked, badly signed or replayed"}}


@router.post("/enroll", response_model=wire.EnrollReply, responses={403: {"model": wire.ErrorReply}})
def enroll(body: wire.EnrollRequest, request: Request) -> wire.EnrollReply:
    """Exchange a one-time enrollment code for this kiosk's secret."""
    state = request.app.state.central
    with central_db.write_session(state.engine) as db:
        try:
            kiosk, secret = fleet.enroll(db, state.master_key, body)
        except fleet.FleetError as exc:
            raise ApiError(403, exc.code, exc.message) from None
        return wire.EnrollReply(
            kiosk_id=kiosk.id,
            name=kiosk.name,
            secret=fleet.secret_b64(secret),
            server_time=fleet.utcnow(),
        )


@router.post("/heartbeat", response_model=wire.HeartbeatReply, responses=UNAUTHORISED)
def heartbeat(
    body: wire.HeartbeatRequest, request: Request, kiosk: SignedKiosk = Depends(authenticated_kiosk)
) -> wire.HeartbeatReply:
    """Store the kiosk's version, uptime and device status."""
    state = request.app.state.central
    with central_db.write_session(state.engine) as db:
        row = db.get(Kiosk, kiosk.id)
        fleet.record_heartbeat(db, row, body)
        return wire.HeartbeatReply(
            server_time=fleet.utcnow(), kiosk_name=row.name, config_version=kiosk_settings.version(db)
        )


@router.get("/config", response_model=wire.KioskSettings, responses={304: {"description": "unchanged (ETag)"}})
def settings(request: Request, kiosk: SignedKiosk = Depends(authenticated_kiosk)) -> Response:
    """The settings central pushes to this kiosk; 304 when its ETag still matches."""
    state = request.app.state.central
    with state.sessions() as db:
        sites = request.app.state.sites.get()
        if sites.version != site_config_version(db):  # changed on another node a moment ago
            sites = request.app.state.sites.reload()
        current = kiosk_settings.for_kiosk(db, db.get(Kiosk, kiosk.id), sites)
    tag = current.etag
    if request.headers.get("if-none-match") == tag:
        return Response(status_code=304, headers={"ETag": tag})
    return Response(current.model_dump_json(), media_type="application/json", headers={"ETag": tag})


@router.post("/faults", response_model=Acknowledged, responses=UNAUTHORISED)
def fault(body: wire.Fault, request: Request, kiosk: SignedKiosk = Depends(authenticated_kiosk)) -> Acknowledged:
    """A device fault (or its clearing) from the kiosk's outbox; stored once per key."""
    with central_db.write_session(request.app.state.central.engine) as db:
        stored = fleet_health.record_fault(db, kiosk.id, body)
    return Acknowledged(key=body.key, duplicate=not stored)
