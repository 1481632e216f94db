"""Staff sessions against an attacker, over real HTTP: failed logins slow down
the address they come from (never lock the account), an unknown username costs
as much as a wrong password, state-changing calls need the page's CSRF token
and our own Origin, a counter belongs to the clerk who took it, priority is
granted only for the clerk's own queues and audited, and every answer carries
the security headers."""

from __future__ import annotations

import http.client
import json
import statistics
import time
import uuid

import pytest
import requests
from conftest import PASSWORD, Central, add_staff, enrolled_client, login, wait_until

from common.tickets import TicketRequest

pytestmark = pytest.mark.central


@pytest.fixture(scope="module")
def hall(tmp_path_factory):
    """One central for the module: each test uses its own addresses, counters and clerks."""
    tmp = tmp_path_factory.mktemp("staff")
    server = Central(tmp / "c")
    server.start()
    for name, role in (("alice", "counter"), ("bob", "counter"), ("carl", "counter"), ("dora", "counter")):
        add_staff(server, name, role)
    add_staff(server, "mona", "manager")
    yield server, enrolled_client(server, "k", tmp / "k")
    server.stop()


def login_from(central, source: str, username: str, password: str) -> tuple[int, dict]:
    """A login attempt from another loopback address (127.0.0.0/8 is all ours)."""
    conn = http.client.HTTPConnection("127.0.0.1", central.port, timeout=10, source_address=(source, 0))
    try:
        conn.request(
            "POST",
            "/api/v1/staff/login",
            json.dumps({"username": username, "password": password}),
            {"Content-Type": "application/json"},
        )
        reply = conn.getresponse()
        return reply.status, json.loads(reply.read())
    finally:
        conn.close()


def test_failed_logins_slow_down_their_address_not_the_account(hall):
    central, _ = hall
    for _ in range(5):
        status, body = login_from(central, "127.0.0.2", "alice", "guess")
        assert status == 401 and body["error"]["code"] == "bad_login"
    status, _ = login_from(central, "127.0.0.2", "alice", "guess")  # the 6th failure: now a back-off starts
    assert status == 401
    status, body = login_from(central, "127.0.0.2", "alice", PASSWORD)
    assert status == 429 and body["error"]["code"] == "locked"  # even the right password waits, from there
    assert login_from(central, "127.0.0.3", "alice", PASSWORD)[0] == 200  # alice at her own desk logs in
    # the wait doubles with each failure after it ends
    wait_until(lambda: login_from(central, "127.0.0.2", "alice", "guess")[0] == 401, timeout=10, every=0.2)
    status, body = login_from(central, "127.0.0.2", "alice", "guess")
    assert status == 429 and "try again in" in body["error"]["message"]
    # guessing usernames fills no table: one row per address
    for i in range(20):
        login_from(central, "127.0.0.4", f"nobody{i}", "guess")
    with central.db() as db:
        sources = [s for (s,) in db.execute("SELECT source FROM login_throttle")]
    assert sorted(sources) == ["127.0.0.2", "127.0.0.4"]


def test_an_unknown_username_takes_as_long_as_a_wrong_password(hall):
    central, _ = hall

    def timed(username: str, source: str) -> float:
        start = time.perf_counter()
        status, _ = login_from(central, source, username, "not the password")
        assert status == 401
        return time.perf_counter() - start

    known, unknown = [], []
    for i in range(1, 10):  # interleaved: the machine's load drifts alike for both
        known.append(timed("alice", f"127.0.1.{i}"))
        unknown.append(timed(f"ghost{i}", f"127.0.2.{i}"))
    # both pay one scrypt (tens of ms); without it an unknown name answered in ~3 ms,
    # a twentieth of a wrong password's time
    assert statistics.median(unknown) > 0.4 * statistics.median(known)


def test_state_changes_need_the_csrf_token_and_our_origin(hall):
    central, kiosk = hall
    kiosk.take_ticket(TicketRequest(request_id=uuid.uuid4().hex, type="A"))
    alice = login(central, "alice", counter=1)
    url = f"{central.url}/api/v1/counters/1/pause"
    bare = requests.Session()
    bare.cookies.update(alice.cookies)  # a page elsewhere makes the browser send the cookie, but cannot read it
    refused = bare.post(url, timeout=5)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "bad_csrf_token"
    for headers in ({"Origin": "http://127.0.0.1:9999"}, {"Sec-Fetch-Site": "cross-site"}):
        r = alice.post(url, headers=headers, timeout=5)
        assert r.status_code == 403 and r.json()["error"]["code"] == "bad_origin"
    state = alice.get(f"{central.url}/api/v1/counters/1", timeout=5).json()
    assert not state["paused"]  # nothing of the refused calls happened
    assert alice.post(url, headers={"Origin": central.url}, timeout=5).ok  # from our own page
    cross_login = requests.post(
        f"{central.url}/api/v1/staff/login",
        json={"username": "bob", "password": PASSWORD},
        headers={"Origin": "http://evil.example"},
        timeout=5,
    )
    assert cross_login.status_code == 403  # no login CSRF either


def test_a_counter_belongs_to_the_clerk_who_took_it(hall):
    central, _ = hall
    carl = login(central, "carl", counter=4)
    dora = login(central, "dora")
    taken = dora.post(f"{central.url}/api/v1/staff/counter", json={"counter": 4}, timeout=5)
    assert taken.status_code == 409 and "carl" in taken.json()["error"]["message"]
    r = dora.post(f"{central.url}/api/v1/counters/4/pause", timeout=5)
    assert r.status_code == 403 and r.json()["error"]["code"] == "not_your_counter"
    assert login(central, "carl").post(f"{central.url}/api/v1/staff/counter", json={"counter": 4}, timeout=5).ok
    mona = login(central, "mona")  # carl left without logging out: the manager closes the counter
    assert mona.post(f"{central.url}/api/v1/counters/4/close", timeout=5).ok
    assert mona.post(f"{central.url}/api/v1/counters/4/open", timeout=5).ok
    assert dora.post(f"{central.url}/api/v1/staff/counter", json={"counter": 4}, timeout=5).ok
    assert carl.get(f"{central.url}/api/v1/staff/me", timeout=5).json()["counter"] is None


def test_priority_only_for_the_clerks_own_queues_and_audited(hall):
    central, kiosk = hall
    b = kiosk.take_ticket(TicketRequest(request_id=uuid.uuid4().hex, type="B"))
    c = kiosk.take_ticket(TicketRequest(request_id=uuid.uuid4().hex, type="C"))
    alice = login(central, "alice", counter=3)  # counter 3 serves B only
    url = f"{central.url}/api/v1/tickets/{{}}/priority"
    r = alice.post(url.format(c.id), json={"reason": "pregnancy"}, timeout=5)
    assert r.status_code == 403 and r.json()["error"]["code"] == "not_your_type"
    assert alice.post(url.format(b.id), json={"reason": "pregnancy"}, timeout=5).ok
    bob = login(central, "bob")  # no counter chosen: no grants
    assert bob.post(url.format(c.id), json={"reason": "disabled"}, timeout=5).status_code == 403
    mona = login(central, "mona")
    assert mona.post(url.format(c.id), json={"reason": "disabled"}, timeout=5).ok  # a manager: anywhere
    with central.db() as db:
        trail = db.execute(
            "SELECT username, action, target, detail FROM staff_audit WHERE action = 'priority_granted' ORDER BY id"
        ).fetchall()
    assert trail == [
        ("alice", "priority_granted", b.number, "pregnancy"),
        ("mona", "priority_granted", c.number, "disabled"),
    ]


def test_every_answer_carries_the_security_headers(hall):
    central, _ = hall
    page = requests.get(f"{central.url}/counter", timeout=5)
    csp = page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in csp and "script-src 'self' 'nonce-" in csp
    nonce = csp.split("'nonce-")[1].split("'")[0]
    assert f'<script nonce="{nonce}">' in page.text and "<script>" not in page.text
    api = requests.get(f"{central.url}/api/v1/queues", timeout=5)
    for answer in (page, api):
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["referrer-policy"] == "same-origin"
    assert api.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert "server" not in api.headers
