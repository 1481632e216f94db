"""The booking page in Chromium at phone size (390x844), under its CSP: a
citizen picks a hall, a service, a matter by pinyin, a day and a slot, types
name, ID and mobile number, gets the code by text message (the log twin),
books, sees the code and its QR, finds the booking under 我的预约 and
cancels it; a full slot cannot be picked; large text fits the screen."""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import wait_until

from peers.central import Central
from peers.phone import Phone, code_from_log, id_number

SCREENSHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
TZ = ZoneInfo("Asia/Shanghai")


def screenshot(page, name: str) -> None:
    if "KIOSK_SCREENSHOTS" in os.environ:
        page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


@pytest.fixture
def hall(tmp_path):
    server = Central(tmp_path / "c", extra="[booking]\nremote = true\n[notify]\npoll_s = 0.2\n")
    server.start()
    assert server.cli("catalog", "import", "assets/catalog/sample_catalog.json").returncode == 0
    assert server.cli("booking", "rules", "main", "E", "--quota", "2").returncode == 0
    yield server
    server.stop()


def test_book_on_a_phone_then_find_and_cancel_it(browser, hall):
    log = hall.config.parent / "central-data" / "notify.log"
    day = (datetime.now(TZ) + timedelta(days=1)).date()
    nine, half_past = (datetime.combine(day, datetime.min.time(), TZ) + timedelta(hours=h) for h in (9, 9.5))
    other = Phone(hall.url, "13600136000")  # two others already took 09:30
    other.verify(code_from_log(log, "136****6000"))
    for n in (1, 2):
        assert other.book("main", "E", half_past.isoformat(), id_number(n)).status_code == 201

    violations: list[str] = []
    page = browser.strict_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(f"{hall.url}/book")
    page.tap('#sites button[data-site="main"]')
    page.tap('#types button[data-type="E"]')
    page.fill("#matter-search", "jmsfz")  # pinyin initials of 居民身份证
    page.tap("#matters button >> nth=0")
    assert "身份证" in page.inner_text('#matters button[aria-pressed="true"]')
    page.tap(f'#days button[data-day="{day.isoformat()}"]')
    full = page.wait_for_selector(f'#slots button[data-start="{half_past.isoformat()}"]')
    assert full.is_disabled() and "已约满" in full.inner_text()
    page.tap(f'#slots button[data-start="{nine.isoformat()}"]')
    page.fill("#name", "李秀英")
    screenshot(page, "book-form.png")  # before the ID number is typed: no full number in the docs
    page.fill("#id-number", id_number(30))
    page.fill("#phone", "13800138000")
    page.tap("#btn-code")
    page.wait_for_selector("#msg.ok")
    page.fill("#code", code_from_log(log, "138****8000")() or "")
    page.tap("#btn-confirm")
    code = page.wait_for_selector('#result:not(.hidden) [data-role="code"]').inner_text()
    assert "李**" in page.inner_text("#result") and "1101**********" in page.inner_text("#result")
    qr = page.query_selector("#result img.qr")
    loaded = "i => i.complete ? i.naturalWidth : new Promise(r => { i.onload = () => r(i.naturalWidth); })"
    assert page.evaluate(loaded, qr) > 0  # the QR was drawn
    screenshot(page, "book-confirmed.png")
    with hall.db() as db:
        row = db.execute(
            "SELECT type, state, matter_code, name_masked FROM bookings WHERE code = ?", (code,)
        ).fetchone()
    assert row[:2] == ("E", "booked") and row[2] and row[3] == "李**"

    def confirmed() -> bool:
        lines = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
        return any(m["kind"] == "confirmed" and m["to"] == "138****8000" and code in m["text"] for m in lines)

    wait_until(confirmed, timeout=10, what="the confirmation message")

    page.tap("#btn-large")
    page.tap("#btn-mine")
    card = page.wait_for_selector(f'#mine:not(.hidden) [data-code="{code}"]')
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"large text overflows the phone's width: {width}px"
    screenshot(page, "book-mine-large.png")
    card.query_selector('button[data-action="cancel"]').tap()
    page.wait_for_selector("#msg.ok")
    assert "已取消" in page.inner_text("#msg")
    with hall.db() as db:
        assert db.execute("SELECT state FROM bookings WHERE code = ?", (code,)).fetchone()[0] == "cancelled"
    assert violations == []
