"""Unattended operation in the real UI: the hidden maintenance screen (corner
gesture + PIN, self-tests, force sync, out of service), the after-hours home
screen and maintenance mode switched from central, all without a restart."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from conftest import run_cli, still_clock, write_kiosk_config

from peers.escpos_printer import FakeNetworkPrinter

pytestmark = [pytest.mark.ui, pytest.mark.central]
PIN = "2468"


@pytest.fixture
def rig(central, tmp_path):
    from kiosk.config import load
    from kiosk.services import build_services
    from kiosk.ui.offscreen import OffscreenKiosk

    printer = FakeNetworkPrinter()
    name = f"ui-maint-{tmp_path.name[-12:]}"
    code = json.loads(central.cli("kiosks", "add", name, "--json").stdout)["code"]
    cfg_path = write_kiosk_config(tmp_path, central.url)
    assert run_cli("kiosk", "--config", str(cfg_path), "enroll", code).returncode == 0
    cfg = load(cfg_path)
    cfg = replace(
        cfg,
        devices=replace(cfg.devices, ticket_printer="escpos"),
        printer=replace(cfg.printer, host="127.0.0.1", port=printer.port, timeout_s=1.0),
        maintenance=replace(cfg.maintenance, pin=PIN),
    )
    services = build_services(cfg)
    clock = still_clock(services)  # no idle timeout in the middle of a slow test
    with OffscreenKiosk(cfg, services=services, size=(1080, 1920), draw=False) as kiosk:
        kiosk.printer, kiosk.name, kiosk.clock = printer, name, clock
        yield kiosk
    printer.close()
    central.cli("kiosks", "settings", "open_time=00:00", "close_time=24:00", "open_days=1,2,3,4,5,6,7", "notice_zh=")
    central.cli("kiosks", "maintenance", "all", "off")


def corner_taps(kiosk, n=5):
    from kivy.core.window import Window
    from kivy.tests.common import UnitTestTouch

    for _ in range(n):
        touch = UnitTestTouch(10, Window.height - 10)
        touch.touch_down()
        kiosk.advance(1)
        touch.touch_up()
        kiosk.advance(1)


def enter_pin(kiosk, pin):
    screen = kiosk.screen("maintenance")
    keys = {w.text: w for w in screen.walk() if type(w).__name__ == "PinKey"}
    # tap only once the keypad is laid out: every key in a place of its own
    kiosk.wait_until(lambda: len({(k.x, k.y) for k in keys.values()}) == len(keys) and keys["1"].width > 1)
    for digit in pin:
        kiosk.tap(keys[digit])
    kiosk.tap(screen.ids.pin_ok)


def test_corner_gesture_pin_self_tests_and_out_of_service(rig):
    corner_taps(rig, 4)
    assert rig.app.current_screen == "home"  # four taps are not enough
    corner_taps(rig, 1)
    assert rig.app.current_screen == "maintenance"
    screen = rig.screen("maintenance")
    enter_pin(rig, "1111")
    assert screen.state == "pin" and "密码错误" in screen.ids.message.text
    enter_pin(rig, PIN)
    assert screen.state == "panel" and "中心服务器" in screen.ids.status.text

    rig.tap(screen.ids.test_ticket)
    rig.wait_until(lambda: not screen.busy)
    assert "测试通过" in screen.message
    rig.wait_until(lambda: any("自助终端测试小票".encode("gb18030") in job for job in rig.printer.jobs))
    rig.printer.paper = "out"
    rig.tap(screen.ids.test_ticket)
    rig.wait_until(lambda: not screen.busy)
    assert "测试失败" in screen.message and "paper_out" in screen.message
    rig.printer.paper = "ok"

    rig.tap(screen.ids.force_sync)
    rig.wait_until(lambda: not screen.busy)
    assert "同步完成" in screen.message and "已连接" in screen.message
    assert rig.app.services.offline.numbers_left() > 0  # leases were taken by the sync

    rig.tap(screen.ids.service_toggle)  # out of service, locally
    rig.tap(screen.ids.leave)
    assert rig.app.current_screen == "out_of_service"
    rig.tap(rig.screen("out_of_service").ids.heading)
    assert rig.app.current_screen == "out_of_service"  # a citizen's touch does nothing
    corner_taps(rig)
    enter_pin(rig, PIN)
    rig.tap(screen.ids.service_toggle)  # back in service
    rig.tap(screen.ids.leave)
    assert rig.app.current_screen == "home"


def test_after_hours_and_maintenance_pushed_from_central(rig, central):
    services = rig.app.services
    home = rig.screen("home")
    assert home.tickets_tile.parent is not None or services.settings.mode() == "after_hours"
    # counters open on no day at all: after hours now, whatever the clock says
    assert central.cli("kiosks", "settings", "open_days=", "notice_zh=系统将于今晚升级").returncode == 0
    services.heartbeat.beat_once()
    rig.wait_until(lambda: home.tickets_tile.parent is None)
    assert "窗口现已下班" in home.ids.notice.text and "系统将于今晚升级" in home.ids.notice.text
    titles = [t.title for t in home.ids.tiles.children]
    assert sorted(titles) == sorted(["办事指南", "证明打印", "服务评价"])  # 24-hour services stay

    assert (
        central.cli("kiosks", "settings", "open_days=1,2,3,4,5,6,7", "open_time=00:00", "close_time=24:00").returncode
        == 0
    )
    services.heartbeat.beat_once()
    rig.wait_until(lambda: home.tickets_tile.parent is not None)
    assert [t.title for t in reversed(home.ids.tiles.children)][1] == "取号"  # back in its place

    assert central.cli("kiosks", "maintenance", rig.name, "on").returncode == 0
    services.heartbeat.beat_once()
    rig.wait_until(lambda: rig.app.current_screen == "out_of_service")
    rig.tap(rig.screen("out_of_service").ids.heading)  # a citizen's touch leads nowhere
    assert rig.app.current_screen == "out_of_service"
    assert central.cli("kiosks", "maintenance", rig.name, "off").returncode == 0
    services.heartbeat.beat_once()
    rig.wait_until(lambda: rig.app.current_screen == "home")


def test_the_pin_pad_locks_for_a_growing_while_and_closes_when_left_alone(rig):
    """Five wrong PINs lock the pad for a minute (then two, ...), never until a
    restart; the right PIN works once the lock has passed. A pad nobody types on
    goes back home after 30 s."""
    screen = rig.screen("maintenance")
    corner_taps(rig)
    for _ in range(5):
        enter_pin(rig, "1111")
    assert "60" in screen.ids.message.text and "秒" in screen.ids.message.text
    rig.clock.advance(29)
    enter_pin(rig, PIN)  # still locked, the right PIN too
    assert screen.state == "pin" and "31" in screen.ids.message.text
    rig.clock.advance(32)  # the lock has passed, and the pad closed meanwhile: nobody typed for 30 s
    reopen(rig)
    for _ in range(5):
        enter_pin(rig, "1111")
    assert "120" in screen.ids.message.text  # the second lockout is twice as long
    rig.clock.advance(121)
    reopen(rig)
    enter_pin(rig, PIN)
    assert screen.state == "panel"
    rig.tap(screen.ids.leave)
    corner_taps(rig)
    assert rig.app.current_screen == "maintenance" and screen.state == "pin"
    rig.clock.advance(31)  # nobody typed
    rig.wait_until(lambda: rig.app.current_screen == "home")


def reopen(rig) -> None:
    """The pad closed itself (30 s without a key, checked each second): the technician opens it again."""
    rig.wait_until(lambda: rig.app.current_screen == "home")
    corner_taps(rig)
    assert rig.app.current_screen == "maintenance"


def test_a_window_close_request_is_refused_on_a_full_screen_kiosk(rig):
    from dataclasses import replace

    from kivy.core.window import Window

    assert Window.dispatch("on_request_close") in (False, None)  # a developer's window closes as usual
    rig.services.config = replace(rig.services.config, ui=replace(rig.services.config.ui, fullscreen=True))
    assert Window.dispatch("on_request_close") is True
