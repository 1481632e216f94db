"""The kiosk's client against a hostile or broken server on loopback: a redirect is not
followed (signed headers go to the configured server only), a small gzip bomb is cut
off at the size cap after decompression, and a drip-fed reply at the total time."""

from __future__ import annotations

import gzip
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from kiosk.sync.client import CentralClient, CentralError
from kiosk.sync.credentials import Credentials

BOMB = gzip.compress(b"0" * (20 * 1024 * 1024))  # 20 MB of zeros in ~20 KB


class Hostile(BaseHTTPRequestHandler):
    seen: ClassVar[list[dict]] = []

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        Hostile.seen.append({"path": self.path, "headers": dict(self.headers)})
        if self.path.startswith("/redirect"):
            self.send_response(302)
            self.send_header("Location", f"http://127.0.0.1:{self.server.server_port}/elsewhere")
            self.end_headers()
        elif self.path.startswith("/bomb"):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(BOMB)))
            self.end_headers()
            self.wfile.write(BOMB)
        elif self.path.startswith("/drip"):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            for _ in range(1000):
                try:
                    self.wfile.write(b" ")
                    self.wfile.flush()
                except OSError:
                    return
                time.sleep(0.1)
        elif self.path.startswith("/cut"):  # central killed while it answered: fewer bytes than promised
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "394")
            self.end_headers()
            self.wfile.write(b'{"status": ')
            self.wfile.flush()
            self.close_connection = True
        else:
            self.send_response(404)
            self.end_headers()


@pytest.fixture
def hostile():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Hostile)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Hostile.seen = []
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def client(url: str, **limits) -> CentralClient:
    creds = Credentials("kiosk-1", "k1", url, b"s" * 32)
    return CentralClient(url, creds, timeout_s=2, **limits)


def test_a_redirect_is_not_followed_with_signed_headers(hostile):
    from common import wire

    with pytest.raises(CentralError) as err:
        client(hostile).request("GET", "/redirect", None, wire.Health)
    assert err.value.kind == "garbled" and err.value.status == 302 and "not followed" in str(err.value)
    assert [s["path"] for s in Hostile.seen] == ["/redirect"]  # nothing went to /elsewhere


def test_a_gzip_bomb_is_cut_off_after_decompression(hostile):
    from common import wire

    t0 = time.monotonic()
    with pytest.raises(CentralError, match="over 1048576 bytes"):
        client(hostile, max_reply_bytes=1024 * 1024).request("GET", "/bomb", None, wire.Health)
    assert time.monotonic() - t0 < 5


def test_a_drip_fed_reply_ends_at_the_total_time(hostile):
    from common import wire

    t0 = time.monotonic()
    with pytest.raises(CentralError) as err:
        client(hostile, total_timeout_s=1.5).request("GET", "/drip", None, wire.Health)
    assert err.value.kind == "network" and "took over" in str(err.value)
    assert time.monotonic() - t0 < 5  # each byte came within the read timeout; the whole did not


def test_a_reply_cut_off_midway_is_a_network_failure_not_a_crash(hostile):
    """Central killed while its answer was on the wire: the kiosk goes offline (and
    issues from its lease) instead of the exception escaping."""
    from common import wire

    with pytest.raises(CentralError) as err:
        client(hostile).request("GET", "/cut", None, wire.Health)
    assert err.value.kind == "network" and "unreachable" in str(err.value)
