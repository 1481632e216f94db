"""Statistics at city scale: one year of a busy city (20 sites x 2,000 tickets a
day, about 15 million tickets, with no-shows, transfers, ratings and
certificate prints, plus today's tickets not folded yet), generated straight
into the database on each engine; then every closed day is folded into the
rollups (timed), and a real server answers reports over HTTP: a day, a week, a
month, a quarter, a year and random custom ranges, grouped by site, type,
counter, staff member and kiosk, for the whole city and for one site.
Budgets: any report p95 <= 1 s; an XLSX export of a month per staff member
<= 5 s. The figures of one day are checked against the raw tickets.

The generator writes the rows reports read (tickets, their no-show and
transfer events, ratings, prints); the call and finish events the display
board follows are not generated, as no report reads them. Last line: one
JSON object.

    python bench/reports.py [--database sqlite postgresql] [--sites 20] [--per-day 2000] [--days 365]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import requests
from _common import machine, percentile

from central.clock import utcnow
from central.config import load as load_central
from central.queue.engine import QueueEngine
from central.queue.store import QueueStore
from central.sites.model import BusinessType, Counter, Site
from central.sites.store import SiteDirectory, SiteStore
from central.staff import StaffStore
from central.state import open_state
from central.stats.store import StatsStore
from peers.central import Central
from peers.postgres import PostgresCluster

PASSWORD = "benchmark password"
TZ = ZoneInfo("Asia/Shanghai")
TYPES = "ABCDE"
COUNTERS = 10
TICKET_COLUMNS = (
    "id, site, service_day, type, issued_type, number, display, ticket_class, state, order_rank, order_at, "
    "issued_at, kiosk_id, counter, served_by, called_at, finished_at, offline"
)
RATING_COLUMNS = (
    "case_number, kiosk_id, site, key, level, level_code, subject, subject_ref, reasons, text, channel, region, at, "
    "received_at, escalation"
)
EVENT_COLUMNS = "site, at, kind, ticket_id, payload"
PRINT_COLUMNS = "kiosk_id, site, key, certificate_id, kind, copies, pages, outcome, reason, attempt, at, received_at"


def site_codes(n: int) -> list[str]:
    return [f"s{i:02d}" for i in range(1, n + 1)]


def make_sites(state, codes: list[str]) -> None:
    store = SiteStore(state.engine)
    for position, code in enumerate(codes, start=1):
        store.add_site(Site(code, "hall", f"{code}政务服务中心", f"Hall {code}", position=position))
        for letter in TYPES:
            store.put_type(code, BusinessType(letter, f"业务{letter}", f"Business {letter}"))
        for number in range(1, COUNTERS + 1):
            store.put_counter(code, Counter(number, f"{number}号窗口", ()))
    StaffStore(state.engine).add("root", PASSWORD, "admin")


def day_rows(rng: random.Random, site: str, day: date, per_day: int, closed: bool):
    """(tickets, events, ratings, prints) of one site-day, in naive UTC."""
    opening = datetime.combine(day, dtime(9, 0), TZ).astimezone(UTC).replace(tzinfo=None)
    tickets, events, ratings, prints = [], [], [], []
    kiosks = [f"{site}-k{i}" for i in range(1, 5)]
    for n in range(1, per_day + 1):
        letter = TYPES[rng.randrange(5)]
        issued = opening + timedelta(seconds=rng.uniform(0, 8 * 3600))
        channel = rng.random()
        kiosk = rng.choice(kiosks) if channel < 0.85 else None
        ticket_class = "appointment" if channel >= 0.95 else "normal"
        offline = channel < 0.02
        tid = f"{site}{day:%y%m%d}{n:05d}"
        counter = rng.randrange(1, COUNTERS + 1)
        staff = f"{site}-clerk{counter}"
        fate = rng.random()
        if fate < 0.02 or (not closed and fate < 0.3):
            state, called, finished, counter_, staff_ = "waiting", None, None, None, None
        else:
            called = issued + timedelta(seconds=min(3 * 3600, rng.expovariate(1 / 720)))
            finished = called + timedelta(seconds=60 + rng.expovariate(1 / 360))
            state, counter_, staff_ = "done", counter, staff
            if fate > 0.97:
                payload = json.dumps({"counter": counter, "type": letter, "staff": staff, "requeued": True})
                events.append((site, called - timedelta(minutes=1), "no_show", tid, payload))
            elif fate > 0.96:
                payload = json.dumps({"counter": counter, "type": letter, "to_type": "A", "staff": staff})
                events.append((site, called - timedelta(minutes=1), "transfer", tid, payload))
            if rng.random() < 0.1:
                level = rng.choices((1, 2, 3, 4, 5), (60, 25, 8, 5, 2))[0]
                at = finished + timedelta(minutes=1)
                ratings.append(
                    (
                        f"R{tid}",
                        kiosk or "",
                        site,
                        tid,
                        level,
                        str(level),
                        "ticket",
                        tid,
                        "",
                        "",
                        "terminal",
                        "110105",
                        at,
                        at,
                        0,
                    )
                )
        tickets.append(
            (
                tid,
                site,
                day,
                letter,
                letter,
                n,
                f"{letter}{n:03d}",
                ticket_class,
                state,
                1,
                issued,
                issued,
                kiosk,
                counter_,
                staff_,
                called,
                finished,
                offline,
            )
        )
    for i in range(20):
        at = opening + timedelta(seconds=rng.uniform(0, 8 * 3600))
        kiosk = rng.choice(kiosks)
        prints.append((kiosk, site, f"p{tid}{i}", f"C{day:%y%m%d}{i:04d}", "residence", 1, 1, "printed", "", 1, at, at))
    return tickets, events, ratings, prints


class Loader:
    """Bulk rows into either engine: executemany on SQLite, COPY on PostgreSQL."""

    def __init__(self, url: str):
        self.url = url
        if url.startswith("sqlite"):
            self.sqlite = sqlite3.connect(url.split("///", 1)[1])
            self.sqlite.execute("PRAGMA synchronous = OFF")
            self.pg = None
        else:
            import psycopg

            self.sqlite = None
            self.pg = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))

    def load(self, table: str, columns: str, rows: list[tuple]) -> None:
        if not rows:
            return
        if self.sqlite is not None:
            marks = ", ".join("?" * len(rows[0]))
            self.sqlite.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", [_lite(r) for r in rows])
        else:
            with self.pg.cursor() as cur, cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)

    def commit(self) -> None:
        (self.sqlite or self.pg).commit()

    def close(self) -> None:
        if self.pg is not None:
            with self.pg.cursor() as cur:
                self.pg.commit()
                self.pg.autocommit = True
                cur.execute("VACUUM ANALYZE")
        (self.sqlite or self.pg).close()


def _lite(row: tuple) -> tuple:
    return tuple(
        v.strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(v, datetime) else v.isoformat() if isinstance(v, date) else v
        for v in row
    )


def generate(url: str, codes: list[str], per_day: int, days: int, today: date) -> dict:
    rng = random.Random(20261202)
    loader = Loader(url)
    counts = {"tickets": 0, "events": 0, "ratings": 0, "prints": 0}
    started = time.perf_counter()
    for offset in range(days, -1, -1):
        day = today - timedelta(days=offset)
        for site in codes:
            tickets, events, ratings, prints = day_rows(rng, site, day, per_day, closed=offset > 0)
            loader.load("tickets", TICKET_COLUMNS, tickets)
            loader.load("queue_events", EVENT_COLUMNS, events)
            loader.load("ratings", RATING_COLUMNS, ratings)
            loader.load("certificate_prints", PRINT_COLUMNS, prints)
            for name, rows in zip(counts, (tickets, events, ratings, prints), strict=True):
                counts[name] += len(rows)
        loader.commit()
        if offset % 30 == 0:
            print(f"  {day}: {counts['tickets']:,} tickets so far, {time.perf_counter() - started:.0f} s", flush=True)
    loader.close()
    return {**counts, "generate_s": round(time.perf_counter() - started, 1)}


def raw_day(url: str, site: str, day: date) -> tuple[int, int]:
    """(issued, served) of one site-day straight from the tickets."""
    sql = "SELECT COUNT(*), SUM(CASE WHEN state = 'done' THEN 1 ELSE 0 END) FROM tickets WHERE site = {p} AND service_day = {p}"
    if url.startswith("sqlite"):
        with sqlite3.connect(url.split("///", 1)[1]) as conn:
            return conn.execute(sql.format(p="?"), (site, day.isoformat())).fetchone()
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        return conn.execute(sql.format(p="%s"), (site, day)).fetchone()


def queries(rng: random.Random, today: date, codes: list[str], count: int) -> list[tuple[str, dict]]:
    """(name, params): the usual ranges and random custom ones, every dimension, city and one site."""
    month_start = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    quarter = today - timedelta(days=91)
    ranges = {
        "today": (today, today),
        "day": (today - timedelta(days=10), today - timedelta(days=10)),
        "week": (today - timedelta(days=7), today - timedelta(days=1)),
        "month": (month_start, today.replace(day=1) - timedelta(days=1)),
        "quarter": (quarter, today),
        "year": (today - timedelta(days=364), today),
    }
    out = []
    for name, (start, end) in ranges.items():
        for dim in ("site", "type", "counter", "staff", "kiosk"):
            for scope in ([], [codes[0]]):
                out.append((name, {"start": start.isoformat(), "end": end.isoformat(), "dim": dim, "site": scope}))
    while len(out) < count:
        a = today - timedelta(days=rng.randrange(365))
        b = min(today, a + timedelta(days=rng.randrange(1, 200)))
        dim = rng.choice(("site", "type", "counter", "staff", "kiosk"))
        out.append(
            ("custom", {"start": a.isoformat(), "end": b.isoformat(), "dim": dim, "site": rng.choice(([], [codes[1]]))})
        )
    return out


def run(database: str, work: Path, cluster, args) -> dict:
    url = cluster.create_database(f"reports_{database}") if cluster is not None else None
    central = Central(work / "central", database_url=url, extra="[statistics]\nfold_every_s = 86400\n")
    cfg = load_central(central.config)
    state = open_state(cfg)
    codes = site_codes(args.sites)
    make_sites(state, codes)
    db_url = url or cfg.database_url
    directory = SiteDirectory(state.engine)
    directory.reload()
    engine = QueueEngine(cfg, QueueStore(state.engine, state.runner), directory)
    today = engine.service_day(utcnow(), directory.get().sites[codes[0]])
    print(f"{database}: generating {args.days} days x {args.sites} sites x {args.per_day} tickets", flush=True)
    made = generate(db_url, codes, args.per_day, args.days, today)
    store = StatsStore(state.engine, engine.reset_minutes, state.runner)
    started = time.perf_counter()
    folded = store.fold_pending([directory.get().sites[c] for c in codes])
    fold_s = time.perf_counter() - started
    print(f"{database}: folded {folded} site-days in {fold_s:.0f} s", flush=True)
    state.engine.dispose()
    central.start()
    try:
        s = requests.Session()
        r = s.post(f"{central.url}/api/v1/staff/login", json={"username": "root", "password": PASSWORD}, timeout=30)
        r.raise_for_status()
        check_day = today - timedelta(days=10)
        report = s.get(
            f"{central.url}/api/v1/reports", params={"start": check_day.isoformat(), "site": codes[0]}, timeout=60
        ).json()
        issued, served = raw_day(db_url, codes[0], check_day)
        matches = (report["total"]["issued"], report["total"]["served"]) == (issued, served)
        timings: dict[str, list[float]] = {}
        cold = None
        for name, params in queries(random.Random(7), today, codes, args.queries):
            t0 = time.perf_counter()
            r = s.get(f"{central.url}/api/v1/reports", params=params, timeout=120)
            elapsed = time.perf_counter() - t0
            r.raise_for_status()
            cold = elapsed if cold is None else cold
            timings.setdefault(name, []).append(elapsed)
        month_start = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
        month_end = today.replace(day=1) - timedelta(days=1)
        xlsx = []
        for _ in range(3):
            t0 = time.perf_counter()
            r = s.get(
                f"{central.url}/api/v1/reports/export",
                params={
                    "start": month_start.isoformat(),
                    "end": month_end.isoformat(),
                    "dim": "staff",
                    "format": "xlsx",
                },
                timeout=120,
            )
            r.raise_for_status()
            xlsx.append(time.perf_counter() - t0)
    finally:
        central.stop()
    every = [t for values in timings.values() for t in values]
    result = {
        "database": database,
        **made,
        "fold_site_days": folded,
        "fold_s": round(fold_s, 1),
        "fold_site_days_per_s": round(folded / fold_s, 1) if fold_s else None,
        "reports": len(every),
        "report_p50_ms": round(percentile(every, 50) * 1000, 1),
        "report_p95_ms": round(percentile(every, 95) * 1000, 1),
        "report_max_ms": round(max(every) * 1000, 1),
        "first_report_ms": round((cold or 0) * 1000, 1),
        "by_range_p95_ms": {k: round(percentile(v, 95) * 1000, 1) for k, v in timings.items()},
        "xlsx_month_by_staff_s": round(max(xlsx), 2),
        "xlsx_bytes": len(r.content),
        "day_matches_raw_tickets": matches,
    }
    result["within_budget"] = result["report_p95_ms"] <= 1000 and result["xlsx_month_by_staff_s"] <= 5 and matches
    print(
        f"{database}: {made['tickets']:,} tickets; reports p50 {result['report_p50_ms']} ms, "
        f"p95 {result['report_p95_ms']} ms (budget 1000), max {result['report_max_ms']} ms; "
        f"XLSX month by staff {result['xlsx_month_by_staff_s']} s (budget 5); one day equals its tickets: {matches}",
        flush=True,
    )
    for name, values in timings.items():
        print(f"  {name:<8} {len(values):>3} reports  p95 {percentile(values, 95) * 1000:7.1f} ms", flush=True)
    return result


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--database", nargs="+", choices=("sqlite", "postgresql"), default=["sqlite", "postgresql"])
    ap.add_argument("--sites", type=int, default=20)
    ap.add_argument("--per-day", type=int, default=2000)
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--queries", type=int, default=120)
    args = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="bench-reports-"))
    cluster = PostgresCluster().start() if "postgresql" in args.database else None
    try:
        runs = [run(db, work / db, cluster if db == "postgresql" else None, args) for db in args.database]
    finally:
        if cluster is not None:
            cluster.stop()
        shutil.rmtree(work, ignore_errors=True)
    print(
        json.dumps(
            {
                "bench": "reports",
                "runs": runs,
                "budget_report_p95_ms": 1000,
                "budget_xlsx_month_s": 5,
                "within_budget": all(r["within_budget"] for r in runs),
                "machine": machine(),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
