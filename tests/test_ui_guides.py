"""Service guides through the real UI: type on the on-screen keyboard, pick a
result, read the guide, print the one-time notice (bytes checked)."""

from __future__ import annotations

import pytest

from drivers.printer.escpos_encode import FS_CHINESE_ON

pytestmark = pytest.mark.ui
ID_CARD_CODE = "1199010207020010000001"


def open_guides(kiosk):
    kiosk.tap(kiosk.app.screen("home").ids.tile_guides)
    assert kiosk.app.current_screen == "guides"
    return kiosk.screen("guides")


def type_on_keyboard(kiosk, screen, text):
    keyboard = screen.ids.keyboard
    for letter in text:
        kiosk.tap(keyboard.key(letter), frames=2)


def wait_for_print(kiosk, guide):
    """Printing runs on a worker thread; its result comes back through the Clock."""
    for _ in range(100):
        kiosk.wait(0.05)
        if guide.print_state != "printing":
            return
    raise AssertionError("printing did not finish in 5 s")


def result_titles(screen):
    return [item["title"] for item in screen.ids.results.data]


def test_typing_initials_updates_results_on_every_key(kiosk_ui):
    screen = open_guides(kiosk_ui)
    assert screen.mode == "popular" and len(result_titles(screen)) > 5
    kiosk_ui.tap(screen.ids.search_box)
    assert screen.keyboard_open and screen.ids.keyboard.opacity == 1
    seen = []
    for letter in "sfz":
        type_on_keyboard(kiosk_ui, screen, letter)
        seen.append(result_titles(screen))
    assert screen.query == "sfz"
    assert seen[0] != seen[1] != seen[2]  # each key press changed the list
    assert seen[2][0] == "居民身份证办理"
    assert "sfz" in screen.ids.heading.text
    kiosk_ui.tap(screen.ids.keyboard.key("backspace"))
    assert screen.query == "sf"
    kiosk_ui.tap(screen.ids.clear_button)
    assert screen.query == ""


def test_pick_a_result_read_the_guide_and_print_the_notice(kiosk_ui):
    screen = open_guides(kiosk_ui)
    kiosk_ui.tap(screen.ids.search_box)
    type_on_keyboard(kiosk_ui, screen, "sfz")
    kiosk_ui.advance(3)
    first_row = next(w for w in screen.ids.results.children[0].children if w.title == "居民身份证办理")
    kiosk_ui.tap(first_row)
    assert kiosk_ui.app.current_screen == "matter"
    guide = kiosk_ui.screen("matter")
    assert guide.code == ID_CARD_CODE and guide.ids.title.text == "居民身份证办理"
    materials = guide.section_widgets("materials")
    assert [m.name for m in materials][:2] == ["居民户口簿", "原居民身份证"]
    assert materials[0].badge == "原件1份" and materials[1].optional
    assert guide.ids.qr.data == f"https://zwfw.example.gov.cn/guide/{ID_CARD_CODE}"
    for key in ("overview", "conditions", "process", "fees", "where", "contact", "basis", "faq"):
        assert guide.section_widgets(key), key
    printer = kiosk_ui.services.printing.printer
    before = len(printer.printed)
    kiosk_ui.tap(guide.ids.print_notice)
    wait_for_print(kiosk_ui, guide)
    assert guide.print_state == "done" and "打印完成" in guide.print_message
    assert len(printer.printed) == before + 1
    data = printer.printed[-1]
    assert data.startswith(b"\x1b@")  # ESC @ initialise
    assert FS_CHINESE_ON + "一次性告知单".encode("gb18030") in data
    for material in ("居民户口簿", "原件1份", "适用情形：换领、到期换证的"):
        assert material.encode("gb18030") in data
    assert f"https://zwfw.example.gov.cn/guide/{ID_CARD_CODE}".encode() in data  # native QR payload
    assert b"\x1d(k" in data and data.endswith(b"\x1dV\x00")  # QR command, then cut


def test_out_of_paper_is_told_and_nothing_is_lost(kiosk_ui):
    kiosk_ui.app.show("matter", code=ID_CARD_CODE)
    kiosk_ui.advance(3)
    guide = kiosk_ui.screen("matter")
    printer = kiosk_ui.services.printing.printer
    printer.paper = "out"
    before = len(printer.printed)
    kiosk_ui.tap(guide.ids.print_notice)
    wait_for_print(kiosk_ui, guide)
    assert guide.print_state == "failed" and "缺纸" in guide.print_message
    assert len(printer.printed) == before
    printer.paper = "ok"
    kiosk_ui.tap(guide.ids.print_notice)  # the citizen can try again once staff refill it
    wait_for_print(kiosk_ui, guide)
    assert guide.print_state == "done" and len(printer.printed) == before + 1


def test_browse_by_department_category_and_theme(kiosk_ui):
    screen = open_guides(kiosk_ui)
    kiosk_ui.tap(screen.ids.tab_departments)
    assert screen.mode == "departments" and "公安分局" in result_titles(screen)
    screen.open_group("department", "公安分局", "公安分局")
    kiosk_ui.advance(2)
    titles = result_titles(screen)
    assert "居民身份证办理" in titles and all(
        kiosk_ui.services.catalog.summary(i["code"]).department == "公安分局" for i in screen.ids.results.data
    )
    kiosk_ui.tap(screen.ids.back_to_groups)
    assert screen.mode == "departments"
    kiosk_ui.tap(screen.ids.tab_themes)
    assert "开办企业" in result_titles(screen) and "新生儿出生" in result_titles(screen)
    screen.open_group("theme", "open-business", "开办企业")
    assert result_titles(screen)[:2] == ["企业设立业务咨询", "企业登记"]  # in the order they are done
    kiosk_ui.tap(screen.ids.tab_categories)
    assert "注册登记类" in result_titles(screen)


def test_no_results_offers_most_used_instead(kiosk_ui):
    screen = open_guides(kiosk_ui)
    kiosk_ui.tap(screen.ids.search_box)
    type_on_keyboard(kiosk_ui, screen, "qqqqxq")
    assert "没有找到" in screen.heading and "常办事项" in screen.empty_text
    assert result_titles(screen)[0] == kiosk_ui.services.catalog.popular(1)[0].name


def test_guide_follows_the_language_and_session_end_wipes_the_search(kiosk_ui):
    screen = open_guides(kiosk_ui)
    kiosk_ui.tap(screen.ids.search_box)
    type_on_keyboard(kiosk_ui, screen, "hukou")
    kiosk_ui.app.show("matter", code=ID_CARD_CODE)
    kiosk_ui.advance(2)
    guide = kiosk_ui.screen("matter")
    assert guide.section_widgets("materials")[0].badge == "原件1份"
    kiosk_ui.tap(kiosk_ui.shell.ids.language_toggle)
    assert guide.section_widgets("materials")[0].badge == "Original ×1"
    assert guide.ids.print_notice.text == "Print the checklist"
    kiosk_ui.clock.advance(120)  # walk away
    kiosk_ui.wait(0.6)
    assert kiosk_ui.app.current_screen == "home" and kiosk_ui.app.lang == "zh_CN"
    assert screen.query == "" and not screen.keyboard_open and guide.code == ""


@pytest.mark.central
def test_running_kiosk_picks_up_catalog_changes_from_central(central, tmp_path):
    import json

    from conftest import run_cli, write_kiosk_config

    from common.assets import asset_path
    from kiosk.config import load
    from kiosk.ui.offscreen import OffscreenKiosk

    data = json.loads(asset_path("catalog/sample_catalog.json").read_text(encoding="utf-8"))
    source = tmp_path / "catalog.json"
    source.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert central.cli("catalog", "import", str(source)).returncode == 0
    code = json.loads(central.cli("kiosks", "add", "ui-catalog", "--json").stdout)["code"]
    cfg_path = write_kiosk_config(tmp_path, central.url)
    assert run_cli("kiosk", "--config", str(cfg_path), "enroll", code).returncode == 0
    with OffscreenKiosk(load(cfg_path), start_services=True) as kiosk:
        catalog = kiosk.services.catalog
        for _ in range(600):  # up to 30 s: CI machines are busy
            kiosk.wait(0.05)
            if catalog.state.source == "central":
                break
        assert catalog.state.source == "central"
        screen = open_guides(kiosk)
        kiosk.tap(screen.ids.search_box)
        type_on_keyboard(kiosk, screen, "ertong")
        assert "儿童" not in " ".join(result_titles(screen))
        data["matters"][0]["name"] = "儿童社会保障卡"  # central publishes a change
        source.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        assert central.cli("catalog", "import", str(source)).returncode == 0
        kiosk.services.catalog_sync.run_now()
        for _ in range(600):
            kiosk.wait(0.05)
            if result_titles(screen) and result_titles(screen)[0] == "儿童社会保障卡":
                break
        assert result_titles(screen)[0] == "儿童社会保障卡"  # the list on screen refreshed itself
        assert screen.query == "ertong"  # and the citizen's search was kept
