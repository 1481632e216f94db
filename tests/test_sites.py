"""One central serving several sites over real HTTP (SQLite and PostgreSQL):
numbers, calls, boards and event streams never cross sites; a kiosk issues
only at its own site; a self-service point shows the nearest halls' queues
and issues nothing; a kiosk moves; configuration changes at runtime reach the
kiosk at its next settings sync; each manager sees only their sites."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import UTC, datetime

import pytest
import requests
from conftest import Central, add_staff, enrolled_client, login

from common.tickets import TicketRequest
from common.wire import HeartbeatRequest
from kiosk.sync.client import CentralError

pytestmark = pytest.mark.central
EAST = {
    "code": "east-hall",
    "kind": "hall",
    "name": "东区政务服务中心",
    "name_en": "East District Hall",
    "address": "东区一路1号",
    "latitude": 39.93,
    "longitude": 116.42,
    "hours": {"open": "09:00", "close": "17:00", "days": [1, 2, 3, 4, 5], "holidays": ["2026-10-01"]},
}
POINT = {
    "code": "bank-247",
    "kind": "self_service",
    "name": "银行大厅自助服务点",
    "name_en": "Bank lobby self-service point",
    "latitude": 39.931,
    "longitude": 116.421,
}


def ticket(kiosk, kind: str, **extra):
    return kiosk.take_ticket(TicketRequest(request_id=uuid.uuid4().hex, type=kind, **extra))


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("sites")
    server = Central(tmp / "c")
    server.start()
    add_staff(server, "mayor", "admin")
    admin = login(server, "mayor")
    for site in (EAST, POINT):
        r = admin.post(f"{server.url}/api/v1/sites", json=site, timeout=5)
        assert r.status_code == 201, r.text
    for code, name in (("A", "综合业务"), ("B2", "社保医保"), ("GJJ", "住房公积金")):
        r = admin.put(f"{server.url}/api/v1/sites/east-hall/types/{code}", json={"name": name}, timeout=5)
        assert r.ok, r.text
    for number, types in ((1, []), (2, ["B2", "GJJ"])):
        r = admin.put(f"{server.url}/api/v1/sites/east-hall/counters/{number}", json={"types": types}, timeout=5)
        assert r.ok, r.text
    main = enrolled_client(server, "main-kiosk", tmp / "k1")
    east = enrolled_client(server, "east-kiosk", tmp / "k2")
    point = enrolled_client(server, "point-kiosk", tmp / "k3")
    for name, site in (("east-kiosk", "east-hall"), ("point-kiosk", "bank-247")):
        assert admin.post(f"{server.url}/api/v1/kiosks/{name}/site", json={"site": site}, timeout=5).ok
    add_staff(server, "main-clerk")  # the first site
    add_staff(server, "east-clerk")
    add_staff(server, "east-boss", "manager")
    assert server.cli("staff", "sites", "east-clerk", "east-hall").returncode == 0
    assert server.cli("staff", "sites", "east-boss", "east-hall").returncode == 0
    yield server, admin, main, east, point
    server.stop()


def test_numbers_and_calls_stay_within_their_site(city):
    server, _admin, main, east, _point = city
    mine, theirs = ticket(main, "A"), ticket(east, "A")
    assert mine.number == theirs.number == "A001"  # numbering per site, type and day
    assert theirs.counters == ("1号窗口",) and "2号窗口" in mine.counters
    assert ticket(east, "GJJ").number == "GJJ001"
    with pytest.raises(CentralError) as unknown:  # the main hall has no GJJ
        ticket(main, "GJJ")
    assert unknown.value.code == "unknown_type" and "政务服务中心" in str(unknown.value)
    east_clerk = login(server, "east-clerk", counter=1)
    call = east_clerk.post(f"{server.url}/api/v1/counters/1/call-next", timeout=5).json()["called"]
    assert call["ticket_id"] == theirs.id and call["site"] == "east-hall"
    assert main.ticket_status(mine.id).state == "waiting"  # the other site's A001 was not called
    status = east.ticket_status(theirs.id)
    assert status.state == "called" and status.site == "east-hall" and status.site_name == "东区政务服务中心"
    main_clerk = login(server, "main-clerk", counter=1)
    own = main_clerk.post(f"{server.url}/api/v1/counters/1/call-next", timeout=5).json()["called"]
    assert own["ticket_id"] == mine.id and own["site"] == "main"
    refused = east_clerk.post(f"{server.url}/api/v1/counters/1/call-next?site=main", timeout=5)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_your_counter"
    boards = {
        code: requests.get(f"{server.url}/api/v1/hall?site={code}", timeout=5).json() for code in ("main", "east-hall")
    }
    assert [c["number"] for c in boards["east-hall"]["latest_calls"]] == [theirs.number]
    assert {c["ticket_id"] if "ticket_id" in c else c["number"] for c in boards["main"]["latest_calls"]} == {"A001"}
    assert boards["east-hall"]["site_name"] == "东区政务服务中心" and len(boards["east-hall"]["counters"]) == 2
    assert {w["type"] for w in boards["east-hall"]["waiting"]} == {"A", "B2", "GJJ"}
    assert requests.get(f"{server.url}/api/v1/hall?site=nowhere", timeout=5).status_code == 404


def test_event_streams_carry_only_their_sites_events(city):
    server, _admin, main, east, _point = city
    seen: dict[str, list] = {"main": [], "east-hall": []}
    ready = threading.Barrier(3)

    def follow(site: str) -> None:
        """A display board's stream of one site, until the first call on it."""
        with requests.get(f"{server.url}/api/v1/events?site={site}", stream=True, timeout=30) as reply:
            ready.wait()
            for line in reply.iter_lines(decode_unicode=True):
                if line and line.startswith("data: "):
                    event = json.loads(line[6:])
                    seen[site].append(event)
                    if event["kind"] == "call":
                        return

    ticket(east, "B2"), ticket(main, "B")
    threads = [threading.Thread(target=follow, args=(site,)) for site in seen]
    for t in threads:
        t.start()
    ready.wait()
    east_clerk = login(server, "east-clerk", counter=2)
    main_clerk = login(server, "main-clerk", counter=3)
    main_call = main_clerk.post(f"{server.url}/api/v1/counters/3/call-next", timeout=5).json()["called"]
    east_call = east_clerk.post(f"{server.url}/api/v1/counters/2/call-next", timeout=5).json()["called"]
    for t in threads:
        t.join(20)
    assert seen["east-hall"] and {e["site"] for e in seen["east-hall"]} == {"east-hall"}
    assert seen["main"] and {e["site"] for e in seen["main"]} == {"main"}
    assert seen["east-hall"][-1]["ticket_id"] == east_call["ticket_id"]
    assert seen["main"][-1]["ticket_id"] == main_call["ticket_id"]


def test_a_kiosk_issues_only_at_its_own_site(city):
    server, admin, main, east, _point = city
    with pytest.raises(CentralError) as wrong:
        ticket(main, "A", site="east-hall")
    assert wrong.value.status == 403 and wrong.value.code == "wrong_site"
    assert ticket(east, "A", site="east-hall").number.startswith("A")
    url = f"{server.url}/api/v1/sites/east-hall"
    assert admin.patch(url, json={"active": False}, timeout=5).ok  # a site out of service issues nothing
    with pytest.raises(CentralError) as closed:
        ticket(east, "A")
    assert closed.value.code == "site_closed"
    assert "east-hall" not in [s["code"] for s in requests.get(f"{server.url}/api/v1/sites", timeout=5).json()["sites"]]
    assert admin.patch(url, json={"active": True}, timeout=5).ok
    assert ticket(east, "A").number.startswith("A")


def test_a_self_service_point_shows_the_halls_queues_and_issues_nothing(city):
    _server, _admin, _main, _east, point = city
    queues = point.queues()
    assert not queues.issues_tickets and queues.queues == () and queues.site == "bank-247"
    assert [hall.site for hall in queues.nearby] == [
        "east-hall",
        "main",
    ]  # 0.1 km away; the main hall has no coordinates
    east_queues = {q.type: q for q in queues.nearby[0].queues}
    assert set(east_queues) == {"A", "B2", "GJJ"} and queues.nearby[0].distance_km is not None
    assert queues.nearby[0].distance_km < 1
    with pytest.raises(CentralError) as refused:
        ticket(point, "A")
    assert refused.value.code == "no_numbers_here"
    settings = point.settings()
    assert settings.site is not None and settings.site.kind == "self_service" and not settings.site.issues_tickets


def test_moving_a_kiosk_and_a_type_added_at_runtime_reach_the_kiosk(city, tmp_path):
    server, admin, _main, _east, _point = city
    mover = enrolled_client(server, "mover", tmp_path / "m")
    before = mover.settings()
    assert before.site.code == "main" and "GJJ" not in before.site.types
    assert server.cli("kiosks", "move", "mover", "east-hall").returncode == 0
    beat = mover.heartbeat(HeartbeatRequest(sent_at=datetime.now(UTC), version="t", uptime_s=1))
    assert beat.config_version > before.version  # the next heartbeat says: fetch the settings
    after = mover.settings(if_none_match=before.etag)
    assert after is not None and after.site.code == "east-hall" and after.site.types == ("A", "B2", "GJJ")
    assert (after.open_time, after.close_time, after.open_days) == ("09:00", "17:00", (1, 2, 3, 4, 5))
    assert after.closed_dates == ("2026-10-01",)
    assert ticket(mover, "GJJ").number.startswith("GJJ")
    r = admin.put(f"{server.url}/api/v1/sites/east-hall/types/Z9", json={"name": "新业务", "avg_minutes": 5}, timeout=5)
    assert r.ok, r.text
    fresh = mover.settings(if_none_match=after.etag)
    assert fresh is not None and "Z9" in fresh.site.types
    assert "Z9" in [q.type for q in mover.queues().queues]
    assert ticket(mover, "Z9").number == "Z9001"


def test_configuration_is_validated_in_words(city):
    server, admin, _main, _east, _point = city
    url = f"{server.url}/api/v1/sites/east-hall"
    for code, says in (("V1", "green-channel"), ("YA", "appointment"), ("AO", "read as 1 and 0"), ("ABCD", "1-3")):
        r = admin.put(f"{url}/types/{code}", json={"name": "x"}, timeout=5)
        assert r.status_code == 422 and says in r.json()["error"]["message"], (code, r.text)
    r = admin.put(f"{url}/counters/3", json={"types": ["NOPE"]}, timeout=5)
    assert r.status_code == 422 and "NOPE" in r.json()["error"]["message"]
    r = admin.put(f"{server.url}/api/v1/sites/bank-247/types/A", json={"name": "x"}, timeout=5)
    assert r.status_code == 422 and "self-service point" in r.json()["error"]["message"]
    r = admin.patch(url, json={"hours": {"open": "18:00", "close": "09:00"}}, timeout=5)
    assert r.status_code == 422 and "opening first" in r.json()["error"]["message"]
    r = admin.delete(f"{url}/types/GJJ", timeout=5)
    assert r.status_code == 409 and "counter(s) [2]" in r.json()["error"]["message"]
    r = admin.post(f"{server.url}/api/v1/sites", json={**EAST, "code": "Bad Code"}, timeout=5)
    assert r.status_code == 422


def test_a_site_manager_sees_and_changes_only_their_sites(city):
    server, _admin, _main, _east, _point = city
    boss = login(server, "east-boss")
    assert boss.get(f"{server.url}/api/v1/hall/today", timeout=5).json()["site"] == "east-hall"
    other = boss.get(f"{server.url}/api/v1/hall/today?site=main", timeout=5)
    assert other.status_code == 403 and other.json()["error"]["code"] == "other_site"
    assert boss.patch(f"{server.url}/api/v1/sites/east-hall", json={"address": "东区一路2号"}, timeout=5).ok
    refused = boss.patch(f"{server.url}/api/v1/sites/main", json={"address": "x"}, timeout=5)
    assert refused.status_code == 403
    assert boss.post(f"{server.url}/api/v1/counters/1/close?site=main", timeout=5).status_code == 403
    fleet = boss.get(f"{server.url}/api/v1/fleet", timeout=5).json()
    assert {k["site"] for k in fleet["kiosks"]} == {"east-hall"}
    city_view = login(server, "mayor").get(f"{server.url}/api/v1/hall/today", timeout=5).json()
    assert {s["site"] for s in city_view["sites"]} == {"main", "east-hall"} and city_view["totals"]["issued"] > 0
    sites = requests.get(f"{server.url}/api/v1/sites", timeout=5).json()["sites"]
    assert [s["code"] for s in sites] == ["main", "east-hall", "bank-247"]


def test_a_sites_board_and_desk_in_the_browser_show_only_that_site(city, browser):
    """The east clerk's desk finds their site from their account; the east board
    (`/display?site=east-hall`) names the site, shows its calls, and never the main hall's."""
    from test_web_hall import counter_desk

    server, _admin, main, east, _point = city
    board = browser.new_page(viewport={"width": 1920, "height": 1080})
    board.goto(f"{server.url}/display?site=east-hall")
    board.wait_for_function("window.board && window.board.connected")
    assert "东区政务服务中心" in board.text_content("header")
    assert board.evaluate("board.snapshot.site") == "east-hall"
    east_ticket, main_ticket = ticket(east, "A"), ticket(main, "A")
    desk = counter_desk(browser, server, "east-clerk", 1)
    assert desk.evaluate("Hall.site") == "east-hall"
    main_clerk = login(server, "main-clerk", counter=1)
    main_call = main_clerk.post(f"{server.url}/api/v1/counters/1/call-next", timeout=5).json()["called"]
    desk.wait_for_function("document.getElementById('current-number').textContent !== ''")
    before = desk.text_content("#current-number")  # the counter may still hold an earlier citizen
    desk.click("#btn-call")
    desk.wait_for_function(f"!['—', '{before}'].includes(document.getElementById('current-number').textContent)")
    called = desk.text_content("#current-number")
    board.wait_for_function(f"board.events.some(e => e.kind === 'call' && e.number === '{called}')")
    assert board.evaluate("board.events.every(e => e.site === 'east-hall')"), board.evaluate("board.events")
    assert main_call["site"] == "main"
    assert not board.evaluate(f"board.events.some(e => e.ticket_id === '{main_call['ticket_id']}')")
    assert east_ticket.id != main_ticket.id
    desk.context.close()
    board.close()


def test_a_generated_city_is_imported_with_its_kiosks_from_the_command_line(tmp_path):
    """`catalog generate --city` and `sites import`, as the demo loads its sample city."""
    server = Central(tmp_path / "c")  # the commands work on the database; no server needed
    made = server.cli(
        "catalog",
        "generate",
        "--matters",
        "40",
        "--out",
        str(tmp_path / "cat.json"),
        "--city",
        str(tmp_path / "city.json"),
    )
    assert made.returncode == 0, made.stderr
    city = json.loads((tmp_path / "city.json").read_text())
    kinds = [s["kind"] for s in city["sites"]]
    assert kinds.count("hall") == 3 and kinds.count("centre") == 1 and kinds.count("self_service") == 2
    loaded = server.cli("sites", "import", str(tmp_path / "city.json"))
    assert loaded.returncode == 0, loaded.stderr
    assert "added 6 sites" in loaded.stdout and loaded.stdout.count("enrollment code") == 7
    listed = json.loads(server.cli("sites", "list", "--json").stdout)
    assert listed[0]["code"] == "main" and len(listed) == 7
    centre = next(s for s in listed if s["kind"] == "centre")
    assert [t["code"] for t in centre["types"]] == ["A", "B"] and not next(
        s for s in listed if s["kind"] == "self_service"
    )["issues_tickets"]
    kiosks = server.cli("kiosks", "list", "--json").stdout.splitlines()
    assert {json.loads(k)["site"] for k in kiosks} == {s["code"] for s in city["sites"]}
    with server.db() as db:
        handled = db.execute("SELECT COUNT(*) FROM site_matters WHERE site = ?", ("heping-centre",)).fetchone()[0]
    assert handled == 8  # a fifth of the 40 matters
    again = server.cli("sites", "import", str(tmp_path / "city.json"))
    assert again.returncode == 0 and "added 0 sites" in again.stdout and "enrollment code" not in again.stdout
    bad = server.cli("sites", "type-set", "city-hall", "V1", "--name", "x")
    assert bad.returncode == 1 and "green-channel" in bad.stderr and "Traceback" not in bad.stderr


def test_a_manager_of_two_sites_switches_between_them_in_the_page(city, browser):
    """The manager page names the site it shows and offers the manager's other site."""
    from conftest import PASSWORD

    server, _admin, _main, _east, _point = city
    add_staff(server, "two-site-boss", "manager")
    assert server.cli("staff", "sites", "two-site-boss", "main", "east-hall").returncode == 0
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(f"{server.url}/manager")
    page.fill("#username", "two-site-boss")
    page.fill("#password", PASSWORD)
    page.click("#login-form button")
    page.wait_for_selector("#site-picker:not(.hidden)")
    assert page.text_content("#site-name") == "政务服务中心"  # the first of the account's sites
    options = page.eval_on_selector_all("#site-picker option", "o => o.map(x => [x.value, x.textContent])")
    assert options == [["main", "政务服务中心"], ["east-hall", "东区政务服务中心"]]  # not the self-service point
    page.select_option("#site-picker", "east-hall")
    page.wait_for_url("**/manager?site=east-hall")
    page.wait_for_function("document.getElementById('site-name').textContent === '东区政务服务中心'")
    sites = requests.get(f"{server.url}/api/v1/sites", timeout=5).json()["sites"]
    east_types = len(next(s for s in sites if s["code"] == "east-hall")["types"])
    page.wait_for_function(f"document.querySelectorAll('#types tbody tr').length === {east_types}")
    page.close()
