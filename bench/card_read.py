"""Card insertion to identity event through the real PC/SC stack (pcscd +
vsmartcard-vpcd + our virtual card), over 50 insertions; and the APDU exchange
alone (connect, SELECT, chunked READ BINARY, disconnect). Budgets here: p95
insertion -> identity <= 600 ms (pcscd polls vpcd every ~400 ms, which
dominates), APDU exchange <= 50 ms. Also the GA/T 467 serial read over a pty.
Stops any running pcscd and starts its own. Last line: one JSON object.

    python bench/card_read.py [--insertions 50]
"""

from __future__ import annotations

import argparse
import json
import queue
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import machine, percentile

from drivers.reader import CardInserted, CardRemoved
from drivers.reader.ga467 import Ga467Reader
from drivers.reader.pcsc import PcscReader
from peers.events import wait_event
from peers.ga467_reader import ZHANG, FakeSamReader
from peers.pcscd import Pcscd
from peers.vpcd_card import VirtualCard

IDENTITY = json.loads((Path(__file__).resolve().parents[1] / "peers/identities/zhang.json").read_text(encoding="utf-8"))


def pcsc_runs(n: int) -> tuple[list[float], list[float]]:
    daemon = Pcscd(Path(tempfile.mkdtemp(prefix="bench-pcscd-")))
    daemon.start()
    events: queue.Queue = queue.Queue()
    reader = PcscReader("Virtual PCD 00 00")
    reader.start(events.put)
    insert_ms, apdu_ms = [], []
    try:
        time.sleep(1.0)
        for _ in range(n):
            card = VirtualCard(IDENTITY, port=daemon.port)
            t0 = time.perf_counter()
            card.insert()
            wait_event(events, CardInserted, 10)
            t1 = time.perf_counter()
            insert_ms.append((t1 - t0) * 1000)
            apdu_ms.append(reader.last_read_s * 1000)
            card.remove()
            wait_event(events, CardRemoved, 10)
    finally:
        reader.stop()
        daemon.stop()
    return insert_ms, apdu_ms


def ga467_runs(n: int) -> list[float]:
    fake = FakeSamReader()
    events: queue.Queue = queue.Queue()
    reader = Ga467Reader(fake.path, poll_s=0.05)
    reader.start(events.put)
    times = []
    try:
        for _ in range(n):
            t0 = time.perf_counter()
            fake.card = dict(ZHANG)
            wait_event(events, CardInserted, 10)
            t1 = time.perf_counter()
            times.append((t1 - t0) * 1000)
            fake.card = None
            wait_event(events, CardRemoved, 10)
    finally:
        reader.stop()
        fake.close()
    return times


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--insertions", type=int, default=50)
    args = ap.parse_args(argv)
    inserts, apdus = pcsc_runs(args.insertions)
    serial = ga467_runs(20)
    result = {
        "bench": "card_read",
        "insertions": len(inserts),
        "insert_to_identity_p50_ms": round(statistics.median(inserts)),
        "insert_to_identity_p95_ms": round(percentile(inserts, 95)),
        "apdu_exchange_p50_ms": round(statistics.median(apdus), 1),
        "apdu_exchange_p95_ms": round(percentile(apdus, 95), 1),
        "ga467_detect_and_read_p50_ms": round(statistics.median(serial)),
        "ga467_detect_and_read_p95_ms": round(percentile(serial, 95)),
        "budget_insert_p95_ms": 600,
        "budget_apdu_ms": 50,
        "machine": machine(),
    }
    result["within_budget"] = result["insert_to_identity_p95_ms"] <= 600 and result["apdu_exchange_p95_ms"] <= 50
    print(
        f"PC/SC insertion -> identity over {len(inserts)} insertions: p50 {result['insert_to_identity_p50_ms']} ms, "
        f"p95 {result['insert_to_identity_p95_ms']} ms (budget 600)"
    )
    print(
        f"APDU exchange (connect, select, read, disconnect): p50 {result['apdu_exchange_p50_ms']} ms, "
        f"p95 {result['apdu_exchange_p95_ms']} ms (budget 50)"
    )
    print(
        f"GA/T 467 over a pty, card placed -> identity (50 ms polling): p50 {result['ga467_detect_and_read_p50_ms']} ms, "
        f"p95 {result['ga467_detect_and_read_p95_ms']} ms"
    )
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
