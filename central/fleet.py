"""The kiosk registry: add, enroll, revoke, heartbeat. Plain functions over a
SQLAlchemy session so the CLI and the HTTP API share them."""

from __future__ import annotations

import base64
import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from central.clock import utcnow
from central.models import Heartbeat, Kiosk
from central.sites.tables import sites
from common import wire
from common.signing import derive_kiosk_secret

# no 0/O, 1/I/L: the code is read off a screen and typed on a kiosk keyboard
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
HEARTBEATS_KEPT_PER_KIOSK = 2000


class FleetError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def new_enrollment_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    return "-".join(raw[i : i + 4] for i in range(0, 12, 4))


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def hash_code(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


@dataclass(frozen=True)
class NewEnrollment:
    kiosk: Kiosk
    code: str
    expires_at: datetime


def add_kiosk(
    db: Session, name: str, ttl_hours: int, *, reissue: bool = False, site: str | None = None
) -> NewEnrollment:
    """Register a kiosk at `site` (None: the first site) with a one-time enrollment code."""
    name = name.strip()
    if not name or len(name) > 80:
        raise FleetError("bad_name", "a kiosk name is 1-80 characters")
    known = list(db.scalars(select(sites.c.code).order_by(sites.c.position, sites.c.code)))
    if site is not None and site not in known:
        raise FleetError("unknown_site", f"no site {site!r}; known: {', '.join(known)}")
    requested, site = site, site or known[0]
    kiosk = db.scalar(select(Kiosk).where(Kiosk.name == name))
    if kiosk is not None and not reissue:
        raise FleetError("exists", f"a kiosk named {name!r} exists; use --reissue to give it a new code")
    now = utcnow()
    if kiosk is None:
        kiosk = Kiosk(id=str(uuid.uuid4()), name=name, site=site, created_at=now, secret_generation=0)
        db.add(kiosk)
    else:
        # a reissued kiosk gets a new secret: the old one stops working at once
        kiosk.secret_generation += 1
        kiosk.enrolled_at = None
        kiosk.revoked_at = None
        kiosk.site = requested or kiosk.site
    code = new_enrollment_code()
    kiosk.enrollment_code_hash = hash_code(code)
    kiosk.enrollment_expires_at = now + timedelta(hours=ttl_hours)
    db.commit()
    return NewEnrollment(kiosk, code, kiosk.enrollment_expires_at)


def enroll(db: Session, master_key: bytes, request: wire.EnrollRequest) -> tuple[Kiosk, bytes]:
    # locked: of two uses of one code at once, the second reads the cleared hash (PostgreSQL too)
    kiosk = db.scalar(select(Kiosk).where(Kiosk.enrollment_code_hash == hash_code(request.code)).with_for_update())
    if kiosk is None or kiosk.revoked_at is not None:
        raise FleetError(
            "bad_enrollment_code",
            "unknown or already used enrollment code; ask for a new one with `kiosk-central kiosks add NAME --reissue`",
        )
    if kiosk.enrollment_expires_at is None or kiosk.enrollment_expires_at < utcnow():
        raise FleetError(
            "expired_enrollment_code",
            "the enrollment code has expired; ask for a new one with `kiosk-central kiosks add NAME --reissue`",
        )
    kiosk.enrollment_code_hash = None
    kiosk.enrollment_expires_at = None
    kiosk.enrolled_at = utcnow()
    kiosk.version = request.version
    db.commit()
    return kiosk, derive_kiosk_secret(master_key, kiosk.id, kiosk.secret_generation)


def secret_b64(secret: bytes) -> str:
    return base64.b64encode(secret).decode()


def list_kiosks(db: Session) -> list[Kiosk]:
    return list(db.scalars(select(Kiosk).order_by(Kiosk.name)))


def find(db: Session, name_or_id: str) -> Kiosk:
    kiosk = db.scalar(select(Kiosk).where((Kiosk.name == name_or_id) | (Kiosk.id == name_or_id)))
    if kiosk is None:
        raise FleetError("unknown_kiosk", f"no kiosk named {name_or_id!r}")
    return kiosk


def revoke(db: Session, name_or_id: str) -> Kiosk:
    kiosk = find(db, name_or_id)
    if kiosk.revoked_at is None:
        kiosk.revoked_at = utcnow()
        kiosk.enrollment_code_hash = None
        db.commit()
    return kiosk


def record_heartbeat(db: Session, kiosk: Kiosk, beat: wire.HeartbeatRequest) -> None:
    now = utcnow()
    devices = {name: status.model_dump() for name, status in beat.devices.items()}
    kiosk.last_seen_at = now
    kiosk.version = beat.version
    kiosk.uptime_s = beat.uptime_s
    kiosk.devices = devices
    if beat.health is not None:
        before = (kiosk.health or {}).get("outbox_backlog", 0)
        kiosk.health = {**beat.health.model_dump(mode="json"), "backlog_before": before}
    db.add(
        Heartbeat(
            kiosk_id=kiosk.id,
            received_at=now,
            sent_at=beat.sent_at,
            version=beat.version,
            uptime_s=beat.uptime_s,
            devices=devices,
        )
    )
    db.flush()
    # keep history bounded: a kiosk beating every 30 s for years must not fill the disk
    cutoff = db.scalar(
        select(Heartbeat.id)
        .where(Heartbeat.kiosk_id == kiosk.id)
        .order_by(Heartbeat.id.desc())
        .offset(HEARTBEATS_KEPT_PER_KIOSK)
        .limit(1)
    )
    if cutoff is not None:
        db.execute(delete(Heartbeat).where(Heartbeat.kiosk_id == kiosk.id, Heartbeat.id <= cutoff))
    db.commit()
