"""Authenticate kiosk requests: HMAC signature, timestamp window, single-use nonce.

Rejected requests are answered 401 before any handler runs, so nothing they
carried is stored (the nonce of a rejected request is not recorded either).
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

from fastapi import Request
from starlette.concurrency import run_in_threadpool
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from central.errors import ApiError
from central.models import Kiosk, UsedNonce
from common import signing

log = logging.getLogger(__name__)


def _unauthorised(code: str, message: str) -> ApiError:
    return ApiError(401, code, message)


async def authenticated_kiosk(request: Request) -> Kiosk:
    """FastAPI dependency: the kiosk that signed this request, or 401."""
    state = request.app.state.central
    h = request.headers
    kiosk_id = h.get(signing.HEADER_KIOSK)
    timestamp = h.get(signing.HEADER_TIMESTAMP)
    nonce = h.get(signing.HEADER_NONCE)
    signature = h.get(signing.HEADER_SIGNATURE)
    if not all((kiosk_id, timestamp, nonce, signature)):
        raise _unauthorised("missing_signature", "kiosk requests must be signed (see docs/security.md)")
    if not (8 <= len(nonce) <= 64) or not timestamp.isdigit():
        raise _unauthorised("bad_signature", "malformed nonce or timestamp")
    body = await request.body()
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return await run_in_threadpool(_check, state, request.method, path, body,
                                   kiosk_id, timestamp, nonce, signature)


def _check(state, method, path, body, kiosk_id, timestamp, nonce, signature) -> Kiosk:
    now = datetime.now(timezone.utc)
    skew = state.config.security.clock_skew_s
    with state.sessions() as db:
        kiosk = db.get(Kiosk, kiosk_id)
        if kiosk is None or kiosk.enrolled_at is None:
            log.warning("rejected request from unknown kiosk id %.36s", kiosk_id)
            raise _unauthorised("unknown_kiosk", "this kiosk is not enrolled; run `kiosk enroll CODE`")
        if kiosk.revoked_at is not None:
            log.warning("rejected request from revoked kiosk %s", kiosk.name)
            raise _unauthorised("revoked_kiosk", "this kiosk has been revoked; ask an administrator")
        if abs(now.timestamp() - int(timestamp)) > skew:
            raise _unauthorised("stale_timestamp",
                                f"request time is more than {skew} s from server time; check the kiosk clock (NTP)")
        secret = signing.derive_kiosk_secret(state.master_key, kiosk.id, kiosk.secret_generation)
        if not signing.verify(secret, method, path, body, timestamp, nonce, signature):
            log.warning("bad signature from kiosk %s on %s %s", kiosk.name, method, path.split("?")[0])
            raise _unauthorised("bad_signature", "the request signature does not match")
        db.add(UsedNonce(kiosk_id=kiosk.id, nonce=nonce, seen_at=now))
        try:
            db.commit()
        except IntegrityError:
            db.rollback()
            log.warning("replayed nonce from kiosk %s", kiosk.name)
            raise _unauthorised("replayed_request", "this request was already received (replay)") from None
        _maybe_purge(db, now, skew)
        db.expunge(kiosk)
        return kiosk


def _maybe_purge(db, now: datetime, skew: int) -> None:
    """Nonces older than the window cannot be replayed (the timestamp check
    rejects them first), so they can go."""
    oldest = db.scalar(select(UsedNonce.seen_at).order_by(UsedNonce.seen_at).limit(1))
    if oldest is not None and oldest < now - timedelta(seconds=4 * skew):
        db.execute(delete(UsedNonce).where(UsedNonce.seen_at < now - timedelta(seconds=2 * skew)))
        db.commit()
