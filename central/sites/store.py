"""Every statement on the site tables, and the directory each process reads
them through.

A change is one transaction that locks the `site_config` row first (so changes
from two nodes queue up), checks the whole site as it will be, writes, and
bumps the config version and the kiosks' settings version: every worker and
node reloads within `SiteDirectory.TTL_S`, every kiosk at its next heartbeat."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import TypeVar

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import Connection, Engine

from central.clock import utcnow
from central.db import writer
from central.models import Kiosk, KioskSettingsRow
from central.sites.model import BusinessType, Counter, Hours, Site, SiteError, check_counter, check_site
from central.sites.tables import business_types, site_config, site_counters, site_matters, sites, staff_sites

log = logging.getLogger(__name__)
T = TypeVar("T")
OPEN_STATES = ("waiting", "called", "serving")


@dataclass(frozen=True)
class SiteSnapshot:
    version: int
    sites: dict[str, Site]  # every site, in screen order

    @property
    def first(self) -> Site:
        """The default site: the one-hall deployment's hall, and where old routes point."""
        return next(iter(self.sites.values()))

    def get(self, code: str | None) -> Site:
        if code is None:
            return self.first
        site = self.sites.get(code)
        if site is None:
            raise SiteError("unknown_site", f"no site {code!r}; known: {', '.join(self.sites)}", 404)
        return site

    def nearest_halls(self, origin: Site, limit: int = 3) -> list[tuple[Site, float | None]]:
        """The sites issuing numbers nearest `origin` (by coordinates, else in screen order)."""
        halls = [(s, origin.distance_km(s)) for s in self.sites.values() if s.issues_tickets and s.active]
        halls.sort(key=lambda pair: (pair[1] is None, pair[1] or 0.0, pair[0].position))
        return halls[:limit]


def site_config_version(conn) -> int:
    """The version of every site's configuration together (a Connection or an ORM Session)."""
    return conn.execute(select(site_config.c.version).where(site_config.c.id == 1)).scalar_one_or_none() or 0


def load_sites(conn: Connection) -> SiteSnapshot:
    version = site_config_version(conn)
    types: dict[str, list[BusinessType]] = {}
    for r in conn.execute(select(business_types).order_by(business_types.c.site, business_types.c.position)):
        types.setdefault(r.site, []).append(BusinessType(r.code, r.name, r.name_en, r.avg_minutes))
    counters: dict[str, list[Counter]] = {}
    for r in conn.execute(select(site_counters).order_by(site_counters.c.site, site_counters.c.number)):
        served = tuple(code for code in r.types.split(",") if code)
        counters.setdefault(r.site, []).append(Counter(r.number, r.name, served))
    out: dict[str, Site] = {}
    for r in conn.execute(select(sites).order_by(sites.c.position, sites.c.code)):
        out[r.code] = Site(
            r.code,
            r.kind,
            r.name,
            r.name_en,
            r.address,
            r.timezone,
            r.latitude,
            r.longitude,
            Hours.from_json(json.loads(r.hours)),
            r.position,
            bool(r.active),
            tuple(types.get(r.code, ())),
            tuple(counters.get(r.code, ())),
            r.announce_zh,
            r.announce_en,
        )
    return SiteSnapshot(version, out)


def site_row(site: Site) -> dict:
    """The `sites` row of a site."""
    described = site.describe()
    own = (
        "code",
        "kind",
        "name",
        "name_en",
        "address",
        "timezone",
        "latitude",
        "longitude",
        "announce_zh",
        "announce_en",
    )
    return {
        **{key: described[key] for key in own},
        "hours": json.dumps(described["hours"]),
        "position": site.position,
        "active": site.active,
    }


def insert_site(conn: Connection, site: Site) -> None:
    """The site with its types and counters (used by the seeding migration too)."""
    conn.execute(insert(sites).values(**site_row(site)))
    for position, kind in enumerate(site.types):
        conn.execute(
            insert(business_types).values(
                site=site.code,
                code=kind.code,
                name=kind.name,
                name_en=kind.name_en,
                avg_minutes=kind.avg_minutes,
                position=position,
            )
        )
    for counter in site.counters:
        conn.execute(
            insert(site_counters).values(
                site=site.code, number=counter.number, name=counter.name, types=",".join(counter.types)
            )
        )


class SiteStore:
    """Changes to sites, types, counters, availability, kiosks' and staff's sites."""

    def __init__(self, engine: Engine, on_change: Callable[[], None] | None = None):
        self.engine = engine
        self.on_change = on_change  # this process's directory reloads at once

    def snapshot(self) -> SiteSnapshot:
        with self.engine.connect() as conn:
            return load_sites(conn)

    def _change(self, work: Callable[[Connection, SiteSnapshot], T]) -> T:
        with writer(self.engine) as conn, conn.begin():
            locked = conn.execute(select(site_config.c.version).where(site_config.c.id == 1).with_for_update())
            if locked.scalar_one_or_none() is None:
                conn.execute(insert(site_config).values(id=1, version=0))
            result = work(conn, load_sites(conn))
            conn.execute(update(site_config).where(site_config.c.id == 1).values(version=site_config.c.version + 1))
            bump_kiosk_settings(conn)
        if self.on_change:
            self.on_change()
        return result

    # -- sites ------------------------------------------------------------------
    def add_site(self, site: Site) -> Site:
        check_site(site)

        def work(conn: Connection, now: SiteSnapshot) -> Site:
            if site.code in now.sites:
                raise SiteError("site_exists", f"site {site.code!r} exists; change it with `sites set`", 409)
            placed = replace(site, position=site.position or len(now.sites) + 1)
            insert_site(conn, placed)
            return placed

        return self._change(work)

    def update_site(self, code: str, **changes) -> Site:
        """Change a site's own fields (names, address, kind, time zone, location, hours, active, call templates)."""
        allowed = {
            "name",
            "name_en",
            "address",
            "kind",
            "timezone",
            "latitude",
            "longitude",
            "hours",
            "active",
            "announce_zh",
            "announce_en",
        }
        unknown = set(changes) - allowed
        if unknown:
            raise SiteError(
                "bad_field", f"unknown site field(s) {sorted(unknown)}; known: {', '.join(sorted(allowed))}"
            )

        def work(conn: Connection, now: SiteSnapshot) -> Site:
            new = check_site(replace(now.get(code), **changes))
            row = site_row(new)
            conn.execute(update(sites).where(sites.c.code == code).values(**{k: row[k] for k in changes}))
            return new

        return self._change(work)

    # -- business types ---------------------------------------------------------
    def put_type(self, code: str, kind: BusinessType) -> Site:
        """Add a business type to a site, or change its names and handling time."""

        def work(conn: Connection, now: SiteSnapshot) -> Site:
            site = now.get(code)
            if not site.issues_tickets:
                raise SiteError("self_service_queue", f"{site.code} is a self-service point: it issues no numbers")
            known = site.type_map.get(kind.code)
            types = tuple(kind if t.code == kind.code else t for t in site.types) if known else (*site.types, kind)
            new = check_site(replace(site, types=types))
            values = {"name": kind.name, "name_en": kind.name_en, "avg_minutes": kind.avg_minutes}
            if known:
                conn.execute(
                    update(business_types)
                    .where(business_types.c.site == code, business_types.c.code == kind.code)
                    .values(**values)
                )
            else:
                conn.execute(
                    insert(business_types).values(site=code, code=kind.code, position=len(site.types), **values)
                )
            return new

        return self._change(work)

    def remove_type(self, code: str, type_code: str) -> Site:
        """Refused while a counter names it, or tickets of it are still open."""
        from central.queue.tables import tickets

        def work(conn: Connection, now: SiteSnapshot) -> Site:
            site = now.get(code)
            if type_code not in site.type_map:
                raise SiteError("unknown_type", f"{code} has no business type {type_code!r}", 404)
            naming = [c.number for c in site.counters if type_code in c.types]
            if naming:
                raise SiteError("type_in_use", f"counter(s) {naming} serve {type_code}: change them first", 409)
            still = conn.execute(
                select(func.count())
                .select_from(tickets)
                .where(tickets.c.site == code, tickets.c.type == type_code, tickets.c.state.in_(OPEN_STATES))
            ).scalar_one()
            if still:
                raise SiteError(
                    "type_in_use",
                    f"{still} ticket(s) of {type_code} are still open: transfer or finish them first",
                    409,
                )
            conn.execute(
                delete(business_types).where(business_types.c.site == code, business_types.c.code == type_code)
            )
            return replace(site, types=tuple(t for t in site.types if t.code != type_code))

        return self._change(work)

    # -- counters ---------------------------------------------------------------
    def put_counter(self, code: str, counter: Counter) -> Site:
        def work(conn: Connection, now: SiteSnapshot) -> Site:
            site = now.get(code)
            if not site.issues_tickets:
                raise SiteError("self_service_queue", f"{site.code} is a self-service point: it has no counters")
            check_counter(counter, [t.code for t in site.types])
            known = counter.number in site.counter_map
            values = {"name": counter.name, "types": ",".join(counter.types)}
            if known:
                conn.execute(
                    update(site_counters)
                    .where(site_counters.c.site == code, site_counters.c.number == counter.number)
                    .values(**values)
                )
            else:
                conn.execute(insert(site_counters).values(site=code, number=counter.number, **values))
            others = tuple(c for c in site.counters if c.number != counter.number)
            return replace(site, counters=tuple(sorted((*others, counter), key=lambda c: c.number)))

        return self._change(work)

    def remove_counter(self, code: str, number: int) -> Site:
        from central.queue.tables import counter_states

        def work(conn: Connection, now: SiteSnapshot) -> Site:
            site = now.get(code)
            if number not in site.counter_map:
                raise SiteError("unknown_counter", f"{code} has no counter {number}", 404)
            held = conn.execute(
                select(counter_states.c.ticket_id).where(
                    counter_states.c.site == code, counter_states.c.number == number
                )
            ).scalar_one_or_none()
            if held:
                raise SiteError("counter_busy", f"counter {number} is serving a citizen: finish first", 409)
            conn.execute(delete(site_counters).where(site_counters.c.site == code, site_counters.c.number == number))
            conn.execute(delete(counter_states).where(counter_states.c.site == code, counter_states.c.number == number))
            return replace(site, counters=tuple(c for c in site.counters if c.number != number))

        return self._change(work)

    # -- 事项进驻: which matters a site handles -----------------------------------
    def set_matters(self, code: str, matters: dict[str, str], *, replace_all: bool = False) -> int:
        """Matter code -> windows (counter numbers, comma-separated; "" any).
        `replace_all`: the site handles exactly these. Returns how many it lists."""

        def work(conn: Connection, now: SiteSnapshot) -> int:
            site = now.get(code)
            windows = {n for w in matters.values() for n in w.split(",") if n.strip()}
            bad = sorted(w for w in windows if not w.strip().isdigit() or int(w) not in site.counter_map)
            if bad:
                raise SiteError("unknown_counter", f"{code} has no counter(s) {bad}")
            if replace_all:
                conn.execute(delete(site_matters).where(site_matters.c.site == code))
            else:
                conn.execute(
                    delete(site_matters).where(
                        site_matters.c.site == code, site_matters.c.matter_code.in_(list(matters))
                    )
                )
            for matter, where in sorted(matters.items()):
                conn.execute(insert(site_matters).values(site=code, matter_code=matter, windows=where))
            return conn.execute(
                select(func.count()).select_from(site_matters).where(site_matters.c.site == code)
            ).scalar_one()

        return self._change(work)

    def matters_of(self, code: str) -> dict[str, str]:
        """The matters a site lists (code -> windows); empty: it handles every matter."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(site_matters.c.matter_code, site_matters.c.windows)
                .where(site_matters.c.site == code)
                .order_by(site_matters.c.matter_code)
            ).all()
        return {r[0]: r[1] for r in rows}

    def availability(self, matter_codes: Iterable[str] | None = None) -> dict[str, dict[str, str]]:
        """Matter code -> {site: windows} for the sites that list their matters."""
        query = select(site_matters.c.matter_code, site_matters.c.site, site_matters.c.windows)
        if matter_codes is not None:
            query = query.where(site_matters.c.matter_code.in_(list(matter_codes)))
        out: dict[str, dict[str, str]] = {}
        with self.engine.connect() as conn:
            for matter, site, windows in conn.execute(query):
                out.setdefault(matter, {})[site] = windows
        return out

    def listing_sites(self) -> set[str]:
        """Sites that list the matters they handle (the others handle every matter)."""
        with self.engine.connect() as conn:
            return set(conn.execute(select(site_matters.c.site).distinct()).scalars())

    def handled_at(self, sites: SiteSnapshot, matter_code: str) -> dict[str, tuple[int, ...]]:
        """Site -> windows (empty: any counter) of every site in service handling the
        matter: those listing it, and the halls and centres that list nothing; a
        self-service point handles only what it lists."""
        listing = self.listing_sites()
        listed = self.availability([matter_code]).get(matter_code, {})
        handled: dict[str, tuple[int, ...]] = {}
        for site in sites.sites.values():
            if not site.active:
                continue
            if site.code in listing and site.code in listed:
                handled[site.code] = tuple(int(w) for w in listed[site.code].split(",") if w.strip().isdigit())
            elif site.code not in listing and site.issues_tickets:
                handled[site.code] = ()
        return handled

    # -- kiosks and staff -------------------------------------------------------
    def move_kiosk(self, name: str, code: str) -> None:
        """The kiosk belongs to `code` from its next request on (its settings follow at the next heartbeat)."""

        def work(conn: Connection, now: SiteSnapshot) -> None:
            now.get(code)
            if not conn.execute(update(Kiosk).where(Kiosk.name == name).values(site=code)).rowcount:
                raise SiteError("unknown_kiosk", f"no kiosk named {name!r}", 404)

        self._change(work)

    def set_staff_sites(self, username: str, codes: list[str]) -> None:
        def work(conn: Connection, now: SiteSnapshot) -> None:
            for code in codes:
                now.get(code)
            conn.execute(delete(staff_sites).where(staff_sites.c.username == username))
            for code in sorted(set(codes)):
                conn.execute(insert(staff_sites).values(username=username, site=code))

        self._change(work)

    def staff_sites(self, username: str) -> tuple[str, ...]:
        with self.engine.connect() as conn:
            return tuple(
                conn.execute(
                    select(staff_sites.c.site).where(staff_sites.c.username == username).order_by(staff_sites.c.site)
                ).scalars()
            )


def bump_kiosk_settings(conn: Connection) -> None:
    """Every kiosk fetches its settings again at its next heartbeat (its site changed)."""
    row = KioskSettingsRow
    if not conn.execute(update(row).where(row.id == 1).values(version=row.version + 1)).rowcount:
        conn.execute(insert(row).values(id=1, version=1, body={}, updated_at=utcnow()))


class SiteDirectory:
    """This process's view of the sites: loaded once, then checked against the
    config version at most every TTL_S. A stale view is served while a thread
    reloads it (a ticket never waits for that); changes made by this process
    reload it at once."""

    TTL_S = 1.0

    def __init__(self, engine: Engine):
        self.engine = engine
        self._snapshot: SiteSnapshot | None = None
        self._checked = 0.0
        self._lock = threading.Lock()
        self._reloading = False

    def get(self) -> SiteSnapshot:
        snapshot = self._snapshot
        if snapshot is None:
            return self.reload()
        if time.monotonic() - self._checked > self.TTL_S:
            with self._lock:
                start = not self._reloading
                self._reloading = True
            if start:
                threading.Thread(target=self._check, name="site-directory", daemon=True).start()
        return snapshot

    def site(self, code: str | None) -> Site:
        return self.get().get(code)

    def reload(self) -> SiteSnapshot:
        with self.engine.connect() as conn:
            snapshot = load_sites(conn)
        self._snapshot, self._checked = snapshot, time.monotonic()
        return snapshot

    def _check(self) -> None:
        try:
            with self.engine.connect() as conn:
                version = conn.execute(select(site_config.c.version).where(site_config.c.id == 1)).scalar_one_or_none()
            if self._snapshot is None or version != self._snapshot.version:
                self.reload()
            else:
                self._checked = time.monotonic()
        except Exception:  # the old view stays; the next read tries again
            log.exception("reloading the site configuration failed")
        finally:
            with self._lock:
                self._reloading = False
