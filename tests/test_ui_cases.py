"""评价窗口办件 at the kiosk, with real taps against a real central: a citizen
types the number on their ticket, picks one of the cases the window recorded,
and rates it; a case rated meanwhile on the phone is refused with a clear
message, never counted twice. Portrait in Chinese, landscape in English.
(Landscape with large text puts the bad-review reasons off-screen: the layout
work of issue 17, which walks every screen in every variant.)"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import pytest
import requests
from conftest import Central, add_staff, login, run_cli, still_clock, write_kiosk_config
from test_ratings import ID_CARD, TEMP_CARD

from common.tickets import TicketRequest

pytestmark = [pytest.mark.ui, pytest.mark.central]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"


@pytest.fixture(scope="module")
def hall(tmp_path_factory):
    server = Central(tmp_path_factory.mktemp("ui-cases"))
    server.start()
    assert server.cli("catalog", "import", "assets/catalog/sample_catalog.json").returncode == 0
    add_staff(server, "alice")
    yield server, login(server, "alice", 1)
    server.stop()


@pytest.fixture
def rig(hall, tmp_path, request):
    from kiosk.config import load
    from kiosk.services import build_services
    from kiosk.ui.offscreen import OffscreenKiosk

    server, _clerk = hall
    code = json.loads(server.cli("kiosks", "add", f"ui-cases-{tmp_path.name[-10:]}", "--json").stdout)["code"]
    cfg_path = write_kiosk_config(tmp_path, server.url)
    assert run_cli("kiosk", "--config", str(cfg_path), "enroll", code).returncode == 0
    cfg = load(cfg_path)
    size, english, large = request.param
    services = build_services(cfg)
    still_clock(services)
    with OffscreenKiosk(cfg, services=services, size=size, draw=False) as kiosk:
        if english:
            kiosk.tap(kiosk.shell.ids.language_toggle)
        if large:
            kiosk.tap(kiosk.shell.ids.large_text_toggle)
        yield kiosk


def served(server, clerk, central_client) -> tuple[str, list[str]]:
    """A ticket taken and finished at counter 1 with two matters: its number and case numbers."""
    ticket = central_client.take_ticket(TicketRequest(request_id=uuid.uuid4().hex, type="A"))
    clerk.post(f"{server.url}/api/v1/counters/1/call-next", timeout=5).raise_for_status()
    reply = clerk.post(
        f"{server.url}/api/v1/counters/1/finish",
        json={"matters": [{"code": ID_CARD, "outcome": "completed"}, {"code": TEMP_CARD, "outcome": "accepted"}]},
        timeout=5,
    )
    reply.raise_for_status()
    return ticket.number, reply.json()["cases"]


def find_cases(rig, number: str):
    """Home -> 评价 -> 评价窗口办件 -> the ticket's number on the keyboard -> 查找."""
    if rig.app.current_screen != "home":
        rig.tap(rig.shell.ids.home_button)
        rig.wait_until(lambda: rig.app.current_screen == "home")
    rig.tap(rig.app.screen("home").ids.tile_rating)
    rig.tap(rig.screen("rating").ids.window_case)
    assert rig.app.current_screen == "cases"
    cases = rig.screen("cases")
    for key in number.lower():
        rig.tap(cases.ids.keyboard.key(key))
    assert cases.number == number
    rig.tap(cases.ids.find)
    rig.wait_until(lambda: cases.state == "list")
    return cases


def row_for(cases, case_number: str):
    return next(w for w in cases.ids.case_list.children if w.case_number == case_number)


@pytest.mark.parametrize(
    "rig",
    [((1080, 1920), False, False), ((1920, 1080), True, False)],
    indirect=True,
    ids=["portrait-zh", "landscape-en"],
)
def test_a_case_found_by_ticket_number_is_rated_once(hall, rig):
    server, clerk = hall
    english = rig.services.translator.language == "en"
    number, (first, second) = served(server, clerk, rig.services.central)
    cases = find_cases(rig, number)
    from kiosk.ui.theme import palette

    # white (secondary) buttons carry an edge that shows on the page; coloured ones need none
    assert tuple(cases.ids.again.edge_color) == tuple(palette.edge) and cases.ids.find.edge_color[3] == 0
    rows = [w.case_number for w in reversed(cases.ids.case_list.children)]
    assert rows == [second, first]  # the newest first
    text = row_for(cases, second).text  # the catalog's name, the outcome in the citizen's language
    assert "临时身份证办理" in text and ("Accepted" if english else "受理") in text
    for row in (row_for(cases, first), row_for(cases, second)):
        assert rig.visible_point(row) is not None  # in view, above nothing
    if "KIOSK_SCREENSHOTS" in os.environ and not english:
        rig.screenshot(SCREENSHOTS / "kiosk-cases.png")
    rig.tap(row_for(cases, first))
    rating = rig.screen("rating")
    assert rig.app.current_screen == "rating" and rating.is_case and rating.subject_title.startswith("居民身份证办理")
    rig.tap(rating.ids.level_2)
    rig.wait_until(lambda: rating.state == "thanks")
    with server.db() as db:
        assert db.execute("SELECT channel, level FROM ratings WHERE case_number = ?", (first,)).fetchall() == [
            ("terminal", 2)
        ]

    # the other case is rated on the phone while the list is on the kiosk's screen
    cases = find_cases(rig, number)
    assert not row_for(cases, first).rateable  # rated: shown, but not offered again
    rig.tap(row_for(cases, first))
    assert rig.app.current_screen == "cases"
    with server.db() as db:
        ticket_id = db.execute("SELECT ticket_id FROM cases WHERE case_number = ?", (second,)).fetchone()[0]
    assert requests.post(
        f"{server.url}/api/v1/tickets/{ticket_id}/cases/{second}/rating", json={"level": 1}, timeout=5
    ).ok
    rig.tap(row_for(cases, second))
    rig.tap(rating.ids.level_5)
    assert rating.state == "details"
    rig.tap(rating.ids.reason_1)
    rig.tap(rating.ids.submit)
    rig.wait_until(lambda: rating.state == "refused")
    expected = "rated already" if english else "已评价"
    assert expected in rating.ids.refused_message.text and rig.visible_point(rating.ids.refused_message) is not None
    with server.db() as db:
        assert db.execute("SELECT channel, level FROM ratings WHERE case_number = ?", (second,)).fetchall() == [
            ("qr", 1)
        ]
    rig.tap(rating.ids.refused_done)
    rig.wait_until(lambda: rig.app.current_screen == "home")
