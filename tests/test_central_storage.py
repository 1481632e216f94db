"""Central's SQLite storage under write load: the WAL is checkpointed off
the request path, writers of several processes take turns on one lock, and
an online backup is consistent while tickets are being issued."""

from __future__ import annotations

import asyncio
import itertools
import multiprocessing
import os
import sqlite3
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import Central, central_config, enrolled_client, wait_until

from central import fleet
from central.db import WalCheckpointer, write_lock
from central.queue.engine import QueueEngine, TicketOrder
from central.queue.group_commit import GroupCommit
from central.queue.store import QueueStore
from central.rawsql import INSERT_NONCE
from central.state import open_state
from common import wire
from common.tickets import TicketRequest

pytestmark = pytest.mark.sqlite_only  # SQLite's file, write lock and WAL


def storage(tmp_path):
    state = open_state(central_config(tmp_path))
    with state.sessions() as db:
        kiosk, _secret = fleet.enroll(
            db, state.master_key, wire.EnrollRequest(code=fleet.add_kiosk(db, "storage", 24).code, version="test")
        )
    return state, kiosk.id


def write_commits(state, kiosk_id: str, n: int, tag: str) -> None:
    now = datetime.now(UTC)
    for i in range(n):
        with state.runner.write() as db:
            db.run(INSERT_NONCE, kiosk_id=kiosk_id, nonce=f"{tag}-{i:08d}", seen_at=now)


def wal_bytes(state) -> int:
    wal = f"{state.runner.path}-wal"
    return os.path.getsize(wal) if os.path.exists(wal) else 0


def test_requests_never_checkpoint_and_the_checkpointer_keeps_the_log_short(tmp_path):
    state, kiosk_id = storage(tmp_path / "without")
    write_commits(state, kiosk_id, 3000, "a")
    unchecked = wal_bytes(state)
    assert unchecked > 4 * 1000 * 4096  # no commit checkpointed: the log holds every commit's pages

    state, kiosk_id = storage(tmp_path / "with")
    checkpointer = WalCheckpointer(state.runner.path, interval_s=0.02).start()
    try:
        for round_ in range(30):
            write_commits(state, kiosk_id, 100, f"b{round_}")
            seen = checkpointer.checkpoints  # a quiet moment, as between a hall's tickets, long enough for one look
            wait_until(
                lambda seen=seen: checkpointer.checkpoints > seen, timeout=10, what="a checkpoint between rounds"
            )
    finally:
        checkpointer.stop()
    assert wal_bytes(state) < unchecked / 4  # the log restarts once checkpointed instead of growing


def test_an_idle_server_empties_the_log(tmp_path):
    """A burst leaves a large log; once nothing has been written for a moment
    the checkpointer truncates it to nothing (a load run used to leave 0.5 GB)."""
    state, kiosk_id = storage(tmp_path)
    write_commits(state, kiosk_id, 2000, "burst")
    assert wal_bytes(state) > 1000 * 4096
    checkpointer = WalCheckpointer(state.runner.path, interval_s=0.02).start()
    try:
        wait_until(lambda: wal_bytes(state) == 0, timeout=10, what="the idle log truncated")
    finally:
        checkpointer.stop()
    assert checkpointer.truncations >= 1
    write_commits(state, kiosk_id, 10, "after")  # and it is still a working database


def _hold_and_note(path: str, log: str, hold_s: float) -> None:
    with write_lock(path):
        with open(log, "a") as f:
            f.write(f"in {os.getpid()} {time.monotonic()}\n")
        time.sleep(hold_s)
        with open(log, "a") as f:
            f.write(f"out {os.getpid()} {time.monotonic()}\n")


def _flock_waiters(path: str) -> int:
    """Processes blocked in flock(2) on `path`, from the kernel's lock table."""
    inode = os.stat(path).st_ino
    lines = Path("/proc/locks").read_text().splitlines()
    return sum(1 for line in lines if " -> FLOCK " in line and line.split()[6].endswith(f":{inode}"))


def test_writers_of_several_processes_take_turns(tmp_path):
    """write_lock serialises processes (flock), so SQLite's sleeping busy
    handler is never what a writer waits on: the others are parked in the
    kernel on the lock file, and the kernel wakes the next one on release."""
    db, log = str(tmp_path / "central.db"), str(tmp_path / "order.log")
    ctx = multiprocessing.get_context("spawn")  # as uvicorn starts its workers
    procs = [ctx.Process(target=_hold_and_note, args=(db, log, 0.2)) for _ in range(3)]
    with write_lock(db):  # the test writes first; all three must queue behind it
        for p in procs:
            p.start()
        wait_until(lambda: _flock_waiters(f"{db}-writer.lock") == 3, timeout=60, what="three writers blocked in flock")
        assert not Path(log).exists()
    for p in procs:
        p.join(30)
    events = [(kind, pid, float(at)) for kind, pid, at in (line.split() for line in Path(log).read_text().splitlines())]
    assert [kind for kind, _, _ in events] == ["in", "out"] * 3  # never two inside at once
    assert all(events[i][1] == events[i + 1][1] for i in range(0, 6, 2))
    assert len({pid for _, pid, _ in events}) == 3


def test_online_backup_while_tickets_are_issued(tmp_path):
    """`kiosk-central db backup` copies a consistent database while the
    server keeps writing, and refuses to overwrite a file."""
    server = Central(tmp_path / "c")
    server.start()
    try:
        client = enrolled_client(server, "backup", tmp_path / "k")
        before = [client.take_ticket(TicketRequest(request_id=uuid.uuid4().hex, type="A")) for _ in range(20)]
        stop, taken = threading.Event(), []

        def keep_taking():  # across the types: a fast machine took all 899 of one during two backups
            for letter in itertools.cycle("BCDE"):
                if stop.is_set():
                    return
                taken.append(client.take_ticket(TicketRequest(request_id=uuid.uuid4().hex, type=letter)))

        writer = threading.Thread(target=keep_taking)
        writer.start()
        try:
            dest = tmp_path / "backups" / "central.db"
            result = server.cli("db", "backup", str(dest))
            again = server.cli("db", "backup", str(dest))
        finally:
            stop.set()
            writer.join()
        assert result.returncode == 0, result.stderr
        assert "master.key" in result.stdout
        assert again.returncode == 2 and "exists" in again.stderr
        with sqlite3.connect(dest) as copy:
            assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            numbers = {row[0] for row in copy.execute("SELECT display FROM tickets")}
        assert {t.number for t in before} <= numbers  # everything committed before the backup is in it
        assert len(taken) > 0 and not list(dest.parent.glob("*.partial"))
    finally:
        server.stop()


def test_a_worker_waiting_for_another_workers_write_keeps_serving(tmp_path):
    """Group commit takes the write lock without blocking the event loop: while
    another process holds it, the loop keeps running, and the batch is written
    the moment the lock is free."""
    state, kiosk_id = storage(tmp_path)
    queue = GroupCommit(QueueEngine(state.config, QueueStore(state.engine, state.runner)))
    log = str(tmp_path / "holder.log")
    holder = multiprocessing.get_context("spawn").Process(target=_hold_and_note, args=(state.runner.path, log, 1.5))
    holder.start()
    deadline = time.monotonic() + 30
    while not (os.path.exists(log) and Path(log).read_text()) and time.monotonic() < deadline:
        time.sleep(0.01)  # the other process holds the lock now

    async def scenario():
        ticks: list[float] = []

        async def heartbeat():
            while True:
                ticks.append(time.monotonic())
                await asyncio.sleep(0.01)

        beating = asyncio.create_task(heartbeat())
        ticket = await queue.issue(
            TicketOrder(kiosk_id, TicketRequest(request_id=uuid.uuid4().hex, type="A"), uuid.uuid4().hex)
        )
        beating.cancel()
        return ticket, time.monotonic(), ticks

    ticket, issued_at, ticks = asyncio.run(scenario())
    holder.join(10)
    released_at = float(Path(log).read_text().split()[-1])
    assert ticket.number == "A001"
    assert issued_at >= released_at  # it did wait for the other writer
    # and the loop ran all along: a blocked loop would stop for the whole 1.5 s; a busy
    # 2-core machine running three test processes can delay one tick by a few tenths
    assert max(b - a for a, b in itertools.pairwise(ticks)) < 0.5
    assert len(ticks) > 20
