"""Messages to citizens through real channels on loopback: a signed SMS
gateway and a Web Push service (the payload decrypted as the browser would).
Nearly-your-turn and called arrive in order; a gateway that is down gets
every message once when it is back, and what no longer makes sense (nearly
your turn after the call) is dropped; an opted-out number gets nothing."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar
from zoneinfo import ZoneInfo

import pytest
import requests
from conftest import add_staff, enrolled_client, login, wait_until

from central.config import NOTIFY_KINDS
from central.notify.adapters import Message, SmsGateway, WeChatSubscribe
from common.tickets import TicketRequest
from peers.central import Central
from peers.notify import FakePushService, FakeSmsGateway, PushBrowser
from peers.phone import Phone, id_number

TEMPLATES = {kind: f"SMS_{i:04d}" for i, kind in enumerate(NOTIFY_KINDS)}


@pytest.fixture(scope="module")
def hall(tmp_path_factory):
    directory = tmp_path_factory.mktemp("notify")
    gateway, push = FakeSmsGateway(), FakePushService()
    data = directory / "c" / "central-data"
    data.mkdir(parents=True)
    (data / "sms.key").write_bytes(gateway.secret)
    templates = ", ".join(f'{k} = "{v}"' for k, v in TEMPLATES.items())
    server = Central(
        directory / "c",
        extra=f"""
[booking]
remote = true
codes_per_address_hour = 1000
[notify]
poll_s = 0.2
per_number_hour = 4
retry_min_s = 0.3
retry_max_s = 1.0
[notify.sms]
kind = "http"
url = "{gateway.url}"
app_key = "{gateway.app_key}"
sign_name = "某市政务服务"
templates = {{ {templates} }}
""",
    )
    server.start()
    add_staff(server, "alice")
    kiosk = enrolled_client(server, "k", directory / "k")
    yield server, kiosk, gateway, push
    server.stop()
    gateway.close()
    push.close()


def sms(gateway: FakeSmsGateway, phone: str) -> list[tuple[str, dict]]:
    """(message kind, template parameters) sent to `phone`, codes left out, in order."""
    kinds = {v: k for k, v in TEMPLATES.items()}
    return [
        (kinds[m["templateId"]], m["templateParams"])
        for m in gateway.messages(phone)
        if m["templateId"] != TEMPLATES["code"]
    ]


def phone_with_remote_place(server, gateway, number: str, letter: str, person: int) -> tuple[Phone, dict]:
    phone = Phone(server.url, number)

    def code():
        sent = [m for m in gateway.messages(number) if m["templateId"] == TEMPLATES["code"]]
        return sent[-1]["templateParams"]["code"] if sent else None

    phone.verify(code)
    r = phone.remote("main", letter, id_number(person))
    assert r.status_code == 201, r.text
    return phone, r.json()


def check_in(server, kiosk, push, place: dict):
    ticket = kiosk.take_ticket(
        TicketRequest(request_id=uuid.uuid4().hex, type=place["type"], booking_code=place["code"])
    )
    browser = PushBrowser(push)  # the ticket page's "tell this phone" button, as the browser posts it
    url = f"{server.url}/api/v1/tickets/{ticket.id}/subscriptions/webpush"
    r = requests.post(url, json=browser.subscription, timeout=5)
    assert r.status_code == 201, r.text
    return ticket, browser


def walk_ins(kiosk, letter: str, count: int) -> list:
    return [kiosk.take_ticket(TicketRequest(request_id=uuid.uuid4().hex, type=letter)) for _ in range(count)]


def outbox(server, kind: str) -> list[tuple[str, str]]:
    with server.db() as db:
        return [
            tuple(r)
            for r in db.execute("SELECT state, last_error FROM notifications WHERE kind = ? ORDER BY id", (kind,))
        ]


def test_nearly_your_turn_and_called_arrive_in_order_by_sms_and_push(hall):
    server, kiosk, gateway, push = hall
    ahead = walk_ins(kiosk, "C", 5)
    phone, place = phone_with_remote_place(server, gateway, "13800138101", "C", 1)
    wait_until(lambda: sms(gateway, phone.number) != [], timeout=10, what="the confirmation")  # then the walk there
    ticket, browser = check_in(server, kiosk, push, place)
    assert ticket.people_ahead == 5
    clerk = login(server, "alice", 5)  # counter 5 serves C

    def call() -> str:
        return clerk.post(f"{server.url}/api/v1/counters/5/call-next", timeout=5).json()["called"]["number"]

    assert [call(), call()] == [t.number for t in ahead[:2]]  # three people are ahead now
    wait_until(
        lambda: [k for k, _ in sms(gateway, phone.number)] == ["confirmed", "three_ahead"],
        timeout=10,
        what="3-ahead SMS",
    )
    assert (
        sms(gateway, phone.number)[1][1]["ahead"] == "3" and sms(gateway, phone.number)[1][1]["number"] == ticket.number
    )
    assert [call() for _ in range(4)] == [t.number for t in ahead[2:]] + [ticket.number]
    wait_until(lambda: len(sms(gateway, phone.number)) == 3, timeout=10, what="the called SMS")
    kinds = [k for k, _ in sms(gateway, phone.number)]
    assert kinds == ["confirmed", "three_ahead", "called"]
    assert sms(gateway, phone.number)[2][1]["counter"] == "5号窗口"
    wait_until(lambda: len(browser.messages()) == 2, timeout=10, what="two pushes")
    pushed = browser.messages()
    assert [p["kind"] for p in pushed] == ["three_ahead", "called"]
    assert pushed[1]["body"] == f"政务服务中心：请{ticket.number}号到5号窗口办理。"
    assert pushed[1]["url"].endswith(f"/t/{ticket.id}")
    assert gateway.bad_signatures == 0 and push.bad_tokens == 0
    clerk.post(f"{server.url}/api/v1/counters/5/finish", json={}, timeout=5)


def test_a_gateway_down_gets_each_message_once_back_up_and_stale_ones_are_dropped(hall):
    server, kiosk, gateway, push = hall
    ahead = walk_ins(kiosk, "D", 4)
    phone, place = phone_with_remote_place(server, gateway, "13800138102", "D", 2)
    wait_until(lambda: sms(gateway, phone.number) != [], timeout=10, what="the confirmation")
    gateway.down = push.down = True
    ticket, browser = check_in(server, kiosk, push, place)
    clerk = login(server, "alice", 6)  # counter 6 serves D and A

    def call() -> str:
        return clerk.post(f"{server.url}/api/v1/counters/6/call-next", timeout=5).json()["called"]["number"]

    assert call() == ahead[0].number  # three ahead: planned, but nothing can be sent

    def mine(kind: str) -> list[tuple[str, str]]:
        with server.db() as db:
            rows = db.execute("SELECT key, state, last_error, attempts FROM notifications WHERE kind = ?", (kind,))
            return [(state, error) for key, state, error, attempts in rows if ticket.id in key]

    def attempts() -> int:
        with server.db() as db:
            rows = db.execute("SELECT key, attempts FROM notifications WHERE kind = 'three_ahead'").fetchall()
            return min(a for key, a in rows if ticket.id in key)

    wait_until(lambda: len(mine("three_ahead")) == 2, timeout=10, what="3-ahead planned for SMS and push")
    wait_until(lambda: attempts() >= 2, timeout=10, what="both tried again after a pause (backoff)")
    assert [call() for _ in range(4)] == [t.number for t in ahead[1:]] + [ticket.number]
    wait_until(lambda: len(mine("called")) == 2, timeout=10, what="called planned")
    gateway.down = push.down = False
    wait_until(
        lambda: [k for k, _ in sms(gateway, phone.number)] == ["confirmed", "called"], timeout=15, what="delivery"
    )
    wait_until(lambda: [p["kind"] for p in browser.messages()] == ["called"], timeout=15, what="the called push")
    dropped = [e for state, e in mine("three_ahead") if state == "dropped"]
    assert len(dropped) == 2 and all("the ticket is called now" in e for e in dropped)
    assert len({m["requestId"] for m in gateway.messages(phone.number)}) == len(gateway.messages(phone.number))

    assert phone.http.post(f"{phone.base}/book/opt-out", timeout=5).status_code == 204
    r = clerk.post(f"{server.url}/api/v1/counters/6/no-show", timeout=5)
    assert r.status_code == 200, r.text
    wait_until(
        lambda: ("dropped", "the recipient opted out") in mine("missed"),
        timeout=10,
        what="the missed message dropped for the opted-out number",
    )
    wait_until(
        lambda: [p["kind"] for p in browser.messages()] == ["called", "missed"], timeout=10, what="push still on"
    )
    assert [k for k, _ in sms(gateway, phone.number)] == ["confirmed", "called"]


class _WeChat(BaseHTTPRequestHandler):
    replies: ClassVar[list] = []
    tokens = 0

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:  # /cgi-bin/token
        type(self).tokens += 1
        self._send({"access_token": f"token-{type(self).tokens}", "expires_in": 7200})

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self._send(type(self).replies.pop(0))

    def _send(self, body) -> None:
        status, data = (body, b"") if isinstance(body, int) else (200, json.dumps(body).encode())
        self.send_response(status)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def test_wechat_refreshes_an_expired_token_and_sorts_failures():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _WeChat)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        wechat = WeChatSubscribe(
            f"http://127.0.0.1:{server.server_address[1]}", "wx123", "s", "pages/t", {"called": "TPL"}, 5
        )
        message = Message(
            "k1", "called", "wechat", "openid-0123456789", "请到窗口办理", "text", params={"number": "C001"}
        )
        _WeChat.replies = [{"errcode": 40001}, {"errcode": 0}, {"errcode": 43101}, 503, {"errcode": -1}]
        assert wechat.send(message).outcome == "sent" and _WeChat.tokens == 2  # expired token: a new one, once
        assert wechat.send(message).outcome == "refused"  # the citizen did not subscribe
        assert wechat.send(message).outcome == "retry"  # down
        assert wechat.send(message).outcome == "retry"  # busy
        sms_gateway = SmsGateway(f"http://127.0.0.1:{server.server_address[1]}", "k", b"s", "签名", {"called": "T"}, 5)
        _WeChat.replies = [{"code": "isv.MOBILE_NUMBER_ILLEGAL"}, {"code": "isv.BUSINESS_LIMIT_CONTROL"}, 400]
        sms_message = Message("k2", "called", "sms", "13800000000", "t", "text")
        assert [sms_gateway.send(sms_message).outcome for _ in range(3)] == ["refused", "retry", "refused"]
    finally:
        server.shutdown()
        server.server_close()


def test_one_number_gets_at_most_its_hourly_messages_the_rest_wait(hall):
    """Six bookings for a family from one phone: four confirmations go this
    hour ([notify] per_number_hour = 4), two wait, none is lost."""
    server, _, gateway, _ = hall
    phone = Phone(server.url, "13800138103")

    def code():
        sent = [m for m in gateway.messages(phone.number) if m["templateId"] == TEMPLATES["code"]]
        return sent[-1]["templateParams"]["code"] if sent else None

    phone.verify(code)
    day = (datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(days=1)).date()
    for n, slot in enumerate(phone.slots("main", "B", day)["slots"][6:12]):
        assert phone.book("main", "B", slot["start"], id_number(300 + n)).status_code == 201
    wait_until(lambda: len(sms(gateway, phone.number)) == 4, timeout=10, what="four confirmations")

    def waiting() -> list[str]:
        with server.db() as db:
            rows = db.execute(
                "SELECT state, last_error FROM notifications WHERE kind = 'confirmed' ORDER BY id"
            ).fetchall()
        return [error for state, error in rows if state == "pending"]

    wait_until(lambda: len(waiting()) == 2, timeout=10, what="two confirmations held back")
    assert waiting()[0].startswith("rate limited: 4 messages in the last hour")  # the next behind it, in order
    assert len(sms(gateway, phone.number)) == 4
