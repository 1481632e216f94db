"""Settings central pushes to its kiosks: hall hours, a home-screen notice,
limits, maintenance mode (for all kiosks or one). One row; every change bumps
its version, which each heartbeat reply carries, so kiosks fetch the settings
only when they changed (and the GET answers 304 to an unchanged ETag)."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import ValidationError
from sqlalchemy.orm import Session

from central.models import Kiosk, KioskSettingsRow
from central.sites.model import Hours
from central.sites.store import SiteSnapshot
from common.wire import KioskSettings, SiteInfo

# the site block and its holidays come from the kiosk's site (central.sites), not from here
SETTABLE = tuple(name for name in KioskSettings.model_fields if name not in ("version", "site", "closed_dates"))


class SettingsError(Exception):
    pass


def current(db: Session) -> KioskSettings:
    row = db.get(KioskSettingsRow, 1)
    return KioskSettings.model_validate({**(row.body if row else {}), "version": row.version if row else 0})


def for_kiosk(db: Session, kiosk: Kiosk, sites: SiteSnapshot | None = None) -> KioskSettings:
    """The settings, with this kiosk's own maintenance switch (a suspended
    kiosk is out of service too, until a manager reviews it) and its site: who
    it serves, the business types issued there, and the site's hours when the
    site has its own (else the settings' hours) and its holidays."""
    settings = current(db)
    out = settings.maintenance or kiosk.maintenance or kiosk.suspended_at is not None
    update: dict[str, object] = {"maintenance": out}
    site = sites.sites.get(kiosk.site) if sites else None
    if site is not None and sites is not None:
        update["site"] = SiteInfo(
            code=site.code,
            kind=site.kind,  # type: ignore[arg-type]  # one of SITE_KINDS (checked when stored)
            name=site.name,
            name_en=site.name_en,
            address=site.address,
            types=tuple(t.code for t in site.types),
            config_version=sites.version,
        )
        if site.hours != Hours():
            update.update(open_time=site.hours.open, close_time=site.hours.close, open_days=site.hours.days)
        update["closed_dates"] = site.hours.holidays
    return settings.model_copy(update=update)


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
