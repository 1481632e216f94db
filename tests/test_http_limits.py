"""Resource limits on a real central, with raw sockets where a well-behaved
client cannot misbehave enough: request headers that never finish are cut
off, a body that drips in gets 408, a huge body is refused before it is read,
and connections beyond the cap get 503 while /healthz keeps answering."""

from __future__ import annotations

import socket
import time

import pytest
import requests
from conftest import Central, wait_until

pytestmark = pytest.mark.central
TIGHT = "header_timeout_s = 1\nbody_timeout_s = 2\nmax_connections = 16\nmax_body_kb = 64\n"


@pytest.fixture(scope="module")
def central(tmp_path_factory):
    server = Central(tmp_path_factory.mktemp("limits"), server=TIGHT)
    server.start()
    yield server
    server.stop()


def connect(central) -> socket.socket:
    return socket.create_connection(("127.0.0.1", central.port), timeout=10)


def closed_within(sock: socket.socket, seconds: float) -> float:
    """How long until the server closed the connection (fails past `seconds`)."""
    start = time.monotonic()
    sock.settimeout(seconds)
    while True:
        data = sock.recv(4096)
        if not data:
            return time.monotonic() - start


def test_slow_request_headers_are_cut_off(central):
    sock = connect(central)
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")  # and never the rest
    assert closed_within(sock, 5) < 3
    idle = connect(central)  # a connection that never says anything is closed too
    assert closed_within(idle, 5) < 3


def test_a_dripping_body_gets_408_and_a_huge_one_413_unread(central):
    sock = connect(central)
    sock.sendall(
        b"POST /api/v1/kiosks/enroll HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Content-Length: 100\r\n\r\n{"
    )
    sock.settimeout(10)
    reply = b""
    while b"request_timeout" not in reply:  # the status line and the body may come in two segments
        chunk = sock.recv(4096)
        if not chunk:
            break
        reply += chunk
    assert reply.startswith(b"HTTP/1.1 408") and b"request_timeout" in reply
    sock.close()
    big = requests.post(f"{central.url}/api/v1/kiosks/enroll", data=b"x" * (65 * 1024), timeout=10)
    assert big.status_code == 413 and big.json()["error"]["code"] == "request_too_large"
    chunked = requests.post(
        f"{central.url}/api/v1/kiosks/enroll", data=iter([b"x" * 40_000, b"x" * 40_000]), timeout=10
    )  # no Content-Length: counted as it arrives
    assert chunked.status_code == 413


def test_connections_beyond_the_cap_get_503_and_health_recovers(central):
    held = []
    for _ in range(20):
        sock = connect(central)
        sock.sendall(b"GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")  # streams stay open
        held.append(sock)
    replies = []
    for sock in held:
        sock.settimeout(5)
        replies.append(sock.recv(200))
    assert any(r.startswith(b"HTTP/1.1 503") for r in replies)
    assert sum(r.startswith(b"HTTP/1.1 200") for r in replies) <= 16
    for sock in held:
        sock.close()

    def healthy() -> bool:
        try:
            return requests.get(f"{central.url}/healthz", timeout=2).ok
        except requests.RequestException:
            return False

    wait_until(healthy, timeout=10, what="central to answer again once the connections closed")
