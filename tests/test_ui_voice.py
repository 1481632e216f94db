"""Voice guidance through the real UI, by touch: the home screen's switch,
every tap saying what was touched, each screen read when it shows, a guide
read aloud and stopped, the card prompts spoken outside voice mode, the PIN
pad silent. The recording twin keeps what the speaker would have said."""

from __future__ import annotations

import itertools

import pytest
from conftest import still_clock, write_kiosk_config
from test_ui_guides import open_guide
from test_ui_maintenance import corner_taps, enter_pin

pytestmark = pytest.mark.ui


def recorder(kiosk):
    audio = kiosk.services.voice.audio
    audio.speed = 8.0  # clips play eight times faster: the order and overlaps are what is checked
    return audio


def said(kiosk, audio, *fragments: str) -> list[str]:
    """Run frames until every fragment has been spoken (in this order), then what was said."""

    def heard() -> bool:
        texts = iter(audio.texts())
        return all(any(f in t for t in texts) for f in fragments)

    try:
        kiosk.wait_until(heard, seconds=30)
    except AssertionError:
        raise AssertionError(f"expected {fragments} in order; spoken: {audio.texts()}") from None
    return audio.texts()


def never_overlapping(audio) -> None:
    for before, after in itertools.pairwise(audio.spoken):
        assert before.ended <= after.started, f"{after.text!r} began while {before.text!r} played"


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_voice_mode_says_each_tap_and_each_screen(kiosk_ui, lang):
    audio = recorder(kiosk_ui)
    home = kiosk_ui.app.screen("home")
    if lang == "en":
        kiosk_ui.tap(kiosk_ui.shell.ids.language_toggle)
    kiosk_ui.tap(home.ids.tile_guides)  # not in voice mode: silence
    kiosk_ui.tap(kiosk_ui.shell.ids.home_button)
    assert audio.texts() == []
    assert home.ids.volume.opacity == 0  # the volume button shows in voice mode only

    kiosk_ui.tap(home.ids.voice_toggle)
    zh = lang == "zh_CN"
    said(kiosk_ui, audio, "语音引导已开启" if zh else "Voice guidance is on")
    assert kiosk_ui.app.voice_on and home.ids.volume.opacity == 1
    assert kiosk_ui.services.session.idle.slow  # more time to listen

    kiosk_ui.tap(home.ids.volume)
    said(kiosk_ui, audio, "音量：大" if zh else "Volume: Loud")
    assert audio.spoken[-1].volume == 1.0

    kiosk_ui.tap(home.ids.tile_guides)
    texts = said(
        kiosk_ui,
        audio,
        "办事指南。" if zh else "Service guides.",  # the tile's title and what it is for
        "常办事项" if zh else "Most used",  # then the screen it opened
    )
    assert not any("常办事项" in t or "Most used" in t for t in texts[:-1])  # the screen after the tap, not over it
    guides = kiosk_ui.screen("guides")
    kiosk_ui.tap(guides.ids.search_box)
    kiosk_ui.tap(guides.ids.keyboard.key("s"), frames=2)
    kiosk_ui.tap(guides.ids.keyboard.key("backspace"), frames=2)
    said(kiosk_ui, audio, "s", "删除" if zh else "Delete")
    never_overlapping(audio)


def test_a_guide_is_read_aloud_section_by_section_and_stops_when_asked(kiosk_ui):
    audio = recorder(kiosk_ui)
    guide = open_guide(kiosk_ui, "sfz", "居民身份证办理")
    assert audio.texts() == []  # voice mode is off: nothing read until asked
    kiosk_ui.tap(guide.ids.read_aloud)
    kiosk_ui.wait_until(lambda: len(audio.spoken) >= 3)
    assert guide.reading and guide.ids.read_aloud.text == "停止朗读"
    texts = audio.texts()
    headings = [w.text for w in guide.ids.sections.children[::-1] if w.__class__.__name__ == "SectionHeading"]
    assert texts[0] == "居民身份证办理" and texts[1] == headings[0]  # the title, then the first section
    kiosk_ui.tap(guide.ids.read_aloud)  # 停止朗读
    kiosk_ui.wait_until(lambda: not guide.reading and not kiosk_ui.services.voice.speaking())
    assert guide.ids.read_aloud.text == "朗读"
    count = len(audio.spoken)
    kiosk_ui.wait(0.5)
    assert len(audio.spoken) == count  # and nothing more comes

    heading = next(
        w
        for w in guide.ids.sections.children[::-1]
        if w.__class__.__name__ == "SectionHeading" and w.text == headings[1]
    )
    guide.ids.scroll.scroll_to(heading, animate=False)
    kiosk_ui.tap(heading)  # a section read from its heading
    said(kiosk_ui, audio, headings[1])
    assert audio.texts()[count] == headings[1]
    never_overlapping(audio)


def test_card_prompts_are_spoken_outside_voice_mode_until_the_card_is_taken(kiosk_ui):
    audio = recorder(kiosk_ui)
    kiosk_ui.services.cards.start()
    kiosk_ui.tap(kiosk_ui.app.screen("home").ids.tile_certificates)
    screen = kiosk_ui.screen("card")
    said(kiosk_ui, audio, "请将身份证放在读卡区")
    kiosk_ui.tap(screen.ids.simulate)
    kiosk_ui.wait_until(lambda: screen.state == "ok")
    texts = said(kiosk_ui, audio, "身份核验成功")
    assert not any("张" in t or "1101" in t for t in texts)  # never the person, out loud
    kiosk_ui.clock.advance(10_000)  # the citizen walked away, card on the reader
    said(kiosk_ui, audio, "请取走您的身份证")
    kiosk_ui.app._say_take_card()  # the repeat the prompt's timer makes every 8 s
    kiosk_ui.wait_until(lambda: audio.texts().count("请取走您的身份证") >= 2)
    kiosk_ui.services.cards.reader.remove()
    prompt = kiosk_ui.app._take_card
    kiosk_ui.wait_until(lambda: prompt.parent is None and not kiosk_ui.services.voice.speaking())
    never_overlapping(audio)


def test_the_maintenance_pin_is_never_read_out(tmp_path):
    """Even where voice mode is every session's default ([voice] guidance = true)."""
    from dataclasses import replace

    from kiosk.config import load
    from kiosk.services import build_services
    from kiosk.ui.offscreen import OffscreenKiosk

    cfg = load(write_kiosk_config(tmp_path))
    cfg = replace(cfg, maintenance=replace(cfg.maintenance, pin="2468"), voice=replace(cfg.voice, guidance=True))
    services = build_services(cfg)
    still_clock(services)
    with OffscreenKiosk(cfg, services=services, size=(1080, 1920), draw=False) as kiosk:
        audio = recorder(kiosk)
        kiosk.tap(kiosk.app.screen("home").ids.tile_guides)
        said(kiosk, audio, "办事指南")  # voice mode from the start
        corner_taps(kiosk)
        assert kiosk.app.current_screen == "maintenance"
        kiosk.wait(0.3)
        count = len(audio.spoken)
        enter_pin(kiosk, "2468")
        assert kiosk.screen("maintenance").state == "panel"
        kiosk.wait(0.3)
        assert len(audio.spoken) == count  # not a digit, not a key, not the panel
