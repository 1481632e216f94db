"""The phone page a ticket's QR code opens, in a real browser (headless
Chromium through Playwright): it follows the ticket and changes when the
ticket is called."""

from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path

import pytest
import requests
from conftest import BIN, Central, enrolled_client

from common.tickets import TicketRequest

pytestmark = pytest.mark.central
SCREENSHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"


def test_phone_page_follows_the_ticket_until_it_is_called(browser, tmp_path):
    central = Central(tmp_path / "c")
    central.start()
    try:
        kiosk = enrolled_client(central, "phone", tmp_path / "k")
        first = kiosk.take_ticket(TicketRequest(request_id=uuid.uuid4().hex, type="B"))
        mine = kiosk.take_ticket(TicketRequest(request_id=uuid.uuid4().hex, type="B"))
        page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
        page.goto(mine.url)
        page.wait_for_function("document.getElementById('number').textContent.startsWith('B')", timeout=5000)
        assert page.text_content("#number") == mine.number
        assert page.text_content("#type") == "社保医保"
        assert page.text_content("#ahead").startswith("1")
        assert "请耐心等候" in page.text_content("#state")
        if "KIOSK_SCREENSHOTS" in os.environ:
            page.screenshot(path=str(SCREENSHOTS / "phone-page-waiting.png"))
        page.click("#btn-notify")  # headless Chromium has no push service: the page says what to do instead
        page.wait_for_function("document.getElementById('notify-state').textContent !== ''", timeout=10000)
        assert "请保持本页面打开" in page.text_content("#notify-state")
        subprocess.run(
            [str(BIN / "kiosk-central"), "--config", str(central.config), "staff", "add", "clerk"],
            input="long enough password\n",
            text=True,
            check=True,
            capture_output=True,
        )
        staff = requests.Session()
        token = staff.post(
            f"{central.url}/api/v1/staff/login",
            json={"username": "clerk", "password": "long enough password"},
            timeout=5,
        )
        token.raise_for_status()
        staff.headers["X-CSRF-Token"] = token.json()["csrf_token"]
        staff.post(f"{central.url}/api/v1/staff/counter", json={"counter": 3}, timeout=5).raise_for_status()
        called = staff.post(f"{central.url}/api/v1/counters/3/call-next", timeout=5).json()["called"]
        assert called["number"] == first.number
        page.wait_for_function("document.getElementById('ahead').textContent.startsWith('0')", timeout=7000)
        called = staff.post(f"{central.url}/api/v1/counters/3/call-next", timeout=5).json()["called"]
        assert called["number"] == mine.number
        page.wait_for_function("document.getElementById('state').textContent.includes('3号窗口')", timeout=7000)
        assert "请到 3号窗口 办理" in page.text_content("#state") and "counter 3" in page.text_content("#state")
        assert "called" in page.get_attribute("#state", "class")
        if "KIOSK_SCREENSHOTS" in os.environ:
            page.screenshot(path=str(SCREENSHOTS / "phone-page-called.png"))
        page.close()
    finally:
        central.stop()
