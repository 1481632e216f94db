"""The fleet for the hall manager: every kiosk's health and alerts, recent
device faults, and the maintenance switch (JSON for the /fleet page)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from central import db as central_db
from central import fleet, fleet_health, kiosk_settings
from central.access import Permission, require
from central.api.counters import staff_action, staff_session
from central.errors import ApiError
from central.staff import StaffSession
from common import wire

router = APIRouter(prefix=wire.API_PREFIX, tags=["fleet"])


class MaintenanceSwitch(BaseModel):
    on: bool


def _manager(session: StaffSession) -> None:
    require(session, Permission.MANAGE_SITE, code="managers_only", why="the fleet is for the hall manager")


def _theirs(session: StaffSession, kiosk) -> None:
    """A site manager looks after their own sites' kiosks; the city administrator after all."""
    if not session.may_see(kiosk.site):
        raise ApiError(403, "other_site", f"kiosk {kiosk.name!r} stands at {kiosk.site}, not at your sites")


@router.get("/fleet")
def fleet_status(request: Request, session: StaffSession = Depends(staff_session)) -> dict:
    """Kiosks with their last heartbeat, alerts (most severe first) and recent faults:
    of the manager's sites, or of every site for the city administrator."""
    _manager(session)
    state = request.app.state.central
    with state.sessions() as db:
        views = [v for v in fleet_health.fleet_view(db, state.config.fleet) if session.may_see(v.site)]
        mine = {k.id: k.name for k in fleet.list_kiosks(db) if session.may_see(k.site)}
        faults = [f for f in fleet_health.recent_faults(db, limit=200) if f.kiosk_id in mine][:30]
        names = mine
        settings = kiosk_settings.current(db)
    rank = {"critical": 0, "warning": 1, "info": 2}
    return {
        "kiosks": [
            {
                "id": v.id,
                "name": v.name,
                "site": v.site,
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
    name: str, body: MaintenanceSwitch, request: Request, session: StaffSession = Depends(staff_action)
) -> dict:
    """Take a kiosk out of service (or back); it applies this at its next heartbeat."""
    _manager(session)
    with central_db.write_session(request.app.state.central.engine) as db:
        try:
            kiosk = fleet.find(db, name)
        except fleet.FleetError as exc:
            raise ApiError(404, exc.code, exc.message) from None
        _theirs(session, kiosk)
        settings = kiosk_settings.set_maintenance(db, kiosk, body.on)
    return {"ok": True, "settings_version": settings.version}


@router.post("/fleet/{name}/review")
def review(name: str, request: Request, session: StaffSession = Depends(staff_action)) -> dict:
    """A manager reviewed a suspended kiosk (its alert says why) and puts it back in service."""
    _manager(session)
    with request.app.state.central.sessions() as db:
        try:
            kiosk = fleet.find(db, name)
        except fleet.FleetError as exc:
            raise ApiError(404, exc.code, exc.message) from None
        _theirs(session, kiosk)
        reason = kiosk.suspended_reason or ""
    if not request.app.state.citizens.lift(kiosk.id):
        raise ApiError(409, "not_suspended", f"kiosk {name!r} is not suspended")
    request.app.state.staff.audit(
        session.username, "kiosk_reviewed", name, reason, role=session.role, site=kiosk.site or ""
    )
    return {"ok": True}
