"""Ticket issuing against the real server over HTTP on loopback: tickets/s
and p50/p99 latency at 1, 8 and 32 concurrent clients, with one and with
several server workers (budget: >= 1,000 tickets/s and p99 <= 25 ms at 32
clients on this 2-core machine, zero duplicates). Also kiosk tap to the last
byte at an ESC/POS network printer (budget p95 <= 150 ms online) and the
ticket's size in text mode. Last line: one JSON object.

With `--sites 1 50` each level runs again with the kiosks spread over 50 sites
(each with the same 21 business types): budget, throughput within 10 % of the
one-site figure in the same run, and a site's board (`GET /hall?site=`) and
queues (`GET /queues?site=`) answered in p99 <= 20 ms with 50 sites loaded.

With `--database sqlite postgresql --nodes 1 2` the same levels run on a
private PostgreSQL cluster too, with 1 and 2 central nodes on one database
(clients spread over the nodes), beside SQLite in the same run. Budgets: at 32
clients PostgreSQL on 1 node gives at least half SQLite's tickets/s, 2 nodes
no fewer than 1; no errors, duplicates or gaps anywhere. The SQLite WAL's size
is reported at its peak and once the server has been idle.

The load generator is a lean asyncio client (keep-alive HTTP/1.1, every request
HMAC-signed with a fresh nonce, as a kiosk does); it shares the two cores with
the server, as it would on a single-machine test. Each level runs against a
fresh server and an empty day (21 business types), so every level sees the same
queue lengths.

    python bench/tickets.py [--seconds 4] [--workers 1 2] [--database sqlite postgresql] [--nodes 1 2]
                            [--sites 1 50]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import exchange, machine, percentile

from central import fleet
from central.config import CentralConfig
from central.config import load as load_central
from central.sites.model import Counter, Site
from central.sites.store import SiteStore
from central.state import open_state
from common import signing, wire
from peers.central import Central
from peers.postgres import PostgresCluster

LETTERS = list("ABCDEFGHJKLMNPQRSTUWX")  # 21 types x 999 numbers a day: room for a long run
QUEUE_TOML = (
    "[queue]\n"
    + "".join(f'[[queue.types]]\ncode = "{c}"\nname = "业务{c}"\navg_minutes = 6.0\n' for c in LETTERS)
    + '[[queue.counters]]\nnumber = 1\nname = "1号窗口"\ntypes = []\n'
)
PATH = "/api/v1/tickets"


def enroll(central: Central, n: int, sites: int = 1) -> list[tuple[str, bytes, str]]:
    """Kiosks enrolled straight in the database (fast), before the server starts;
    with `sites` > 1, that many sites (the first one and more like it), kiosk i at site i % sites."""
    state = open_state(load_central(central.config))
    store = SiteStore(state.engine)
    first = store.snapshot().first
    codes = [first.code]
    for i in range(1, sites):
        site = Site(f"site-{i:02d}", "hall", f"第{i}政务服务中心", types=first.types, counters=(Counter(1, "1号窗口"),))
        codes.append(store.add_site(site).code)
    kiosks = []
    with state.sessions() as db:
        for i in range(n):
            new = fleet.add_kiosk(db, f"bench-{i:03d}", 24, site=codes[i % len(codes)])
            kiosk, secret = fleet.enroll(db, state.master_key, wire.EnrollRequest(code=new.code, version="bench"))
            kiosks.append((kiosk.id, secret, kiosk.site))
    state.engine.dispose()
    return kiosks


async def client(
    port: int, kiosk: tuple[str, bytes], stop_at: float, warm_until: float, out: list, issued: list, index: int
):
    kiosk_id, secret, site = kiosk
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    n = index
    try:
        while time.perf_counter() < stop_at:
            n += 1
            body = json.dumps({"request_id": uuid.uuid4().hex, "type": LETTERS[n % len(LETTERS)]}).encode()
            headers = signing.sign(secret, "POST", PATH, body, kiosk_id)
            t0 = time.perf_counter()
            status, _, payload = await exchange(reader, writer, "POST", PATH, headers, body)
            t1 = time.perf_counter()
            if status != 200:
                raise RuntimeError(f"{status} {payload[:200]!r}")
            reply = json.loads(payload)
            issued.append((site, reply["service_day"], reply["type"], reply["number"][-3:]))
            if t0 >= warm_until:
                out.append((t1, t1 - t0))
    finally:
        writer.close()


async def level(ports, kiosks, clients, seconds, issued):
    """`clients` at once, client i on node i % len(ports)."""
    start = time.perf_counter()
    warm_until, stop_at = start + 0.5, start + 0.5 + seconds
    samples: list = []
    await asyncio.gather(
        *(client(ports[i % len(ports)], kiosks[i], stop_at, warm_until, samples, issued, i * 7) for i in range(clients))
    )
    latencies = [s[1] for s in samples]
    return {
        "clients": clients,
        "tickets_per_s": round(len(samples) / seconds),
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p99_ms": round(percentile(latencies, 99) * 1000, 2),
    }


def tap_to_print(central: Central, kiosk: tuple[str, bytes], directory: Path, n: int = 50):
    from kiosk.config import load
    from kiosk.events import EventBus
    from kiosk.i18n import Translator
    from kiosk.printing import TicketPrinting, make_ticket_printer
    from kiosk.queue.offline import OfflineTickets
    from kiosk.queue.service import TicketService
    from kiosk.session import CitizenSession, IdleTimer
    from kiosk.sync.client import CentralClient
    from kiosk.sync.credentials import Credentials
    from kiosk.sync.outbox import Outbox, OutboxWorker
    from kiosk.sync.senders import senders_for
    from peers.escpos_printer import FakeNetworkPrinter

    printer = FakeNetworkPrinter()
    directory.mkdir(parents=True, exist_ok=True)
    cfg_path = directory / "kiosk.toml"
    cfg_path.write_text(
        f'[kiosk]\ndata_dir = "{directory / "kiosk"}"\n[server]\nurl = "{central.url}"\n'
        f'[devices]\nticket_printer = "escpos"\n[printer]\nhost = "127.0.0.1"\nport = {printer.port}\n'
    )
    cfg = load(cfg_path)
    client = CentralClient(central.url, Credentials(kiosk[0], "bench", central.url, kiosk[1]))
    outbox = Outbox(cfg.data_dir / "outbox.db")  # wired as kiosk.services.build_services does
    worker = OutboxWorker(outbox, senders_for(client))
    worker.start()
    service = TicketService(
        cfg,
        client,
        CitizenSession(EventBus(), IdleTimer(60, 15)),
        TicketPrinting(None, cfg, make_ticket_printer(cfg)),
        Translator("zh_CN"),
        outbox,
        OfflineTickets(outbox, client),
        worker,
    )
    times, size = [], 0
    for i in range(n):
        before = len(printer.jobs)
        t0 = time.perf_counter()
        result = service.take(LETTERS[i % len(LETTERS)])
        assert result.ticket and result.printed.ok, result
        while len(printer.jobs) == before:  # the job is complete once the printer has its last byte
            time.sleep(0.0005)
        times.append((printer.last_byte_at - t0) * 1000)
        size = len(printer.jobs[-1])
    worker.stop()
    printer.close()
    return times, size


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=4.0)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--clients", type=int, nargs="+", default=[1, 8, 32])
    ap.add_argument("--database", nargs="+", choices=("sqlite", "postgresql"), default=["sqlite"])
    ap.add_argument("--nodes", type=int, nargs="+", default=[1], help="central nodes on PostgreSQL")
    ap.add_argument("--sites", type=int, nargs="+", default=[1], help="sites the kiosks are spread over")
    ap.add_argument(
        "--pin",
        action="store_true",
        help="server on CPU 0, load generator on CPU 1 (1 worker): the server's own ceiling",
    )
    args = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="bench-tickets-"))
    cluster = PostgresCluster(max_connections=400).start() if "postgresql" in args.database else None
    try:
        return _run(args, work, cluster)
    finally:
        if cluster is not None:
            cluster.stop()
        shutil.rmtree(work, ignore_errors=True)  # a run writes about a gigabyte of databases


class WalWatch:
    """The size of a SQLite write-ahead log, sampled every 50 ms: its peak."""

    def __init__(self, path: Path):
        self.path, self.peak = path, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, self.size())

    def size(self) -> int:
        try:
            return self.path.stat().st_size
        except FileNotFoundError:
            return 0

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def board_reads(port: int, sites: int, n: int = 300) -> dict:
    """p50/p99 of a site's board and queues, asked in turn for random sites (as boards and phones do)."""
    import random

    import requests

    codes = ["main"] + [f"site-{i:02d}" for i in range(1, sites)]
    rng = random.Random(7)
    out = {}
    with requests.Session() as http:
        for name, path in (("board", "/api/v1/hall?site={}"), ("queues", "/api/v1/queues?site={}")):
            times = []
            for _ in range(n):
                t0 = time.perf_counter()
                reply = http.get(f"http://127.0.0.1:{port}" + path.format(rng.choice(codes)), timeout=10)
                times.append(time.perf_counter() - t0)
                reply.raise_for_status()
            out[f"{name}_p50_ms"] = round(statistics.median(times) * 1000, 2)
            out[f"{name}_p99_ms"] = round(percentile(times, 99) * 1000, 2)
    return out


def _run(args, work: Path, cluster: PostgresCluster | None) -> int:
    setups = [
        (db, n, sites)
        for db in args.database
        for n in (args.nodes if db == "postgresql" else [1])
        for sites in args.sites
    ]
    runs, duplicates, gaps, errors = [], 0, 0, 0
    for database, nodes, sites in setups:
        for workers in args.workers:
            for clients in args.clients:
                # each level starts from an empty day: the same queue lengths for every level, and 21 types x
                # 899 numbers would not last the whole run
                folder = work / f"{database}-n{nodes}-s{sites}-w{workers}-c{clients}"
                url = cluster.create_database(folder.name.replace("-", "_")) if database == "postgresql" else None
                centrals = [
                    Central(
                        folder / f"node{i}",
                        workers=workers,
                        extra=QUEUE_TOML,
                        database_url=url,
                        secrets_dir=folder / "secrets",
                    )
                    for i in range(nodes)
                ]
                kiosks = enroll(centrals[0], clients, sites)
                for central in centrals:
                    central.start()
                if args.pin:
                    os.sched_setaffinity(centrals[0].proc.pid, {0})
                    os.sched_setaffinity(0, {1})
                wal = WalWatch(folder / "node0" / "central-data" / "central.db-wal") if database == "sqlite" else None
                issued: list = []
                try:
                    result = asyncio.run(level([c.port for c in centrals], kiosks, clients, args.seconds, issued))
                except RuntimeError as exc:  # a non-200 answer: counted, reported, the run goes on
                    errors += 1
                    print(f"{database} {nodes} node(s), {workers} worker(s), {clients} clients: {exc}", flush=True)
                    result = {"clients": clients, "tickets_per_s": 0, "p50_ms": None, "p99_ms": None}
                else:
                    if clients == max(args.clients):  # the day's tickets are in: read boards as the hall does
                        result.update(board_reads(centrals[0].port, sites))
                finally:
                    if wal is not None:
                        wal.stop()
                        idle_deadline = time.monotonic() + 5  # the checkpointer truncates the log once idle
                        while wal.size() > 4 << 20 and time.monotonic() < idle_deadline:
                            time.sleep(0.1)
                    for central in centrals:
                        central.stop()
                result.update(
                    database=database, nodes=nodes, sites=sites, workers=workers, pinned=args.pin, issued=len(issued)
                )
                if wal is not None:
                    result.update(wal_peak_mb=round(wal.peak / 2**20, 1), wal_idle_mb=round(wal.size() / 2**20, 1))
                runs.append(result)
                duplicates += len(issued) - len(set(issued))
                by_type: dict = {}
                for site, day, letter, number in set(issued):
                    by_type.setdefault((site, day, letter), []).append(int(number))
                gaps += sum(max(v) - len(v) for v in by_type.values())
                print(
                    f"{database:10s} {nodes} node(s), {sites:2d} site(s), {workers} worker(s), {clients:2d} clients: "
                    f"{result['tickets_per_s']:5d} tickets/s, p50 {result['p50_ms']} ms, p99 {result['p99_ms']} ms"
                    + (f", WAL peak {result['wal_peak_mb']} MB, idle {result['wal_idle_mb']} MB" if wal else "")
                    + (
                        f"; board p99 {result['board_p99_ms']} ms, queues p99 {result['queues_p99_ms']} ms"
                        if "board_p99_ms" in result
                        else ""
                    ),
                    flush=True,
                )
                shutil.rmtree(folder, ignore_errors=True)
    central = Central(work / "tap", extra=QUEUE_TOML)
    kiosk = enroll(central, 1)[0]
    central.start()
    try:
        tap_times, ticket_bytes = tap_to_print(central, kiosk, work / "kiosk")
    finally:
        central.stop()
    at_most = [r for r in runs if r["clients"] == max(args.clients)]
    comparisons = []
    for r in [r for r in at_most if r["sites"] > 1]:  # many sites against one, same engine, nodes and workers
        base = next(
            (
                x
                for x in at_most
                if x["sites"] == 1
                and (x["database"], x["nodes"], x["workers"]) == (r["database"], r["nodes"], r["workers"])
            ),
            None,
        )
        r["vs_one_site"] = round(r["tickets_per_s"] / max(1, base["tickets_per_s"]), 2) if base else None
        r["within_budget"] = (
            (r["vs_one_site"] is None or r["vs_one_site"] >= 0.9)
            and (r.get("board_p99_ms") or 1e9) <= 20
            and (r.get("queues_p99_ms") or 1e9) <= 20
        )
        comparisons.append(
            f"{r['database']} {r['nodes']} node(s), {r['sites']} sites, {r['workers']} worker(s): "
            f"{r['vs_one_site']} x one site; board p99 {r.get('board_p99_ms')} ms, "
            f"queues p99 {r.get('queues_p99_ms')} ms (budget 0.9 x, 20 ms)"
        )
    for r in [r for r in at_most if r["sites"] == 1]:
        if r["database"] == "sqlite":
            r["within_budget"] = r["tickets_per_s"] >= 1000 and (r["p99_ms"] or 1e9) <= 25
            continue
        same = {x["database"] + str(x["nodes"]): x for x in at_most if x["workers"] == r["workers"] and x["sites"] == 1}
        versus_sqlite = r["tickets_per_s"] / max(1, same["sqlite1"]["tickets_per_s"]) if "sqlite1" in same else None
        versus_one = r["tickets_per_s"] / max(1, same["postgresql1"]["tickets_per_s"]) if r["nodes"] > 1 else None
        r["vs_sqlite"] = round(versus_sqlite, 2) if versus_sqlite is not None else None
        r["vs_one_node"] = round(versus_one, 2) if versus_one is not None else None
        if r["nodes"] * r["workers"] > (os.cpu_count() or 1):
            # more server processes than cores on one machine: the nodes only take turns on the same
            # CPUs (with PostgreSQL and the load generator); reported, not judged
            r["within_budget"] = None
        else:
            r["within_budget"] = (r["nodes"] > 1 or (versus_sqlite or 0) >= 0.5) and (
                versus_one is None or versus_one >= 0.95  # "not slower": within the run-to-run noise of 5 %
            )
        comparisons.append(
            f"postgresql {r['nodes']} node(s), {r['workers']} worker(s): {r['vs_sqlite']} x SQLite"
            + (f", {r['vs_one_node']} x one node" if versus_one is not None else "")
            + (" (more processes than cores: not judged)" if r["within_budget"] is None else "")
        )
    shipped = [
        r for r in at_most if r["database"] == "sqlite" and r["workers"] == CentralConfig().server.workers
    ] or at_most
    judged = shipped + [r for r in at_most if r["database"] == "postgresql" or r["sites"] > 1]
    tap_p95 = percentile(tap_times, 95)
    result = {
        "bench": "tickets",
        "runs": runs,
        "duplicates": duplicates,
        "gaps": gaps,
        "tap_to_last_byte_p50_ms": round(statistics.median(tap_times), 1),
        "tap_to_last_byte_p95_ms": round(percentile(tap_times, 95), 1),
        "ticket_bytes_text_mode": ticket_bytes,
        "budget": {
            "tickets_per_s": 1000,
            "p99_ms": 25,
            "tap_p95_ms": 150,
            "postgresql_vs_sqlite": 0.5,
            "two_nodes_vs_one": 0.95,
            "many_sites_vs_one": 0.9,
            "site_board_p99_ms": 20,
        },
        # as central ships (config/central.toml: one worker on SQLite); each run at the most clients says its own
        "errors": errors,
        "within_budget": all(r["within_budget"] is not False for r in judged)
        and tap_p95 <= 150
        and duplicates == 0
        and gaps == 0
        and errors == 0,
        "machine": machine(),
    }
    for line in comparisons:
        print(line)
    print(f"errors: {errors}, duplicates: {duplicates}, gaps: {gaps}")
    print(
        f"kiosk tap to last byte at the printer: p50 {result['tap_to_last_byte_p50_ms']} ms, "
        f"p95 {result['tap_to_last_byte_p95_ms']} ms (budget 150); ticket {ticket_bytes} bytes in text mode"
    )
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
