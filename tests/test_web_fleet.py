"""The fleet page in Chromium against a real central and real kiosk services:
heartbeats carry health, a paper-out shows as an alert and in the fault list,
a kiosk that never beat is offline, a backlog raises its alert, and the
manager's maintenance switch reaches the kiosk at its next heartbeat."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import PASSWORD, Central, add_staff, login

from kiosk import config as kiosk_config
from kiosk.services import build_services
from peers.escpos_printer import FakeNetworkPrinter
from peers.kiosk_setup import enrolled_kiosk

pytestmark = pytest.mark.central
SCREENSHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"


@pytest.fixture
def fleet(tmp_path):
    server = Central(tmp_path / "c", extra="[fleet]\nbacklog_alert = 2\n")
    server.start()
    add_staff(server, "mona", "manager")
    add_staff(server, "alice")
    printer = FakeNetworkPrinter()
    kiosks = {}
    for name in ("一楼大厅-01", "一楼大厅-02"):
        kiosks[name] = build_services(kiosk_config.load(enrolled_kiosk(server, name, tmp_path / name, printer.port)))
    server.cli("kiosks", "add", "社区中心-03")  # registered, never enrolled: no alerts yet
    enrolled_kiosk(server, "银行网点-04", tmp_path / "silent", printer.port)  # enrolled, never beat: offline
    yield server, printer, kiosks
    printer.close()
    server.stop()


def test_fleet_page_shows_health_alerts_and_switches_maintenance(fleet, browser):
    server, printer, kiosks = fleet
    healthy, troubled = kiosks["一楼大厅-01"], kiosks["一楼大厅-02"]
    assert healthy.tickets.take("A").printed.ok
    printer.paper = "out"
    troubled.tickets.take("B")
    printer.paper = "ok"
    for services in (healthy, troubled):
        services.heartbeat.beat_once()
    assert healthy.outbox.drain(10, healthy.outbox_worker)  # troubled keeps its backlog (its print record and fault)

    page = browser.new_page(viewport={"width": 1600, "height": 900})
    page.goto(f"{server.url}/fleet")
    page.fill("#username", "mona")
    page.fill("#password", PASSWORD)
    page.click("#login-form button")
    page.wait_for_selector("#view:not(.hidden)")
    row = page.locator('tr[data-kiosk="一楼大厅-02"]')
    row.locator('[data-alert="device_fault"], [data-alert="paper_out"]').first.wait_for()
    assert row.locator('[data-alert="backlog"]').count() == 1
    assert "critical" in (row.get_attribute("class") or "")
    offline = page.locator('tr[data-kiosk="银行网点-04"] [data-alert="offline"]')
    assert offline.count() == 1 and "离线" in offline.inner_text()
    good = page.locator('tr[data-kiosk="一楼大厅-01"]')
    assert good.locator(".alert").count() == 0 and "正常" in good.inner_text() and "MB" in good.inner_text()
    assert page.locator('tr[data-kiosk="社区中心-03"] .alert').count() == 0
    if "KIOSK_SCREENSHOTS" in os.environ:
        page.screenshot(path=str(SCREENSHOTS / "fleet.png"), full_page=True)

    good.locator("button").click()  # maintenance on
    page.locator('tr[data-kiosk="一楼大厅-01"] [data-alert="maintenance"]').wait_for()
    healthy.heartbeat.beat_once()
    assert healthy.settings.mode() == "maintenance" and troubled.settings.mode() != "maintenance"
    page.locator('tr[data-kiosk="一楼大厅-01"] button').click()  # back in service
    page.locator('tr[data-kiosk="一楼大厅-01"] [data-alert="maintenance"]').wait_for(state="detached")
    healthy.heartbeat.beat_once()
    assert healthy.settings.mode() != "maintenance"
    page.close()

    clerk = login(server, "alice")
    refused = clerk.get(f"{server.url}/api/v1/fleet", timeout=5)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "managers_only"
