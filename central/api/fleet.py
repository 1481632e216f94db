"""The fleet for the hall manager: every kiosk's health and alerts, recent
device faults, and the maintenance switch (JSON for the /fleet page)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from central import fleet, fleet_health, kiosk_settings
from central.api.counters import staff_session
from central.errors import ApiError
from central.staff import StaffSession
from common import wire

router = APIRouter(prefix=wire.API_PREFIX, tags=["fleet"])


class MaintenanceSwitch(BaseModel):
    on: bool


def _manager(session: StaffSession) -> None:
    if session.role != "manager":
        raise ApiError(403, "managers_only", "the fleet is for the hall manager")


@router.get("/fleet")
def fleet_status(request: Request, session: StaffSession = Depends(staff_session)) -> dict:
    """Kiosks with their last heartbeat, alerts (most severe first) and recent faults."""
    _manager(session)
    state = request.app.state.central
    with state.sessions() as db:
        views = fleet_health.fleet_view(db, state.config.fleet)
        faults = fleet_health.recent_faults(db, limit=30)
        names = {k.id: k.name for k in fleet.list_kiosks(db)}
        settings = kiosk_settings.current(db)
    rank = {"critical": 0, "warning": 1, "info": 2}
    return {
        "kiosks": [
            {
                "id": v.id,
                "name": v.name,
                "state": v.state,
                "version": v.version,
                "last_seen_at": v.last_seen_at.isoformat() if v.last_seen_at else None,
                "uptime_s": v.uptime_s,
                "devices": v.devices,
                "health": v.health,
                "maintenance": v.maintenance,
                "alerts": [a.__dict__ for a in sorted(v.alerts, key=lambda a: rank[a.severity])],
            }
            for v in views
        ],
        "faults": [
            {
                "kiosk": names.get(f.kiosk_id, f.kiosk_id),
                "device": f.device,
                "reason": f.reason,
                "detail": f.detail,
                "at": f.at.isoformat(),
            }
            for f in faults
        ],
        "settings": settings.model_dump(mode="json"),
        "rules": state.config.fleet.__dict__,
    }


@router.post("/fleet/{name}/maintenance")
def switch_maintenance(
    name: str, body: MaintenanceSwitch, request: Request, session: StaffSession = Depends(staff_session)
) -> dict:
    """Take a kiosk out of service (or back); it applies this at its next heartbeat."""
    _manager(session)
    with request.app.state.central.sessions() as db:
        try:
            kiosk = fleet.find(db, name)
        except fleet.FleetError as exc:
            raise ApiError(404, exc.code, exc.message) from None
        settings = kiosk_settings.set_maintenance(db, kiosk, body.on)
    return {"ok": True, "settings_version": settings.version}
