"""Tickets through the real server over HTTP: the API, its errors, and
numbering under concurrency with several worker processes."""
from __future__ import annotations

import threading
import uuid
from collections import defaultdict

import pytest
import requests

from common.tickets import TicketRequest
from conftest import Central, enrolled_client
from kiosk.sync.client import CentralError

pytestmark = pytest.mark.central


def request(kind="A", **extra) -> TicketRequest:
    return TicketRequest(request_id=uuid.uuid4().hex, type=kind, **extra)


def test_take_follow_and_list(central, tmp_path):
    client = enrolled_client(central, "tickets-api", tmp_path)
    first = client.take_ticket(request("E"))
    second = client.take_ticket(request("E"))
    assert second.people_ahead == first.people_ahead + 1 and second.number[1:] > first.number[1:]
    assert second.url == f"{central.url}/t/{second.id}" and second.counters
    status = requests.get(f"{central.url}/api/v1/tickets/{second.id}", timeout=5).json()
    assert status["number"] == second.number and status["state"] == "waiting" and "person_key" not in status
    queues = {q.type: q for q in client.queues().queues}
    assert queues["E"].waiting >= 2 and queues["E"].wait_high_min >= queues["E"].wait_low_min
    missing = requests.get(f"{central.url}/api/v1/tickets/nope", timeout=5)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "unknown_ticket"
    unsigned = requests.post(f"{central.url}/api/v1/tickets", json=request().model_dump(), timeout=5)
    assert unsigned.status_code == 401


def test_refusals_are_json_with_stable_codes(tmp_path):
    server = Central(tmp_path / "c", extra="[queue]\nfirst_number = 1\nlast_number = 2\noffline_first_number = 0\n")
    server.start()
    try:
        client = enrolled_client(server, "refusals", tmp_path / "k")
        client.take_ticket(request("A"))
        client.take_ticket(request("A"))
        with pytest.raises(CentralError) as err:
            client.take_ticket(request("A"))
        assert (err.value.status, err.value.code) == (409, "range_exhausted") and "A001-A002" in str(err.value)
        with pytest.raises(CentralError) as err:
            client.take_ticket(request("Z"))
        assert (err.value.status, err.value.code) == (422, "unknown_type")
        bad = requests.post(f"{server.url}/api/v1/tickets", data=b"{not json", timeout=5,
                            headers={"Content-Type": "application/json"})
        assert bad.status_code in (401, 422) and "error" in bad.json()
    finally:
        server.stop()


def test_numbers_are_unique_and_gap_free_across_workers(tmp_path):
    """4 server worker processes, 16 kiosks' worth of clients, 250 tickets each."""
    server = Central(tmp_path / "c", workers=4)
    server.start()
    try:
        clients = [enrolled_client(server, f"kiosk-{i:02d}", tmp_path / f"k{i}") for i in range(16)]
        numbers: dict[str, list[int]] = defaultdict(list)
        failures: list[str] = []
        lock = threading.Lock()

        def work(client, offset):
            got = []
            for n in range(250):
                kind = "ABCDE"[(n + offset) % 5]  # 800 per type: inside the 999 range
                try:
                    reply = client.take_ticket(request(kind))
                except CentralError as exc:
                    failures.append(str(exc))
                    continue
                got.append((reply.type, int(reply.number[-3:])))
            with lock:
                for kind, number in got:
                    numbers[kind].append(number)

        threads = [threading.Thread(target=work, args=(c, i)) for i, c in enumerate(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert failures == []
        total = sum(len(v) for v in numbers.values())
        assert total == 16 * 250
        for kind, got in numbers.items():
            assert sorted(got) == list(range(1, len(got) + 1)), f"{kind}: duplicates or gaps"
    finally:
        server.stop()


def test_the_ticket_qr_opens_a_phone_page(central, tmp_path):
    client = enrolled_client(central, "phone-page", tmp_path)
    ticket = client.take_ticket(request("D"))
    page = requests.get(ticket.url, timeout=5)
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert f'data-ticket="{ticket.id}"' in page.text and "/api/v1/tickets/" in page.text
    assert page.headers["cache-control"] == "no-store"
    hostile = requests.get(f"{central.url}/t/%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E", timeout=5)
    assert "<script>alert(1)</script>" not in hostile.text  # the id is escaped
