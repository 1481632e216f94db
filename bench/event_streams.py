"""Idle live streams must not slow the hall: ticket and /healthz latency with no
stream open (baseline, same run) and with 1,000 idle event streams (display
boards and phone pages) held open from five loopback addresses. Budget (issue
21): ticket p99 within 2x of the idle figure. Real server over HTTP on loopback.
Last line: one JSON object.

    python bench/event_streams.py [--streams 1000] [--tickets 300]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import requests
from _common import machine, percentile

from common.tickets import TicketRequest
from kiosk.sync import credentials
from kiosk.sync.client import CentralClient
from peers.central import Central, run_cli
from peers.kiosk_setup import write_kiosk_config

ADDRESSES = [f"127.0.0.{i}" for i in range(2, 7)]  # 200 a piece: the default per-address cap


def enrolled(central: Central, work: Path) -> CentralClient:
    code = json.loads(central.cli("kiosks", "add", "bench-streams", "--json").stdout)["code"]
    cfg = write_kiosk_config(work, central.url)
    assert run_cli("kiosk", "--config", str(cfg), "enroll", code).returncode == 0
    return CentralClient(central.url, credentials.load(work / "kiosk-data"), timeout_s=30)


def latencies(client: CentralClient, url: str, n: int) -> tuple[list[float], list[float]]:
    tickets, health = [], []
    for i in range(n):
        t0 = time.perf_counter()
        client.take_ticket(TicketRequest(request_id=uuid.uuid4().hex, type="ABCDE"[i % 5]))
        tickets.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        requests.get(url + "/healthz", timeout=30)
        health.append((time.perf_counter() - t0) * 1000)
    return tickets, health


async def hold_streams(port: int, count: int, opened: threading.Event, stop: threading.Event) -> int:
    writers = []
    for i in range(count):
        reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(ADDRESSES[i % len(ADDRESSES)], 0))
        writer.write(b"GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
        await writer.drain()
        status = await reader.readline()
        if b" 200 " not in status:
            raise RuntimeError(f"stream {i} refused: {status!r}")
        writers.append(writer)
    opened.set()
    while not stop.is_set():
        await asyncio.sleep(0.2)
    for writer in writers:
        writer.close()
    return len(writers)


def summary(values: list[float]) -> dict:
    return {"p50_ms": round(percentile(values, 50), 2), "p99_ms": round(percentile(values, 99), 2)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--tickets", type=int, default=300)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        central = Central(Path(tmp) / "central")
        central.start()
        try:
            client = enrolled(central, Path(tmp) / "kiosk")
            latencies(client, central.url, 30)  # warm up
            idle_tickets, idle_health = latencies(client, central.url, args.tickets)
            opened, stop = threading.Event(), threading.Event()
            held: list[int] = []
            holder = threading.Thread(
                target=lambda: held.append(asyncio.run(hold_streams(central.port, args.streams, opened, stop)))
            )
            holder.start()
            if not opened.wait(120):
                raise RuntimeError("the streams did not open in 120 s")
            busy_tickets, busy_health = latencies(client, central.url, args.tickets)
            stop.set()
            holder.join(60)
        finally:
            central.stop()
    ratio = percentile(busy_tickets, 99) / percentile(idle_tickets, 99)
    print(f"machine: {machine()}")
    print(f"tickets, no stream open:       {summary(idle_tickets)}")
    print(f"tickets, {args.streams} idle streams:  {summary(busy_tickets)}  (p99 x{ratio:.2f})")
    print(f"/healthz, no stream open:      {summary(idle_health)}")
    print(f"/healthz, {args.streams} idle streams: {summary(busy_health)}")
    result = {
        "bench": "event_streams",
        "machine": machine(),
        "streams": held[0] if held else 0,
        "tickets_idle": summary(idle_tickets),
        "tickets_with_streams": summary(busy_tickets),
        "healthz_idle": summary(idle_health),
        "healthz_with_streams": summary(busy_health),
        "ticket_p99_ratio": round(ratio, 2),
        "budget_ratio": 2.0,
        "within_budget": ratio <= 2.0,
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
