"""`kiosk-central sites ...`: the sites and their configuration, changed while
central runs (central.sites.store; the web console is a later step)."""

from __future__ import annotations

import csv
import json
import sys
from dataclasses import replace
from pathlib import Path

from central.sites.model import BusinessType, Counter, Hours, Site, SiteError
from central.sites.store import SiteStore
from common.wire import SITE_KINDS


def add_parser(sub) -> None:
    sites = sub.add_parser("sites", help="halls, 便民服务中心 and self-service points, changed at runtime")
    s_sub = sites.add_subparsers(dest="sites_command", required=True)
    lst = s_sub.add_parser("list", help="every site with its business types and counters")
    lst.add_argument("--json", action="store_true")
    add = s_sub.add_parser("add", help="add a site")
    add.add_argument("code", help="2-24 of a-z, 0-9 and -, e.g. xicheng-hall")
    add.add_argument("--kind", choices=SITE_KINDS, required=True)
    add.add_argument("--name", required=True)
    add.add_argument("--name-en", default="")
    add.add_argument("--address", default="")
    add.add_argument("--timezone", default="Asia/Shanghai")
    add.add_argument("--lat", type=float, help="latitude (finds the nearest halls for a self-service point)")
    add.add_argument("--lon", type=float)
    add.add_argument("--hours", default="00:00-24:00", help="counters' hours, HH:MM-HH:MM")
    add.add_argument("--days", default="1-7", help="ISO weekdays open, e.g. 1-5 or 1,2,3,4,5,6")
    sset = s_sub.add_parser(
        "set",
        help="change a site: name=, name_en=, address=, kind=, timezone=, latitude=, longitude=, "
        "hours=09:00-17:00, days=1-5, holidays=2026-10-01,2026-10-02, active=false",
    )
    sset.add_argument("code")
    sset.add_argument("changes", nargs="+", metavar="KEY=VALUE")
    tset = s_sub.add_parser("type-set", help="add a business type to a site, or change one")
    tset.add_argument("code")
    tset.add_argument("type", help="1-3 capital letters or digits, e.g. A, B2, GJJ")
    tset.add_argument("--name", required=True)
    tset.add_argument("--name-en", default="")
    tset.add_argument("--avg-minutes", type=float, default=8.0)
    trm = s_sub.add_parser("type-remove", help="remove a business type (no counter may name it, no ticket be open)")
    trm.add_argument("code")
    trm.add_argument("type")
    cset = s_sub.add_parser("counter-set", help="add a counter to a site, or change one")
    cset.add_argument("code")
    cset.add_argument("number", type=int)
    cset.add_argument("--name", default="")
    cset.add_argument("--types", default="", help="type codes served, comma-separated; empty: every type")
    crm = s_sub.add_parser("counter-remove", help="remove a counter")
    crm.add_argument("code")
    crm.add_argument("number", type=int)
    mat = s_sub.add_parser("matters", help="事项进驻: the matters a site handles, from a CSV of matter_code,windows")
    mat.add_argument("code")
    mat.add_argument("file", type=Path)
    mat.add_argument("--replace", action="store_true", help="the site handles exactly these")
    imp = s_sub.add_parser("import", help="add the sites of a JSON file (a city: see docs/sites.md), all or nothing")
    imp.add_argument("file", type=Path)


def _days(text: str) -> tuple[int, ...]:
    out: list[int] = []
    for part in text.split(","):
        first, _, last = part.partition("-")
        out += range(int(first), int(last or first) + 1)
    return tuple(out)


def _hours(hours: str, days: str, holidays: tuple[str, ...] = ()) -> Hours:
    opens, _, closes = hours.partition("-")
    return Hours(opens, closes, _days(days), holidays)


def site_from_json(data: dict) -> Site:
    """One site of an import file (docs/sites.md)."""
    hours = data.get("hours", {})
    return Site(
        data["code"],
        data["kind"],
        data["name"],
        data.get("name_en", ""),
        data.get("address", ""),
        data.get("timezone", "Asia/Shanghai"),
        data.get("latitude"),
        data.get("longitude"),
        Hours.from_json(hours),
        types=tuple(
            BusinessType(t["code"], t["name"], t.get("name_en", ""), float(t.get("avg_minutes", 8.0)))
            for t in data.get("types", ())
        ),
        counters=tuple(
            Counter(int(c["number"]), c.get("name", ""), tuple(c.get("types", ()))) for c in data.get("counters", ())
        ),
    )


def run(state, cfg, args) -> int:
    store = SiteStore(state.engine)
    try:
        if args.sites_command == "import":
            return _import(state, cfg, store, args.file)
        return _run(store, args)
    except SiteError as exc:
        print(f"kiosk-central: {exc.message}", file=sys.stderr)
        return 1
    except (ValueError, KeyError) as exc:
        print(f"kiosk-central: {exc}", file=sys.stderr)
        return 2


def _run(store: SiteStore, args) -> int:
    command = args.sites_command
    if command == "list":
        return _list(store, args.json)
    if command == "add":
        site = Site(
            args.code,
            args.kind,
            args.name,
            args.name_en,
            args.address,
            args.timezone,
            args.lat,
            args.lon,
            _hours(args.hours, args.days),
        )
        store.add_site(site)
        print(f"site {site.code} added ({site.kind}); add its business types and counters with type-set, counter-set")
        return 0
    if command == "set":
        site = store.snapshot().get(args.code)
        changes: dict[str, object] = {}
        hours = site.hours
        for item in args.changes:
            key, sep, value = item.partition("=")
            if not sep:
                raise ValueError(f"expected KEY=VALUE, got {item!r}")
            if key in ("name", "name_en", "address", "kind", "timezone"):
                changes[key] = value
            elif key in ("latitude", "longitude"):
                changes[key] = float(value) if value else None
            elif key == "hours":
                opens, _, closes = value.partition("-")
                hours = replace(hours, open=opens, close=closes)
            elif key == "days":
                hours = replace(hours, days=_days(value))
            elif key == "holidays":
                hours = replace(hours, holidays=tuple(d for d in value.split(",") if d))
            elif key == "active":
                changes[key] = value.lower() in ("1", "true", "yes", "on")
            else:
                raise ValueError(
                    f"unknown key {key!r}: name, name_en, address, kind, timezone, latitude, longitude, "
                    "hours, days, holidays, active"
                )
        if hours != site.hours:
            changes["hours"] = hours
        store.update_site(args.code, **changes)
        print(f"site {args.code} changed: {', '.join(sorted(changes))} (kiosks follow at their next heartbeat)")
        return 0
    if command == "type-set":
        store.put_type(args.code, BusinessType(args.type, args.name, args.name_en, args.avg_minutes))
        print(f"{args.code}: business type {args.type} {args.name} set")
        return 0
    if command == "type-remove":
        store.remove_type(args.code, args.type)
        print(f"{args.code}: business type {args.type} removed")
        return 0
    if command == "counter-set":
        served = tuple(t.strip() for t in args.types.split(",") if t.strip())
        store.put_counter(args.code, Counter(args.number, args.name, served))
        print(f"{args.code}: counter {args.number} serves {', '.join(served) or 'every type'}")
        return 0
    if command == "counter-remove":
        store.remove_counter(args.code, args.number)
        print(f"{args.code}: counter {args.number} removed")
        return 0
    if command == "matters":
        with args.file.open(encoding="utf-8-sig", newline="") as f:
            rows = [r for r in csv.reader(f) if r and not r[0].startswith("#") and r[0] != "matter_code"]
        listed = store.set_matters(
            args.code, {r[0].strip(): (r[1].strip() if len(r) > 1 else "") for r in rows}, replace_all=args.replace
        )
        print(f"{args.code} handles {listed} listed matters")
        return 0
    raise AssertionError(command)


def _import(state, cfg, store: SiteStore, path: Path) -> int:
    """The city's sites, then their kiosks (registered with one-time codes, printed here)."""
    from central import fleet
    from central.db import write_session
    from central.models import Kiosk

    data = json.loads(path.read_text(encoding="utf-8"))
    added = import_city(store, data)
    print(f"added {added} sites from {path}")
    with write_session(state.engine) as db:
        known = {k.name for k in db.query(Kiosk)}
        for entry in data.get("sites", []):
            for name in entry.get("kiosks", ()):
                if name in known:
                    continue
                new = fleet.add_kiosk(db, name, cfg.security.enrollment_code_ttl_h, site=entry["code"])
                print(f"kiosk {name} at {entry['code']}: enrollment code {new.code}")
    return 0


def run_move(store: SiteStore, name: str, site: str) -> int:
    try:
        store.move_kiosk(name, site)
    except SiteError as exc:
        print(f"kiosk-central: {exc.message}", file=sys.stderr)
        return 1
    print(f"kiosk {name!r} now serves site {site}; its settings follow at its next heartbeat")
    return 0


def import_city(store: SiteStore, data: dict) -> int:
    """The sites of a city file that are not there yet, with their matters; each checked first."""
    known = store.snapshot().sites
    fresh = [site_from_json(entry) for entry in data.get("sites", []) if entry["code"] not in known]
    for entry in data.get("sites", []):
        for kiosk in entry.get("kiosks", ()):
            if not isinstance(kiosk, str):
                raise ValueError(f"site {entry['code']}: kiosks are names, got {kiosk!r}")
    for site in fresh:
        store.add_site(site)
    for entry in data.get("sites", []):
        if entry.get("matters"):
            store.set_matters(entry["code"], dict(entry["matters"]), replace_all=True)
    return len(fresh)


def _list(store: SiteStore, as_json: bool) -> int:
    snapshot = store.snapshot()
    if as_json:
        print(json.dumps([s.describe() for s in snapshot.sites.values()], ensure_ascii=False, indent=2))
        return 0
    for site in snapshot.sites.values():
        state = "" if site.active else " (out of service)"
        print(f"{site.code:<20} {site.kind:<13} {site.name}{state}")
        for kind in site.types:
            print(f"    type {kind.code:<4} {kind.name} ({kind.avg_minutes:g} min)")
        for counter in site.counters:
            print(f"    counter {counter.number:<3} {counter.label}: {', '.join(counter.types) or 'every type'}")
    return 0
