"""A compressed 24-hour soak: thousands of citizen sessions through the kiosk's
services (guides, tickets printed on an ESC/POS network printer on loopback,
ratings) against a real central, with a network outage in the middle (offline
tickets from the leased blocks) and heartbeats throughout. Reports RSS at the
start and the end (budget: growth <= 10 MB), p50/p99 per step, that the outbox
drained, and the time to sync a 10,000-matter catalog in full and a
100-matter change. Last line: one JSON object.

    python bench/soak.py [--sessions 10000] [--matters 10000]
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import machine, percentile

from peers.central import Central, run_cli
from peers.escpos_printer import FakeNetworkPrinter
from peers.kiosk_setup import enrolled_kiosk

QUERIES = ["sfz", "身份证", "社保", "gjj", "营业执照", "不动产", "户口", "医保", "yyzz", "出生"]
SECONDS_PER_DAY = 86400


def enrolled_config(server: Central, directory: Path, printer_port: int) -> Path:
    return enrolled_kiosk(server, directory.name, directory, printer_port)


def changed_catalog(path: Path, out: Path, n: int) -> None:
    """The same catalog with `n` matters edited (a realistic small update)."""
    catalog = json.loads(path.read_text(encoding="utf-8"))
    for matter in catalog["matters"][:n]:
        matter["name"] = matter["name"] + "（更新）"
    out.write_text(json.dumps(catalog, ensure_ascii=False), encoding="utf-8")


def time_catalog_sync(server: Central, work: Path, printer_port: int, matters: int) -> dict:
    from kiosk import config as kiosk_config
    from kiosk.services import build_services

    full = work / "catalog.json"
    run_cli(
        "kiosk-central",
        "--config",
        str(server.config),
        "catalog",
        "generate",
        "--matters",
        str(matters),
        "--out",
        str(full),
    )
    assert server.cli("catalog", "import", str(full)).returncode == 0
    services = build_services(kiosk_config.load(enrolled_config(server, work / "sync-kiosk", printer_port)))
    services.catalog.open()
    started = time.perf_counter()
    result = services.catalog.sync(services.central)
    full_s = time.perf_counter() - started
    assert result.full and services.catalog.state.matters >= matters, result
    changed_catalog(full, work / "changed.json", 100)
    assert server.cli("catalog", "import", str(work / "changed.json")).returncode == 0
    started = time.perf_counter()
    delta = services.catalog.sync(services.central)
    delta_s = time.perf_counter() - started
    started = time.perf_counter()
    unchanged = services.catalog.sync(services.central)  # 304
    unchanged_s = time.perf_counter() - started
    hits = services.catalog.search("（更新）") or services.catalog.search(services.catalog.popular(1)[0].name)
    services.stop()
    return {
        "catalog_matters": matters,
        "full_sync_s": round(full_s, 2),
        "delta_100_sync_s": round(delta_s, 3),
        "delta_changed": delta.changed,
        "unchanged_sync_ms": round(unchanged_s * 1000, 1),
        "unchanged_changed": unchanged.changed,
        "search_after_sync": bool(hits),
    }


def soak(server: Central, work: Path, printer: FakeNetworkPrinter, sessions: int, seed: int) -> dict:
    from kiosk import config as kiosk_config
    from kiosk.health import rss_mb
    from kiosk.ratings import RatingSubject
    from kiosk.services import build_services

    services = build_services(kiosk_config.load(enrolled_config(server, work / "kiosk", printer.port)))
    services.catalog.open()
    services.heartbeat.beat_once()
    rng = random.Random(seed)
    steps: dict[str, list[float]] = defaultdict(list)
    outcomes: dict[str, int] = defaultdict(int)
    outage = range(sessions // 2, sessions // 2 + sessions // 20)  # 5% of the day: central unreachable
    warm = min(500, sessions // 10)
    rss_start = 0.0
    started = time.perf_counter()

    def timed(name, call):
        t0 = time.perf_counter()
        value = call()
        steps[name].append((time.perf_counter() - t0) * 1000)
        return value

    for n in range(sessions):
        if n == warm:
            gc.collect()
            rss_start = rss_mb()
        if n == outage.start:
            server.stop()
        if n == outage.stop:
            server.start()
        kind = rng.choices(("guide", "ticket", "rating", "browse"), weights=(35, 40, 15, 10))[0]
        if kind == "guide":
            hits = timed("search", lambda: services.catalog.search(rng.choice(QUERIES)))
            if hits:
                timed("open_guide", lambda: services.catalog.matter(hits[0].code))
        elif kind == "browse":
            departments = timed("browse", services.catalog.departments)
            timed("browse", lambda: services.catalog.in_department(rng.choice(departments)[0]))
        elif kind == "ticket":
            queues = services.tickets.queues()
            letter = rng.choice([q.type for q in queues.queues]) if queues else "A"
            result = timed("ticket", lambda: services.tickets.take(letter))
            outcomes[
                "ticket_offline"
                if result.ticket and result.ticket.offline
                else "ticket_online"
                if result.ticket
                else f"ticket_error_{result.error}"
            ] += 1
            outcomes["printed"] += bool(result.printed and result.printed.ok)
        else:
            level = rng.randint(1, 5)
            timed(
                "rating",
                lambda: services.ratings.submit(
                    RatingSubject("ticket", "A", "A"), level, ("slow",) if services.ratings.is_bad(level) else ()
                ),
            )
        services.session.end("finished")
        if n % 100 == 0 and n not in outage:
            timed("heartbeat", services.heartbeat.beat_once)
        if n % 20 == 0:
            timed("outbox_pass", services.outbox_worker.deliver_due)
    run_s = time.perf_counter() - started
    t0 = time.perf_counter()
    drained = services.outbox.drain(120, services.outbox_worker)
    drain_s = time.perf_counter() - t0
    services.outbox.prune_acked(0)
    gc.collect()
    rss_end = rss_mb()
    counts = services.outbox.counts()
    services.stop()
    return {
        "sessions": sessions,
        "simulated_hours": 24,
        "run_s": round(run_s, 1),
        "sessions_per_s": round(sessions / run_s, 1),
        "rss_start_mb": round(rss_start, 1),
        "rss_end_mb": round(rss_end, 1),
        "rss_growth_mb": round(rss_end - rss_start, 1),
        "rss_budget_mb": 10,
        "outbox_drained": drained and counts["ready"] + counts["in_flight"] == 0,
        "outbox_failed": counts["failed"],
        "drain_s": round(drain_s, 2),
        **dict(outcomes),
        "steps": {
            name: {"n": len(v), "p50_ms": round(percentile(v, 50), 2), "p99_ms": round(percentile(v, 99), 2)}
            for name, v in sorted(steps.items())
        },
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sessions", type=int, default=10000)
    p.add_argument("--matters", type=int, default=10000)
    p.add_argument("--seed", type=int, default=24)
    args = p.parse_args()
    work = Path(tempfile.mkdtemp(prefix="soak-"))
    server = Central(work / "central", extra="[queue]\noffline_block_size = 50\n")
    server.start()
    printer = FakeNetworkPrinter()
    try:
        sync = time_catalog_sync(server, work, printer.port, args.matters)
        print(
            f"catalog: {args.matters} matters full sync {sync['full_sync_s']} s, 100-matter delta "
            f"{sync['delta_100_sync_s']} s, unchanged (304) {sync['unchanged_sync_ms']} ms",
            flush=True,
        )
        result = soak(server, work, printer, args.sessions, args.seed)
    finally:
        printer.close()
        server.stop()
    print(
        f"{result['sessions']} sessions in {result['run_s']} s ({result['sessions_per_s']}/s); RSS "
        f"{result['rss_start_mb']} -> {result['rss_end_mb']} MB ({result['rss_growth_mb']:+} MB, budget 10)"
    )
    print(
        f"tickets online {result.get('ticket_online', 0)}, offline {result.get('ticket_offline', 0)}, "
        f"printed {result.get('printed', 0)}; outbox drained {result['outbox_drained']} in {result['drain_s']} s"
    )
    for name, figure in result["steps"].items():
        print(f"  {name:<12} n={figure['n']:<6} p50 {figure['p50_ms']:>8} ms   p99 {figure['p99_ms']:>8} ms")
    print(json.dumps({"machine": machine(), **sync, **result}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
