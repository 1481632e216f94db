"""What a site is, and the rules its configuration must keep. Plain values:
the store reads and writes them, the queue engine and pages read them."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import cached_property
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from central.config import announcement_problem
from common.tickets import type_code_problem
from common.wire import SITE_CODE, SITE_KINDS

HHMM = re.compile(r"([01]\d|2[0-3]):[0-5]\d|24:00")
KIND_NAMES = {"hall": "政务服务中心", "centre": "便民服务中心", "self_service": "24小时自助服务点"}


class SiteError(Exception):
    """A configuration change refused; `message` says what is wrong and what to do."""

    def __init__(self, code: str, message: str, status: int = 422):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


@dataclass(frozen=True)
class BusinessType:
    code: str
    name: str
    name_en: str = ""
    avg_minutes: float = 8.0  # average handling time at a counter, for the estimated wait


@dataclass(frozen=True)
class Counter:
    number: int
    name: str = ""
    types: tuple[str, ...] = ()  # empty: a 综合窗口 that serves every type

    @property
    def label(self) -> str:
        return self.name or f"{self.number}号窗口"


@dataclass(frozen=True)
class Hours:
    """When the counters work (local time); holidays are whole days closed."""

    open: str = "00:00"
    close: str = "24:00"
    days: tuple[int, ...] = (1, 2, 3, 4, 5, 6, 7)  # ISO weekdays
    holidays: tuple[str, ...] = ()  # YYYY-MM-DD

    def open_at(self, local: datetime) -> bool:
        if local.isoweekday() not in self.days or local.date().isoformat() in self.holidays:
            return False
        return self.open <= f"{local:%H:%M}" < self.close

    def to_json(self) -> dict:
        return {"open": self.open, "close": self.close, "days": list(self.days), "holidays": list(self.holidays)}

    @classmethod
    def from_json(cls, data: dict) -> Hours:
        return cls(
            data.get("open", "00:00"),
            data.get("close", "24:00"),
            tuple(data.get("days", (1, 2, 3, 4, 5, 6, 7))),
            tuple(data.get("holidays", ())),
        )


@dataclass(frozen=True)
class Site:
    code: str
    kind: str
    name: str
    name_en: str = ""
    address: str = ""
    timezone: str = "Asia/Shanghai"
    latitude: float | None = None
    longitude: float | None = None
    hours: Hours = field(default_factory=Hours)
    position: int = 0
    active: bool = True
    types: tuple[BusinessType, ...] = ()
    counters: tuple[Counter, ...] = ()
    # the spoken and shown call at this site ("" : the [display] templates): {number}, optionally {counter}
    announce_zh: str = ""
    announce_en: str = ""

    @property
    def issues_tickets(self) -> bool:
        """A self-service point has no counters: its kiosks show the halls' queues instead."""
        return self.kind != "self_service"

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @cached_property
    def type_map(self) -> dict[str, BusinessType]:
        return {t.code: t for t in self.types}

    @cached_property
    def counter_map(self) -> dict[int, Counter]:
        return {c.number: c for c in self.counters}

    def counters_for(self, code: str) -> list[str]:
        """The names of the counters serving business type `code`."""
        return [c.label for c in self.counters if not c.types or code in c.types]

    def describe(self) -> dict:
        """The site as JSON: what `GET /sites` and `sites list --json` answer, and what
        `sites import` and the seeding migration (0011) read."""
        return {
            "code": self.code,
            "kind": self.kind,
            "name": self.name,
            "name_en": self.name_en,
            "address": self.address,
            "timezone": self.timezone,
            "latitude": self.latitude,
            "longitude": self.longitude,
            "hours": self.hours.to_json(),
            "issues_tickets": self.issues_tickets,
            "types": [
                {"code": t.code, "name": t.name, "name_en": t.name_en, "avg_minutes": t.avg_minutes} for t in self.types
            ],
            "counters": [{"number": c.number, "name": c.label, "types": list(c.types)} for c in self.counters],
            "announce_zh": self.announce_zh,
            "announce_en": self.announce_en,
        }

    def distance_km(self, other: Site) -> float | None:
        """Great-circle distance, when both sites have coordinates."""
        if None in (self.latitude, self.longitude, other.latitude, other.longitude):
            return None
        lat1, lon1, lat2, lon2 = map(math.radians, (self.latitude, self.longitude, other.latitude, other.longitude))  # type: ignore[arg-type]
        h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
        return round(6371.0 * 2 * math.asin(math.sqrt(h)), 1)


def check_site(site: Site) -> Site:
    """The site as given, or SiteError naming the first thing wrong."""
    if not re.fullmatch(SITE_CODE, site.code):
        raise SiteError(
            "bad_site_code",
            f"site code {site.code!r}: expected 2-24 lower-case letters, digits or '-', starting with a letter",
        )
    if site.kind not in SITE_KINDS:
        raise SiteError("bad_kind", f"site kind {site.kind!r}: expected one of {', '.join(SITE_KINDS)}")
    if not site.name.strip() or len(site.name) > 80:
        raise SiteError("bad_name", "a site needs a Chinese name of 1-80 characters")
    try:
        ZoneInfo(site.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise SiteError("bad_timezone", f"unknown time zone {site.timezone!r}; e.g. Asia/Shanghai") from None
    for name, value, bound in (("latitude", site.latitude, 90), ("longitude", site.longitude, 180)):
        if value is not None and not -bound <= value <= bound:
            raise SiteError("bad_location", f"{name} {value}: expected -{bound} to {bound} degrees")
    check_hours(site.hours)
    for key in ("announce_zh", "announce_en"):
        problem = announcement_problem(getattr(site, key))
        if problem:
            raise SiteError("bad_announcement", f"{key}: {problem}")
    for kind in site.types:
        check_type(kind)
    codes = [t.code for t in site.types]
    if len(set(codes)) != len(codes):
        raise SiteError("duplicate_type", f"two business types share a code at {site.code}")
    if not site.issues_tickets and (site.types or site.counters):
        raise SiteError(
            "self_service_queue",
            "a self-service point issues no numbers: it has no business types or counters (its kiosks show the halls')",
        )
    for counter in site.counters:
        check_counter(counter, codes)
    if len({c.number for c in site.counters}) != len(site.counters):
        raise SiteError("duplicate_counter", f"two counters share a number at {site.code}")
    return site


def check_hours(hours: Hours) -> None:
    if not HHMM.fullmatch(hours.open) or not HHMM.fullmatch(hours.close) or hours.open >= hours.close:
        raise SiteError("bad_hours", f"hours {hours.open}-{hours.close}: expected HH:MM-HH:MM, opening first")
    if not hours.days or any(d not in range(1, 8) for d in hours.days):
        raise SiteError("bad_hours", f"open days {list(hours.days)}: expected ISO weekdays 1 (Monday) to 7")
    for day in hours.holidays:
        try:
            date.fromisoformat(day)
        except ValueError:
            raise SiteError("bad_holiday", f"holiday {day!r}: expected YYYY-MM-DD") from None


def check_type(kind: BusinessType) -> None:
    problem = type_code_problem(kind.code)
    if problem:
        raise SiteError("bad_type_code", f"business type code {problem}")
    if not kind.name.strip() or len(kind.name) > 80:
        raise SiteError("bad_name", f"business type {kind.code} needs a name of 1-80 characters")
    if not 0.5 <= kind.avg_minutes <= 240:
        raise SiteError(
            "bad_avg_minutes", f"business type {kind.code}: expected 0.5-240 minutes, got {kind.avg_minutes}"
        )


def check_counter(counter: Counter, codes: list[str]) -> None:
    if not 1 <= counter.number <= 999:
        raise SiteError("bad_counter", f"counter number {counter.number}: expected 1-999")
    unknown = sorted(set(counter.types) - set(codes))
    if unknown:
        raise SiteError("unknown_type", f"counter {counter.number} serves unknown business type(s) {unknown}")


def seed_from_config(config) -> Site:
    """The first site, from the TOML's [hall] and [queue] (a new deployment, or
    the one hall of a database made before sites existed)."""
    hall, queue = config.hall, config.queue
    return replace(
        Site(hall.code, hall.kind, hall.name, hall.name_en, hall.address, hall.timezone),
        types=tuple(BusinessType(t.code, t.name, t.name_en, t.avg_minutes) for t in queue.types),
        counters=tuple(Counter(c.number, c.name, tuple(c.types)) for c in queue.counters),
    )
