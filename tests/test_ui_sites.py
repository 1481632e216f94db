"""The kiosk at its site, through the real UI against a real central: a
business type added at runtime is on the 取号 list after the next settings
sync; moved to a self-service point, 取号 shows the nearest halls' queues and
nothing to take; a guide says where else its matter is handled when this site
does not handle it. Portrait and landscape, Chinese and English."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import Central, add_staff, login, run_cli, still_clock, write_kiosk_config
from test_sites import EAST
from test_ui_guides import open_guide

pytestmark = [pytest.mark.ui, pytest.mark.central]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
ID_CARD_MATTER = "1199010207020010000001"  # 居民身份证办理 in the bundled sample catalog
CORNER = {
    "code": "corner-247",
    "kind": "self_service",
    "name": "社区24小时自助服务点",
    "latitude": 39.931,
    "longitude": 116.421,
}


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    server = Central(tmp_path_factory.mktemp("ui-sites"))
    server.start()
    add_staff(server, "mayor", "admin")
    admin = login(server, "mayor")
    for site in (EAST, CORNER):
        assert admin.post(f"{server.url}/api/v1/sites", json=site, timeout=5).status_code == 201
    assert admin.put(f"{server.url}/api/v1/sites/east-hall/types/A", json={"name": "综合业务"}, timeout=5).ok
    assert admin.put(f"{server.url}/api/v1/sites/east-hall/counters/2", json={}, timeout=5).ok
    yield server, admin
    server.stop()


@pytest.fixture
def rig(city, tmp_path, request):
    from kiosk.config import load
    from kiosk.services import build_services
    from kiosk.ui.offscreen import OffscreenKiosk

    server, _admin = city
    name = f"ui-site-{tmp_path.name[-12:]}"
    code = json.loads(server.cli("kiosks", "add", name, "--json").stdout)["code"]
    cfg_path = write_kiosk_config(tmp_path, server.url)
    assert run_cli("kiosk", "--config", str(cfg_path), "enroll", code).returncode == 0
    cfg = load(cfg_path)
    size, english, *large = getattr(request, "param", ((1080, 1920), False))
    services = build_services(cfg)
    still_clock(services)
    services.heartbeat.beat_once()  # as the running kiosk does: its settings, with its site
    with OffscreenKiosk(cfg, services=services, size=size, draw=False) as kiosk:
        kiosk.name = name
        if english:  # as a citizen switches: the header's language button
            kiosk.tap(kiosk.shell.ids.language_toggle)
            assert services.translator.language == "en"
        if large:  # 大字模式, as a citizen turns it on
            kiosk.tap(kiosk.shell.ids.large_text_toggle)
            assert kiosk.app.large_text
        yield kiosk


def shot(rig, name: str) -> None:
    if "KIOSK_SCREENSHOTS" in os.environ:  # ./scripts/screenshots-style docs images, on request
        rig.screenshot(SCREENSHOTS / name)


def open_tickets(rig):
    rig.tap(rig.app.screen("home").ids.tile_tickets)
    assert rig.app.current_screen == "tickets"
    return rig.screen("tickets")


def shown_letters(rig, screen) -> list[str]:
    rows = [w for w in screen.ids.types.children[0].children if getattr(w, "letter", "")]
    return sorted(w.letter for w in rows if rig.visible_point(w) is not None)


def test_a_type_added_at_runtime_is_offered_after_the_next_settings_sync(city, rig):
    server, admin = city
    screen = open_tickets(rig)
    rig.wait_until(lambda: shown_letters(rig, screen) == ["A", "B", "C", "D", "E"])
    rig.tap(rig.shell.ids.home_button)
    r = admin.put(f"{server.url}/api/v1/sites/main/types/GJJ", json={"name": "住房公积金"}, timeout=5)
    assert r.ok, r.text
    rig.services.heartbeat.beat_once()  # the next heartbeat: new settings version, fetched and applied
    assert "GJJ" in rig.services.settings.current.site.types
    rig.wait_until(lambda: rig.app.current_screen == "home")
    screen = open_tickets(rig)
    rig.wait_until(lambda: "GJJ" in shown_letters(rig, screen))
    row = next(w for w in screen.ids.types.children[0].children if getattr(w, "letter", "") == "GJJ")
    rig.tap(row)
    assert screen.state == "confirm" and screen.chosen["letter"] == "GJJ"
    rig.tap(screen.ids.confirm)
    rig.wait_until(lambda: screen.state == "done")
    assert screen.ticket.number.startswith("GJJ") and screen.ids.number.text == screen.ticket.number


@pytest.mark.parametrize(
    "rig",
    [((1080, 1920), False), ((1920, 1080), True), ((1080, 1920), False, "large")],
    indirect=True,
    ids=["portrait-zh", "landscape-en", "portrait-zh-large"],
)
def test_at_a_self_service_point_the_nearest_halls_queues_are_shown_and_nothing_is_issued(city, rig):
    server, _admin = city
    assert rig.services.offline.leases()  # blocks of the main hall's numbers, for issuing offline
    assert server.cli("kiosks", "move", rig.name, "corner-247").returncode == 0
    rig.services.heartbeat.beat_once()
    assert rig.services.settings.current.site.code == "corner-247"
    rig.wait_until(lambda: rig.shell.ids.hall_name.text == ("社区24小时自助服务点"))  # the header names its new site
    assert rig.services.offline.leases() == []  # never issued here: they were the main hall's numbers
    screen = open_tickets(rig)
    english = rig.services.translator.language == "en"
    rig.wait_until(lambda: not screen.issues and screen.items)
    assert screen.ids.heading.text == ("Queues at nearby halls" if english else "附近大厅排队情况")
    first = "East District Hall" if english else "东区政务服务中心"
    rig.wait_until(lambda: any(w.text.startswith(first) for w in rig.visible_texts()))
    hall = next(w for w in rig.visible_texts() if w.text.startswith(first))
    assert ("0.1 km" if english else "0.1公里") in hall.text
    assert [item["site"] for item in screen.items if item["viewclass"] == "NearbyHall"] == ["east-hall", "main"]
    rows = screen.ids.types.children[0].children
    assert {type(w).__name__ for w in rows} == {"NearbyHall", "NearbyQueue"}  # plain text rows: nothing to tap
    queue_rows = [w for w in rows if type(w).__name__ == "NearbyQueue"]
    for button in ("real_name_toggle", "check_in", "enter_code"):  # nothing here takes a number
        assert rig.visible_point(screen.ids[button]) is None and screen.ids[button].disabled
    rig.tap(queue_rows[0])
    assert screen.state == "choose" and rig.app.current_screen == "tickets"
    if not english:  # (a landscape capture after a portrait one in the same process comes out half black)
        shot(rig, f"tickets-self-service-{'portrait-large-zh_CN' if rig.app.large_text else 'portrait-zh_CN'}.png")


def test_a_guide_says_where_else_its_matter_is_handled(city, rig):
    server, admin = city
    listed = {"matters": {"1199010207020020000001": ""}, "replace": True}  # main: only 临时身份证
    assert admin.put(f"{server.url}/api/v1/sites/main/matters", json=listed, timeout=5).ok
    east = {"matters": {ID_CARD_MATTER: "2"}, "replace": True}
    assert admin.put(f"{server.url}/api/v1/sites/east-hall/matters", json=east, timeout=5).ok
    guide = open_guide(rig, "sfz", "居民身份证办理")

    def where_row():
        return next((w for w in guide.ids.sections.children if w.__class__.__name__ == "WhereRow"), None)

    rig.wait_until(lambda: where_row() is not None)
    row = where_row()
    assert "本服务点不办理此事项" in row.text and "东区政务服务中心" in row.text and "东区一路1号" in row.text
    assert guide.ids.sections.children[-1] is row  # the first thing under the title
    assert rig.visible_point(row) is not None
    shot(rig, "guide-where-else-zh_CN.png")
    for body in ({"matters": {}, "replace": True},):  # main handles every matter again
        assert admin.put(f"{server.url}/api/v1/sites/main/matters", json=body, timeout=5).ok


def test_a_kiosk_moved_between_heartbeats_says_so_and_catches_up_at_once(city, rig):
    """Moved while a citizen stands at it: the refused ticket says why in words, the
    kiosk fetches its settings at once, and the next try is a number of the new site."""
    server, admin = city
    screen = open_tickets(rig)
    rig.wait_until(lambda: "A" in shown_letters(rig, screen))
    assert admin.post(f"{server.url}/api/v1/kiosks/{rig.name}/site", json={"site": "east-hall"}, timeout=5).ok
    row = next(w for w in screen.ids.types.children[0].children if getattr(w, "letter", "") == "A")
    rig.tap(row)
    rig.tap(screen.ids.confirm)
    rig.wait_until(lambda: screen.state == "error")
    assert "调整了所属服务点" in screen.message
    rig.wait_until(lambda: rig.services.settings.current.site.code == "east-hall")  # no heartbeat needed
    rig.tap(screen.ids.error_back)
    rig.wait_until(lambda: shown_letters(rig, screen) == ["A"])  # the east hall's one business type
    row = next(w for w in screen.ids.types.children[0].children if getattr(w, "letter", "") == "A")
    rig.tap(row)
    rig.tap(screen.ids.confirm)
    rig.wait_until(lambda: screen.state == "done")
    with server.db() as db:
        site = db.execute("SELECT site FROM tickets WHERE id = ?", (screen.ticket.id,)).fetchone()[0]
    assert site == "east-hall"
