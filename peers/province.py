"""A provincial 好差评 system on 127.0.0.1, for tests and the demo: it takes
signed JSON ratings as central's HttpRatingSink sends them, checks the
signature, keeps each idempotency key once, and can be told to fail (HTTP
503), to be slow (store, then answer after the client gave up), or to refuse
given case numbers with a business code, as real provincial systems do."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from central.ratings.sink import signature


class FakeProvince:
    def __init__(self, app_key: str = "kiosk-test", secret: bytes = b"province-secret"):
        self.app_key, self.secret = app_key, secret
        self.mode = "ok"  # ok, down (503), slow (store, then answer after `slow_s`)
        self.slow_s = 3.0
        self.refuse: dict[str, str] = {}  # case number -> reason
        self.accepted: list[dict] = []  # in arrival order, each key once
        self.requests = 0
        self.bad_signatures = 0
        self._lock = threading.Lock()
        province = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                province._handle(self, body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/evaluation/push"
        threading.Thread(target=self.server.serve_forever, name="fake-province", daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def keys(self) -> list[str]:
        with self._lock:
            return [r["idempotencyKey"] for r in self.accepted]

    def _reply(self, handler: BaseHTTPRequestHandler, status: int, code: str, message: str) -> None:
        data = json.dumps({"code": code, "message": message}, ensure_ascii=False).encode()
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json; charset=utf-8")
            handler.send_header("Content-Length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data)
        except OSError:  # the client gave up waiting
            pass

    def _handle(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        with self._lock:
            self.requests += 1
            mode = self.mode
        if mode == "down":
            return self._reply(handler, 503, "503", "service unavailable")
        h = handler.headers
        expected = signature(self.secret, self.app_key, h.get("X-Timestamp", ""), h.get("X-Nonce", ""), body)
        if h.get("X-App-Key") != self.app_key or h.get("X-Signature") != expected:
            with self._lock:
                self.bad_signatures += 1
            return self._reply(handler, 401, "401", "bad signature")
        try:
            rating = json.loads(body)
        except ValueError:
            return self._reply(handler, 400, "400", "not JSON")
        if rating.get("caseNumber") in self.refuse:
            return self._reply(handler, 200, "E1002", self.refuse[rating["caseNumber"]])
        with self._lock:
            duplicate = any(r["idempotencyKey"] == rating.get("idempotencyKey") for r in self.accepted)
            if not duplicate:
                self.accepted.append(rating)
        if mode == "slow":
            time.sleep(self.slow_s)  # stored, but the answer comes too late
        self._reply(handler, 200, "duplicate" if duplicate else "0", "ok")
