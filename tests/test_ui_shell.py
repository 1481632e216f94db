"""The kiosk shell driven offscreen with real touches through Kivy's input
pipeline: tiles, language, large text, idle timeout."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.ui

TILES = {
    "tile_guides": "guides",
    "tile_tickets": "tickets",
    "tile_certificates": "card",
    "tile_rating": "rating",
}  # certificates start with the ID card


def home_ids(kiosk):
    return kiosk.app.screen("home").ids


def test_each_tile_opens_its_screen_and_home_comes_back(kiosk_ui):
    for tile_id, screen in TILES.items():
        kiosk_ui.tap(home_ids(kiosk_ui)[tile_id])
        assert kiosk_ui.app.current_screen == screen
        home_button = kiosk_ui.shell.ids.home_button
        assert home_button.opacity == 1 and home_button.width >= 60
        if screen == "rating":  # a screen's own back button works too
            kiosk_ui.tap(kiosk_ui.screen("rating").ids.back)
        else:
            kiosk_ui.tap(home_button)
        assert kiosk_ui.app.current_screen == "home"
        assert kiosk_ui.shell.ids.home_button.opacity == 0


def test_tap_outside_tiles_does_nothing(kiosk_ui):
    welcome = home_ids(kiosk_ui)["welcome"]
    kiosk_ui.tap(welcome)
    assert kiosk_ui.app.current_screen == "home"


def test_language_toggle_switches_every_visible_text(kiosk_ui):
    ids = home_ids(kiosk_ui)
    shell = kiosk_ui.shell
    assert ids.tile_guides.title == "办事指南" and ids.tile_tickets.title == "取号"
    assert shell.ids.language_toggle.text == "English"
    assert "星期" in shell.clock_text
    kiosk_ui.tap(shell.ids.language_toggle)
    assert ids.tile_guides.title == "Service guides" and ids.tile_rating.title == "Rate our service"
    assert ids.welcome.text.startswith("Welcome")
    assert shell.ids.language_toggle.text == "中文"
    assert shell.ids.hall_name.text == "Government Service Center"
    assert "星期" not in shell.clock_text
    # screens created later come up in the current language
    kiosk_ui.tap(ids.tile_rating)
    rating = kiosk_ui.screen()
    assert rating.ids.heading.text == "How satisfied are you with this service?"
    assert rating.ids.level_1.text == "Very satisfied"
    kiosk_ui.tap(shell.ids.language_toggle)
    assert rating.ids.heading.text == "您对本次服务满意吗？" and rating.ids.level_1.text == "非常满意"


def test_large_text_mode_grows_text_and_targets(kiosk_ui):
    ids = home_ids(kiosk_ui)
    toggle = kiosk_ui.shell.ids.large_text_toggle
    before = (ids.welcome.font_size, kiosk_ui.app.theme.body, ids.tile_guides.ids.title_label.font_size)
    kiosk_ui.tap(toggle)
    after = (ids.welcome.font_size, kiosk_ui.app.theme.body, ids.tile_guides.ids.title_label.font_size)
    assert all(a > b for a, b in zip(after, before, strict=False))
    assert kiosk_ui.app.theme.body >= 40  # elderly mode: body well above 18 pt
    assert toggle.text == "标准字体"
    kiosk_ui.tap(toggle)
    assert ids.welcome.font_size == before[0]


def test_high_contrast_recolours_every_screen_and_the_next_citizen_gets_the_standard(kiosk_ui):
    from kiosk.ui.theme import palette

    ids = home_ids(kiosk_ui)
    toggle = kiosk_ui.shell.ids.contrast_toggle
    before = (tuple(ids.welcome.color), tuple(ids.tile_guides.background), tuple(toggle.background))
    kiosk_ui.tap(toggle)
    assert toggle.text == "标准配色" and palette.name == "high_contrast"
    kiosk_ui.advance(2)
    assert tuple(ids.welcome.color) == (1, 1, 1, 1)  # white text on black
    assert tuple(ids.tile_guides.background) != before[1] and tuple(toggle.background) != before[2]
    kiosk_ui.tap(ids.tile_guides)  # a screen built after the switch is in it too
    guides = kiosk_ui.screen("guides")
    tab = guides.ids.tab_departments  # an inactive tab: black, with a white edge to show where it is
    assert tuple(tab.background) == (0, 0, 0, 1) and tuple(tab.edge_color) == (1, 1, 1, 1)
    kiosk_ui.clock.advance(10_000)  # the citizen leaves: the session times out
    kiosk_ui.wait_until(lambda: kiosk_ui.app.current_screen == "home")
    assert palette.name == "standard" and (tuple(ids.welcome.color), tuple(ids.tile_guides.background)) == before[:2]


def test_idle_timeout_warns_then_wipes_the_session(kiosk_ui):
    app, clock = kiosk_ui.app, kiosk_ui.clock
    kiosk_ui.tap(kiosk_ui.shell.ids.language_toggle)
    kiosk_ui.tap(kiosk_ui.shell.ids.large_text_toggle)
    kiosk_ui.tap(home_ids(kiosk_ui).tile_guides)
    guides = kiosk_ui.screen("guides")
    kiosk_ui.tap(guides.ids.search_box)
    for key in "sfz":  # something the citizen typed
        kiosk_ui.tap(guides.ids.keyboard.key(key), frames=1)
    assert guides.query == "sfz" and app.services.session.active
    # a guide is read (120 s), in large text half as long again: 180 s in all
    clock.advance(150)
    kiosk_ui.wait_until(lambda: "30 s" in kiosk_ui.shell.countdown_text)  # visible countdown in the footer
    assert app._idle_warning is None or app._idle_warning.parent is None
    clock.advance(20)  # 10 s left: inside the 20 s warning
    kiosk_ui.wait_until(lambda: app._idle_warning is not None and app._idle_warning.parent is not None)
    warning = app._idle_warning
    assert warning.seconds_left == 10
    clock.advance(10.5)
    kiosk_ui.wait_until(lambda: app.current_screen == "home")
    assert app.lang == "zh_CN" and not app.large_text
    assert home_ids(kiosk_ui).tile_guides.title == "办事指南"
    assert not app.services.session.active and guides.query == "" and not guides.keyboard_open
    assert warning.parent is None


def test_touch_during_warning_keeps_the_session(kiosk_ui):
    app, clock = kiosk_ui.app, kiosk_ui.clock
    kiosk_ui.tap(home_ids(kiosk_ui).tile_guides)
    clock.advance(110)  # a guide: 120 s to read
    kiosk_ui.wait_until(lambda: app._idle_warning is not None and app._idle_warning.parent is not None)
    kiosk_ui.tap(app._idle_warning.ids.keep_going)
    kiosk_ui.wait_until(lambda: app._idle_warning.parent is None)
    clock.advance(110)  # 110 s after the touch: still inside the timeout, warned again
    kiosk_ui.wait_until(lambda: app._idle_warning.parent is not None)  # the timer has seen the new time
    assert app._idle_warning.seconds_left == 10
    assert app.current_screen == "guides" and app.services.session.active


@pytest.mark.parametrize(
    "size", [(1080, 1920), (1920, 1080), (1366, 768)], ids=["portrait", "landscape", "landscape-1366"]
)
@pytest.mark.parametrize("large", [False, True], ids=["normal", "large-text"])
@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_home_lays_out_in_both_orientations(tmp_path, size, large, lang):
    """The layout check (kiosk/ui/layout_check.py) on the home screen and its header in
    every supported variant, each network state included (tests/test_layout.py walks the rest)."""
    from conftest import write_kiosk_config

    from kiosk.config import load
    from kiosk.ui.layout_check import problems
    from kiosk.ui.offscreen import OffscreenKiosk

    cfg = load(write_kiosk_config(tmp_path))
    with OffscreenKiosk(cfg, size=size, draw=False) as kiosk:
        if lang == "en":  # as a person switches: the header's toggles
            kiosk.tap(kiosk.shell.ids.language_toggle)
        if large:
            kiosk.tap(kiosk.shell.ids.large_text_toggle)
        assert (kiosk.app.lang, kiosk.app.large_text) == (lang, large)
        kiosk.advance(4)
        assert [str(p) for p in problems()] == []
        for state in ("online", "offline", "connecting"):  # every network status fits, not only the current one
            kiosk.shell.network_text = kiosk.app.tr._(
                {"online": "Online", "offline": "Offline", "connecting": "Connecting"}[state]
            )
            kiosk.advance(2)
            assert [str(p) for p in problems()] == []


@pytest.mark.central
def test_header_shows_the_real_network_state(central, tmp_path):
    """Enrolled and reachable: online; central gone: offline service."""
    import json

    from conftest import run_cli, write_kiosk_config

    from kiosk.config import load
    from kiosk.ui.offscreen import OffscreenKiosk

    code = json.loads(central.cli("kiosks", "add", "ui-network", "--json").stdout)["code"]
    cfg_path = write_kiosk_config(tmp_path, central.url)
    assert run_cli("kiosk", "--config", str(cfg_path), "enroll", code).returncode == 0
    with OffscreenKiosk(load(cfg_path), start_services=True, draw=False) as kiosk:
        kiosk.wait_until(lambda: kiosk.shell.network_state == "online", seconds=20)
        assert (kiosk.shell.network_state, kiosk.shell.network_text) == ("online", "网络正常")
        kiosk.services.central.base_url = "http://127.0.0.1:9"  # central unreachable
        kiosk.services.heartbeat.beat_now()
        kiosk.wait_until(lambda: kiosk.shell.network_state == "offline", seconds=20)
        assert (kiosk.shell.network_state, kiosk.shell.network_text) == ("offline", "离线服务")
