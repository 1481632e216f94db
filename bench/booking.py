"""Booking from phones at once: 200 phones book the last 50 places of one
slot at the same moment. Exactly 50 must get a place and the other 150 be
told it is full (with the next free slots); budget: p99 <= 300 ms on the
2-core machine (judged on SQLite, a hall's own deployment; PostgreSQL,
sharing the two cores with central and the phones, is reported). Baseline in the same run: the same 200 phones booking 200
different slots at once (no place contended), so the figure shows what the
row lock on the contended slot costs. Real server over HTTP on loopback (two
worker processes; `--nodes 2` on PostgreSQL: two central nodes, the phones
split between them). Last line: one JSON object.

    python bench/booking.py [--phones 200] [--places 50] [--database sqlite postgresql] [--nodes 1]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import exchange, machine, percentile

from peers.central import Central
from peers.phone import Phone, id_number
from peers.postgres import PostgresCluster

TZ = ZoneInfo("Asia/Shanghai")
TAKEN_BEFORE = 10  # places of the slot taken before the rush


def signed_in_phones(centrals: list[Central], count: int) -> list[Phone]:
    """`count` phones, each verified with the code its text message carried."""
    phones = [Phone(centrals[i % len(centrals)].url, f"1380000{i:04d}") for i in range(count)]
    for phone in phones:
        r = phone.http.post(f"{phone.base}/book/code", json={"phone": phone.number}, timeout=10)
        assert r.status_code == 200, r.text
    codes: dict[str, str] = {}
    for central in centrals:
        log = central.config.parent / "central-data" / "notify.log"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(codes) < count:
            codes.update(
                {
                    m["to"]: m["params"]["code"]
                    for m in map(json.loads, log.read_text().splitlines())
                    if m["kind"] == "code"
                }
            )
            time.sleep(0.05)
    for phone in phones:
        masked = phone.number[:3] + "****" + phone.number[-4:]
        r = phone.http.post(
            f"{phone.base}/book/verify", json={"phone": phone.number, "code": codes[masked]}, timeout=10
        )
        assert r.status_code == 200, r.text
        phone.http.headers["Authorization"] = "Bearer " + r.json()["token"]
    return phones


async def _post(conn, path: str, token: str, body: bytes) -> tuple[float, int, bytes]:
    reader, writer = conn
    t0 = time.perf_counter()
    status, _, payload = await exchange(reader, writer, "POST", path, {"Authorization": f"Bearer {token}"}, body)
    return time.perf_counter() - t0, status, payload


async def _rush(ports: list[int], tokens: list[str], bodies: list[bytes]) -> tuple[list[float], list[int], float]:
    """Every phone's connection open first, then all requests at once."""
    conns = [await asyncio.open_connection("127.0.0.1", ports[i % len(ports)]) for i in range(len(tokens))]
    t0 = time.perf_counter()
    replies = await asyncio.gather(
        *(_post(conns[i], "/api/v1/book/bookings", tokens[i], bodies[i]) for i in range(len(tokens)))
    )
    wall = time.perf_counter() - t0
    for _, writer in conns:
        writer.close()
    for _, status, payload in replies:
        if status not in (201, 409):
            print(f"unexpected {status}: {payload[:200]!r}", file=sys.stderr)
    return [r[0] for r in replies], [r[1] for r in replies], wall


def rush(phones: list[Phone], ports: list[int], starts: list[str], first_person: int):
    """Phone i books the slot starts[i] for person first_person + i, all at once
    (a lean asyncio client: the load generator's own cost stays small)."""
    tokens = [p.http.headers["Authorization"].removeprefix("Bearer ") for p in phones]
    bodies = [
        json.dumps(
            {
                "site": "main",
                "type": "C",
                "slot_start": starts[i],
                "name": "张三",
                "id_number": id_number(first_person + i),
            }
        ).encode()
        for i in range(len(phones))
    ]
    return asyncio.run(_rush(ports, tokens, bodies))


def run(args, work: Path, database: str, cluster: PostgresCluster | None) -> dict:
    url = cluster.create_database(f"booking_{database}") if cluster else None
    nodes = args.nodes if cluster else 1
    quota = args.places + TAKEN_BEFORE
    extra = (
        f"[booking]\nquota = {quota}\ndays_ahead = 14\ncodes_per_address_hour = 1000\n"
        "codes_per_number_hour = 60\nactive_per_person = 20\n[notify]\npoll_s = 2.0\n"
    )
    centrals = [
        Central(work / f"node{i}", workers=2, extra=extra, database_url=url, secrets_dir=work / "secrets")
        for i in range(nodes)
    ]
    for central in centrals:
        central.start()
    try:
        phones = signed_in_phones(centrals, args.phones)
        day = datetime.now(TZ).date() + timedelta(days=2)
        grid = [
            s["start"]
            for offset in range(8)
            for s in phones[0].slots("main", "C", day + timedelta(days=offset))["slots"]
            if s["bookable"]
        ]
        contended, spread = grid[0], grid[1 : 1 + args.phones]
        for n in range(TAKEN_BEFORE):  # the slot fills up before the rush
            assert phones[n].book("main", "C", contended, id_number(9000 + n)).status_code == 201
        ports = [c.port for c in centrals]
        base_lat, base_status, base_wall = rush(phones, ports, spread, 5000)
        latencies, statuses, wall = rush(phones, ports, [contended] * args.phones, 1000)
        left = phones[0].slots("main", "C", datetime.fromisoformat(contended).date())["slots"][0]["free"]
    finally:
        for central in centrals:
            central.stop()
    won, full = statuses.count(201), statuses.count(409)
    result = {
        "database": database,
        "nodes": nodes,
        "phones": args.phones,
        "places": args.places,
        "booked": won,
        "told_full": full,
        "free_after": left,
        "exact": won == args.places and full == args.phones - args.places and left == 0,
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p99_ms": round(percentile(latencies, 99) * 1000, 1),
        "max_ms": round(max(latencies) * 1000, 1),
        "wall_s": round(wall, 2),
        "baseline_booked": base_status.count(201),
        "baseline_p50_ms": round(statistics.median(base_lat) * 1000, 1),
        "baseline_p99_ms": round(percentile(base_lat, 99) * 1000, 1),
        "baseline_wall_s": round(base_wall, 2),
    }
    result["exact_and_p99_within_300_ms"] = result["exact"] and result["p99_ms"] <= 300
    print(
        f"{database}, {nodes} node(s): {args.phones} phones for the last {args.places} places of one slot: "
        f"{won} booked, {full} told it is full, {left} left; p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms, "
        f"max {result['max_ms']} ms (budget p99 300 ms), all answered in {wall:.2f} s"
    )
    print(
        f"{database}, {nodes} node(s): baseline, {args.phones} phones booking {args.phones} different slots: "
        f"{result['baseline_booked']} booked; p50 {result['baseline_p50_ms']} ms, p99 {result['baseline_p99_ms']} ms"
    )
    return result


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--phones", type=int, default=200)
    ap.add_argument("--places", type=int, default=50)
    ap.add_argument("--nodes", type=int, default=1, help="central nodes (PostgreSQL only)")
    ap.add_argument("--database", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"])
    args = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="bench-booking-"))
    cluster = PostgresCluster().start() if "postgresql" in args.database else None
    try:
        runs = [
            run(args, work / database, database, cluster if database == "postgresql" else None)
            for database in args.database
        ]
    finally:
        if cluster:
            cluster.stop()
        shutil.rmtree(work, ignore_errors=True)
    # The budget is judged where a 2-core machine is the whole deployment: one hall on SQLite.
    # PostgreSQL here shares the same two cores with central and the phones; its figures are
    # reported (and every run must still be exact), not judged against the 300 ms.
    judged = [r for r in runs if r["database"] == "sqlite"] or runs
    result = {
        "bench": "booking",
        "machine": machine(),
        "runs": runs,
        "all_exact": all(r["exact"] for r in runs),
        "within_budget": all(r["exact"] for r in runs) and all(r["exact_and_p99_within_300_ms"] for r in judged),
    }
    print(json.dumps(result))
    return 0 if result["within_budget"] else 1


if __name__ == "__main__":
    sys.exit(main())
