"""Calling at counters: call-next latency with 50 counters calling at once,
and the time from a call to its event on the display board's stream (budget:
p99 <= 200 ms here). Real server over HTTP on loopback; the display is a live
server-sent-events connection; every called number must be distinct. Last
line: one JSON object.

With `--database postgresql --nodes 2` the counters call on both nodes of one
PostgreSQL database and the display listens on the last node: each event
crosses nodes (LISTEN/NOTIFY). On PostgreSQL it also counts what 100 idle
display streams cost the database: transactions per second while nothing
happens (budget: near nothing, under 5/s).

    python bench/calls.py [--counters 50] [--calls 20] [--database sqlite postgresql] [--nodes 2]
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
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import exchange, machine, percentile

from central.config import load as load_central
from central.queue.engine import QueueEngine
from central.queue.store import QueueStore
from central.staff import StaffStore
from central.state import open_state
from common.tickets import TicketRequest
from peers.central import Central
from peers.postgres import PostgresCluster

PASSWORD = "benchmark password"


def prepare(central: Central, counters: int, tickets: int) -> None:
    cfg = load_central(central.config)
    state = open_state(cfg)
    StaffStore(state.engine).add("manager", PASSWORD, "manager")
    queue = QueueEngine(cfg, QueueStore(state.engine))
    for i in range(tickets):
        queue.issue("bench-kiosk", TicketRequest(request_id=uuid.uuid4().hex, type="ABCDE"[i % 5]))
    state.engine.dispose()


async def http(reader, writer, method: str, path: str, cookie: str = "", body: bytes = b"", csrf: str = ""):
    """A staff request as the counter page makes it (its session cookie, and its CSRF token on changes)."""
    headers = {"Cookie": cookie} if cookie else {}
    if csrf:  # as the counter page sends it (docs/security.md, "Staff sessions")
        headers["X-CSRF-Token"] = csrf
    return await exchange(reader, writer, method, path, headers, body)


async def run(ports: list[int], counters: int, calls: int):
    """Counter n calls on node n % len(ports); the display listens on the last node."""
    port = ports[-1]
    reader, writer = await asyncio.open_connection("127.0.0.1", ports[0])
    _, headers, payload = await http(
        reader,
        writer,
        "POST",
        "/api/v1/staff/login",
        body=json.dumps({"username": "manager", "password": PASSWORD}).encode(),
    )
    cookie = next(c for c in headers["set-cookie"] if c.startswith("hall_session=")).split(";")[0]
    csrf = json.loads(payload)["csrf_token"]
    writer.close()
    seen: dict[str, float] = {}
    sse_reader, sse_writer = await asyncio.open_connection("127.0.0.1", port)
    sse_writer.write(b"GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")

    async def display():
        while True:
            line = await sse_reader.readline()
            if not line:
                return
            if line.startswith(b"data: "):
                event = json.loads(line[6:])
                if event.get("kind") == "call":
                    seen[event["number"]] = time.perf_counter()

    listener = asyncio.create_task(display())
    await asyncio.sleep(0.5)
    sent: dict[str, float] = {}
    latencies: list[float] = []

    async def counter(number: int):
        r, w = await asyncio.open_connection("127.0.0.1", ports[number % len(ports)])
        for _ in range(calls):
            t0 = time.perf_counter()
            status, _, payload = await http(r, w, "POST", f"/api/v1/counters/{number}/call-next", cookie, csrf=csrf)
            t1 = time.perf_counter()
            if status != 200:
                raise RuntimeError(f"{status} {payload[:200]!r}")
            called = json.loads(payload)["called"]
            if called is None:
                break
            sent[called["number"]] = (t0, t1)
            latencies.append(t1 - t0)
        w.close()

    started = time.perf_counter()
    await asyncio.gather(*(counter(n) for n in range(1, counters + 1)))
    elapsed = time.perf_counter() - started
    for _ in range(100):
        if len(seen) >= len(sent):
            break
        await asyncio.sleep(0.05)
    listener.cancel()
    sse_writer.close()
    pressed = [seen[n] - sent[n][0] for n in sent if n in seen]  # staff pressed "call next"
    committed = [seen[n] - sent[n][1] for n in sent if n in seen]  # the call was made (reply received)
    return latencies, pressed, committed, len(sent), len(seen), elapsed


async def idle_streams(port: int, streams: int, url: str, seconds: float = 5.0) -> float:
    """Database transactions per second while `streams` display streams stay open and idle."""
    connections = []
    for _ in range(streams):
        r, w = await asyncio.open_connection("127.0.0.1", port)
        w.write(b"GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        await r.readline()  # the stream's status line: it is open
        connections.append(w)
    await asyncio.sleep(1.0)

    import psycopg

    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    sql = "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()"
    with psycopg.connect(dsn, autocommit=True) as counter:  # one connection: its own cost is 1 per look
        before = counter.execute(sql).fetchone()[0]
        await asyncio.sleep(seconds)
        after = counter.execute(sql).fetchone()[0]
    for w in connections:
        w.close()
    return (after - before - 1) / seconds  # less the look itself


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--counters", type=int, default=50)
    ap.add_argument("--calls", type=int, default=20)
    ap.add_argument("--database", nargs="+", choices=("sqlite", "postgresql"), default=["sqlite"])
    ap.add_argument("--nodes", type=int, default=1, help="central nodes on PostgreSQL")
    args = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="bench-calls-"))
    cluster = PostgresCluster().start() if "postgresql" in args.database else None
    try:
        results = [_setup(args, work / database, database, cluster) for database in args.database]
    finally:
        if cluster is not None:
            cluster.stop()
        shutil.rmtree(work, ignore_errors=True)
    result = {
        "bench": "calls",
        "runs": results,
        "budget_call_to_display_p99_ms": 200,
        "budget_idle_stream_xacts_per_s": 5,
        "within_budget": all(r["within_budget"] for r in results),
        "machine": machine(),
    }
    print(json.dumps(result))
    return 0


def _setup(args, work: Path, database: str, cluster: PostgresCluster | None) -> dict:
    nodes = args.nodes if database == "postgresql" else 1
    url = cluster.create_database(f"calls_{database}") if cluster is not None and database == "postgresql" else None
    extra = "[queue]\n" + "".join(
        f'[[queue.counters]]\nnumber = {n}\nname = "{n}号窗口"\ntypes = []\n' for n in range(1, args.counters + 1)
    )
    centrals = [
        Central(work / f"node{i}", extra=extra, database_url=url, secrets_dir=work / "secrets") for i in range(nodes)
    ]
    total = args.counters * args.calls
    prepare(centrals[0], args.counters, total)
    for central in centrals:
        central.start()
    try:
        latencies, pressed, committed, called, displayed, elapsed = asyncio.run(
            run([c.port for c in centrals], args.counters, args.calls)
        )
        idle = asyncio.run(idle_streams(centrals[-1].port, 100, url)) if url else None
    finally:
        for central in centrals:
            central.stop()
    result = {
        "database": database,
        "nodes": nodes,
        "counters": args.counters,
        "calls": called,
        "calls_per_s": round(called / elapsed),
        "call_p50_ms": round(statistics.median(latencies) * 1000, 1),
        "call_p99_ms": round(percentile(latencies, 99) * 1000, 1),
        "call_to_display_p50_ms": round(statistics.median(committed) * 1000, 1),
        "call_to_display_p99_ms": round(percentile(committed, 99) * 1000, 1),
        "press_to_display_p50_ms": round(statistics.median(pressed) * 1000, 1),
        "press_to_display_p99_ms": round(percentile(pressed, 99) * 1000, 1),
        "displayed": displayed,
        "distinct_numbers": called == total and displayed == called,
        "idle_streams_xacts_per_s": round(idle, 1) if idle is not None else None,
    }
    result["within_budget"] = (
        result["call_to_display_p99_ms"] <= 200 and result["distinct_numbers"] and (idle is None or idle < 5)
    )
    where = f"{database}, {nodes} node(s)"
    print(
        f"{where}: {args.counters} counters, {called} calls in {elapsed:.1f} s ({result['calls_per_s']}/s): "
        f"call-next p50 {result['call_p50_ms']} ms, p99 {result['call_p99_ms']} ms"
    )
    print(
        f"{where}: call made to the display's event: p50 {result['call_to_display_p50_ms']} ms, "
        f"p99 {result['call_to_display_p99_ms']} ms (budget 200); {displayed}/{called} calls displayed"
    )
    print(
        f"{where}: button press to the display's event (includes queueing at call-next): "
        f"p50 {result['press_to_display_p50_ms']} ms, p99 {result['press_to_display_p99_ms']} ms"
    )
    if idle is not None:
        print(f"{where}: 100 idle display streams: {idle:.1f} database transactions/s (budget < 5)")
    return result


if __name__ == "__main__":
    raise SystemExit(main())
