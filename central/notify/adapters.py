"""The channels a message can take. Each `Notifier` sends one message and
says what became of it: sent, worth retrying (the service is down, slow or
busy), or refused for good (a number that does not exist, a subscription
the browser dropped). The outbox decides what happens next."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, Protocol

import requests

from common.booking import mask_phone

log = logging.getLogger(__name__)
Channel = Literal["sms", "wechat", "webpush"]


@dataclass(frozen=True)
class Message:
    key: str  # the idempotency key: a provider seeing it twice sends once
    kind: str  # code, confirmed, reminder, three_ahead, called, missed
    channel: Channel
    address: str  # a mobile number, an openid, a push subscription (JSON)
    title: str
    text: str  # Chinese, as an SMS says it
    text_en: str = ""
    params: dict[str, str] = field(default_factory=dict)  # the template's fields
    url: str = ""  # the page a push or WeChat message opens


@dataclass(frozen=True)
class SendResult:
    outcome: Literal["sent", "retry", "refused"]
    detail: str = ""


class Notifier(Protocol):
    channel: Channel

    def send(self, message: Message) -> SendResult: ...


def _post(session: requests.Session, url: str, timeout: float, **kw) -> requests.Response | SendResult:
    try:
        return session.post(url, timeout=timeout, **kw)
    except requests.RequestException as exc:
        return SendResult("retry", f"{type(exc).__name__}: {str(exc)[:200]}")


def _http_outcome(reply: requests.Response) -> SendResult | None:
    """Retry on 429 and 5xx; None when the body must decide."""
    if reply.status_code == 429 or reply.status_code >= 500:
        return SendResult("retry", f"HTTP {reply.status_code}: {reply.text[:200]}")
    if reply.status_code >= 400:
        return SendResult("refused", f"HTTP {reply.status_code}: {reply.text[:200]}")
    return None


class SmsGateway:
    """An SMS provider's HTTP API in the common shape of the big Chinese ones
    (a signed JSON request naming the sign, the template and its parameters):
    `requestId` is the message's key, so a retried request is sent once."""

    channel: Channel = "sms"

    def __init__(
        self, url: str, app_key: str, secret: bytes, sign_name: str, templates: dict[str, str], timeout_s: float
    ):
        self.url, self.app_key, self.secret = url, app_key, secret
        self.sign_name, self.templates, self.timeout_s = sign_name, templates, timeout_s
        self.session = requests.Session()

    def send(self, message: Message) -> SendResult:
        body = json.dumps(
            {
                "requestId": message.key,
                "phoneNumber": message.address,
                "signName": self.sign_name,
                "templateId": self.templates[message.kind],
                "templateParams": message.params,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()
        stamp, nonce = str(int(time.time())), secrets.token_hex(8)
        signature = hmac.new(
            self.secret, b"\n".join([stamp.encode(), nonce.encode(), body]), hashlib.sha256
        ).hexdigest()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "X-App-Key": self.app_key,
            "X-Timestamp": stamp,
            "X-Nonce": nonce,
            "X-Signature": signature,
        }
        reply = _post(self.session, self.url, self.timeout_s, data=body, headers=headers)
        if isinstance(reply, SendResult):
            return reply
        failed = _http_outcome(reply)
        if failed is not None:
            return failed
        try:
            code = str(reply.json().get("code", ""))
        except ValueError:
            return SendResult("retry", f"not JSON: {reply.text[:200]}")
        if code.upper() == "OK":
            return SendResult("sent")
        if "LIMIT" in code.upper() or "BUSY" in code.upper():
            return SendResult("retry", f"gateway: {code}")
        return SendResult("refused", f"gateway: {code}")


class WeChatSubscribe:
    """WeChat subscribe messages (服务通知) of the hall's mini program: an
    access token from the app id and secret (cached until it expires), then
    `subscribe/send` to the citizen's openid. The template's fields are
    thing1 (what), character_string2 (number or code), thing3 (where), time4."""

    channel: Channel = "wechat"

    def __init__(self, api_url: str, app_id: str, secret: str, page: str, templates: dict[str, str], timeout_s: float):
        self.api_url, self.app_id, self.secret = api_url.rstrip("/"), app_id, secret
        self.page, self.templates, self.timeout_s = page, templates, timeout_s
        self.session = requests.Session()
        self._token: tuple[str, float] | None = None
        self._lock = threading.Lock()

    def _access_token(self, fresh: bool = False) -> str | SendResult:
        with self._lock:
            if self._token and not fresh and self._token[1] > time.monotonic():
                return self._token[0]
            try:
                reply = self.session.get(
                    f"{self.api_url}/cgi-bin/token",
                    params={"grant_type": "client_credential", "appid": self.app_id, "secret": self.secret},
                    timeout=self.timeout_s,
                )
                data = reply.json()
            except (requests.RequestException, ValueError) as exc:
                return SendResult("retry", f"access token: {type(exc).__name__}")
            if "access_token" not in data:
                return SendResult("retry", f"access token: errcode {data.get('errcode')} {data.get('errmsg', '')}")
            self._token = (data["access_token"], time.monotonic() + int(data.get("expires_in", 7200)) - 300)
            return self._token[0]

    def send(self, message: Message) -> SendResult:
        body = {
            "touser": message.address,
            "template_id": self.templates[message.kind],
            "page": self.page,
            "lang": "zh_CN",
            "data": {
                "thing1": {"value": message.title[:20]},
                "character_string2": {"value": message.params.get("number") or message.params.get("code", "")},
                "thing3": {"value": message.params.get("site", "")[:20]},
                "time4": {"value": message.params.get("time", "")},
            },
        }
        for fresh in (False, True):
            token = self._access_token(fresh)
            if isinstance(token, SendResult):
                return token
            reply = _post(
                self.session,
                f"{self.api_url}/cgi-bin/message/subscribe/send",
                self.timeout_s,
                params={"access_token": token},
                json=body,
            )
            if isinstance(reply, SendResult):
                return reply
            failed = _http_outcome(reply)
            if failed is not None:
                return failed
            try:
                errcode = int(reply.json().get("errcode", -1))
            except ValueError:
                return SendResult("retry", f"not JSON: {reply.text[:200]}")
            if errcode == 0:
                return SendResult("sent")
            if errcode in (40001, 42001) and not fresh:  # the token expired early: once more with a new one
                continue
            if errcode in (-1, 45009):  # system busy, rate limited
                return SendResult("retry", f"wechat errcode {errcode}")
            return SendResult("refused", f"wechat errcode {errcode}")  # 43101: the citizen did not subscribe
        return SendResult("retry", "wechat token refused twice")


class WebPush:
    """Web Push (RFC 8030) with VAPID (RFC 8292), the payload encrypted for
    the browser (RFC 8291, aes128gcm) by pywebpush."""

    channel: Channel = "webpush"

    def __init__(self, key_file: Path, subject: str, timeout_s: float):
        from py_vapid import Vapid02

        if not key_file.exists():
            key = Vapid02()
            key.generate_keys()
            key_file.parent.mkdir(parents=True, exist_ok=True)
            key.save_key(str(key_file))
            key_file.chmod(0o600)
            log.info("made a VAPID key for Web Push: %s", key_file)
        self.vapid = Vapid02.from_file(str(key_file))
        self.subject, self.timeout_s = subject, timeout_s
        self.session = requests.Session()

    @property
    def public_key(self) -> str:
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

        raw = self.vapid.public_key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    def send(self, message: Message) -> SendResult:
        from pywebpush import WebPushException, webpush

        payload = json.dumps(
            {
                "key": message.key,
                "kind": message.kind,
                "title": message.title,
                "body": message.text,
                "body_en": message.text_en,
                "url": message.url,
            },
            ensure_ascii=False,
        )
        try:
            webpush(
                json.loads(message.address),
                payload,
                vapid_private_key=self.vapid,
                vapid_claims={"sub": self.subject},  # a new dict each time: pywebpush fills in aud and exp
                timeout=self.timeout_s,
                ttl=3600,
                requests_session=self.session,
                headers={"Topic": hashlib.sha256(message.key.encode()).hexdigest()[:32]},
            )
        except WebPushException as exc:
            status = exc.response.status_code if exc.response is not None else 0
            if status in (404, 410):
                return SendResult("refused", f"the browser dropped this subscription (HTTP {status})")
            if status == 429 or status >= 500 or status == 0:
                return SendResult("retry", f"push service: HTTP {status}")
            return SendResult("refused", f"push service: HTTP {status}")
        except requests.RequestException as exc:
            return SendResult("retry", f"{type(exc).__name__}: {str(exc)[:200]}")
        return SendResult("sent")


class LogNotifier:
    """The twin of every channel: one JSON line per message in a file (the
    demo reads its verification codes there) and a line in the log. Numbers
    are masked; a push subscription is shortened to its service."""

    def __init__(self, path: Path, channel: Channel = "sms"):
        self.path, self.channel = path, channel
        self._lock = threading.Lock()

    def send(self, message: Message) -> SendResult:
        to = mask_phone(message.address) if message.channel == "sms" else message.address[:24]
        line = {
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "key": message.key,
            "channel": message.channel,
            "kind": message.kind,
            "to": to,
            "text": message.text,
            "params": message.params,
        }
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as f:
                f.write(json.dumps(line, ensure_ascii=False) + "\n")
        log.info("message %s (%s) to %s: %s", message.kind, message.channel, to, message.kind)
        return SendResult("sent")


def notifiers_from_config(notify, data_dir: Path, secrets_dir: Path) -> dict[str, Notifier]:
    """The configured channel of each kind ([notify.sms], [notify.wechat], [notify.webpush])."""

    def secret(name: str, what: str) -> bytes:
        path = secrets_dir / name
        if not path.is_file():
            raise SystemExit(f"{what} needs its secret in {path} (the file named by secret_file)")
        return path.read_bytes().strip()

    out: dict[str, Notifier] = {}
    sms = notify.sms
    if sms.kind == "log":
        out["sms"] = LogNotifier(Path(sms.log_file) if sms.log_file else data_dir / "notify.log", "sms")
    elif sms.kind == "http":
        key = secret(sms.secret_file, "[notify.sms] kind = http")
        out["sms"] = SmsGateway(sms.url, sms.app_key, key, sms.sign_name, dict(sms.templates), sms.timeout_s)
    wechat = notify.wechat
    if wechat.enabled:
        app_secret = secret(wechat.secret_file, "[notify.wechat]").decode()
        out["wechat"] = WeChatSubscribe(
            wechat.api_url, wechat.app_id, app_secret, wechat.page, dict(wechat.templates), wechat.timeout_s
        )
    if notify.webpush.enabled:
        out["webpush"] = WebPush(
            secrets_dir / notify.webpush.key_file, notify.webpush.subject, notify.webpush.timeout_s
        )
    return out
