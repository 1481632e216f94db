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


def open_guide(kiosk, query: str, title: str):
    """The citizen's way to a guide: the home tile, the search box, keys, then the row."""
    screen = open_guides(kiosk)
    kiosk.tap(screen.ids.search_box)
    type_on_keyboard(kiosk, screen, query)
    kiosk.tap_text(title)
    assert kiosk.app.current_screen == "matter"
    guide = kiosk.screen("matter")
    assert guide.ids.title.text == title
    return guide


def wait_for_print(kiosk, guide):
    """Printing runs on a worker thread; its result comes back through the Clock."""
    kiosk.wait_until(lambda: guide.print_state != "printing")


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
    guide = open_guide(kiosk_ui, "sfz", "居民身份证办理")
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
    catalog = kiosk_ui.services.catalog
    screen = open_guides(kiosk_ui)
    kiosk_ui.tap(screen.ids.tab_departments)
    assert screen.mode == "departments"
    kiosk_ui.tap_text("公安分局")
    assert screen.mode == "group" and screen.heading == "公安分局"
    rows = screen.ids.results.data
    assert "居民身份证办理" in result_titles(screen)
    assert all(catalog.summary(i["code"]).department == "公安分局" for i in rows)
    kiosk_ui.tap(screen.ids.back_to_groups)
    assert screen.mode == "departments"
    kiosk_ui.tap(screen.ids.tab_themes)
    assert "开办企业" in result_titles(screen) and "新生儿出生" in result_titles(screen)
    kiosk_ui.tap_text("开办企业")
    assert result_titles(screen)[:2] == ["企业设立业务咨询", "企业登记"]  # in the order they are done
    kiosk_ui.tap(screen.ids.tab_categories)
    assert "注册登记类" in result_titles(screen)


@pytest.mark.parametrize("tab,group", [("tab_themes", "新生儿出生"), ("tab_departments", "司法局")])
def test_a_tapped_row_in_a_browsed_group_opens_that_guide(kiosk_ui, tab, group):
    """Group rows and matter rows are recycled separately: the row a person taps is the guide they get."""
    screen = open_guides(kiosk_ui)
    kiosk_ui.tap(screen.ids[tab])
    kiosk_ui.tap_text(group)
    assert screen.mode == "group" and screen.heading == group
    for title in result_titles(screen)[:3]:
        kiosk_ui.tap_text(title)
        guide = kiosk_ui.screen("matter")
        assert kiosk_ui.app.current_screen == "matter" and guide.ids.title.text == title
        kiosk_ui.tap(guide.ids.back)
        assert kiosk_ui.app.current_screen == "guides" and screen.heading == group


def test_no_results_offers_most_used_instead(kiosk_ui):
    screen = open_guides(kiosk_ui)
    kiosk_ui.tap(screen.ids.search_box)
    type_on_keyboard(kiosk_ui, screen, "qqqqxq")
    assert "没有找到" in screen.heading and "常办事项" in screen.empty_text
    assert result_titles(screen)[0] == kiosk_ui.services.catalog.popular(1)[0].name


def test_guide_follows_the_language_and_session_end_wipes_the_search(kiosk_ui):
    guide = open_guide(kiosk_ui, "sfz", "居民身份证办理")
    screen = kiosk_ui.screen("guides")
    assert guide.section_widgets("materials")[0].badge == "原件1份"
    kiosk_ui.tap(kiosk_ui.shell.ids.language_toggle)
    assert guide.section_widgets("materials")[0].badge == "Original ×1"
    assert guide.ids.print_notice.text == "Print the checklist"
    kiosk_ui.clock.advance(125)  # walk away (a guide gives 120 s to read)
    kiosk_ui.wait_until(lambda: kiosk_ui.app.current_screen == "home")
    assert kiosk_ui.app.lang == "zh_CN"
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
    with OffscreenKiosk(load(cfg_path), start_services=True, draw=False) as kiosk:
        catalog = kiosk.services.catalog
        kiosk.wait_until(lambda: catalog.state.source == "central", seconds=30)
        screen = open_guides(kiosk)
        kiosk.tap(screen.ids.search_box)
        type_on_keyboard(kiosk, screen, "ertong")
        assert "儿童" not in " ".join(result_titles(screen))
        data["matters"][0]["name"] = "儿童社会保障卡"  # central publishes a change
        source.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        assert central.cli("catalog", "import", str(source)).returncode == 0
        kiosk.services.catalog_sync.run_now()
        kiosk.wait_until(
            lambda: result_titles(screen)[:1] == ["儿童社会保障卡"], seconds=30
        )  # the list on screen refreshed itself
        assert screen.query == "ertong"  # and the citizen's search was kept


def test_guides_opened_and_searches_that_found_nothing_are_counted_for_the_catalog_team(kiosk_ui):
    """The statistics' kiosk use: only where a search ends counts (qqxq, then sfz
    found something: not a gap); a guide opened by tapping its row; a search
    that found nothing when the citizen walked away; digits are never kept."""
    import json

    screen = open_guides(kiosk_ui)
    kiosk_ui.tap(screen.ids.search_box)
    type_on_keyboard(kiosk_ui, screen, "qqxq")
    kiosk_ui.tap(screen.ids.clear_button)
    type_on_keyboard(kiosk_ui, screen, "sfz")
    kiosk_ui.tap_text("居民身份证办理")
    assert kiosk_ui.app.current_screen == "matter"
    kiosk_ui.tap(kiosk_ui.screen("matter").ids.back)
    assert kiosk_ui.app.current_screen == "guides"
    kiosk_ui.tap(screen.ids.clear_button)
    kiosk_ui.tap(screen.ids.search_box)
    type_on_keyboard(
        kiosk_ui, screen, "zqxw"
    )  # no key twice running: a second tap inside a button's 35 ms press is not a person
    assert "没有找到" in screen.heading
    kiosk_ui.clock.advance(125)  # walk away: the session ends, the counts go to the outbox
    kiosk_ui.wait_until(lambda: kiosk_ui.app.current_screen == "home")
    rows = kiosk_ui.services.outbox.read("SELECT payload FROM outbox WHERE kind = 'usage'")
    assert len(rows) == 1
    report = json.loads(rows[0][0])
    assert report["guides"] == {ID_CARD_CODE: 1}
    assert report["failed_searches"] == {"zqxw": 1}
