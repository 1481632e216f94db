"""Fault injection with real processes: the kiosk's services killed with
SIGKILL at random points of taking and printing tickets (online and during a
partition), central killed during traffic, a nearly full disk. Afterwards
every ticket that reached paper is at central exactly once, every print
attempt is recorded once, and no number was issued twice."""

from __future__ import annotations

import random
import shutil
import signal
import subprocess
import time

import pytest
from conftest import wait_until
from unattended import central_db, drain, driver, hall_with_printer, not_measured, printed_ids

from kiosk import config as kiosk_config
from kiosk.services import build_services
from peers.kiosk_setup import enrolled_kiosk

pytestmark = pytest.mark.central
KILLS = 50


@pytest.fixture
def hall(tmp_path):
    with hall_with_printer(tmp_path / "c", "offline_block_size = 100\noffline_first_number = 500") as running:
        yield running


def check_exactly_once(server, printer, kiosk, kills: int) -> dict:
    result = drain(kiosk)
    assert result["drained"] and result["failed"] == 0, result
    on_paper = printed_ids(printer.jobs)
    assert on_paper, "nothing was printed"
    with central_db(server) as db:
        rows = db.execute("SELECT id, display, state, offline FROM tickets").fetchall()
        prints = db.execute("SELECT ticket_id, outcome FROM ticket_prints").fetchall()
    tickets = {row[0]: row for row in rows}
    assert len(tickets) == len(rows)
    missing = set(on_paper) - set(tickets)
    assert not missing, f"printed but not at central: {missing}"
    assert all(tickets[t][2] == "waiting" for t in on_paper), "a ticket on paper was cancelled"
    numbers = [tickets[t][1] for t in set(on_paper)]
    assert len(numbers) == len(set(numbers)), "a number was printed twice"
    recorded = {ticket_id for ticket_id, _ in prints}
    assert set(on_paper) <= recorded, "a print attempt was not recorded at central"
    waiting_unprinted = [r for r in rows if r[2] == "waiting" and r[0] not in set(on_paper)]
    assert len(waiting_unprinted) <= kills, "more tickets nobody holds than kills"  # at most one per kill
    return {
        "printed": len(set(on_paper)),
        "at_central": len(rows),
        "offline": sum(r[3] for r in rows),
        "ghosts": len(waiting_unprinted),
        "cancelled": sum(r[2] == "cancelled" for r in rows),
    }


def test_sigkill_at_random_points_loses_nothing_and_duplicates_nothing(hall, tmp_path):
    server, printer = hall
    kiosk = enrolled_kiosk(server, "killed", tmp_path / "k", printer.port)
    rng = random.Random(8)
    for n in range(KILLS):
        if n == KILLS // 2:
            server.stop()  # the second half starts in a partition: offline tickets from the leases
        if n == KILLS * 3 // 4:
            server.start()  # healed; the outbox delivers what the partition kept
        proc = driver(kiosk, "take", "--count", "0", "--seed", str(n), env=not_measured())
        assert proc.stdout.readline(), proc.stderr.read()[-3000:]  # one ticket done: now inside the loop
        time.sleep(rng.uniform(0, 0.25))  # a random point of taking, printing or recording
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        proc.stdout.close()
        proc.stderr.close()
    figures = check_exactly_once(server, printer, kiosk, KILLS)
    assert figures["offline"] > 0 and figures["printed"] >= KILLS
    print(figures)


def offline_issued(config_path) -> bool:
    """The kiosk has issued a ticket from its leased numbers (it waits in its outbox)."""
    import sqlite3

    path = config_path.parent / "kiosk-data" / "outbox.db"
    if not path.exists():
        return False
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as db:
        return db.execute("SELECT COUNT(*) FROM outbox WHERE kind = 'offline_ticket'").fetchone()[0] > 0


def test_central_killed_and_restarted_during_traffic(hall, tmp_path):
    server, printer = hall
    kiosk = enrolled_kiosk(server, "steady", tmp_path / "k", printer.port)
    proc = driver(kiosk, "take", "--count", "0", "--beat-every", "5", "--pause", "0.03")  # a busy hall
    assert proc.stdout.readline()
    time.sleep(1.0)
    server.proc.send_signal(signal.SIGKILL)  # no shutdown: mid-transaction for all we know
    server.proc.wait(10)
    time.sleep(2.0)  # the kiosk keeps issuing, offline ...
    wait_until(lambda: offline_issued(kiosk), timeout=60, what="a ticket issued offline")  # (a loaded machine: longer)
    server.start()
    time.sleep(2.0)
    proc.send_signal(signal.SIGTERM)
    try:
        out, err = proc.communicate(timeout=90)  # a ticket in progress finishes first (a CI run took over 30 s)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGUSR1)  # where it is stuck, for the report
        time.sleep(1)
        proc.kill()
        out, err = proc.communicate()
        raise AssertionError(f"the kiosk did not stop after SIGTERM; its threads:\n{err[-6000:]}") from None
    assert proc.returncode == 0, err[-3000:]
    assert '"error": ""' in out and '"offline": true' in out and '"error": "network"' not in out
    figures = check_exactly_once(server, printer, kiosk, 0)
    assert figures["offline"] > 0 and figures["ghosts"] == 0


@pytest.fixture
def small_disk(tmp_path):
    mount = tmp_path / "disk"
    mount.mkdir()
    if (
        shutil.which("mount") is None
        or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=40m", "tmpfs", str(mount)], capture_output=True
        ).returncode
    ):
        pytest.skip("mounting a small tmpfs needs root (CI runs as root)")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_nearly_full_disk_drops_old_logs_first_and_keeps_the_outbox_working(hall, tmp_path, small_disk):
    server, printer = hall
    path = enrolled_kiosk(server, "full", tmp_path / "k", printer.port, extra="[maintenance]\ndisk_min_free_mb = 12\n")
    cfg = kiosk_config.load(path)
    data = small_disk / "data"
    shutil.copytree(cfg.data_dir, data, symlinks=True)
    path.write_text(path.read_text().replace(str(cfg.data_dir), str(data)))
    logs = data / "logs"
    logs.mkdir()
    for n in range(5, 0, -1):  # rotated logs, as RotatingFileHandler leaves them: .5 is the oldest
        (logs / f"kiosk.log.{n}").write_bytes(b"x" * 4 * 1024 * 1024)
        time.sleep(0.01)
    (logs / "kiosk.log").write_bytes(b"current")
    filler = small_disk / "filler"
    filler.write_bytes(b"\0" * 10 * 1024 * 1024)  # 40 MB disk: 30 MB used, under 12 MB free
    services = build_services(kiosk_config.load(path))
    assert services.heartbeat.beat_once().online  # leases for the partition below
    health = services.health()
    assert health.disk_free_mb >= 12 and health.disk_used_pct < 70
    assert (logs / "kiosk.log").exists() and (logs / "kiosk.log.1").exists()  # newest rotated log kept
    assert not (logs / "kiosk.log.5").exists()  # the oldest went first
    server.stop()
    result = services.tickets.take("A")  # offline, written to the outbox on the small disk
    assert result.ticket.offline and result.printed.ok
    server.start()
    assert services.outbox.drain(30, services.outbox_worker)
