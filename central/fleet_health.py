"""What the fleet page shows: each kiosk's last heartbeat and the alerts an
operator must act on (offline, paper, device faults, an outbox that does not
drain, a full disk, maintenance), plus the device faults kiosks reported."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from central.config import FleetSection
from central.models import Kiosk, KioskFault
from common import wire


@dataclass(frozen=True)
class Alert:
    code: str  # offline, paper_out, ..., outbox_failed, suspended, maintenance
    severity: str  # critical, warning, info
    message: str  # English for the log; the page translates by code


@dataclass(frozen=True)
class KioskView:
    id: str
    name: str
    state: str
    version: str
    last_seen_at: datetime | None
    uptime_s: float | None
    devices: dict
    health: dict
    maintenance: bool
    alerts: tuple[Alert, ...]
    site: str = ""


def record_fault(db: Session, kiosk_id: str, fault: wire.Fault) -> bool:
    """Store a reported fault; False when this key was stored before."""
    db.add(
        KioskFault(
            kiosk_id=kiosk_id,
            key=fault.key,
            device=fault.device,
            reason=fault.reason,
            detail=fault.detail,
            at=fault.at if fault.at.tzinfo else fault.at.replace(tzinfo=UTC),
            received_at=datetime.now(UTC),
        )
    )
    try:
        db.commit()
    except IntegrityError:
        db.rollback()
        return False
    return True


def recent_faults(db: Session, kiosk_id: str | None = None, limit: int = 50) -> list[KioskFault]:
    query = select(KioskFault).order_by(KioskFault.at.desc(), KioskFault.id.desc()).limit(limit)
    if kiosk_id:
        query = query.where(KioskFault.kiosk_id == kiosk_id)
    return list(db.scalars(query))


def alerts_for(kiosk: Kiosk, rules: FleetSection, now: datetime) -> tuple[Alert, ...]:
    if kiosk.state != "enrolled":
        return ()
    found: list[Alert] = []
    seen = kiosk.last_seen_at
    online = seen is not None and now - seen <= timedelta(minutes=rules.offline_after_min)
    if seen is None:
        found.append(Alert("offline", "critical", "never sent a heartbeat"))
    elif not online:
        found.append(Alert("offline", "critical", f"no heartbeat for {int((now - seen).total_seconds() // 60)} min"))
    for name, status in sorted((kiosk.devices or {}).items()):
        detail = status.get("detail", "")
        if "paper_out" in detail:
            found.append(Alert("paper_out", "critical", f"{name}: paper out"))
        elif "paper_low" in detail or "paper_near_end" in detail:
            found.append(Alert("paper_low", "warning", f"{name}: paper near its end"))
        elif status.get("state") == "fault":
            found.append(Alert("device_fault", "critical", f"{name}: {detail}"))
    health = kiosk.health or {}
    backlog = health.get("outbox_backlog", 0)
    if backlog >= rules.backlog_alert:
        found.append(Alert("backlog", "warning", f"{backlog} items not delivered"))
    elif (
        online
        and backlog
        and health.get("outbox_oldest_s", 0) > rules.stuck_after_min * 60
        and backlog >= health.get("backlog_before", 0)
    ):
        found.append(
            Alert(
                "stuck",
                "warning",
                f"outbox not draining: {backlog} items, oldest {int(health['outbox_oldest_s'] // 60)} min",
            )
        )
    if health.get("outbox_failed"):
        found.append(Alert("outbox_failed", "warning", f"{health['outbox_failed']} items refused by central"))
    if health.get("disk_used_pct", 0) >= rules.disk_alert_pct:
        found.append(Alert("disk", "critical", f"disk {health['disk_used_pct']:.0f}% used"))
    if kiosk.suspended_at is not None:
        found.append(Alert("suspended", "critical", f"suspended: {kiosk.suspended_reason or 'too many ID cards'}"))
    if kiosk.maintenance or health.get("mode") == "maintenance":
        found.append(Alert("maintenance", "info", "in maintenance mode"))
    return tuple(found)


def fleet_view(db: Session, rules: FleetSection, now: datetime | None = None) -> list[KioskView]:
    now = now or datetime.now(UTC)
    kiosks = db.scalars(select(Kiosk).where(Kiosk.revoked_at.is_(None)).order_by(Kiosk.name))
    return [
        KioskView(
            k.id,
            k.name,
            k.state,
            k.version or "",
            k.last_seen_at,
            k.uptime_s,
            k.devices or {},
            k.health or {},
            bool(k.maintenance),
            alerts_for(k, rules, now),
            site=k.site,
        )
        for k in kiosks
    ]
