"""HMAC request signing between a kiosk and central (see docs/security.md).

The canonical string is defined here once; the kiosk signs with it and central
verifies with it, so the two can never drift apart.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

HEADER_KIOSK = "X-Kiosk-Id"
HEADER_TIMESTAMP = "X-Kiosk-Timestamp"
HEADER_NONCE = "X-Kiosk-Nonce"
HEADER_SIGNATURE = "X-Kiosk-Signature"
ALGORITHM = "HMAC-SHA256"


def canonical_request(method: str, path_and_query: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    """What gets signed: method, path with query, time, nonce and a body hash."""
    return "\n".join((method.upper(), path_and_query, timestamp, nonce, hashlib.sha256(body).hexdigest())).encode()


def sign(
    secret: bytes,
    method: str,
    path_and_query: str,
    body: bytes,
    kiosk_id: str,
    *,
    now: float | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """Headers that authenticate one request."""
    timestamp = str(int(time.time() if now is None else now))
    nonce = nonce or secrets.token_hex(16)
    mac = hmac.new(secret, canonical_request(method, path_and_query, timestamp, nonce, body), hashlib.sha256)
    return {
        HEADER_KIOSK: kiosk_id,
        HEADER_TIMESTAMP: timestamp,
        HEADER_NONCE: nonce,
        HEADER_SIGNATURE: mac.hexdigest(),
    }


def verify(
    secret: bytes, method: str, path_and_query: str, body: bytes, timestamp: str, nonce: str, signature: str
) -> bool:
    expected = hmac.new(
        secret, canonical_request(method, path_and_query, timestamp, nonce, body), hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(expected, signature.lower())


def derive_kiosk_secret(master_key: bytes, kiosk_id: str, generation: int) -> bytes:
    """Central never stores kiosk secrets: each is derived from its master key,
    so a leaked database alone cannot forge kiosk requests."""
    return hmac.new(master_key, f"kiosk-secret|{kiosk_id}|{generation}".encode(), hashlib.sha256).digest()
