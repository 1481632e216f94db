"""The console (/admin) and the statistics page (/reports) in Chromium, under
their Content-Security-Policy, against a real central: the city administrator
creates a site, a business type, a counter, opening hours, a clerk, a manager
and a kiosk (its one-time code shown as text and QR); the kiosk enrolled with
that code picks the type up at its settings sync and issues tickets there; the
clerk serves them; the new manager's report shows them and its XLSX, read
with openpyxl, has the same numbers; a clerk cannot open the console; an
auditor reads and exports, and every change they try is refused; every action
has its audit entry, and an edited entry is found by `audit verify`."""

from __future__ import annotations

import io
import os
import uuid
from base64 import b64decode
from pathlib import Path

import openpyxl
import pytest
from conftest import PASSWORD, Central, add_staff, login

from common import wire
from common.tickets import TicketRequest
from kiosk import config as kiosk_config
from kiosk.services import build_services
from kiosk.sync import credentials
from kiosk.sync.client import CentralClient
from peers.kiosk_setup import write_kiosk_config

pytestmark = pytest.mark.central
SCREENSHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
NEW_PASSWORD = "a long new password"


@pytest.fixture
def city(tmp_path):
    server = Central(tmp_path / "c")
    server.start()
    add_staff(server, "root", "admin")
    add_staff(server, "olga", "auditor")
    yield server
    server.stop()


def sign_in(page, url: str, user: str, password: str = PASSWORD) -> None:
    page.goto(url)
    page.fill("#username", user)
    page.fill("#password", password)
    page.click("#login-form button")


def says(page, text: str) -> None:
    page.wait_for_selector(f"#message:has-text('{text}')")


def shot(page, name: str) -> None:
    if "KIOSK_SCREENSHOTS" in os.environ:
        page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


def open_tab(page, name: str) -> None:
    """A tab as a person opens it: tapped, then its data drawn (before anything is typed into it)."""
    page.click(f"[data-tab={name}]")
    page.wait_for_selector(f"body[data-shown={name}]")


def audit_actions(central) -> list[tuple[str, str, str]]:
    with central.db() as db:
        return [tuple(r) for r in db.execute("SELECT username, action, target FROM staff_audit ORDER BY id")]


def test_the_city_administrator_sets_up_a_site_that_then_serves_and_reports(city, browser, tmp_path):
    central = city
    violations: list[str] = []
    page = browser.strict_page(viewport={"width": 1400, "height": 900})
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    sign_in(page, f"{central.url}/admin", "root")
    page.wait_for_selector("#tab-sites:not(.hidden) tr[data-site=main]")

    # a site, checked in words before it is sent: a bad code is refused by the form itself
    page.fill("#new-site-code", "East 1")
    page.fill("#new-site-name", "东区便民服务中心")
    page.click("#site-form button")
    assert page.eval_on_selector("#new-site-code", "el => !el.validity.valid")
    page.fill("#new-site-code", "east")
    page.select_option("#new-site-kind", "centre")
    page.fill("#new-site-name-en", "East Community Centre")
    page.click("#site-form button")
    page.wait_for_selector("tr[data-site=east]")
    page.click("tr[data-site=east] button")  # configure it: the types tab for that site
    page.wait_for_selector("body[data-shown=types]")
    assert page.input_value("#admin-site") == "east"
    page.fill("#type-code", "A")
    page.fill("#type-name", "户籍业务")
    page.fill("#type-name-en", "Household registration")
    page.click("#type-form button")
    page.wait_for_selector("#types tr[data-type=A]")

    open_tab(page, "counters")
    page.wait_for_selector("#counter-types input[value=A]")
    page.fill("#counter-number", "1")
    page.fill("#counter-name", "1号窗口")
    page.check("#counter-types input[value=A]")
    page.click("#counter-form button")
    page.wait_for_selector("#counters tr[data-counter='1']")

    open_tab(page, "hours")
    page.fill("#hours-open", "08:30")
    page.fill("#hours-close", "17:30")
    page.fill("#hours-holidays", "2027-01-01\nnot-a-date")
    page.click("#hours-form button")
    says(page, "not-a-date")  # refused before anything is sent, and says which line
    page.fill("#hours-holidays", "2027-01-01")
    page.click("#hours-form button")
    says(page, "营业时间与节假日 已保存")
    page.fill("#announce-zh", "请{number}到{counter}号")
    page.fill("#announce-en", "Ticket {numbr}")
    page.click("#announce-form button")
    says(page, "模板须包含")
    page.fill("#announce-en", "Ticket {number}, counter {counter}")
    page.click("#announce-form button")
    says(page, "叫号播报 已保存")

    open_tab(page, "booking")  # 号源: type A takes 3 bookings a 20-minute slot
    row = page.locator("#booking tr[data-type=A]")
    row.locator("input[name=slot_minutes]").fill("20")
    row.locator("input[name=quota]").fill("3")
    row.locator("button").click()
    says(page, "A 户籍业务 已保存")
    row.locator("input[name=quota]").fill("-1")
    row.locator("button").click()
    says(page, "预约规则不合理")

    open_tab(page, "staff")
    page.wait_for_selector("#staff tr[data-staff=root]")
    for user, role in (("carl", "counter"), ("erin", "manager")):
        page.fill("#staff-username", user)
        page.fill("#staff-password", PASSWORD)
        page.select_option("#staff-role", role)
        page.uncheck("#staff-sites input[value=main]")
        page.check("#staff-sites input[value=east]")
        page.click("#staff-form button")
        page.wait_for_selector(f"#staff tr[data-staff={user}]")
    assert "站点管理员" in page.inner_text("#staff tr[data-staff=erin]")

    open_tab(page, "kiosks")
    page.fill("#kiosk-name", "东区-01")
    page.click("#kiosk-form button")
    page.wait_for_selector("#enrollment:not(.hidden) #enrollment-code:not(:empty)")
    code = page.inner_text("#enrollment-code")
    assert page.inner_text("#enrollment-command") == f"kiosk enroll {code}"
    assert page.get_attribute("#enrollment-qr", "src").startswith("data:image/svg+xml;base64,")
    page.wait_for_selector("#kiosks tr[data-kiosk='东区-01']")
    page.fill("#set-notice-zh", "东区中心周六照常开放")
    page.click("#settings-form button")
    says(page, "全部终端设置 已保存")
    shot(page, "admin-kiosks.png")
    open_tab(page, "types")
    shot(page, "admin-types.png")

    # the technician enrolls the kiosk with that code; it learns its site's types at its settings sync
    reply = CentralClient(central.url).enroll(wire.EnrollRequest(code=code, version="test"))
    directory = tmp_path / "kiosk"
    directory.mkdir()
    config_path = write_kiosk_config(directory, central.url)
    creds = credentials.Credentials(reply.kiosk_id, reply.name, central.url, b64decode(reply.secret))
    credentials.save(directory / "kiosk-data", creds)
    services = build_services(kiosk_config.load(config_path))
    assert services.settings.fetch()
    site = services.settings.current.site
    assert (site.code, site.types) == ("east", ("A",))
    assert services.settings.notice("zh_CN") == "东区中心周六照常开放"
    client = CentralClient(central.url, creds)
    tickets = [client.take_ticket(TicketRequest(request_id=uuid.uuid4().hex, type="A")) for _ in range(3)]

    # the clerk serves two; the third waits
    carl = login(central, "carl", counter=1)
    api = f"{central.url}/api/v1/counters/1"
    for ticket in tickets[:2]:
        assert (
            carl.post(f"{api}/call-next", params={"site": "east"}, timeout=5).json()["called"]["number"]
            == ticket.number
        )
        assert carl.post(f"{api}/finish", params={"site": "east"}, timeout=5).ok

    # the new manager of east sees them in the report, drawn with charts, and exports it
    report_page = browser.strict_page(viewport={"width": 1400, "height": 1000})
    report_page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    sign_in(report_page, f"{central.url}/reports", "erin")
    report_page.wait_for_selector("#kpis [data-kpi=served] b")
    assert report_page.inner_text("#kpis [data-kpi=issued] b") == "3"
    assert report_page.inner_text("#kpis [data-kpi=served] b") == "2"
    report_page.select_option("#dim", "staff")
    report_page.click("#run")
    report_page.wait_for_selector("#lines tr[data-key=carl]")
    assert report_page.inner_text("#lines tr[data-key=carl] [data-col=served]") == "2"
    assert report_page.locator("#chart-arrivals canvas").count() >= 1  # drawn by ECharts
    shot(report_page, "reports.png")
    with report_page.expect_download() as download:
        report_page.click("#export-xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    head = next(i for i, r in enumerate(rows) if r[0] == "工作人员 Staff member")
    served = rows[head].index("办结 Served")
    assert {r[0]: r[served] for r in rows[head + 1 :]} == {"carl": 2, "合计 Total": 2}
    assert violations == []

    # everything above left its entry, by whom
    entries = audit_actions(central)
    for who, action, target in (
        ("root", "site_added", "east"),
        ("root", "type_set", "east/A"),
        ("root", "counter_set", "east/1"),
        ("root", "site_changed", "east"),
        ("root", "staff_added", "carl"),
        ("root", "staff_added", "erin"),
        ("root", "kiosk_added", "东区-01"),
        ("root", "booking_rules_set", "east/A"),
        ("root", "kiosk_settings_set", "all kiosks"),
        ("carl", "call", tickets[0].number),
        ("carl", "finish", "counter 1"),
    ):
        assert (who, action, target) in entries, (who, action, target)
    assert any(w == "erin" and a == "export_report" and t.endswith("-staff.xlsx") for w, a, t in entries)
    with central.db() as db:
        hours = db.execute(
            "SELECT detail FROM staff_audit WHERE action = 'site_changed' AND target = 'east'"
        ).fetchone()[0]
    assert '"before":{"hours"' in hours and '"08:30"' in hours and "2027-01-01" in hours


def test_a_clerk_cannot_open_the_console_and_an_auditor_reads_but_changes_nothing(city, browser):
    central = city
    add_staff(central, "alice", "counter")
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    sign_in(page, f"{central.url}/admin", "alice")
    page.wait_for_selector("#login-error:has-text('控制台仅供')")
    assert page.is_hidden("#view")
    assert login(central, "alice").get(f"{central.url}/api/v1/admin/staff", timeout=5).status_code == 403

    auditor = browser.new_page(viewport={"width": 1400, "height": 900})
    sign_in(auditor, f"{central.url}/admin", "olga")
    auditor.wait_for_selector("#readonly:not(.hidden)")
    auditor.wait_for_selector("#audit tbody tr")  # the auditor lands on the audit trail
    assert "olga" in auditor.inner_text("#audit") and "login" in auditor.inner_text("#audit")
    shot(auditor, "admin-audit.png")
    open_tab(auditor, "types")
    auditor.wait_for_selector("#tab-types:not(.hidden)")
    assert auditor.is_hidden("#type-form")  # no forms for an auditor
    open_tab(auditor, "audit")
    with auditor.expect_download() as download:
        auditor.click("#audit-export")
    assert Path(download.value.path()).read_text(encoding="utf-8-sig").startswith("序号 No.")
    olga = login(central, "olga")
    refusals = [
        olga.put(f"{central.url}/api/v1/sites/main/types/Z", json={"name": "x"}, timeout=5),
        olga.post(f"{central.url}/api/v1/admin/kiosks", json={"name": "k9", "site": "main"}, timeout=5),
        olga.post(
            f"{central.url}/api/v1/admin/staff",
            json={"username": "mallory", "password": NEW_PASSWORD, "role": "admin"},
            timeout=5,
        ),
        olga.post(f"{central.url}/api/v1/staff/counter", json={"counter": 1}, timeout=5),
    ]
    assert [r.status_code for r in refusals] == [403, 403, 403, 403]
    assert all(r.json()["error"]["message"] for r in refusals)
    assert ("olga", "export_audit", "audit.csv") in audit_actions(central)

    # an entry edited in the database is found, and named
    with central.db() as db:
        target = db.execute("SELECT id FROM staff_audit WHERE action = 'export_audit'").fetchone()[0]
        db.execute("UPDATE staff_audit SET username = 'someone' WHERE id = ?", (target,))
    verdict = central.cli("audit", "verify")
    assert verdict.returncode == 1 and f"entry {target}" in verdict.stderr


def test_a_catalog_file_is_checked_line_by_line_before_anything_changes(city, browser):
    """The console's catalog import: a broken CSV is refused with every problem by
    line and nothing changes; the sample catalog is previewed (83 new matters)
    and imported only when confirmed; a site manager may not import."""
    central = city
    sample = Path(__file__).resolve().parents[1] / "assets" / "catalog" / "sample_catalog.json"
    broken = (
        "code,name,department,department_code,case_kind\n"
        "1199010207020010000009,居民身份证补领,公安局,11990102,1\n"
        ",无编码的事项,公安局,11990102,1\n"
        "1199010207020010000010,材料格式错误,公安局,11990102,1,extra\n"
    ).encode()

    def version() -> int:
        with central.db() as db:
            row = db.execute("SELECT version FROM catalog_state WHERE id = 1").fetchone()
        return row[0] if row else 0

    page = browser.strict_page(viewport={"width": 1400, "height": 900})
    sign_in(page, f"{central.url}/admin", "root")
    page.wait_for_selector("#tab-sites:not(.hidden)")
    open_tab(page, "catalog")
    page.set_input_files("#catalog-file", files=[{"name": "broken.csv", "mimeType": "text/csv", "buffer": broken}])
    page.click("#catalog-form button")
    page.wait_for_selector("#catalog-problems:not(.hidden) tr[data-line]")
    lines = [
        int(x)
        for x in page.eval_on_selector_all("#catalog-problems tr[data-line]", "rs => rs.map(r => r.dataset.line)")
    ]
    assert 3 in lines and 4 in lines  # the row without a code, the row with a cell too many
    assert page.is_hidden("#catalog-import") and version() == 0
    page.set_input_files("#catalog-file", str(sample))
    page.click("#catalog-form button")
    page.wait_for_selector("#catalog-import:not(.hidden)")
    assert "83" in page.inner_text("#catalog-summary") and version() == 0  # previewed: nothing changed yet
    shot(page, "admin-catalog.png")
    page.click("#catalog-import")
    says(page, "已导入")
    assert version() == 1
    assert ("root", "catalog_imported", "sample_catalog.json") in audit_actions(central)

    # 事项进驻: the first site handles the ID card matter at counter 1 only, found by its initials
    open_tab(page, "matters")
    page.wait_for_selector("#matters-all:not(.hidden)")
    page.fill("#matter-search", "sfz")
    page.wait_for_selector("#matter-found option[value='1199010207020010000001']", state="attached")
    page.fill("#matter-search", "1199010207020010000001")
    page.fill("#matter-windows", "1")
    page.click("#matter-form button")
    page.wait_for_selector("#site-matters tr[data-matter='1199010207020010000001']")
    assert "居民身份证办理" in page.inner_text("#site-matters") and page.is_hidden("#matters-all")
    with central.db() as db:
        assert db.execute("SELECT matter_code, windows FROM site_matters WHERE site = 'main'").fetchall() == [
            ("1199010207020010000001", "1")
        ]
    add_staff(central, "mona", "manager")
    refused = login(central, "mona").post(
        f"{central.url}/api/v1/admin/catalog/preview", json={"name": "x.csv", "text": "code\n"}, timeout=5
    )
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "role_refused"
