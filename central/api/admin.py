"""The console's accounts and kiosks (/admin): staff with their roles and
sites, kiosks with their one-time enrollment codes. The city administrator
manages everyone; a site manager manages the counter clerks and kiosks of
their own sites; an auditor reads. Each change is an audit entry with the
account or kiosk before and after."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
from dataclasses import asdict

from fastapi import APIRouter, Depends, Request
from pydantic import Field

from central import fleet, kiosk_settings
from central.access import Permission, allowed, require
from central.api.counters import staff_action, staff_session
from central.catalog import importer
from central.db import write_session
from central.errors import ApiError, refused
from central.models import Kiosk
from central.sites.model import SiteError
from central.staff import ROLES, StaffError, StaffSession
from common import wire
from common.wire import SITE_CODE, WireModel

router = APIRouter(prefix=wire.API_PREFIX + "/admin", tags=["admin"])
USERNAME = r"^[a-z][a-z0-9._-]{1,39}$"


class NewStaff(WireModel):
    username: str = Field(pattern=USERNAME, description="lower-case letters, digits, . _ -; 2-40 characters")
    password: str = Field(min_length=10, max_length=200)
    role: str
    display_name: str = Field(default="", max_length=40)
    sites: tuple[str, ...] = ()


class StaffChange(WireModel):
    role: str | None = None
    sites: tuple[str, ...] | None = None
    disabled: bool | None = None
    password: str | None = Field(default=None, min_length=10, max_length=200)
    display_name: str | None = Field(default=None, max_length=40)


class NewKiosk(WireModel):
    name: str = Field(min_length=1, max_length=80)
    site: str = Field(pattern=SITE_CODE)


def _audit(request: Request, session: StaffSession, action: str, target: str, before, after, site: str = "") -> None:
    detail = json.dumps({"before": before, "after": after}, ensure_ascii=False, separators=(",", ":"), default=str)
    request.app.state.staff.audit(session.username, action, target, detail, role=session.role, site=site)


def _staff_error(exc: StaffError) -> ApiError:
    return ApiError(exc.status, exc.code, exc.message)


def _may_manage_account(session: StaffSession, role: str, sites: tuple[str, ...] | list[str]) -> None:
    """A site manager manages counter clerks at their own sites only."""
    if allowed(session, Permission.MANAGE_CITY):
        return
    require(session, Permission.MANAGE_SITE)
    if role != "counter":
        raise ApiError(403, "role_refused", "a site manager adds and changes counter clerks only")
    outside = [s for s in sites if s not in session.sites]
    if outside or not sites:
        raise ApiError(
            403, "other_site", f"you manage {', '.join(session.sites) or 'no site'}, not {outside or 'none'}"
        )


@router.get("/sites")
def sites_to_manage(request: Request, session: StaffSession = Depends(staff_session)) -> dict:
    """Every site this account may see, out of service ones too, with their configuration."""
    if not (allowed(session, Permission.MANAGE_SITE) or allowed(session, Permission.READ_AUDIT)):
        require(session, Permission.MANAGE_SITE)
    known = request.app.state.sites.get().sites.values()
    return {"sites": [{**s.describe(), "active": s.active} for s in known if session.may_see(s.code)]}


# -- staff -------------------------------------------------------------------------------
@router.get("/staff")
def list_staff(request: Request, session: StaffSession = Depends(staff_session)) -> dict:
    """The accounts of the sites you may see (the city administrator: every account)."""
    if not (allowed(session, Permission.MANAGE_SITE) or allowed(session, Permission.READ_AUDIT)):
        require(session, Permission.MANAGE_SITE)
    rows = request.app.state.staff.list()
    if not allowed(session, Permission.MANAGE_CITY):
        rows = [r for r in rows if set(r["sites"]) & set(session.sites)]
    return {"staff": rows, "roles": list(ROLES)}


@router.post("/staff", status_code=201)
def add_staff(body: NewStaff, request: Request, session: StaffSession = Depends(staff_action)) -> dict:
    _may_manage_account(session, body.role, body.sites)
    store = request.app.state.staff
    try:
        store.add(body.username, body.password, body.role, body.sites, display_name=body.display_name)
    except StaffError as exc:
        raise _staff_error(exc) from None
    account = store.account(body.username)
    _audit(request, session, "staff_added", body.username, None, account, site=",".join(account["sites"]))
    return account


@router.patch("/staff/{username}")
def change_staff(
    username: str, body: StaffChange, request: Request, session: StaffSession = Depends(staff_action)
) -> dict:
    store = request.app.state.staff
    current = store.account(username)
    if current is None:
        raise ApiError(404, "unknown_staff", f"no staff {username!r}")
    _may_manage_account(session, current["role"], current["sites"])
    _may_manage_account(
        session, body.role or current["role"], body.sites if body.sites is not None else current["sites"]
    )
    if username == session.username and (body.disabled or (body.role and body.role != session.role)):
        raise ApiError(409, "not_yourself", "you cannot disable your own account or change your own role")
    try:
        before, after = store.change(username, **body.model_dump(exclude_unset=True))
    except StaffError as exc:
        raise _staff_error(exc) from None
    if body.password is not None:  # the audit says a password was set, never what it is
        before, after = {**before, "password": "*"}, {**after, "password": "new"}
    _audit(request, session, "staff_changed", username, before, after, site=",".join(after["sites"]))
    return after


# -- kiosks ------------------------------------------------------------------------------
def _kiosk_view(kiosk: Kiosk) -> dict:
    return {
        "name": kiosk.name,
        "site": kiosk.site,
        "enrolled": kiosk.enrolled_at is not None,
        "revoked": kiosk.revoked_at is not None,
        "waiting_for_enrollment": kiosk.enrollment_code_hash is not None,
        "last_seen_at": kiosk.last_seen_at.isoformat() if kiosk.last_seen_at else None,
        "version": kiosk.version,
        "maintenance": bool(kiosk.maintenance),
    }


def _enrollment(made: fleet.NewEnrollment) -> dict:
    """The code as text and as a QR code of the command a technician runs on the kiosk."""
    import qrcode
    import qrcode.image.svg

    command = f"kiosk enroll {made.code}"
    image = qrcode.make(command, image_factory=qrcode.image.svg.SvgPathImage, box_size=12, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return {
        **_kiosk_view(made.kiosk),
        "code": made.code,
        "command": command,
        "expires_at": made.expires_at.isoformat(),
        "qr_svg": "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode(),
    }


@router.get("/kiosks")
def list_kiosks(request: Request, session: StaffSession = Depends(staff_session)) -> dict:
    if not (allowed(session, Permission.MANAGE_SITE) or allowed(session, Permission.READ_AUDIT)):
        require(session, Permission.MANAGE_SITE)
    with request.app.state.central.sessions() as db:
        kiosks = [_kiosk_view(k) for k in fleet.list_kiosks(db) if session.may_see(k.site)]
    return {"kiosks": kiosks}


@router.post("/kiosks", status_code=201)
def add_kiosk(body: NewKiosk, request: Request, session: StaffSession = Depends(staff_action)) -> dict:
    """Registers a kiosk and shows its one-time code (valid for the configured hours)."""
    require(session, Permission.MANAGE_SITE, body.site)
    ttl = request.app.state.central.config.security.enrollment_code_ttl_h
    with write_session(request.app.state.central.engine) as db:
        try:
            made = fleet.add_kiosk(db, body.name, ttl, site=body.site)
        except fleet.FleetError as exc:
            raise ApiError(409 if exc.code == "exists" else 422, exc.code, exc.message) from None
        view = _enrollment(made)
    _audit(request, session, "kiosk_added", body.name, None, {"site": body.site}, site=body.site)
    return view


def _kiosk_for_change(request: Request, session: StaffSession, name: str):
    with request.app.state.central.sessions() as db:
        try:
            kiosk = fleet.find(db, name)
        except fleet.FleetError as exc:
            raise ApiError(404, exc.code, exc.message) from None
        require(session, Permission.MANAGE_SITE, kiosk.site)
        return _kiosk_view(kiosk)


@router.post("/kiosks/{name}/reissue")
def reissue_kiosk(name: str, request: Request, session: StaffSession = Depends(staff_action)) -> dict:
    """A new one-time code: the kiosk's old secret stops working at once (a replaced terminal)."""
    before = _kiosk_for_change(request, session, name)
    ttl = request.app.state.central.config.security.enrollment_code_ttl_h
    with write_session(request.app.state.central.engine) as db:
        view = _enrollment(fleet.add_kiosk(db, name, ttl, reissue=True))
    _audit(request, session, "kiosk_reissued", name, before, {"site": view["site"]}, site=view["site"])
    return view


@router.post("/kiosks/{name}/revoke")
def revoke_kiosk(name: str, request: Request, session: StaffSession = Depends(staff_action)) -> dict:
    """The kiosk's requests are refused from now on."""
    before = _kiosk_for_change(request, session, name)
    with write_session(request.app.state.central.engine) as db:
        after = _kiosk_view(fleet.revoke(db, name))
    _audit(request, session, "kiosk_revoked", name, before, after, site=after["site"])
    return after


# -- the matter catalog ------------------------------------------------------------------
class CatalogFile(WireModel):
    name: str = Field(min_length=1, max_length=200, description="the file's name (.json or .csv)")
    text: str = Field(description="its contents, UTF-8")
    replace: bool = Field(default=False, description="matters missing from the file are withdrawn")


class CatalogImport(CatalogFile):
    digest: str = Field(description="the preview's digest: what was previewed is what is imported")


def _digest(body: CatalogFile) -> str:
    return hashlib.sha256(f"{body.replace}|{body.name}|{body.text}".encode()).hexdigest()


def _problems(result) -> list[dict]:
    return [{"line": p.line, "where": p.where, "message": p.message} for p in result.problems]


@router.post("/catalog/preview")
def preview_catalog(body: CatalogFile, request: Request, session: StaffSession = Depends(staff_action)) -> dict:
    """Checks a catalog file whole and says what importing it would change; changes nothing.
    Every problem is listed with its line."""
    require(session, Permission.MANAGE_CITY)
    result = importer.read_text(body.text, body.name)
    if result.catalog is None or result.problems:
        return {"ok": False, "problems": _problems(result)}
    with write_session(request.app.state.central.engine) as db:
        summary = importer.apply(db, result.catalog, replace=body.replace, dry_run=True)
    return {
        "ok": True,
        "matters": len(result.catalog.matters),
        "summary": summary.__dict__,
        "digest": _digest(body),
    }


@router.post("/catalog/import")
def import_catalog(body: CatalogImport, request: Request, session: StaffSession = Depends(staff_action)) -> dict:
    """Imports what was previewed (the same file, the same choice of replacing), all or nothing."""
    require(session, Permission.MANAGE_CITY)
    if not hmac.compare_digest(body.digest, _digest(body)):
        raise ApiError(409, "preview_first", "this is not the file that was previewed: preview it again")
    result = importer.read_text(body.text, body.name)
    if result.catalog is None or result.problems:
        first = result.problems[0]
        raise ApiError(422, "bad_catalog", f"line {first.line}: {first.where} {first.message}".strip())
    with write_session(request.app.state.central.engine) as db:
        summary = importer.apply(db, result.catalog, replace=body.replace)
    _audit(request, session, "catalog_imported", body.name, None, {**summary.__dict__, "replace": body.replace})
    request.app.state.matter_index.warm()  # the counter page's matter search sees the new names
    return {"summary": summary.__dict__}


# -- booking quotas ----------------------------------------------------------------------
class BookingRulesChange(WireModel):
    slot_minutes: int | None = Field(default=None, description="one appointment slot, minutes")
    quota: int | None = Field(default=None, description="bookings per slot")
    days_ahead: int | None = Field(default=None, description="how far ahead citizens may book")
    cutoff_minutes: int | None = Field(default=None, description="booking closes this long before a slot")
    remote: bool | None = Field(default=None, description="线上取号: a queue place from the phone")
    remote_window_min: int | None = None


@router.get("/sites/{code}/booking")
def booking_rules(code: str, request: Request, session: StaffSession = Depends(staff_session)) -> dict:
    """The booking rules of each business type of a site (号源: slots and their quota)."""
    if not (allowed(session, Permission.MANAGE_SITE, code) or allowed(session, Permission.READ_AUDIT, code)):
        require(session, Permission.MANAGE_SITE, code)
    site = refused(SiteError, lambda: request.app.state.sites.get().get(code))
    rules = request.app.state.booking.rules
    return {"types": [{"type": t.code, "name": t.name, **asdict(rules.get(site.code, t.code))} for t in site.types]}


@router.put("/sites/{code}/booking/{type_code}")
def set_booking_rules(
    code: str, type_code: str, body: BookingRulesChange, request: Request, session: StaffSession = Depends(staff_action)
) -> dict:
    """Changes a type's booking rules; in force at once here, within a second on other nodes."""
    require(session, Permission.MANAGE_SITE, code)
    site = refused(SiteError, lambda: request.app.state.sites.get().get(code))
    if type_code not in site.type_map:
        raise ApiError(404, "unknown_type", f"no business type {type_code!r} at {site.name}")
    rules = request.app.state.booking.rules
    before = asdict(rules.get(code, type_code))
    try:
        after = asdict(rules.set(code, type_code, **body.model_dump(exclude_none=True)))
    except ValueError as exc:
        raise ApiError(422, "bad_rules", str(exc)) from None
    _audit(request, session, "booking_rules_set", f"{code}/{type_code}", before, after, site=code)
    return after


# -- what every kiosk is told (central.kiosk_settings) -----------------------------------
class KioskSettingsChange(WireModel):
    notice_zh: str | None = Field(default=None, max_length=200, description="a line on every home screen")
    notice_en: str | None = Field(default=None, max_length=200)
    idle_timeout_s: int | None = Field(default=None, ge=0, le=3600, description="0: each kiosk's own")
    max_copies: int | None = Field(default=None, ge=0, le=20, description="0: each kiosk's own")


@router.get("/kiosk-settings")
def kiosk_settings_now(request: Request, session: StaffSession = Depends(staff_session)) -> dict:
    if not (allowed(session, Permission.MANAGE_SITE) or allowed(session, Permission.READ_AUDIT)):
        require(session, Permission.MANAGE_SITE)
    with request.app.state.central.sessions() as db:
        return kiosk_settings.current(db).model_dump(mode="json", include=set(KioskSettingsChange.model_fields))


@router.put("/kiosk-settings")
def change_kiosk_settings(
    body: KioskSettingsChange, request: Request, session: StaffSession = Depends(staff_action)
) -> dict:
    """Every kiosk's notice and limits, in force at each one's next heartbeat (city administrator)."""
    require(session, Permission.MANAGE_CITY)
    fields = set(KioskSettingsChange.model_fields)
    with write_session(request.app.state.central.engine) as db:
        before = kiosk_settings.current(db).model_dump(mode="json", include=fields)
        try:
            after = kiosk_settings.update(db, body.model_dump(exclude_none=True))
        except kiosk_settings.SettingsError as exc:
            raise ApiError(422, "bad_setting", str(exc)) from None
    shown = after.model_dump(mode="json", include=fields)
    _audit(request, session, "kiosk_settings_set", "all kiosks", before, shown)
    return shown


# -- 事项进驻: which matters a site handles ------------------------------------------------
@router.get("/sites/{code}/matters")
def site_matters(code: str, request: Request, session: StaffSession = Depends(staff_session)) -> dict:
    """The matters a site lists with their windows (none listed: it handles every matter)."""
    if not (allowed(session, Permission.MANAGE_SITE, code) or allowed(session, Permission.READ_AUDIT, code)):
        require(session, Permission.MANAGE_SITE, code)
    refused(SiteError, lambda: request.app.state.sites.get().get(code))
    listed = request.app.state.site_store.matters_of(code)
    names = request.app.state.matter_index.names(listed)
    return {
        "all": not listed,
        "matters": [{"code": c, "name": names.get(c, c), "windows": w} for c, w in listed.items()],
    }
