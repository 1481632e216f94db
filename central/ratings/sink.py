"""Where ratings go beyond central: the provincial 好差评 system.

A `RatingSink` takes one rating (its `ProvinceRating` form) and says what
became of it: delivered, refused for good (the province read it and said no:
a manager must look), or not now (the sink is down, slow or overloaded: try
again later). Delivery order, retries and exactly-once are the outbox's job
(central.ratings.delivery); a sink only talks to its far end.

- `HttpRatingSink`: JSON over HTTPS in the common shape of the provincial
  interfaces, signed with the deployment's app key and secret;
- `FileRatingSink`: one JSON-lines file per day for systems that collect files;
- `VirtualRatingSink`: in memory, for tests and the demo.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

import requests

from common.ratings import ProvinceRating

log = logging.getLogger(__name__)
Outcome = Literal["delivered", "refused", "retry"]
# What the province answers in its `code` when it accepted the rating, or already had it
ACCEPTED_CODES = ("0", "200", "00000")
DUPLICATE_CODES = ("duplicate", "409")


@dataclass(frozen=True)
class Delivery:
    outcome: Outcome
    detail: str = ""  # refused: the province's reason; retry: what went wrong


class RatingSink(Protocol):
    name: str

    def deliver(self, rating: ProvinceRating) -> Delivery: ...


def signature(secret: bytes, app_key: str, timestamp: str, nonce: str, body: bytes) -> str:
    """HMAC-SHA256 over the app key, time, nonce and the body's digest (hex)."""
    message = "\n".join((app_key, timestamp, nonce, hashlib.sha256(body).hexdigest())).encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


class HttpRatingSink:
    """POST one rating as JSON; the reply `{"code": "0", "message": ...}`.
    HTTP 408, 429 and 5xx, timeouts and broken connections are `retry`; any
    other 4xx, or a reply code the province does not accept, is `refused`
    with its message. The idempotency key travels as a header and in the body,
    so a rating re-sent after a lost reply is recognised as a duplicate."""

    name = "http"

    def __init__(self, url: str, app_key: str, secret: bytes, timeout_s: float = 10.0):
        self.url, self.app_key, self.secret, self.timeout_s = url, app_key, secret, timeout_s
        self.http = requests.Session()

    def deliver(self, rating: ProvinceRating) -> Delivery:
        body = rating.model_dump_json(by_alias=True).encode()
        timestamp, nonce = str(int(time.time() * 1000)), secrets.token_hex(8)
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "X-App-Key": self.app_key,
            "X-Timestamp": timestamp,
            "X-Nonce": nonce,
            "X-Signature": signature(self.secret, self.app_key, timestamp, nonce, body),
            "Idempotency-Key": rating.idempotency_key,
        }
        try:
            reply = self.http.post(self.url, data=body, headers=headers, timeout=self.timeout_s)
        except requests.RequestException as exc:
            return Delivery("retry", f"{type(exc).__name__}: {exc}"[:300])
        if reply.status_code in (408, 429) or reply.status_code >= 500:
            return Delivery("retry", f"HTTP {reply.status_code}")
        try:
            data = reply.json()
            code, message = str(data.get("code", "")), str(data.get("message") or data.get("msg") or "")
        except (ValueError, AttributeError):
            if reply.ok:  # a garbled success: the province may or may not have it; the key makes a retry safe
                return Delivery("retry", f"HTTP {reply.status_code} with a reply that is not JSON")
            return Delivery("refused", f"HTTP {reply.status_code}: {reply.text[:200]}")
        if reply.ok and (code in ACCEPTED_CODES or code in DUPLICATE_CODES):
            return Delivery("delivered", code)
        return Delivery("refused", f"{code or reply.status_code}: {message}"[:500])


class FileRatingSink:
    """Appends each rating as one JSON line to `ratings-YYYYMMDD.jsonl` (the
    rating's local day) in a directory the provincial collector reads. A line
    already written for the same key is not written twice."""

    name = "file"

    def __init__(self, directory: Path):
        self.directory = Path(directory)

    def deliver(self, rating: ProvinceRating) -> Delivery:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            path = self.directory / f"ratings-{rating.rated_at[:10].replace('-', '')}.jsonl"
            key = f'"idempotencyKey":"{rating.idempotency_key}"'
            if path.exists() and key in path.read_text(encoding="utf-8"):
                return Delivery("delivered", "already in the file")
            with path.open("a", encoding="utf-8") as out:
                out.write(rating.model_dump_json(by_alias=True) + "\n")
                out.flush()
        except OSError as exc:
            return Delivery("retry", f"cannot write {self.directory}: {exc.strerror}")
        return Delivery("delivered")


@dataclass
class VirtualRatingSink:
    """Keeps what it received. `down` makes every delivery a retry; `refuse`
    maps case numbers to the reason the province would give."""

    name: str = "virtual"
    received: list[ProvinceRating] = field(default_factory=list)
    down: bool = False
    refuse: dict[str, str] = field(default_factory=dict)

    def deliver(self, rating: ProvinceRating) -> Delivery:
        if self.down:
            return Delivery("retry", "virtual sink is down")
        if rating.case_number in self.refuse:
            return Delivery("refused", self.refuse[rating.case_number])
        if all(r.idempotency_key != rating.idempotency_key for r in self.received):
            self.received.append(rating)
        return Delivery("delivered")
