"""POST /api/v1/tickets, the busiest call of a hall, as a bare ASGI endpoint.

`CentralApp` answers it before FastAPI's stack (routing, dependency solving,
middleware), which cost as much as issuing the ticket itself; tickets asked
for in the same event-loop turn then share one commit (GroupCommit). The
FastAPI route of the same path stays for the OpenAPI document and answers
through `TicketDesk.take` too, so there is one implementation."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from fastapi import FastAPI
from pydantic import ValidationError

from central.auth import KioskReader, check_signature, check_signature_async, serving_kiosk
from central.db import libpq_dsn
from central.errors import ApiError, error_json
from central.queue.engine import QueueError, TicketOrder
from central.queue.group_commit import GroupCommit
from central.rate_limit import RateLimit
from central.rawsql import UniqueViolation
from common import wire
from common.tickets import TicketRequest

log = logging.getLogger(__name__)
PATH = f"{wire.API_PREFIX}/tickets"
MAX_BODY = 16 * 1024  # a ticket request is ~200 bytes
JSON = [(b"content-type", b"application/json")]


class TicketDesk:
    def __init__(self, state, queue: GroupCommit):
        self.state = state
        self.queue = queue
        cfg = state.config
        self.limit = RateLimit.per_process(cfg.security.tickets_per_minute, cfg.server.workers)
        # SQLite's kiosk lookup is a few microseconds of a local file: on the loop. PostgreSQL's
        # is a network round trip: awaited on an asyncio connection of its own
        dsn = libpq_dsn(state.engine)
        self.kiosks = KioskReader(dsn) if dsn else None

    async def take(self, method: str, path: str, headers: Mapping[str, str], body: bytes) -> tuple[int, bytes]:
        """(status, JSON body) for one signed ticket request; idempotent on request_id."""
        status, payload, _ = await self.answer(method, path, headers, body)
        return status, payload

    async def answer(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes
    ) -> tuple[int, bytes, list[tuple[bytes, bytes]]]:
        """(status, JSON body, extra headers) for one signed ticket request."""
        try:
            if self.kiosks is not None:  # PostgreSQL: the kiosk's row is awaited, the loop goes on meanwhile
                signed = await check_signature_async(self.state, self.kiosks, method, path, headers, body)
            else:
                signed = check_signature(self.state, method, path, headers, body, record_nonce=False)
            serving_kiosk(signed.kiosk)
            wait = self.limit.allow(signed.kiosk.id) if self.limit else 0.0
            if wait:
                log.warning("kiosk %s over its ticket rate; refused", signed.kiosk.name)
                retry = str(max(1, round(wait)))
                message = (
                    f"this kiosk takes at most {self.state.config.security.tickets_per_minute} tickets a minute; "
                    f"try again in {retry} s"
                )
                return 429, error_json("too_many_tickets", message), [(b"retry-after", retry.encode())]
            try:
                request = TicketRequest.model_validate_json(body)
            except ValidationError as exc:
                first = exc.errors()[0]
                raise ApiError(
                    422, "invalid_request", f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}"
                ) from None
            reply = await self.queue.issue(TicketOrder(signed.kiosk.id, request, signed.nonce, signed.kiosk.site))
        except (ApiError, QueueError) as exc:
            return exc.status, error_json(exc.code, exc.message), []
        except UniqueViolation:  # the nonce was seen before: a replay; nothing was stored
            return 401, error_json("replayed_request", "this request was already received (replay)"), []
        except Exception:
            log.exception("ticket request failed")
            return (
                500,
                error_json(
                    "internal_error", "the ticket could not be issued; try again, or see the central server's log"
                ),
                [],
            )
        return 200, reply.model_dump_json().encode(), []

    async def __call__(self, scope, receive, send) -> None:
        body = bytearray()
        extra: list[tuple[bytes, bytes]] = []
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if len(body) > MAX_BODY:
                status, payload = 413, error_json("request_too_large", f"a ticket request is at most {MAX_BODY} bytes")
                break
            if not message.get("more_body", False):
                path = scope["path"] + (f"?{scope['query_string'].decode('latin-1')}" if scope["query_string"] else "")
                headers = {name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"]}
                status, payload, extra = await self.answer(scope["method"], path, headers, bytes(body))
                break
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [*JSON, *extra, (b"content-length", str(len(payload)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": payload})


class CentralApp(FastAPI):
    """FastAPI, with the ticket endpoint answered ahead of the framework's stack."""

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope["path"] == PATH and scope["method"] == "POST":
            await self.state.ticket_desk(scope, receive, send)
        else:
            await super().__call__(scope, receive, send)
