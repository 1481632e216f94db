"""Central's event loop never waits for a database lock: while another process
holds the write lock, signed requests (their nonce is a write), tickets (group
commit) and a clerk's call keep their place in line on pool threads, /healthz
answers throughout, everything is served once the lock is free, and SIGTERM
still ends the process within seconds."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime

import pytest
import requests
from conftest import REPO, Central, add_staff, enrolled_client, login, wait_until

from central.db import WriteLock
from common.ratings import RatingRequest
from common.tickets import TicketRequest
from kiosk.sync import credentials
from kiosk.sync.client import CentralClient, CentralError

pytestmark = pytest.mark.central

HOLD_S = 4.0
HOLDER = """
import sys, time
from central.db import WriteLock
lock = WriteLock(sys.argv[1])
lock.acquire()
print("held", flush=True)
time.sleep(float(sys.argv[2]))
lock.release()
print("released", flush=True)
"""


@pytest.fixture
def busy_hall(tmp_path):
    server = Central(tmp_path / "central")
    server.start()
    add_staff(server, "carol", "counter")
    enrolled_client(server, "burst", tmp_path / "kiosk")
    yield server, credentials.load(tmp_path / "kiosk" / "kiosk-data")
    server.stop()


def rating() -> RatingRequest:
    return RatingRequest(key=f"rating-{uuid.uuid4().hex}", level=5, subject="hall", at=datetime.now(UTC))


def ticket() -> TicketRequest:
    return TicketRequest(request_id=uuid.uuid4().hex, type="A")


@pytest.mark.sqlite_only  # on PostgreSQL: test_many_nodes.py, a node waiting for a locked row
def test_the_loop_answers_while_another_process_holds_the_write_lock(busy_hall):
    server, creds = busy_hall
    clerk = login(server, "carol", counter=1)
    database = str(server.config.parent / "central-data" / "central.db")
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, database, str(HOLD_S)], stdout=subprocess.PIPE, text=True, cwd=REPO
    )
    assert holder.stdout.readline().strip() == "held"
    t_held = time.monotonic()
    results: dict[str, list] = {"rating": [], "ticket": [], "call": []}

    def kiosk_burst(kind: str, n: int) -> None:
        client = CentralClient(server.url, creds, timeout_s=30)
        for _ in range(n):
            try:
                reply = client.rate(rating()) if kind == "rating" else client.take_ticket(ticket())
                results[kind].append(reply)
            except Exception as exc:  # recorded, asserted below
                results[kind].append(exc)

    def clerk_call() -> None:
        results["call"].append(clerk.post(f"{server.url}/api/v1/counters/1/call-next", timeout=30).status_code)

    workers = [threading.Thread(target=kiosk_burst, args=(kind, 8)) for kind in ("rating", "ticket") for _ in range(3)]
    workers.append(threading.Thread(target=clerk_call))
    for w in workers:
        w.start()
    slowest = 0.0
    while time.monotonic() - t_held < HOLD_S - 0.5:  # the lock is still held by the other process
        t0 = time.monotonic()
        assert requests.get(f"{server.url}/healthz", timeout=5).ok
        slowest = max(slowest, time.monotonic() - t0)
        time.sleep(0.1)
    assert slowest < 1.0, f"/healthz took {slowest:.2f} s while a write waited"
    assert holder.stdout.readline().strip() == "released"
    holder.wait(5)
    for w in workers:
        w.join(60)
    assert not any(w.is_alive() for w in workers), "requests still hang after the lock was released"
    for kind in ("rating", "ticket"):
        failures = [r for r in results[kind] if isinstance(r, Exception)]
        assert failures == [] and len(results[kind]) == 24, (kind, failures[:3])
    assert results["call"] == [200]
    assert requests.get(f"{server.url}/healthz", timeout=5).ok
    t0 = time.monotonic()
    server.proc.terminate()
    server.proc.wait(10)
    assert time.monotonic() - t0 < 8.0  # SIGTERM ends it within seconds


RED_TEAM_S = float(os.environ.get("RED_TEAM_S", "60"))


def test_the_red_team_pattern_for_a_minute_never_hangs_central(busy_hall):
    """What hung central for good (3 of 3 runs, within 7 s): one kiosk's
    ratings, tickets and settings polls in parallel, and a clerk finishing and
    calling meanwhile. For a minute, /healthz must answer every second."""
    server, creds = busy_hall
    clerk = login(server, "carol", counter=1)
    stop = threading.Event()
    counts = {"rating": 0, "ticket": 0, "config": 0, "clerk": 0}
    errors: list[str] = []
    refused: list[str] = []

    def kiosk(kind: str) -> None:
        client = CentralClient(server.url, creds, timeout_s=30)
        while not stop.is_set():
            try:
                if kind == "rating":
                    client.rate(rating())
                elif kind == "ticket":  # the day's numbers run out within the minute: a clear 409, then
                    client.take_ticket(ticket())
                else:
                    client.settings()
                counts[kind] += 1
            except CentralError as exc:  # a 4xx is an answer; a 5xx or no answer is the failure
                (refused if exc.kind == "rejected" else errors).append(f"{kind}: {exc}")

    def counter_clerk() -> None:
        while not stop.is_set():
            for action in ("call-next", "finish"):
                r = clerk.post(f"{server.url}/api/v1/counters/1/{action}", timeout=30)
                if r.status_code >= 500:
                    errors.append(f"clerk {action}: {r.status_code}")
            counts["clerk"] += 1

    threads = [threading.Thread(target=kiosk, args=(k,)) for k in ("rating", "ticket", "config") for _ in range(3)]
    threads.append(threading.Thread(target=counter_clerk))
    for t in threads:
        t.start()
    slowest, started = 0.0, time.monotonic()
    try:
        while time.monotonic() - started < RED_TEAM_S:
            t0 = time.monotonic()
            assert requests.get(f"{server.url}/healthz", timeout=5).ok
            slowest = max(slowest, time.monotonic() - t0)
            time.sleep(max(0.0, 1.0 - (time.monotonic() - t0)))
    finally:
        stop.set()
        for t in threads:
            t.join(60)
    assert not any(t.is_alive() for t in threads), "requests still hang"
    assert slowest < 1.0, f"/healthz took {slowest:.2f} s under the red-team pattern"
    assert errors == [], errors[:5]
    assert min(counts.values()) > 10, counts  # every kind kept being served
    assert all("are taken today" in r for r in refused), refused[:3]
    print(f"red team {RED_TEAM_S:.0f} s: {counts}, {len(refused)} refused, slowest /healthz {slowest * 1000:.0f} ms")


def test_a_blocking_write_on_the_event_loop_is_refused_loudly(tmp_path):
    """The rule is enforced where it can be broken: a blocking WriteLock.acquire() on a
    thread that runs an event loop raises instead of stalling the worker."""
    import asyncio

    lock = WriteLock(str(tmp_path / "db"))

    async def on_the_loop() -> None:
        from central.db import serve_requests_on

        serve_requests_on(asyncio.get_running_loop())  # as central's lifespan does for its request loop
        lock.acquire()

    refused: list[BaseException] = []

    def run_a_loop() -> None:  # a thread of its own: another test's loop may be running on this one
        try:
            asyncio.run(on_the_loop())
        except BaseException as exc:
            refused.append(exc)

    worker = threading.Thread(target=run_a_loop)
    worker.start()
    worker.join(10)
    assert len(refused) == 1 and isinstance(refused[0], RuntimeError)
    assert "blocking write on the event loop" in str(refused[0])
    assert lock.acquire(blocking=False)  # off the loop (and non-blocking anywhere) it works
    lock.release()


def test_systemd_hears_ready_and_pings_only_while_central_answers(tmp_path):
    """A real notify socket: READY=1 once /healthz answers, WATCHDOG=1 pings, none while
    the process is frozen, STOPPING=1 and a clean exit on SIGTERM."""
    import os
    import signal
    import socket

    from conftest import BIN

    from peers.events import receive_datagrams

    server = Central(tmp_path / "central")
    path = tmp_path / "notify.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    env = {**os.environ, "NOTIFY_SOCKET": str(path), "WATCHDOG_USEC": "1000000"}
    proc = subprocess.Popen(
        [str(BIN / "kiosk-central"), "--config", str(server.config), "serve"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    env["WATCHDOG_PID"] = str(proc.pid)

    try:
        assert receive_datagrams(sock, 60, until="READY=1")[0] == "READY=1"
        assert requests.get(f"{server.url}/healthz", timeout=5).ok  # ready means serving
        assert receive_datagrams(sock, 2.5).count("WATCHDOG=1") >= 3  # every WatchdogSec/2 = 0.5 s
        proc.send_signal(signal.SIGSTOP)  # a hung server
        receive_datagrams(sock, 0.3)  # a ping sent just before the stop may still be in the socket
        assert receive_datagrams(sock, 1.5) == []
        proc.send_signal(signal.SIGCONT)
        assert "WATCHDOG=1" in receive_datagrams(sock, 5, until="WATCHDOG=1")
        proc.send_signal(signal.SIGTERM)  # systemctl stop
        assert "STOPPING=1" in receive_datagrams(sock, 15, until="STOPPING=1")
        assert proc.wait(10) in (0, -signal.SIGTERM)  # uvicorn ends by re-raising SIGTERM: a clean stop
    finally:
        if proc.poll() is None:
            proc.kill()
        sock.close()


def test_the_watchdog_stays_silent_while_the_probe_fails(monkeypatch):
    from central import watchdog

    answers = [True, True, False, False, False, True]
    probed: list[bool] = []
    sent: list[tuple[int, str]] = []  # (probes so far, message)

    def probe() -> bool:
        probed.append(answers[len(probed)] if len(probed) < len(answers) else True)
        return probed[-1]

    monkeypatch.setattr(watchdog.sd_notify, "notify", lambda message: sent.append((len(probed), message)) or True)
    dog = watchdog.HealthWatchdog(probe, 0.01).start()
    wait_until(lambda: len(probed) > len(answers), what="the probes")
    dog.stop()
    assert sent[0] == (1, "READY=1")
    pinged_after = {n for n, message in sent if message == "WATCHDOG=1"}
    assert {1, 2, 6} <= pinged_after and not pinged_after & {3, 4, 5}  # silent while failing
