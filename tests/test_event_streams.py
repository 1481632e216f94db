"""The live event stream serves many idle boards and phones from one reader per
worker: every stream gets every call, streams are capped per address and in total
(503 with Retry-After, the place freed when a client leaves), and a malformed
Last-Event-ID is a 422, not a server error."""

from __future__ import annotations

import asyncio
import json
import threading
import uuid

import httpx
import pytest
import requests
from conftest import Central, add_staff, enrolled_client, login, wait_until

from common.tickets import TicketRequest

pytestmark = pytest.mark.central
PER_ADDRESS = 150


@pytest.fixture(scope="module")
def hall(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("streams")
    server = Central(tmp / "c", extra=f"[display]\nmax_streams_per_address = {PER_ADDRESS}\n")
    server.start()
    add_staff(server, "sam")
    kiosk = enrolled_client(server, "k", tmp / "k")
    yield server, kiosk
    server.stop()


async def watch(client: httpx.AsyncClient, url: str, opened: list, got: dict, key: int, until_number: str) -> None:
    async with client.stream("GET", url) as reply:
        opened.append(reply.status_code)
        async for line in reply.aiter_lines():
            if line.startswith("data: "):
                event = json.loads(line[6:])
                got.setdefault(key, []).append(event)
                if event.get("number") == until_number:
                    return


def test_one_call_reaches_every_open_stream(hall):
    server, kiosk = hall
    ticket = kiosk.take_ticket(TicketRequest(request_id=uuid.uuid4().hex, type="A"))
    clerk = login(server, "sam", counter=1)
    n = 100

    async def scenario() -> tuple[list, dict]:
        opened: list = []
        got: dict = {}
        limits = httpx.Limits(max_connections=n + 10)
        async with httpx.AsyncClient(timeout=60, limits=limits) as client:
            tasks = [
                asyncio.create_task(watch(client, f"{server.url}/api/v1/events", opened, got, i, ticket.number))
                for i in range(n)
            ]
            while len(opened) < n:
                await asyncio.sleep(0.02)
            await asyncio.to_thread(lambda: clerk.post(f"{server.url}/api/v1/counters/1/call-next", timeout=10))
            await asyncio.wait_for(asyncio.gather(*tasks), 60)
        return opened, got

    result: list = []  # a loop of its own, on a thread: a browser test's loop may run on this one
    runner = threading.Thread(target=lambda: result.append(asyncio.run(scenario())))
    runner.start()
    runner.join(120)
    opened, got = result[0]
    assert opened == [200] * n
    assert all(any(e["kind"] == "call" and e["number"] == ticket.number for e in got[i]) for i in range(n))


def test_streams_are_capped_per_address_and_a_freed_place_is_reused(hall):
    server, _kiosk = hall
    url = f"{server.url}/api/v1/events"
    streams = [requests.get(url, stream=True, timeout=10) for _ in range(PER_ADDRESS)]
    try:
        assert all(s.status_code == 200 for s in streams)
        refused = requests.get(url, stream=True, timeout=10)
        assert refused.status_code == 503 and refused.headers["Retry-After"] == "10"
        assert refused.json()["error"]["code"] == "too_many_streams"
        streams.pop().close()  # one board leaves: its place is free again
        again = wait_until(
            lambda: ((r := requests.get(url, stream=True, timeout=10)).status_code == 200 and r) or r.close(),
            what="the freed place",
        )
        streams.append(again)
    finally:
        for s in streams:
            s.close()
    assert requests.get(f"{server.url}/healthz", timeout=5).ok


@pytest.mark.parametrize("value", ["²", "-1", "1e3", "9" * 40, "abc"])
def test_a_malformed_last_event_id_is_refused_in_words(hall, value):
    server, _kiosk = hall
    reply = requests.get(f"{server.url}/api/v1/events", headers={"Last-Event-ID": value}, stream=True, timeout=10)
    assert reply.status_code == 422 and reply.json()["error"]["code"] == "bad_event_id"
