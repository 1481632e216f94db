"""Authenticate kiosk requests: HMAC signature, timestamp window, single-use nonce.

Rejected requests are answered 401 before any handler runs, so nothing they
carried is stored (the nonce of a rejected request is not recorded either).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from central.errors import ApiError
from central.rawsql import INSERT_NONCE, PURGE_NONCES, UniqueViolation
from common import signing

log = logging.getLogger(__name__)


def _unauthorised(code: str, message: str) -> ApiError:
    return ApiError(401, code, message)


@dataclass(frozen=True)
class SignedRequest:
    """A verified kiosk request whose nonce the handler records in its own write."""

    kiosk: SignedKiosk
    nonce: str


async def authenticated_kiosk(request: Request) -> SignedKiosk:
    """FastAPI dependency: the kiosk that signed this request, or 401; the
    nonce is recorded before the handler runs. The check writes (the nonce) and
    so may wait for the database: it runs on a pool thread, never on the loop."""
    body = await request.body()
    signed = await run_in_threadpool(
        check_signature,
        request.app.state.central,
        request.method,
        signed_path(request),
        request.headers,
        body,
        record_nonce=True,
    )
    return signed.kiosk


def kiosk_site(request: Request) -> str:
    """The site of the kiosk that signed this bodiless request (a plain-`def`
    route: this runs on a pool thread)."""
    signed = check_signature(
        request.app.state.central, request.method, signed_path(request), request.headers, b"", record_nonce=True
    )
    return signed.kiosk.site


def signed_path(request: Request) -> str:
    """The path and query as the kiosk signed them (common.signing)."""
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


def check_signature(
    state, method: str, path: str, headers: Mapping[str, str], body: bytes, *, record_nonce: bool
) -> SignedRequest:
    """The whole check on plain values, for the FastAPI dependency and the
    bare ticket endpoint alike. `headers` is looked up by lower-case name.
    Without `record_nonce` the caller records the nonce in its own write
    transaction (the ticket's: one write instead of two)."""
    kiosk_id, timestamp, nonce, signature = _signed_headers(headers)
    # a few hundred microseconds of SQLite work: cheaper on the loop than a thread hop
    row = state.runner.read().one(SQL_KIOSK, id=kiosk_id)
    kiosk = _check(state, method, path, body, row, kiosk_id, timestamp, nonce, signature, record_nonce)
    return SignedRequest(kiosk, nonce)


async def check_signature_async(
    state, kiosks: KioskReader, method: str, path: str, headers: Mapping[str, str], body: bytes
) -> SignedRequest:
    """`check_signature` for the ticket desk on PostgreSQL: the kiosk's row is
    awaited on the event loop (never blocking it), the nonce left to the ticket."""
    kiosk_id, timestamp, nonce, signature = _signed_headers(headers)
    row = await kiosks.row(kiosk_id)
    kiosk = _check(state, method, path, body, row, kiosk_id, timestamp, nonce, signature, False)
    return SignedRequest(kiosk, nonce)


def _signed_headers(headers: Mapping[str, str]) -> tuple[str, str, str, str]:
    kiosk_id = headers.get(_KIOSK)
    timestamp = headers.get(_TIMESTAMP)
    nonce = headers.get(_NONCE)
    signature = headers.get(_SIGNATURE)
    if not (kiosk_id and timestamp and nonce and signature):
        raise _unauthorised("missing_signature", "kiosk requests must be signed (see docs/security.md)")
    if not (
        _KIOSK_ID.fullmatch(kiosk_id)
        and _TIMESTAMP_RE.fullmatch(timestamp)
        and _NONCE_RE.fullmatch(nonce)
        and _SIGNATURE_RE.fullmatch(signature)
    ):
        raise _unauthorised("bad_signature", "malformed kiosk id, timestamp, nonce or signature header")
    return kiosk_id, timestamp, nonce, signature


class KioskReader:
    """Kiosk rows read with psycopg's asyncio connection (PostgreSQL): one per
    worker, awaited on the event loop, so the ticket desk needs neither a pool
    thread nor a pooled connection per request. Reconnects once on a lost one."""

    def __init__(self, dsn: str):
        self.dsn = dsn
        self._conn: Any = None  # psycopg.AsyncConnection, made on first use
        self._connecting = asyncio.Lock()

    async def row(self, kiosk_id: str):
        import psycopg

        for attempt in (1, 2):
            try:
                conn = await self._connection()
                cursor = await conn.execute(SQL_KIOSK.replace(":id", "%(id)s"), {"id": kiosk_id})
                return await cursor.fetchone()
            except psycopg.OperationalError:
                self._conn = None
                if attempt == 2:
                    raise
        return None

    async def _connection(self):
        import psycopg

        async with self._connecting:
            if self._conn is None or self._conn.closed:
                self._conn = await psycopg.AsyncConnection.connect(self.dsn, autocommit=True, connect_timeout=5)
            return self._conn


# header shapes, checked before any lookup (ASCII only: "²".isdigit() is True)
_KIOSK_ID = re.compile(r"[0-9A-Za-z-]{1,36}", re.ASCII)
_TIMESTAMP_RE = re.compile(r"[0-9]{1,12}", re.ASCII)
_NONCE_RE = re.compile(r"[0-9A-Za-z_-]{8,64}", re.ASCII)
_SIGNATURE_RE = re.compile(r"[0-9a-fA-F]{64}", re.ASCII)
_KIOSK, _TIMESTAMP, _NONCE, _SIGNATURE = (
    h.lower() for h in (signing.HEADER_KIOSK, signing.HEADER_TIMESTAMP, signing.HEADER_NONCE, signing.HEADER_SIGNATURE)
)
KIOSK_HEADER = _KIOSK


SQL_KIOSK = "SELECT id, name, enrolled_at, revoked_at, secret_generation, suspended_at, site FROM kiosks WHERE id = :id"


@dataclass(frozen=True)
class SignedKiosk:
    """The kiosk behind a verified request (what handlers need of it)."""

    id: str
    name: str
    enrolled_at: object
    revoked_at: object
    secret_generation: int
    suspended_at: object = None
    site: str = ""  # the site it is enrolled at: what it may act for


def serving_kiosk(kiosk: SignedKiosk) -> SignedKiosk:
    """A kiosk that may serve citizens: not suspended (403 otherwise). Its
    records of what already happened (prints, ratings, faults) are still taken."""
    if kiosk.suspended_at is not None:
        raise ApiError(403, "kiosk_suspended", "this kiosk is suspended until the hall manager reviews it (see /fleet)")
    return kiosk


async def authenticated_serving_kiosk(request: Request) -> SignedKiosk:
    """FastAPI dependency: `authenticated_kiosk`, and not suspended."""
    return serving_kiosk(await authenticated_kiosk(request))


def _check(state, method, path, body, row, kiosk_id, timestamp, nonce, signature, record_nonce=True) -> SignedKiosk:
    """`row`: the kiosk's row (SQL_KIOSK), or None for an unknown kiosk."""
    now = datetime.now(UTC)
    skew = state.config.security.clock_skew_s
    kiosk = SignedKiosk(*row) if row else None
    if kiosk is None or kiosk.enrolled_at is None:
        log.warning("rejected request from unknown kiosk id %.36s", kiosk_id)
        raise _unauthorised("unknown_kiosk", "this kiosk is not enrolled; run `kiosk enroll CODE`")
    if kiosk.revoked_at is not None:
        log.warning("rejected request from revoked kiosk %s", kiosk.name)
        raise _unauthorised("revoked_kiosk", "this kiosk has been revoked; ask an administrator")
    if abs(now.timestamp() - int(timestamp)) > skew:
        raise _unauthorised(
            "stale_timestamp", f"request time is more than {skew} s from server time; check the kiosk clock (NTP)"
        )
    secret = signing.derive_kiosk_secret(state.master_key, kiosk.id, kiosk.secret_generation)
    if not signing.verify(secret, method, path, body, timestamp, nonce, signature):
        log.warning("bad signature from kiosk %s on %s %s", kiosk.name, method, path.split("?")[0])
        raise _unauthorised("bad_signature", "the request signature does not match")
    if not record_nonce:
        return kiosk
    # the nonce is recorded in a write transaction of its own (BEGIN IMMEDIATE on
    # SQLite): its unique constraint is what refuses a replay, across all workers
    try:
        with state.runner.write() as db:
            db.run(INSERT_NONCE, kiosk_id=kiosk.id, nonce=nonce, seen_at=now)
            _maybe_purge(db, now, skew)
    except UniqueViolation:
        log.warning("replayed nonce from kiosk %s", kiosk.name)
        raise _unauthorised("replayed_request", "this request was already received (replay)") from None
    return kiosk


_last_purge = [0.0]


def _maybe_purge(db, now: datetime, skew: int) -> None:
    """Nonces older than the window cannot be replayed (the timestamp check
    refuses them first), so they can go; checked at most once a minute."""
    if now.timestamp() - _last_purge[0] < 60:
        return
    _last_purge[0] = now.timestamp()
    db.run(PURGE_NONCES, cutoff=now - timedelta(seconds=2 * skew))
