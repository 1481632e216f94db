"""Settings central pushes to its kiosks: hall hours, a home-screen notice,
limits, maintenance mode (for all kiosks or one). One row; every change bumps
its version, which each heartbeat reply carries, so kiosks fetch the settings
only when they changed (and the GET answers 304 to an unchanged ETag)."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import ValidationError
from sqlalchemy.orm import Session

from central.models import Kiosk, KioskSettingsRow
from common.wire import KioskSettings

SETTABLE = tuple(name for name in KioskSettings.model_fields if name != "version")


class SettingsError(Exception):
    pass


def current(db: Session) -> KioskSettings:
    row = db.get(KioskSettingsRow, 1)
    return KioskSettings.model_validate({**(row.body if row else {}), "version": row.version if row else 0})


def for_kiosk(db: Session, kiosk: Kiosk) -> KioskSettings:
    """The hall's settings, with this kiosk's own maintenance switch (a
    suspended kiosk is out of service too, until a manager reviews it)."""
    settings = current(db)
    out = settings.maintenance or kiosk.maintenance or kiosk.suspended_at is not None
    return settings.model_copy(update={"maintenance": out})


def bump(db: Session) -> KioskSettings:
    """A new version with nothing changed: every kiosk fetches its settings again
    (one kiosk's own switch, or its suspension, changed)."""
    settings = current(db)
    bumped = settings.model_copy(update={"version": settings.version + 1})
    _store(db, bumped)
    return bumped


def update(db: Session, changes: dict[str, object]) -> KioskSettings:
    """Apply `changes` (validated as a whole) and bump the version."""
    unknown = set(changes) - set(SETTABLE)
    if unknown:
        raise SettingsError(f"unknown setting(s) {sorted(unknown)}; known: {', '.join(SETTABLE)}")
    old = current(db)
    try:
        new = KioskSettings.model_validate({**old.model_dump(), **changes, "version": old.version + 1})
    except ValidationError as exc:
        first = exc.errors()[0]
        raise SettingsError(f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}") from None
    _store(db, new)
    return new


def set_maintenance(db: Session, kiosk: Kiosk | None, on: bool) -> KioskSettings:
    """Maintenance for one kiosk, or for all when `kiosk` is None."""
    if kiosk is None:
        return update(db, {"maintenance": on})
    kiosk.maintenance = on
    return bump(db)


def _store(db: Session, settings: KioskSettings) -> None:
    row = db.get(KioskSettingsRow, 1)
    body = settings.model_dump(mode="json", exclude={"version"})
    now = datetime.now(UTC)
    if row is None:
        db.add(KioskSettingsRow(id=1, version=settings.version, body=body, updated_at=now))
    else:
        row.version, row.body, row.updated_at = settings.version, body, now
    db.commit()


def version(db: Session) -> int:
    row = db.get(KioskSettingsRow, 1)
    return row.version if row else 0
