"""The staff audit trail over real HTTP, on both engines: every staff action
is one entry (who, role, site, what), chained by hashes so that an edited,
removed or truncated entry is found by `kiosk-central audit verify`."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import uuid

import pytest
import requests
from conftest import Central, add_staff, enrolled_client, login

from common.tickets import TicketRequest

pytestmark = pytest.mark.central


@pytest.fixture(scope="module")
def hall(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("audit")
    server = Central(tmp / "c")
    server.start()
    add_staff(server, "alice", "counter")
    add_staff(server, "mona", "manager")
    yield server, enrolled_client(server, "k", tmp / "k")
    server.stop()


def trail(central) -> list[tuple]:
    with central.db() as db:
        return db.execute(
            "SELECT id, username, role, site, action, target, detail FROM staff_audit ORDER BY id"
        ).fetchall()


def trail_hash_of_last(central) -> str:
    with central.db() as db:
        return db.execute("SELECT hash FROM staff_audit ORDER BY id DESC LIMIT 1").fetchone()[0]


def verify(central):
    return central.cli("audit", "verify")


def test_every_staff_action_is_an_entry_with_who_role_and_site(hall):
    central, kiosk = hall
    before = len(trail(central))
    tickets = [kiosk.take_ticket(TicketRequest(request_id=uuid.uuid4().hex, type="B")) for _ in range(3)]
    wrong = central.url + "/api/v1/staff/login"
    assert (
        requests.post(wrong, json={"username": "alice", "password": "not-her-password"}, timeout=5).status_code == 401
    )
    alice = login(central, "alice", counter=3)
    api = f"{central.url}/api/v1/counters/3"
    assert alice.post(f"{api}/call-next", timeout=5).json()["called"]["number"] == tickets[0].number
    assert alice.post(f"{api}/recall", timeout=5).ok
    assert alice.post(f"{api}/no-show", timeout=5).ok
    assert alice.post(f"{api}/call-next", timeout=5).ok
    assert alice.post(f"{api}/finish", timeout=5).ok
    assert alice.post(f"{api}/pause", timeout=5).ok
    assert alice.post(f"{api}/resume", timeout=5).ok
    mona = login(central, "mona")
    priority = f"{central.url}/api/v1/tickets/{tickets[2].id}/priority"
    assert mona.post(priority, json={"reason": "elderly"}, timeout=5).ok
    assert alice.post(f"{central.url}/api/v1/staff/logout", timeout=5).ok
    entries = trail(central)[before:]
    seen = [(user, role, action, target) for _, user, role, _site, action, target, _ in entries]
    assert seen == [
        ("alice", "", "login_failed", "127.0.0.1"),
        ("alice", "counter", "login", "127.0.0.1"),
        ("alice", "counter", "counter_taken", entries[2][3] + "/3"),
        ("alice", "counter", "call", tickets[0].number),
        ("alice", "counter", "recall", tickets[0].number),
        ("alice", "counter", "no_show", "counter 3"),
        ("alice", "counter", "call", tickets[1].number),
        ("alice", "counter", "finish", "counter 3"),
        ("alice", "counter", "pause", "counter 3"),
        ("alice", "counter", "resume", "counter 3"),
        ("mona", "manager", "login", "127.0.0.1"),
        ("mona", "manager", "priority_granted", tickets[2].number),
        ("alice", "counter", "logout", "alice"),
    ]
    counter_site = entries[2][5].split("/")[0]  # counter_taken's target: site/counter
    assert counter_site and all(e[3] == counter_site for e in entries[2:10])  # the counter's site on each
    assert entries[11][6] == "elderly"
    result = verify(central)
    assert result.returncode == 0 and f"{len(trail(central))} entries, every link holds" in result.stdout


def test_the_chain_is_sha256_over_the_link_and_the_contents(hall):
    central, _ = hall
    login(central, "mona")
    with central.db() as db:
        rows = db.execute(
            "SELECT at, username, role, site, action, target, detail, prev_hash, hash FROM staff_audit ORDER BY id"
        ).fetchall()
    previous = "0" * 64
    for at, username, role, site, action, target, detail, prev_hash, digest in rows:
        stamp = at if isinstance(at, str) else at.isoformat(timespec="microseconds")
        stamp = stamp.replace(" ", "T")
        if "." not in stamp:
            stamp += ".000000"
        body = json.dumps(
            [previous, stamp, username, role, site, action, target, detail], ensure_ascii=False, separators=(",", ":")
        )
        assert prev_hash == previous and digest == hashlib.sha256(body.encode()).hexdigest()
        previous = digest


def test_the_trail_is_exported_with_chinese_headers(hall):
    central, _ = hall
    result = central.cli("audit", "export")
    assert result.returncode == 0
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0][:3] == ["序号 No.", "时间 Time (UTC)", "账号 Account"]
    assert len(rows) - 1 == len(trail(central)) and rows[-1][8] == trail_hash_of_last(central)
    listed = central.cli("audit", "list", "--limit", "3")
    assert listed.returncode == 0 and len(listed.stdout.strip().splitlines()) == 3


def test_an_edited_a_removed_and_a_cut_off_entry_are_each_found(tmp_path):
    central = Central(tmp_path / "c")
    central.start()
    try:
        add_staff(central, "tess", "manager")
        for _ in range(5):
            login(central, "tess")
        ids = [row[0] for row in trail(central)]
        assert len(ids) == 5 and verify(central).returncode == 0
        with central.db() as db:
            db.execute("UPDATE staff_audit SET detail = 'nothing happened' WHERE id = ?", (ids[2],))
        result = verify(central)
        assert result.returncode == 1 and f"BROKEN at entry {ids[2]}: its contents do not match" in result.stderr
        with central.db() as db:
            db.execute("UPDATE staff_audit SET detail = '' WHERE id = ?", (ids[2],))  # put back as it was
            assert verify(central).returncode == 0
            db.execute("DELETE FROM staff_audit WHERE id = ?", (ids[1],))
        result = verify(central)
        assert result.returncode == 1 and f"BROKEN at entry {ids[2]}: its link does not match" in result.stderr
        with central.db() as db:  # removing the newest entries leaves no broken link, but the head knows
            db.execute("DELETE FROM staff_audit WHERE id >= ?", (ids[1],))
        result = verify(central)
        assert result.returncode == 1 and f"BROKEN at entry {ids[4]}: the newest entries are missing" in result.stderr
    finally:
        central.stop()
