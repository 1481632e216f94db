"""Counter staff over real HTTP: accounts, login limits, permissions, calling,
and the live event stream the display board follows."""

from __future__ import annotations

import json
import threading
import time
import uuid

import pytest
import requests
from conftest import Central, add_staff, enrolled_client, login, wait_until

from common.tickets import TicketRequest

pytestmark = pytest.mark.central


@pytest.fixture
def hall(tmp_path):
    server = Central(tmp_path / "c")
    server.start()
    add_staff(server, "alice")
    add_staff(server, "bob")
    add_staff(server, "mona", "manager")
    kiosk = enrolled_client(server, "k", tmp_path / "k")
    yield server, kiosk
    server.stop()


def take(kiosk, kind):
    return kiosk.take_ticket(TicketRequest(request_id=uuid.uuid4().hex, type=kind))


def test_counters_act_only_for_themselves(hall):
    central, kiosk = hall
    b = take(kiosk, "B")
    assert requests.post(f"{central.url}/api/v1/counters/3/call-next", timeout=5).status_code == 401
    alice = login(central, "alice", counter=3)
    r = alice.post(f"{central.url}/api/v1/counters/4/call-next", timeout=5)
    assert r.status_code == 403 and r.json()["error"]["code"] == "not_your_counter"
    waiting = alice.get(f"{central.url}/api/v1/counters/3/waiting", timeout=5).json()["waiting"]
    assert [w["number"] for w in waiting] == [b.number]
    called = alice.post(f"{central.url}/api/v1/counters/3/call-next", timeout=5).json()["called"]
    assert called["number"] == b.number and called["announcement_zh"] == f"请{b.number}号到3号窗口办理"
    assert requests.get(f"{central.url}/api/v1/tickets/{b.id}", timeout=5).json()["state"] == "called"
    assert alice.post(f"{central.url}/api/v1/counters/3/close", timeout=5).status_code == 403
    mona = login(central, "mona")
    assert mona.post(f"{central.url}/api/v1/counters/3/recall", timeout=5).ok  # managers act anywhere
    assert mona.post(f"{central.url}/api/v1/counters/5/close", timeout=5).ok
    assert alice.post(f"{central.url}/api/v1/staff/logout", timeout=5).ok
    assert alice.post(f"{central.url}/api/v1/counters/3/finish", timeout=5).status_code == 401


def read_events(url, into: list, stop: threading.Event, headers=None, connected: threading.Event | None = None):
    try:
        _read_events(url, into, stop, headers, connected)
    except requests.RequestException:
        pass  # the server went away (the restart test does that on purpose)


def _read_events(url, into: list, stop: threading.Event, headers=None, connected=None):
    with requests.get(url, stream=True, timeout=10, headers=headers or {}) as r:
        if connected is not None:
            connected.set()  # the stream is open: whatever happens from now on reaches it
        event = {}
        for line in r.iter_lines(decode_unicode=True):
            if stop.is_set():
                return
            if line.startswith("id: "):
                event["id"] = int(line[4:])
            elif line.startswith("data: "):
                event.update(json.loads(line[6:]))
            elif line == "" and event:
                event["received"] = time.perf_counter()
                into.append(event)
                event = {}


def test_a_call_is_pushed_to_the_event_stream(hall):
    central, kiosk = hall
    ticket = take(kiosk, "A")
    events: list = []
    stop, connected = threading.Event(), threading.Event()
    threading.Thread(
        target=read_events, args=(f"{central.url}/api/v1/events", events, stop, None, connected), daemon=True
    ).start()
    assert connected.wait(10)
    staff = login(central, "bob", counter=2)
    t0 = time.perf_counter()
    assert staff.post(f"{central.url}/api/v1/counters/2/call-next", timeout=5).ok
    wait_until(lambda: events, what="the call on the event stream")
    stop.set()
    assert events and events[0]["kind"] == "call" and events[0]["number"] == ticket.number
    assert events[0]["received"] - t0 < 2.0  # pushed (pages poll every 5 s); bench/calls.py measures the p99


def test_the_stream_resumes_after_a_server_restart(hall):
    central, kiosk = hall
    staff = login(central, "bob", counter=2)
    take(kiosk, "A")
    staff.post(f"{central.url}/api/v1/counters/2/call-next", timeout=5)
    first: list = []
    stop = threading.Event()
    threading.Thread(
        target=read_events, args=(f"{central.url}/api/v1/events?after=0", first, stop), daemon=True
    ).start()
    wait_until(lambda: first, what="the first call on the stream")
    last_id = first[-1]["id"]
    stop.set()
    central.stop()
    central.start()
    staff = login(central, "bob", counter=2)  # sessions live in the database: a restart keeps them
    second_ticket = take(kiosk, "A")
    staff.post(f"{central.url}/api/v1/counters/2/call-next", timeout=5)
    resumed: list = []
    stop2 = threading.Event()
    threading.Thread(
        target=read_events,
        args=(f"{central.url}/api/v1/events", resumed, stop2, {"Last-Event-ID": str(last_id)}),
        daemon=True,
    ).start()
    wait_until(lambda: any(e.get("number") == second_ticket.number for e in resumed), what="the resumed call")
    stop2.set()
    assert [e["number"] for e in resumed if e["kind"] == "call"] == [second_ticket.number]
    assert all(e["id"] > last_id for e in resumed)


def test_the_public_stream_never_says_why_a_citizen_got_the_green_channel(hall):
    central, kiosk = hall
    ticket = take(kiosk, "A")
    mona = login(central, "mona")
    granted = mona.post(f"{central.url}/api/v1/tickets/{ticket.id}/priority", json={"reason": "pregnancy"}, timeout=5)
    assert granted.ok, granted.text
    events: list = []
    stop = threading.Event()
    threading.Thread(
        target=read_events, args=(f"{central.url}/api/v1/events?after=0", events, stop), daemon=True
    ).start()
    wait_until(lambda: any(e["kind"] == "priority" for e in events), what="the priority event")
    stop.set()
    priority = next(e for e in events if e["kind"] == "priority")
    assert priority["ticket_id"] == ticket.id
    assert "reason" not in priority and "pregnancy" not in json.dumps(events)
