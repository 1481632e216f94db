"""`kiosk-central`: serve the API, manage kiosks, check configuration."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from datetime import date
from pathlib import Path

from central import __version__
from central import config as central_config
from central.booking import cli as booking_cli
from central.sites import cli as sites_cli
from central.sites.store import SiteStore
from central.staff import ROLES
from common.settings import ConfigError


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="kiosk-central", description="Central server for service-hall kiosks.")
    p.add_argument("--config", metavar="PATH", help=f"configuration file (default {central_config.DEFAULT_PATH})")
    p.add_argument("--version", action="version", version=f"kiosk-central {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the HTTP server")
    serve.add_argument("--host", help="address to bind (default from config)")
    serve.add_argument("--port", type=int, help="port to bind (default from config)")
    serve.add_argument("--workers", type=int, help="worker processes (default from config)")

    cfg = sub.add_parser("config", help="configuration tools")
    cfg_sub = cfg.add_subparsers(dest="config_command", required=True)
    cfg_sub.add_parser("check", help="validate the configuration file and exit")

    kiosks = sub.add_parser("kiosks", help="manage enrolled kiosks")
    k_sub = kiosks.add_subparsers(dest="kiosks_command", required=True)
    add = k_sub.add_parser("add", help="register a kiosk and print its one-time enrollment code")
    add.add_argument("name")
    add.add_argument("--reissue", action="store_true", help="new code (and new secret) for an existing kiosk")
    add.add_argument("--site", help="the site it stands at (default: the first site; `sites list`)")
    add.add_argument("--json", action="store_true")
    lst = k_sub.add_parser("list", help="list kiosks")
    lst.add_argument("--json", action="store_true")
    rev = k_sub.add_parser("revoke", help="revoke a kiosk: its requests are refused from now on")
    rev.add_argument("name")
    kset = k_sub.add_parser(
        "settings",
        help="show or change the settings pushed to every kiosk "
        "(no restart needed), e.g. close_time=20:00 notice_zh=...",
    )
    kset.add_argument("changes", nargs="*", metavar="KEY=VALUE")
    kmaint = k_sub.add_parser("maintenance", help="switch maintenance mode for one kiosk, or 'all'")
    kmaint.add_argument("name")
    kmaint.add_argument("state", choices=("on", "off"))
    krev = k_sub.add_parser(
        "review", help="a suspended kiosk (too many ID cards) was checked: let it serve citizens again"
    )
    krev.add_argument("name")
    kmove = k_sub.add_parser("move", help="move a kiosk to another site (its settings follow at its next heartbeat)")
    kmove.add_argument("name")
    kmove.add_argument("site")

    cat = sub.add_parser("catalog", help="the matter catalog")
    c_sub = cat.add_subparsers(dest="catalog_command", required=True)
    imp = c_sub.add_parser("import", help="load a JSON catalog or a CSV of matters (all or nothing)")
    imp.add_argument("file", type=Path)
    imp.add_argument("--replace", action="store_true", help="withdraw matters and themes missing from the file")
    gen = c_sub.add_parser("generate", help="write a synthetic catalog of N matters (for benchmarks)")
    gen.add_argument("--matters", type=int, required=True, metavar="N")
    gen.add_argument("--out", type=Path, help="file to write (default: standard output)")
    gen.add_argument("--seed", type=int, default=20261121)
    gen.add_argument(
        "--city",
        type=Path,
        metavar="FILE",
        help="also write a sample city for `sites import`: six sites, their kiosks, which matters each handles",
    )
    c_sub.add_parser("status", help="catalog version and counts")

    staff = sub.add_parser("staff", help="staff accounts for the counter and manager pages")
    s_sub = staff.add_subparsers(dest="staff_command", required=True)
    sadd = s_sub.add_parser("add", help="add an account (the password is read from standard input)")
    sadd.add_argument("username")
    sadd.add_argument(
        "--role", choices=ROLES, default="counter", help="auditor: reads only; admin: the city administrator"
    )
    sadd.add_argument("--site", action="append", default=[], help="a site they work at (repeat; default: the first)")
    sadd.add_argument("--name", default="", help="the name the window evaluator shows citizens (default: username)")
    sname = s_sub.add_parser("name", help="set the name the window evaluator shows citizens")
    sname.add_argument("username")
    sname.add_argument("name")
    s_sub.add_parser("list", help="list accounts")
    ssites = s_sub.add_parser("sites", help="set the sites an account works at")
    ssites.add_argument("username")
    ssites.add_argument("sites", nargs="+")
    sdis = s_sub.add_parser("disable", help="disable an account and end its sessions")
    sdis.add_argument("username")

    book = sub.add_parser("bookings", help="appointments (a hall's booking system normally makes these)")
    b_sub = book.add_subparsers(dest="bookings_command", required=True)
    badd = b_sub.add_parser(
        "add",
        help="book a slot for a person: the ID number is read from standard input or a prompt "
        "(stored only as a keyed hash)",
    )
    badd.add_argument("--id-number", help=argparse.SUPPRESS)  # refused: it would show in the process list
    badd.add_argument("--type", required=True, help="business type code")
    badd.add_argument("--site", help="the site (default: the first)")
    badd.add_argument("--at", required=True, help="slot start, local time: HH:MM today or YYYY-MM-DDTHH:MM")
    badd.add_argument("--minutes", type=int, default=30)

    certs = sub.add_parser("certificates", help="certificates printed at kiosks")
    ce_sub = certs.add_subparsers(dest="certificates_command", required=True)
    rev_cert = ce_sub.add_parser("revoke", help="revoke a certificate: its QR code then says revoked")
    rev_cert.add_argument("id")
    rev_cert.add_argument("--reason", required=True)
    ce_sub.add_parser("public-key", help="print the Ed25519 public key (PEM) for offline verifiers")
    ce_sub.add_parser(
        "rotate-key", help="sign new certificates with a new key; certificates of the old one keep verifying"
    )

    rat = sub.add_parser("ratings", help="好差评 ratings")
    ra_sub = rat.add_subparsers(dest="ratings_command", required=True)
    ra_bad = ra_sub.add_parser("bad", help="bad reviews awaiting follow-up")
    ra_bad.add_argument("--state", choices=("open", "contacted", "resolved", "closed"))
    ra_sub.add_parser("deliveries", help="what reached the provincial 好差评 system, what waits, what it refused")

    sites_cli.add_parser(sub)
    booking_cli.add_parsers(sub)

    voice = sub.add_parser("voice", help="spoken announcements for the display board")
    v_sub = voice.add_subparsers(dest="voice_command", required=True)
    v_sub.add_parser("build", help="make every announcement clip now with espeak-ng (no network needed later)")

    ret = sub.add_parser("retention", help="remove personal data past its retention period")
    ret.add_subparsers(dest="retention_command", required=True).add_parser(
        "run", help="one pass now (the server runs one every hour)"
    )
    audit = sub.add_parser("audit", help="the staff audit trail (hash-chained)")
    a_sub = audit.add_subparsers(dest="audit_command", required=True)
    a_sub.add_parser("verify", help="check every link of the chain; name the first broken one (exit 1)")
    a_list = a_sub.add_parser("list", help="the newest entries")
    a_list.add_argument("--limit", type=int, default=50)
    a_sub.add_parser("export", help="the whole trail as CSV (Chinese and English headers) on standard output")

    stats = sub.add_parser("stats", help="statistics: fold closed days into the rollups, print or export a report")
    s_sub = stats.add_subparsers(dest="stats_command", required=True)
    fold = s_sub.add_parser("fold", help="fold every closed day not folded yet (the server does it every 10 minutes)")
    fold.add_argument("--rebuild", action="store_true", help="forget the rollups and fold every day again")
    rep = s_sub.add_parser("report", help="a report over a range of days, as text, CSV or XLSX")
    rep.add_argument("--start", type=date.fromisoformat, required=True, help="first service day, YYYY-MM-DD")
    rep.add_argument("--end", type=date.fromisoformat, help="last service day (default: the start)")
    rep.add_argument("--by", default="site", help="site, type, counter, staff or kiosk")
    rep.add_argument("--site", action="append", default=[], help="only this site (repeat)")
    rep.add_argument("--format", choices=("text", "csv", "xlsx"), default="text")
    rep.add_argument("--out", type=Path, help="write the file here (csv, xlsx)")

    db = sub.add_parser("db", help="database tools")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="apply pending migrations")
    backup = db_sub.add_parser("backup", help="copy the SQLite database while the server runs (online backup)")
    backup.add_argument("dest", help="the copy's path; it must not exist yet")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        cfg = central_config.load(args.config)
    except ConfigError as exc:
        print(f"kiosk-central: configuration error: {exc}", file=sys.stderr)
        return 2
    if cfg.source == central_config.BUILT_IN:
        print(
            f"kiosk-central: no {central_config.DEFAULT_PATH}: using the built-in defaults (data in {cfg.data_dir})",
            file=sys.stderr,
        )
    if args.command == "config":
        print(f"{cfg.source}: OK (database {cfg.database_url.split('://')[0]}, data dir {cfg.data_dir})")
        return 0
    if args.command == "serve":
        return _serve(cfg, args)
    if args.command == "catalog" and args.catalog_command == "generate":
        return _generate(args)
    from central.fleet import FleetError
    from central.node_keys import KeyMismatch
    from central.state import open_state

    try:
        state = open_state(cfg)
    except KeyMismatch as exc:
        print(f"kiosk-central: refusing to run: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # unreachable database, unwritable data dir: say so plainly
        print(f"kiosk-central: cannot open the database {_safe_url(cfg.database_url)}: {exc}", file=sys.stderr)
        return 1
    try:
        if args.command == "db" and args.db_command == "backup":
            return _backup(state, Path(args.dest))
        if args.command == "db":
            print("database is at the newest schema")
            return 0
        if args.command == "bookings":
            return _bookings(cfg, state, args)
        if args.command == "audit":
            return _audit(state, args)
        if args.command == "stats":
            return _stats(cfg, state, args)
        if args.command == "staff":
            return _staff(state, args)
        if args.command == "voice":
            return _voice(cfg, state)
        if args.command == "sites":
            return sites_cli.run(state, cfg, args)
        if args.command in ("booking", "notify"):
            return booking_cli.run(state, cfg, args)
        if args.command == "kiosks" and args.kiosks_command == "move":
            return sites_cli.run_move(SiteStore(state.engine), args.name, args.site)
        if args.command in ("certificates", "ratings"):
            return _certificates(cfg, state, args)
        if args.command == "retention":
            from central import retention

            done = retention.run(cfg, state.engine)
            print("retention: " + ", ".join(f"{n} {what.replace('_', ' ')}" for what, n in done.items()))
            return 0
        if args.command == "kiosks" and args.kiosks_command == "review":
            return _review(cfg, state, args.name)
        from central.db import write_session

        if args.command == "catalog":
            # the server writes too (its background jobs): hold the write lock from the first statement
            with write_session(state.engine) as db:
                return _catalog(db, args)

        # the server may be writing too: hold the write lock from the first statement (central.db)
        with write_session(state.engine) as db:
            return _kiosks(db, cfg, args)
    except FleetError as exc:
        print(f"kiosk-central: {exc.message}", file=sys.stderr)
        return 1


def _audit(state, args) -> int:
    from central.audit import AuditTrail

    trail = AuditTrail(state.engine)
    if args.audit_command == "verify":
        verdict = trail.verify()
        if verdict.broken is None:
            print(f"audit trail intact: {verdict.entries} entries, every link holds")
            return 0
        broken = verdict.broken
        print(f"audit trail BROKEN at entry {broken.entry_id}: {broken.reason}", file=sys.stderr)
        return 1
    if args.audit_command == "export":
        sys.stdout.write(trail.csv())
        return 0
    for row in trail.rows(limit=max(1, args.limit)):
        print(
            f"{row['id']:>7} {row['at'][:19]} {row['username']:<16} {row['role']:<8} {row['site']:<10} "
            f"{row['action']:<18} {row['target']} {row['detail']}".rstrip()
        )
    return 0


def _stats(cfg, state, args) -> int:
    from central.clock import utcnow
    from central.queue.engine import QueueEngine
    from central.queue.store import QueueStore
    from central.sites.store import SiteDirectory
    from central.stats.export import table_head, table_rows, to_csv, to_xlsx
    from central.stats.reports import ReportError, ReportQuery, Reports
    from central.stats.store import StatsStore
    from central.stats.usage import UsageStore

    directory = SiteDirectory(state.engine)
    directory.reload()
    engine = QueueEngine(cfg, QueueStore(state.engine, state.runner), directory)
    store = StatsStore(state.engine, engine.reset_minutes, state.runner)
    sites = list(directory.get().sites.values())
    if args.stats_command == "fold":
        if args.rebuild:
            store.forget()
        done = store.fold_pending(sites)
        print(f"statistics: {done} site-days folded")
        return 0
    reports = Reports(
        store,
        lambda: directory.get().sites,
        lambda site: engine.service_day(utcnow(), site),
        UsageStore(state.engine, state.runner),
    )
    query = ReportQuery(
        args.start, args.end or args.start, args.by, tuple(args.site), cfg.statistics.service_level_minutes
    )
    try:
        report = reports.report(query, None)
    except ReportError as exc:
        print(f"kiosk-central: {exc.message}", file=sys.stderr)
        return 2
    if args.format == "text":
        for row in [table_head(report), *table_rows(report)]:
            print("\t".join("" if v is None else str(v) for v in row))
        return 0
    body = to_csv(report) if args.format == "csv" else to_xlsx(report)
    if args.out:
        args.out.write_bytes(body)
        print(f"wrote {args.out} ({len(body)} bytes)")
    else:
        sys.stdout.buffer.write(body)
    return 0


def _review(cfg, state, name: str) -> int:
    from central import fleet
    from central.citizens import CitizenDesk

    with state.sessions() as db:
        kiosk = fleet.find(db, name)
        reason = kiosk.suspended_reason
    if not CitizenDesk(state.engine, state.id_hash_key, cfg.security).lift(kiosk.id):
        print(f"kiosk-central: kiosk {name!r} is not suspended", file=sys.stderr)
        return 1
    print(f"kiosk {kiosk.name} serves citizens again (it was suspended: {reason})")
    return 0


def _certificates(cfg, state, args) -> int:
    from central.app import certificate_service
    from central.ratings.delivery import delivery_state
    from central.ratings.service import RatingService

    if args.command == "ratings" and args.ratings_command == "deliveries":
        report = delivery_state(state.engine)
        print(f"delivered {report['delivered']}, waiting {report['pending']}, refused {len(report['refused'])}")
        if report["head_error"]:
            print(f"the next one failed {report['head_attempts']} times, last: {report['head_error']}")
        for r in report["refused"]:
            print(f"refused  {r['case_number']}  {r['site']}  {r['reason']}")
        return 0
    if args.command == "ratings":
        for r in RatingService(cfg, state.engine).bad_reviews(args.state):
            overdue = " OVERDUE" if r["overdue"] else ""
            print(
                f"{r['case_number']}  level {r['level']}  next due {r['next_due'] or '-'}  {r['state']}{overdue}  "
                f"{r['subject']}:{r['subject_ref']}  {','.join(r['reasons'])}  {r['text']}"
            )
        return 0
    service = certificate_service(cfg, state)
    if args.certificates_command == "public-key":
        print(service.key.public_pem, end="")
        return 0
    if args.certificates_command == "rotate-key":
        from central import node_keys
        from central.certs.keys import retire

        kept = retire(service.key, cfg.secrets_dir)
        (cfg.secrets_dir / node_keys.SIGNING).unlink()
        new = certificate_service(cfg, state).key
        node_keys.replace(state.engine, node_keys.SIGNING, new.fingerprint)
        print(f"certificate key {service.key.key_id} retired (public half kept in {kept}); new key {new.key_id}")
        print(
            f"copy {cfg.secrets_dir / node_keys.SIGNING} and {kept} to every other central node, then restart "
            "them all so every worker signs with the new key (a node with the old key refuses to start)"
        )
        return 0
    if not service.revoke(args.id, args.reason):
        print(f"kiosk-central: no valid certificate {args.id!r} (unknown or already revoked)", file=sys.stderr)
        return 1
    print(f"certificate {args.id} revoked: {args.reason}")
    return 0


def _voice(cfg, state) -> int:
    from central.voice import VoiceClips, VoiceUnavailable

    clips = VoiceClips(cfg.data_dir / "voice", cfg.display)
    sites = SiteStore(state.engine).snapshot().sites.values()
    numbers = sorted({c.number for site in sites for c in site.counters})
    templates = [(lang, t) for s in sites for lang, t in (("zh", s.announce_zh), ("en", s.announce_en)) if t]
    try:
        made = clips.build(numbers, templates)
    except (VoiceUnavailable, OSError) as exc:
        print(f"kiosk-central: cannot make the announcement clips: {exc}", file=sys.stderr)
        return 1
    total = len(clips.all_pieces(numbers, templates))
    print(f"announcement clips in {clips.dir}: {made} made, {total - made} already there")
    return 0


def _backup(state, dest: Path) -> int:
    """SQLite's online backup: a consistent copy while kiosks keep writing."""
    import sqlite3

    from central.rawsql import SqliteRunner

    if not isinstance(state.runner, SqliteRunner):
        print("kiosk-central: db backup is for SQLite; back up PostgreSQL with pg_dump", file=sys.stderr)
        return 2
    if dest.exists():
        print(f"kiosk-central: {dest} exists; choose a new file name", file=sys.stderr)
        return 2
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".partial")
    source, copy = sqlite3.connect(state.runner.path), sqlite3.connect(partial)
    try:
        source.backup(copy, pages=1024)  # in steps: writers are never held up for the whole copy
        ok = copy.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        copy.close()
        source.close()
    if ok != "ok":
        partial.unlink(missing_ok=True)
        print(f"kiosk-central: the copy failed its integrity check ({ok}); nothing was written", file=sys.stderr)
        return 1
    partial.rename(dest)
    print(
        f"backed up {state.runner.path} to {dest} ({dest.stat().st_size // 1024} KiB); keep master.key, "
        f"id_hash.key and certificate-signing.key from {state.config.secrets_dir} with it"
    )
    return 0


def _kiosks(db, cfg, args) -> int:
    from central import fleet

    if args.kiosks_command == "add":
        new = fleet.add_kiosk(db, args.name, cfg.security.enrollment_code_ttl_h, reissue=args.reissue, site=args.site)
        if args.json:
            print(
                json.dumps(
                    {
                        "name": new.kiosk.name,
                        "kiosk_id": new.kiosk.id,
                        "code": new.code,
                        "expires_at": new.expires_at.isoformat(),
                    }
                )
            )
        else:
            print(f"Kiosk {new.kiosk.name!r} ({new.kiosk.id}) at site {new.kiosk.site}")
            print(f"Enrollment code: {new.code}")
            print(f"Single use, valid until {new.expires_at:%Y-%m-%d %H:%M} UTC. On the kiosk run:")
            print(f"  kiosk enroll {new.code} --server {cfg.server.public_url or 'URL'}")
        return 0
    if args.kiosks_command == "list":
        rows = [
            {
                "name": k.name,
                "kiosk_id": k.id,
                "site": k.site,
                "state": k.state,
                "version": k.version,
                "last_seen_at": k.last_seen_at.isoformat() if k.last_seen_at else None,
                "devices": k.devices or {},
            }
            for k in fleet.list_kiosks(db)
        ]
        if args.json:
            for row in rows:
                print(json.dumps(row, ensure_ascii=False))
        else:
            print(f"{'NAME':<24} {'SITE':<20} {'STATE':<9} {'VERSION':<10} LAST SEEN")
            for r in rows:
                print(
                    f"{r['name']:<24} {r['site']:<20} {r['state']:<9} {r['version'] or '-':<10} "
                    f"{r['last_seen_at'] or 'never'}"
                )
        return 0
    if args.kiosks_command in ("settings", "maintenance"):
        return _kiosk_settings(db, args)
    kiosk = fleet.revoke(db, args.name)
    print(f"Kiosk {kiosk.name!r} revoked at {kiosk.revoked_at:%Y-%m-%d %H:%M:%S} UTC")
    return 0


def _kiosk_settings(db, args) -> int:
    from central import fleet, kiosk_settings

    try:
        if args.kiosks_command == "maintenance":
            kiosk = None if args.name == "all" else fleet.find(db, args.name)
            settings = kiosk_settings.set_maintenance(db, kiosk, args.state == "on")
            print(
                f"maintenance {args.state} for {args.name}; kiosks apply it at their next heartbeat "
                f"(settings version {settings.version})"
            )
            return 0
        changes: dict[str, object] = {}
        for change in args.changes:
            key, sep, value = change.partition("=")
            if not sep:
                print(f"kiosk-central: expected KEY=VALUE, got {change!r}", file=sys.stderr)
                return 2
            changes[key] = [int(d) for d in value.split(",") if d] if key == "open_days" else value
        settings = kiosk_settings.update(db, changes) if changes else kiosk_settings.current(db)
    except kiosk_settings.SettingsError as exc:
        print(f"kiosk-central: bad setting: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(settings.model_dump(mode="json"), ensure_ascii=False, indent=2))
    return 0


def _catalog(db, args) -> int:
    from sqlalchemy import func, select

    from central.catalog import importer
    from central.catalog.delta import current_version
    from central.catalog.tables import MatterRow

    if args.catalog_command == "status":
        live = db.scalar(select(func.count()).select_from(MatterRow).where(MatterRow.removed.is_(False)))
        print(f"catalog version {current_version(db)}: {live} matters")
        return 0
    result = importer.read_file(args.file)
    if result.catalog is None:
        for problem in result.problems:
            print(problem.render(str(args.file)), file=sys.stderr)
        print(f"kiosk-central: {len(result.problems)} problem(s) in {args.file}; nothing was imported", file=sys.stderr)
        return 1
    summary = importer.apply(db, result.catalog, replace=args.replace)
    if summary.added or summary.changed or summary.removed:
        print(
            f"catalog version {summary.version}: {summary.added} added, {summary.changed} changed, "
            f"{summary.unchanged} unchanged, {summary.removed} withdrawn"
        )
    else:
        print(f"catalog version {summary.version}: no changes ({summary.unchanged} matters already current)")
    return 0


def _staff(state, args) -> int:
    import getpass

    from central.staff import StaffError, StaffStore

    store = StaffStore(state.engine)
    try:
        if args.staff_command == "add":
            password = getpass.getpass("password: ") if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")
            store.add(args.username, password, args.role, tuple(args.site), display_name=args.name)
            print(f"staff {args.username!r} added as {args.role}")
        elif args.staff_command == "name":
            store.set_display_name(args.username, args.name)
            print(f"staff {args.username!r} is shown as {args.name!r}")
        elif args.staff_command == "sites":
            from central.sites.model import SiteError

            try:
                SiteStore(state.engine).set_staff_sites(args.username, args.sites)
            except SiteError as exc:
                print(f"kiosk-central: {exc.message}", file=sys.stderr)
                return 1
            print(f"staff {args.username!r} works at {', '.join(sorted(set(args.sites)))}")
        elif args.staff_command == "list":
            for row in store.list():
                state_text = "disabled" if row["disabled"] else "active"
                where = ", ".join(row["sites"]) or ("every site" if row["role"] == "admin" else "no site")
                print(f"{row['username']:<20} {row['role']:<8} {state_text:<9} {where}")
        else:
            store.disable(args.username)
            print(f"staff {args.username!r} disabled; their sessions ended")
    except StaffError as exc:
        print(f"kiosk-central: {exc.message}", file=sys.stderr)
        return 1
    return 0


def _bookings(cfg, state, args) -> int:
    from datetime import datetime

    from central.queue.engine import QueueEngine, QueueError
    from central.queue.store import QueueStore
    from common.identity import InvalidIdentity, keyed_hash, mask_id, validate_id_number

    if args.id_number is not None:
        print(
            "kiosk-central: --id-number is refused: a command line shows in the process list; "
            "type the ID number at the prompt or pass it on standard input",
            file=sys.stderr,
        )
        return 2
    if sys.stdin.isatty():
        import getpass

        entered = getpass.getpass("ID number (not shown): ")
    else:
        entered = sys.stdin.readline()
    try:
        number = validate_id_number(entered.strip().upper())
    except InvalidIdentity as exc:
        print(f"kiosk-central: {exc}", file=sys.stderr)
        return 2
    engine = QueueEngine(cfg, QueueStore(state.engine, state.runner))
    try:
        site = engine.site(args.site)
    except QueueError as exc:
        print(f"kiosk-central: {exc.message}", file=sys.stderr)
        return 2
    tz = site.tz
    try:
        at = (
            datetime.combine(datetime.now(tz).date(), datetime.strptime(args.at, "%H:%M").time())
            if len(args.at) == 5
            else datetime.fromisoformat(args.at)
        ).replace(tzinfo=tz)
    except ValueError:
        print(f"kiosk-central: --at expects HH:MM or YYYY-MM-DDTHH:MM, got {args.at!r}", file=sys.stderr)
        return 2
    try:
        reply = engine.book(args.type, keyed_hash(state.id_hash_key, number), at, args.minutes, site=site.code)
    except QueueError as exc:
        print(f"kiosk-central: {exc.message}; one of {', '.join(site.type_map)}", file=sys.stderr)
        return 2
    print(
        f"booking {reply.code} at {site.code}: {site.type_map[args.type].name} at {reply.slot_start:%Y-%m-%d %H:%M} "
        f"for {mask_id(number)}"
    )
    return 0


def _generate(args) -> int:
    from central.catalog.generate import generate

    try:
        data = generate(args.matters, args.seed)
    except ValueError as exc:
        print(f"kiosk-central: {exc}", file=sys.stderr)
        return 2
    text = json.dumps(data, ensure_ascii=False)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
        print(f"wrote {args.out}: {args.matters} synthetic matters", file=sys.stderr)
    else:
        sys.stdout.write(text)
    if args.city:
        from central.sites.sample import sample_city

        city = sample_city([m["code"] for m in data["matters"]], args.seed)
        args.city.write_text(json.dumps(city, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {args.city}: a sample city of {len(city['sites'])} sites", file=sys.stderr)
    return 0


GRACE_S = 3  # live event streams never end by themselves: do not wait for them on shutdown


def _safe_url(url: str) -> str:
    """A database URL fit for a message: without its password."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _serve(cfg, args) -> int:
    import uvicorn

    from central.app import create_app
    from central.node_keys import KeyMismatch
    from central.state import open_state

    host = args.host or cfg.server.host
    port = args.port or cfg.server.port
    workers = args.workers or cfg.server.workers
    try:
        state = open_state(cfg)  # migrate once, before any worker starts
    except KeyMismatch as exc:
        print(f"kiosk-central: refusing to start: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:
        print(f"kiosk-central: cannot open the database {_safe_url(cfg.database_url)}: {exc}", file=sys.stderr)
        return 1
    logging.getLogger(__name__).info(
        "central %s on http://%s:%d (%d worker(s)), data in %s", __version__, host, port, workers, cfg.data_dir
    )
    from central import watchdog

    dog = watchdog.start_for(host, port)  # READY=1 and WATCHDOG=1 while /healthz answers (systemd)
    from central.http_guard import GuardedHttp

    GuardedHttp.header_timeout_s = cfg.server.header_timeout_s
    os.environ["KIOSK_CENTRAL_HEADER_TIMEOUT_S"] = str(cfg.server.header_timeout_s)  # for worker processes
    limits = {
        "http": "central.http_guard:GuardedHttp",
        "limit_concurrency": cfg.server.max_connections,
        "backlog": 2048,
        "timeout_keep_alive": 5,
        "timeout_graceful_shutdown": GRACE_S,
        "log_level": "warning",
        "server_header": False,
    }
    if workers == 1:
        uvicorn.run(create_app(cfg, state=state), host=host, port=port, **limits)
    else:
        state.engine.dispose()
        os.environ["KIOSK_CENTRAL_CONFIG"] = str(Path(cfg.source).resolve())
        uvicorn.run("central.app:app_from_env", factory=True, host=host, port=port, workers=workers, **limits)
    if dog is not None:
        dog.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
