"""Message services on 127.0.0.1, for tests and the demo:

- `FakeSmsGateway` takes signed JSON as central's SmsGateway sends it, checks
  the signature, sends each requestId once (a repeat answers OK, as the
  providers' idempotency does), and can be told to be down (HTTP 503).
- `FakePushService` is a Web Push endpoint (RFC 8030): it checks the VAPID
  token's ES256 signature and audience, and keeps each encrypted payload;
  `PushBrowser` holds a subscription's keys and decrypts what was pushed
  (RFC 8291), as the browser would.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class _Server:
    def __init__(self, name: str):
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                status, reply = owner.handle(self.path, self.headers, body)  # case-insensitive get
                data = json.dumps(reply, ensure_ascii=False).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.lock = threading.Lock()
        self.down = False
        self.requests = 0
        threading.Thread(target=self.server.serve_forever, name=name, daemon=True).start()

    def handle(self, path: str, headers: dict, body: bytes) -> tuple[int, dict]:
        raise NotImplementedError

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class FakeSmsGateway(_Server):
    def __init__(self, app_key: str = "hall-sms", secret: bytes = b"sms-secret"):
        super().__init__("fake-sms")
        self.app_key, self.secret = app_key, secret
        self.url = self.base + "/sms/send"
        self.sent: list[dict] = []  # in arrival order, each requestId once
        self.bad_signatures = 0

    def handle(self, path, headers, body):
        with self.lock:
            self.requests += 1
            if self.down:
                return 503, {"code": "ServiceUnavailable"}
            signed = b"\n".join([headers.get("X-Timestamp", "").encode(), headers.get("X-Nonce", "").encode(), body])
            expected = hmac.new(self.secret, signed, hashlib.sha256).hexdigest()
            if headers.get("X-App-Key") != self.app_key or not hmac.compare_digest(
                expected, headers.get("X-Signature", "")
            ):
                self.bad_signatures += 1
                return 401, {"code": "SignatureDoesNotMatch"}
            message = json.loads(body)
            if not message.get("phoneNumber", "").isdigit():
                return 200, {"code": "isv.MOBILE_NUMBER_ILLEGAL"}
            if message["requestId"] not in {m["requestId"] for m in self.sent}:
                self.sent.append(message)
            return 200, {"code": "OK", "bizId": str(len(self.sent))}

    def messages(self, phone: str | None = None) -> list[dict]:
        with self.lock:
            return [m for m in self.sent if phone is None or m["phoneNumber"] == phone]


class FakePushService(_Server):
    def __init__(self):
        super().__init__("fake-push")
        self.received: list[tuple[str, dict, bytes]] = []  # (subscription path, headers, encrypted body)
        self.bad_tokens = 0

    def endpoint(self) -> str:
        return f"{self.base}/push/{_b64(os.urandom(12))}"

    def handle(self, path, headers, body):
        with self.lock:
            self.requests += 1
            if self.down:
                return 503, {"error": "unavailable"}
            if not self._vapid_ok(headers.get("Authorization", "")):
                self.bad_tokens += 1
                return 401, {"error": "bad VAPID token"}
            self.received.append((path, headers, body))
            return 201, {}

    def _vapid_ok(self, authorization: str) -> bool:
        """`vapid t=<JWT>, k=<public key>`: ES256 over the JWT, audience this origin."""
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

        try:
            parts = dict(p.strip().split("=", 1) for p in authorization.removeprefix("vapid ").split(","))
            head, claims, sig = parts["t"].split(".")
            key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), _unb64(parts["k"]))
            raw = _unb64(sig)
            der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
            key.verify(der, f"{head}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
            return json.loads(_unb64(claims)).get("aud") == self.base
        except (KeyError, ValueError, InvalidSignature):
            return False


class PushBrowser:
    """A browser's push subscription: its keys, and what it can decrypt."""

    def __init__(self, service: FakePushService):
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

        self.service = service
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)
        self.endpoint = service.endpoint()
        public = self.key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
        self.subscription = {"endpoint": self.endpoint, "keys": {"p256dh": _b64(public), "auth": _b64(self.auth)}}

    def messages(self) -> list[dict]:
        """Every payload pushed to this subscription, decrypted, in arrival order."""
        import http_ece

        path = self.endpoint.removeprefix(self.service.base)
        with self.service.lock:
            bodies = [body for p, _, body in self.service.received if p == path]
        return [
            json.loads(http_ece.decrypt(b, private_key=self.key, auth_secret=self.auth, version="aes128gcm"))
            for b in bodies
        ]
