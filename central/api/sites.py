"""Sites and their configuration at runtime: the public list of sites, and
changes by the city administrator (any site) or a site manager (their own
sites' hours, types, counters and matters). Each change takes effect without a
restart: this worker at once, the others within a second, kiosks at their next
heartbeat (central.sites.store)."""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import Field

from central.access import Permission, allowed
from central.api.counters import staff_action
from central.errors import ApiError, refused
from central.sites.model import BusinessType, Counter, Hours, Site, SiteError
from central.sites.store import SiteStore
from central.staff import StaffSession
from common import wire
from common.tickets import TYPE_CODE
from common.wire import SITE_CODE, WireModel

router = APIRouter(prefix=wire.API_PREFIX, tags=["sites"])


class HoursBody(WireModel):
    open: str = "00:00"
    close: str = "24:00"
    days: tuple[int, ...] = (1, 2, 3, 4, 5, 6, 7)
    holidays: tuple[str, ...] = ()


class SiteBody(WireModel):
    code: str = Field(pattern=SITE_CODE)
    kind: str
    name: str = Field(max_length=80)
    name_en: str = Field(default="", max_length=120)
    address: str = Field(default="", max_length=200)
    timezone: str = "Asia/Shanghai"
    latitude: float | None = None
    longitude: float | None = None
    hours: HoursBody = Field(default_factory=HoursBody)


class SiteChange(WireModel):
    name: str | None = Field(default=None, max_length=80)
    name_en: str | None = Field(default=None, max_length=120)
    address: str | None = Field(default=None, max_length=200)
    kind: str | None = None
    timezone: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    hours: HoursBody | None = None
    active: bool | None = None
    announce_zh: str | None = Field(default=None, max_length=120, description="the call as said and shown; '' default")
    announce_en: str | None = Field(default=None, max_length=120)


class TypeBody(WireModel):
    name: str = Field(max_length=80)
    name_en: str = Field(default="", max_length=120)
    avg_minutes: float = 8.0


class CounterBody(WireModel):
    name: str = Field(default="", max_length=40)
    types: tuple[str, ...] = Field(default=(), description="type codes served; empty: every type (综合窗口)")


class MattersBody(WireModel):
    matters: dict[str, str] = Field(description="matter code -> windows (counter numbers, comma-separated; '' any)")
    replace: bool = Field(default=False, description="the site handles exactly these")


class MoveKiosk(WireModel):
    site: str = Field(pattern=SITE_CODE)


def _store(request: Request) -> SiteStore:
    return request.app.state.site_store


def _may_change(session: StaffSession, site: str | None) -> None:
    if allowed(session, Permission.MANAGE_CITY):
        return
    if site is None:
        raise ApiError(403, "admins_only", "adding a site is for the city administrator")
    if not allowed(session, Permission.MANAGE_SITE, site):
        raise ApiError(403, "other_site", f"only {site}'s manager or the city administrator changes it")


def _changed(request: Request, session: StaffSession, action: str, target: str, detail: str, change):
    """Runs `change` (a SiteError refused in words) and records it in the audit
    trail with what changed: the site's fields, types or counters before and after."""
    code = target.split("/", maxsplit=1)[0]
    old = request.app.state.sites.get().sites.get(code)
    before = old.describe() if old is not None else None
    result = refused(SiteError, change)
    new = request.app.state.sites.get().sites.get(code)  # reloaded by the store (on_change)
    after = new.describe() if new is not None else None
    entry = {"what": detail, **site_diff(before, after)} if detail else site_diff(before, after)
    request.app.state.staff.audit(
        session.username,
        action,
        target,
        json.dumps(entry, ensure_ascii=False, separators=(",", ":")),
        role=session.role,
        site=code if new is not None or old is not None else session.site or "",
    )
    return result


def site_diff(before: dict | None, after: dict | None) -> dict:
    """Only what differs: changed fields, and the types or counters added, changed or removed."""
    if before is None or after is None:
        return {"before": before, "after": after}
    old: dict[str, Any] = {}
    new: dict[str, Any] = {}
    for key in sorted(set(before) | set(after)):
        a, b = before.get(key), after.get(key)
        if a == b:
            continue
        if key in ("types", "counters"):
            ident = "code" if key == "types" else "number"
            was = {x[ident]: x for x in a or []}
            now = {x[ident]: x for x in b or []}
            for k in sorted(set(was) | set(now), key=str):
                if was.get(k) != now.get(k):
                    old.setdefault(key, []).append(was.get(k))
                    new.setdefault(key, []).append(now.get(k))
        else:
            old[key], new[key] = a, b
    return {"before": old, "after": new}


@router.get("/sites")
def sites(request: Request) -> dict:
    """Every site in service: kind, names, address, hours, business types and counters (public)."""
    return {"sites": [site.describe() for site in request.app.state.sites.get().sites.values() if site.active]}


@router.post("/sites", status_code=201)
def add_site(body: SiteBody, request: Request, session: StaffSession = Depends(staff_action)) -> dict:
    _may_change(session, None)
    hours = Hours(**body.hours.model_dump())
    site = Site(
        body.code, body.kind, body.name, body.name_en, body.address, body.timezone, body.latitude, body.longitude, hours
    )
    made = _changed(request, session, "site_added", body.code, body.kind, lambda: _store(request).add_site(site))
    return made.describe()


@router.patch("/sites/{code}")
def change_site(code: str, body: SiteChange, request: Request, session: StaffSession = Depends(staff_action)) -> dict:
    _may_change(session, code)
    changes = body.model_dump(exclude_unset=True)
    if "hours" in changes:
        changes["hours"] = Hours(**changes["hours"])
    if "kind" in changes and not allowed(session, Permission.MANAGE_CITY):
        raise ApiError(403, "admins_only", "changing what kind of site it is is for the city administrator")
    detail = ", ".join(sorted(changes))
    changed = _changed(
        request, session, "site_changed", code, detail, lambda: _store(request).update_site(code, **changes)
    )
    return changed.describe()


@router.put("/sites/{code}/types/{type_code}")
def put_type(
    code: str, type_code: str, body: TypeBody, request: Request, session: StaffSession = Depends(staff_action)
) -> dict:
    _may_change(session, code)
    kind = BusinessType(type_code, body.name, body.name_en, body.avg_minutes)
    site = _changed(
        request, session, "type_set", f"{code}/{type_code}", body.name, lambda: _store(request).put_type(code, kind)
    )
    return site.describe()


@router.delete("/sites/{code}/types/{type_code}")
def remove_type(code: str, type_code: str, request: Request, session: StaffSession = Depends(staff_action)) -> dict:
    _may_change(session, code)
    site = _changed(
        request,
        session,
        "type_removed",
        f"{code}/{type_code}",
        "",
        lambda: _store(request).remove_type(code, type_code),
    )
    return site.describe()


@router.put("/sites/{code}/counters/{number}")
def put_counter(
    code: str, number: int, body: CounterBody, request: Request, session: StaffSession = Depends(staff_action)
) -> dict:
    _may_change(session, code)
    bad = [t for t in body.types if not re.fullmatch(TYPE_CODE, t)]
    if bad:
        raise ApiError(422, "bad_type_code", f"not business type codes: {bad}")
    counter = Counter(number, body.name, tuple(body.types))
    detail = ",".join(body.types) or "all types"
    site = _changed(
        request, session, "counter_set", f"{code}/{number}", detail, lambda: _store(request).put_counter(code, counter)
    )
    return site.describe()


@router.delete("/sites/{code}/counters/{number}")
def remove_counter(code: str, number: int, request: Request, session: StaffSession = Depends(staff_action)) -> dict:
    _may_change(session, code)
    site = _changed(
        request,
        session,
        "counter_removed",
        f"{code}/{number}",
        "",
        lambda: _store(request).remove_counter(code, number),
    )
    return site.describe()


@router.put("/sites/{code}/matters")
def set_matters(code: str, body: MattersBody, request: Request, session: StaffSession = Depends(staff_action)) -> dict:
    """事项进驻: the matters this site handles, and at which windows."""
    _may_change(session, code)
    detail = f"{len(body.matters)} matters{' (all)' if body.replace else ''}"
    listed = _changed(
        request,
        session,
        "matters_set",
        code,
        detail,
        lambda: _store(request).set_matters(code, body.matters, replace_all=body.replace),
    )
    return {"site": code, "matters": listed}


@router.post("/kiosks/{name}/site")
def move_kiosk(name: str, body: MoveKiosk, request: Request, session: StaffSession = Depends(staff_action)) -> dict:
    """The kiosk serves `site` from its next request; its settings follow at its next heartbeat."""
    _may_change(session, None)
    _changed(request, session, "kiosk_moved", name, body.site, lambda: _store(request).move_kiosk(name, body.site))
    return {"kiosk": name, "site": body.site}
