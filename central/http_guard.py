"""What every request meets before central's routes: a cap on the body's size
and the time it takes to arrive, a check that a state-changing request from a
browser comes from central's own pages (Origin, Sec-Fetch-Site), and the
security headers on every answer. `GuardedHttp` closes a connection whose
request headers do not arrive in time (slow-header attacks hold connections
open for nothing)."""

from __future__ import annotations

import asyncio
import os
from urllib.parse import urlsplit

from starlette.exceptions import HTTPException
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from central.errors import error_json

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
]
API_CSP = (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'")
HSTS = (b"strict-transport-security", b"max-age=31536000")


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


class HttpGuard:
    """Pure ASGI middleware (it sees the ticket desk's requests too)."""

    def __init__(self, app, *, max_body: int, body_timeout_s: float, public_url: str = ""):
        self.app = app
        self.max_body = max_body
        self.body_timeout_s = body_timeout_s
        self.public_origin = _origin(public_url) if public_url else ""
        self.hsts = public_url.startswith("https://")

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        refusal = self._refusal(scope, headers)
        if refusal is not None:
            await self._answer(send, *refusal)
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.body_timeout_s
        received, complete = 0, False

        async def guarded_receive():
            nonlocal received, complete
            if complete:  # the body is in; what follows is the wait for a disconnect (event streams)
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), max(0.0, deadline - loop.time()))
            except TimeoutError:
                raise HTTPException(408, f"the request body did not arrive within {self.body_timeout_s:g} s") from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    raise HTTPException(413, f"a request body is at most {self.max_body} bytes")
                complete = not message.get("more_body", False)
            return message

        async def guarded_send(message):
            if message["type"] == "http.response.start":
                names = {name.lower() for name, _ in message.get("headers", [])}
                extra = [h for h in SECURITY_HEADERS if h[0] not in names]
                if b"content-security-policy" not in names:
                    extra.append(API_CSP)
                if self.hsts:
                    extra.append(HSTS)
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        try:
            await self.app(scope, guarded_receive, guarded_send)
        except HTTPException as exc:  # raised by guarded_receive where no route caught it (the ticket desk)
            await self._answer(guarded_send, exc.status_code, _CODES.get(exc.status_code, "http_error"), exc.detail)

    def _refusal(self, scope, headers: dict[bytes, bytes]) -> tuple[int, str, str] | None:
        length = headers.get(b"content-length")
        if length is not None:
            if not length.isdigit():
                return 400, "bad_content_length", "Content-Length must be a number of bytes"
            if int(length) > self.max_body:
                return 413, "request_too_large", f"a request body is at most {self.max_body} bytes"
        if scope["method"] in SAFE_METHODS:
            return None
        site = headers.get(b"sec-fetch-site", b"").decode("latin-1")
        origin = headers.get(b"origin", b"").decode("latin-1").lower()
        if site in ("cross-site", "same-site") or (origin and origin not in self._own_origins(scope, headers)):
            return 403, "bad_origin", "state-changing requests are accepted from central's own pages only"
        return None

    def _own_origins(self, scope, headers: dict[bytes, bytes]) -> set[str]:
        host = headers.get(b"host", b"").decode("latin-1").lower()
        own = {f"{scope.get('scheme', 'http')}://{host}"}
        if self.public_origin:
            own.add(self.public_origin)
        return own

    @staticmethod
    async def _answer(send, status: int, code: str, message: str) -> None:
        body = error_json(code, message)
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})


_CODES = {408: "request_timeout", 413: "request_too_large"}


class GuardedHttp(HttpToolsProtocol):
    """uvicorn's HTTP protocol, closing a connection whose request line and
    headers take longer than `header_timeout_s` (uvicorn times out only idle
    keep-alive connections)."""

    header_timeout_s = float(os.environ.get("KIOSK_CENTRAL_HEADER_TIMEOUT_S", "10"))  # set by `serve`
    _header_timer: asyncio.TimerHandle | None = None
    _header_cycle: object = None

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        self._arm()

    def _arm(self) -> None:
        self._header_cycle = self.cycle
        self._header_timer = self.loop.call_later(self.header_timeout_s, self._header_timeout)

    def data_received(self, data: bytes) -> None:
        if self._header_timer is None and (self.cycle is None or self.cycle.response_complete):
            self._arm()  # the next request on a kept-alive connection starts
        super().data_received(data)

    def _header_timeout(self) -> None:
        self._header_timer = None
        if self.cycle is not None and self.cycle is not self._header_cycle:
            return  # the headers arrived: a request is being (or was) answered
        if not self.transport.is_closing():
            self.transport.close()

    def connection_lost(self, exc) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None
        super().connection_lost(exc)
