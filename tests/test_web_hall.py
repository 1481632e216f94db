"""The counter desk, the hall display board and the manager view in a real
browser (Debian's Chromium through Playwright) against a real central server:
staff log in and call tickets, the board shows each call within a second and
speaks the announcements one after another, and it reconnects after a server
restart."""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

import pytest
import requests
from conftest import PASSWORD, Central, add_staff, enrolled_client, login

from common.tickets import TicketRequest

pytestmark = pytest.mark.central
SCREENSHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
FAST_VOICE = "[display]\nspeech_rate = 300\n"


@pytest.fixture
def hall(tmp_path):
    server = Central(tmp_path / "c", extra=FAST_VOICE)
    server.start()
    for name in ("alice", "bob"):
        add_staff(server, name)
    add_staff(server, "mona", "manager")
    kiosk = enrolled_client(server, "k", tmp_path / "k")
    yield server, kiosk
    server.stop()


def take(kiosk, kind: str):
    return kiosk.take_ticket(TicketRequest(request_id=uuid.uuid4().hex, type=kind))


def screenshot(page, name: str) -> None:
    if "KIOSK_SCREENSHOTS" in os.environ:
        page.screenshot(path=str(SCREENSHOTS / name))


def counter_desk(browser, central, user: str, counter: int):
    """A staff member's own browser (own cookies), logged in at a counter."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(f"{central.url}/counter")
    page.fill("#username", user)
    page.fill("#password", PASSWORD)
    page.click("#login-form button")
    page.click(f'#counter-choices button[data-counter="{counter}"]')
    page.wait_for_selector("#desk:not(.hidden)")
    return page


def display_board(browser, central):
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    page.goto(f"{central.url}/display")
    page.wait_for_function("window.board && window.board.connected")
    return page


def board_number(counter: int) -> str:
    return f"document.querySelector('#counters tr[data-counter=\"{counter}\"] td:last-child').textContent"


def waiting_numbers(page) -> list[str]:
    return page.eval_on_selector_all("#waiting tbody tr td.num", "cells => cells.map(c => c.textContent)")


def test_counter_desk_actions_and_the_board_following_them(browser, hall):
    central, kiosk = hall
    tickets = [take(kiosk, "B") for _ in range(4)]
    b = [t.number for t in tickets]
    board = display_board(browser, central)
    desk = counter_desk(browser, central, "alice", 3)
    desk.wait_for_function("document.querySelectorAll('#waiting tbody tr').length === 4")
    assert waiting_numbers(desk) == b
    assert desk.text_content("#current-number") == "—" and desk.is_disabled("#btn-finish")

    started = time.monotonic()
    desk.click("#btn-call")
    board.wait_for_function(f"{board_number(3)} === '{b[0]}'", timeout=1000)
    shown_after = time.monotonic() - started
    assert shown_after < 1.0, f"the board showed the call after {shown_after:.2f} s"
    assert board.get_attribute("#latest li", "data-number") == b[0]
    desk.wait_for_function(f"document.getElementById('current-number').textContent === '{b[0]}'")
    assert f"已呼叫 {b[0]}" in desk.text_content("#message")
    assert b[0] not in waiting_numbers(desk)

    desk.click("#btn-recall")
    desk.wait_for_function("document.getElementById('message').textContent.includes('已重呼')")
    board.wait_for_function("board.events.some(e => e.kind === 'recall')")
    # the call and the recall are both spoken, one after the other, never cut off
    board.wait_for_function("board.played.length >= 2", timeout=40000)
    first, second = board.evaluate("board.played.slice(0, 2)")
    assert (first["kind"], second["kind"]) == ("call", "recall") and first["number"] == second["number"] == b[0]
    assert second["start"] >= first["end"]
    assert first["spoken"] - first["start"] > 1500, "the announcement audio did not play"
    assert board.text_content("#now-number") == b[0] and "3号窗口" in board.text_content("#now-where")
    screenshot(board, "display-board.png")

    desk.click("#btn-noshow")  # 过号: back to the end of the queue by default policy
    desk.wait_for_function("document.getElementById('current-number').textContent === '—'")
    desk.wait_for_function(f"[...document.querySelectorAll('#waiting td.num')].pop().textContent === '{b[0]}'")

    desk.click("#btn-call")
    desk.wait_for_function(f"document.getElementById('current-number').textContent === '{b[1]}'")
    desk.select_option("#transfer-type", "A")
    desk.click("#btn-transfer")
    desk.wait_for_function("document.getElementById('current-number').textContent === '—'")
    moved = requests.get(f"{central.url}/api/v1/tickets/{tickets[1].id}", timeout=5).json()
    assert moved["type"] == "A" and moved["state"] == "waiting"

    desk.click("#btn-call")
    desk.wait_for_function(f"document.getElementById('current-number').textContent === '{b[2]}'")
    # green channel for the requeued no-show, last in line: the list puts it first
    assert waiting_numbers(desk) == [b[3], b[0]]
    desk.click(f"#waiting tbody tr:has(td.num:text-is('{b[0]}')) button")
    desk.wait_for_function(f"document.querySelector('#waiting tbody tr td.num').textContent === '{b[0]}'")
    assert "绿色通道" in desk.text_content("#waiting tbody tr")
    assert waiting_numbers(desk) == [b[0], b[3]]
    screenshot(desk, "counter-desk.png")
    desk.click("#btn-finish")  # asks what was handled; a consultation finishes without a case
    desk.click("#btn-finish-none")
    desk.wait_for_function("document.getElementById('current-number').textContent === '—'")
    assert requests.get(f"{central.url}/api/v1/tickets/{tickets[2].id}", timeout=5).json()["state"] == "done"

    desk.click("#btn-pause")
    desk.wait_for_function("document.getElementById('btn-call').disabled")
    board.wait_for_function(f"{board_number(3)} === '暂停'")
    desk.click("#btn-pause")
    desk.wait_for_function("!document.getElementById('btn-call').disabled")
    board.wait_for_function(f"{board_number(3)} === '空闲'")
    desk.context.close()
    board.close()


def test_two_counters_calling_at_once_never_get_the_same_ticket(browser, hall):
    central, kiosk = hall
    numbers = {take(kiosk, "B").number for _ in range(2)}
    desks = [counter_desk(browser, central, "alice", 3), counter_desk(browser, central, "bob", 4)]
    for desk in desks:  # both requests in flight together
        desk.evaluate("document.getElementById('btn-call').click()")
    for desk in desks:
        desk.wait_for_function("document.getElementById('current-number').textContent !== '—'")
    called = {desk.text_content("#current-number") for desk in desks}
    assert called == numbers
    for desk in desks:
        desk.context.close()


def test_counter_login_errors_and_permissions(browser, hall):
    central, _ = hall
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{central.url}/counter")
    page.fill("#username", "alice")
    page.fill("#password", "wrong password")
    page.click("#login-form button")
    page.wait_for_function("document.getElementById('login-error').textContent.includes('用户名或密码错误')")
    assert page.is_hidden("#desk")
    # a counter clerk cannot use the manager page
    page.fill("#password", PASSWORD)
    page.click("#login-form button")
    page.wait_for_selector("#choose:not(.hidden)")
    page.goto(f"{central.url}/manager")
    page.wait_for_selector("#login-form:not(.hidden)")
    assert "需要大厅管理员账号" in page.text_content("#login-error")
    context.close()


def test_manager_opens_and_closes_counters_and_sees_todays_queues(browser, hall):
    central, kiosk = hall
    for kind in "CCCA":
        take(kiosk, kind)
    alice = login(central, "alice", 5)
    assert alice.post(f"{central.url}/api/v1/counters/5/call-next", timeout=5).json()["called"]["number"] == "C001"
    assert alice.post(f"{central.url}/api/v1/counters/5/finish", timeout=5).ok
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{central.url}/manager")
    page.fill("#username", "mona")
    page.fill("#password", PASSWORD)
    page.click("#login-form button")
    page.wait_for_selector("#view:not(.hidden)")
    row = '#types tr[data-type="C"] td'
    page.wait_for_function(f"document.querySelectorAll('{row}').length === 10")
    cells = page.eval_on_selector_all(row, "tds => tds.map(td => td.textContent)")
    assert cells[0].startswith("C 不动产登记")
    assert cells[1:7] == ["2", "3", "0", "0", "1", "0"]  # waiting, issued (booked, remote), served, no-shows
    assert cells[7] != "—" and cells[8] != "—"  # average wait and handling exist once someone was served
    assert page.text_content('#counters tr[data-counter="5"]').count("alice") == 1

    page.click('#counters tr[data-counter="5"] button[data-action="close"]')
    page.wait_for_function("document.querySelector('#counters tr[data-counter=\"5\"] .badge').textContent === '关闭'")
    assert "5号窗口已关闭" in page.text_content("#message")
    refused = alice.post(f"{central.url}/api/v1/counters/5/call-next", timeout=5)
    # closing releases the counter: its clerk (who may have left without logging out) no longer holds it
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_your_counter"
    # the manager's page follows the hall live: a call elsewhere updates it
    alice2 = login(central, "bob", 1)
    alice2.post(f"{central.url}/api/v1/counters/1/call-next", timeout=5).raise_for_status()
    page.wait_for_function("document.querySelector('#types tr[data-type=\"C\"] td:nth-child(2)').textContent === '1'")
    screenshot(page, "manager.png")
    page.click('#counters tr[data-counter="5"] button[data-action="open"]')
    page.wait_for_function("document.querySelector('#counters tr[data-counter=\"5\"] .badge').textContent === '服务中'")
    context.close()


def test_display_board_reconnects_after_a_server_restart(browser, hall):
    central, kiosk = hall
    take(kiosk, "E")
    board = display_board(browser, central)
    central.stop()
    board.wait_for_function("!board.connected", timeout=10000)
    assert board.is_visible("#conn")
    central.start()
    board.wait_for_function("board.connected", timeout=15000)
    assert board.is_hidden("#conn")
    clerk = login(central, "alice", 2)
    number = clerk.post(f"{central.url}/api/v1/counters/2/call-next", timeout=5).json()["called"]["number"]
    board.wait_for_function(f"{board_number(2)} === '{number}'", timeout=2000)
    board.close()


def test_every_page_runs_under_its_content_security_policy(browser, hall):
    """The pages' inline scripts and styles carry the response's nonce: with the
    CSP enforced, a clerk logs in and calls a ticket, the board shows it, and
    the browser reports no violation on any page."""
    central, kiosk = hall
    ticket = take(kiosk, "A")
    violations: list[str] = []
    page = browser.strict_page(viewport={"width": 1280, "height": 800})
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(f"{central.url}/counter")
    page.fill("#username", "alice")
    page.fill("#password", PASSWORD)
    page.click("#login-form button")  # the page's own script posts the login and shows the counters
    page.click('#counter-choices button[data-counter="1"]')
    page.wait_for_selector("#desk:not(.hidden)")
    page.click("#btn-call")
    page.wait_for_selector(f"#current-number:text('{ticket.number}')")
    assert page.evaluate("getComputedStyle(document.body).margin") is not None
    for path in ("/display", "/manager", "/fleet", f"/t/{ticket.id}", "/verify", "/book"):
        page.goto(central.url + path)
        page.wait_for_load_state("networkidle")
    page.goto(f"{central.url}/display")
    page.wait_for_selector("#clock:not(:empty)")  # the board's script ran
    # the calls come from the snapshot the script fetches after the page loads
    page.wait_for_function(f"document.body.innerText.includes('{ticket.number}')", timeout=5000)
    assert violations == []


def test_a_call_for_help_from_a_kiosk_appears_live_at_the_counter_and_is_answered(browser, hall):
    """一键呼叫: the kiosk's outbox sends the call (twice, as after a lost reply:
    one call); the clerk's page shows it without a reload; "on my way" takes
    it off every page, and the manager can see who answered."""
    from datetime import UTC, datetime

    from common.wire import HelpCall

    central, kiosk = hall
    desk = counter_desk(browser, central, "alice", 1)
    assert desk.is_hidden("#help-calls")
    call = HelpCall(key="help-0123456789", screen="tickets", at=datetime.now(UTC))
    first, again = kiosk.call_for_help(call), kiosk.call_for_help(call)
    assert first.id == again.id and first.kiosk == "k" and first.acknowledged_by is None
    desk.wait_for_selector(f'#help-calls .help-call[data-help="{first.id}"]')  # live, through the event stream
    assert "取号" in desk.text_content("#help-calls") and "k" in desk.text_content("#help-calls")
    screenshot(desk, "counter-help-call.png")
    desk.click(f'#help-calls button[data-help="{first.id}"]')
    desk.wait_for_selector("#help-calls", state="hidden")
    assert "alice" in desk.text_content("#message")
    mona = login(central, "mona")
    assert mona.get(f"{central.url}/api/v1/staff/help", timeout=5).json() == []  # answered: off every page
    answered = mona.post(f"{central.url}/api/v1/staff/help/{first.id}/ack", timeout=5).json()
    assert answered["acknowledged_by"] == "alice"  # the first to answer stays on record
    assert mona.post(f"{central.url}/api/v1/staff/help/999/ack", timeout=5).status_code == 404
