"""Tickets through the real server over HTTP: the API, its errors, and
numbering under concurrency with several worker processes."""

from __future__ import annotations

import threading
import uuid
from collections import defaultdict

import pytest
import requests
from conftest import Central, add_staff, enrolled_client, enrolled_clients, login

from common import signing
from common.tickets import TicketRequest
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
        bad = requests.post(
            f"{server.url}/api/v1/tickets", data=b"{not json", timeout=5, headers={"Content-Type": "application/json"}
        )
        assert bad.status_code in (401, 422) and "error" in bad.json()
    finally:
        server.stop()


def test_numbers_are_unique_and_gap_free_across_workers(tmp_path):
    """4 server worker processes, 16 kiosks' worth of clients, 250 tickets each."""
    server = Central(tmp_path / "c", workers=4)
    server.start()
    try:
        clients = enrolled_clients(server, [f"kiosk-{i:02d}" for i in range(16)])
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


def signed_post(central, creds, body: bytes, *, headers: dict | None = None) -> requests.Response:
    signed = headers or signing.sign(creds.secret, "POST", "/api/v1/tickets", body, creds.kiosk_id)
    return requests.post(
        f"{central.url}/api/v1/tickets", data=body, timeout=5, headers={"Content-Type": "application/json", **signed}
    )


def test_the_bare_ticket_endpoint_answers_like_the_rest_of_the_api(central, tmp_path):
    """POST /api/v1/tickets skips FastAPI's stack: its refusals must still be
    the API's JSON errors, checked here request by request."""
    creds = enrolled_client(central, "bare-endpoint", tmp_path).credentials
    body = request("B").model_dump_json().encode()
    headers = signing.sign(creds.secret, "POST", "/api/v1/tickets", body, creds.kiosk_id)
    first = signed_post(central, creds, body, headers=headers)
    assert first.status_code == 200 and first.json()["number"].startswith("B")
    assert first.headers["content-type"] == "application/json"
    # the same signed request again (a proxy's retry, or the same request sent to a second
    # node): the ticket it was issued, never a second one
    again = signed_post(central, creds, body, headers=headers)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    # a nonce seen before on another request is a replay
    other_body = request("B").model_dump_json().encode()
    reused = signing.sign(
        creds.secret, "POST", "/api/v1/tickets", other_body, creds.kiosk_id, nonce=headers[signing.HEADER_NONCE]
    )
    replay = signed_post(central, creds, other_body, headers=reused)
    assert (replay.status_code, replay.json()["error"]["code"]) == (401, "replayed_request")
    tampered = signed_post(central, creds, request("C").model_dump_json().encode(), headers=headers)
    assert (tampered.status_code, tampered.json()["error"]["code"]) == (401, "bad_signature")
    invalid = signed_post(central, creds, b'{"request_id": "0123456789abcdef"}')
    assert invalid.status_code == 422 and invalid.json()["error"]["code"] == "invalid_request"
    assert "type" in invalid.json()["error"]["message"]
    huge = signed_post(central, creds, b" " * 20_000 + body)
    assert (huge.status_code, huge.json()["error"]["code"]) == (413, "request_too_large")
    other = requests.get(f"{central.url}/api/v1/tickets/{first.json()['id']}", timeout=5)  # FastAPI still routes
    assert other.status_code == 200 and other.json()["number"] == first.json()["number"]
    add_staff(central, "docs-reader", "manager")
    documented = login(central, "docs-reader").get(f"{central.url}/openapi.json", timeout=5).json()
    documented = documented["paths"]["/api/v1/tickets"]["post"]
    assert "409" in documented["responses"] and "requestBody" in documented


def test_tickets_taken_at_once_each_get_their_own_answer(central, tmp_path):
    """Requests arriving together share a commit (group commit): a refused one
    among them must not take the others down, and numbers stay gap-free."""
    creds = enrolled_client(central, "at-once", tmp_path).credentials
    bodies = [request("D").model_dump_json().encode() for _ in range(24)]
    bodies[5] = request("Z").model_dump_json().encode()  # unknown type
    posts = [(body, signing.sign(creds.secret, "POST", "/api/v1/tickets", body, creds.kiosk_id)) for body in bodies]
    posts.append(posts[3])  # a replay of the 4th, in the same burst
    start = threading.Barrier(len(posts))
    answers: list = [None] * len(posts)

    def send(i, body, headers):
        start.wait()
        answers[i] = signed_post(central, creds, body, headers=headers)

    threads = [threading.Thread(target=send, args=(i, *post)) for i, post in enumerate(posts)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    codes = [a.status_code for a in answers]
    assert codes[5] == 422 and answers[5].json()["error"]["code"] == "unknown_type"
    # the 4th and its duplicate: one ticket, given to both
    assert codes[3] == codes[-1] == 200 and answers[3].json()["id"] == answers[-1].json()["id"]
    issued = sorted({int(a.json()["number"][1:]) for a in answers if a.status_code == 200})
    assert codes.count(200) == 24 and issued == list(range(issued[0], issued[0] + 23))
