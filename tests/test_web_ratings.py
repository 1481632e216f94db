"""好差评 in Chromium: the clerk finishes a ticket with the matter handled on the
counter page; the window evaluator facing the citizen shows the case and takes
a tap; the phone page of another ticket rates its case as a bad review; the
site manager follows it up on the manager page. Screenshots for the docs."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
import requests
from conftest import login
from test_ratings import ID_CARD, TEMP_CARD, open_hall, serve

from common.tickets import TicketRequest

SCREENSHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"


def screenshot(page, name: str) -> None:
    if "KIOSK_SCREENSHOTS" in os.environ:
        page.screenshot(path=str(SCREENSHOTS / name))


@pytest.fixture
def hall(tmp_path):
    server, kiosk = open_hall(tmp_path)
    yield server, kiosk
    server.stop()


def test_counter_evaluator_phone_and_follow_up_in_a_browser(browser, hall):
    server, kiosk = hall
    ticket = kiosk.take_ticket(TicketRequest(request_id=uuid.uuid4().hex, type="A"))
    desk_context = browser.new_context(viewport={"width": 1280, "height": 900})
    desk = desk_context.new_page()
    desk.goto(f"{server.url}/counter")
    desk.fill("#username", "alice")
    desk.fill("#password", "correct horse battery")
    desk.click("#login-form button")
    desk.click('#counter-choices button[data-counter="1"]')
    desk.wait_for_selector("#desk:not(.hidden)")
    desk.click("#btn-evaluator")  # the clerk reads the link for the tablet facing the citizen
    desk.wait_for_function("document.querySelector('#evaluator-url').textContent.includes('/evaluator/')")
    evaluator_url = desk.text_content("#evaluator-url")

    tablet = browser.new_page(viewport={"width": 1280, "height": 800})
    tablet.goto(evaluator_url)
    tablet.wait_for_function("document.querySelector('#staff-name').textContent === '李娜'")
    assert tablet.get_attribute("body", "data-screen") == "idle"

    desk.click("#btn-call")
    desk.wait_for_selector(f"#current-number:text('{ticket.number}')")
    desk.click("#btn-finish")
    desk.fill("#matter-search", "jmsfz")  # pinyin initials of 居民身份证
    desk.click(f'#matter-results button[data-code="{ID_CARD}"]')
    desk.select_option(f'#handled select[data-code="{ID_CARD}"]', "completed")
    desk.click("#btn-finish-confirm")
    desk.wait_for_function("document.querySelector('#message').textContent.includes('110105')")
    case_number = desk.text_content("#message").split("110105", 1)[1][:14]
    case_number = "110105" + case_number

    # the finish reaches the tablet through the site's event stream
    tablet.wait_for_function("document.body.dataset.screen === 'rate'", timeout=10000)
    assert "居民身份证办理" in tablet.text_content("#matter") and case_number in tablet.text_content("#case")
    screenshot(tablet, "evaluator.png")
    tablet.click('#levels button[data-level="2"]')
    tablet.wait_for_function("document.body.dataset.screen === 'thanks'")
    with server.db() as db:
        rated = db.execute(
            "SELECT r.channel, r.level, c.counter, c.staff, c.matter_code FROM ratings r "
            "JOIN cases c ON c.case_number = r.case_number WHERE r.case_number = ?",
            (case_number,),
        ).fetchone()
    assert rated == ("window", 2, 1, "alice", ID_CARD)
    tablet.wait_for_function("document.body.dataset.screen === 'idle'", timeout=10000)

    # another citizen rates on their phone (the ticket's QR page), after being served
    clerk = login(server, "bob", 2)
    other, (bad_case,) = serve(server, kiosk, clerk, 2, [(TEMP_CARD, "correction")])
    phone = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    phone.goto(f"{server.url}/t/{other.id}")
    phone.wait_for_selector(f'.case[data-case="{bad_case}"] button[data-level="5"]')
    phone.click(f'.case[data-case="{bad_case}"] button[data-level="5"]')
    phone.click('.case button[data-reason="slow"]')
    phone.fill(".case textarea", "补正材料说了三次")
    screenshot(phone, "phone-rating.png")
    phone.click(".case .submit")
    phone.wait_for_selector(".case .follow-up")
    assert "已评价" in phone.text_content(".case") or "Rated" in phone.text_content(".case")
    second = requests.post(
        f"{server.url}/api/v1/tickets/{other.id}/cases/{bad_case}/rating", json={"level": 1}, timeout=5
    )
    assert second.status_code == 409 and second.json()["error"]["code"] == "already_rated"

    # the site manager follows it up; the citizen's page shows the state
    manager = browser.new_page(viewport={"width": 1400, "height": 1100})
    manager.goto(f"{server.url}/manager")
    manager.fill("#username", "mona")
    manager.fill("#password", "correct horse battery")
    manager.click("#login-form button")
    row = f'#reviews tr[data-case="{bad_case}"]'
    manager.wait_for_selector(row)
    assert "补正材料说了三次" in manager.text_content(row) and "bob" in manager.text_content(row)
    manager.fill(f"{row} input.note", "已电话联系群众")
    manager.click(f'{row} button[data-step="contacted"]')
    manager.wait_for_selector(f'{row} button[data-step="resolved"]')
    assert "已电话联系群众" in manager.text_content(row)
    screenshot(manager, "bad-reviews.png")
    phone.wait_for_function("document.querySelector('.case .follow-up').textContent.includes('已联系')", timeout=10000)
    desk_context.close()
