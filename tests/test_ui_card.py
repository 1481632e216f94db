"""Identifying the citizen through the real UI with the virtual reader: the
prompt, reading, the masked identity, failures in words, and the wipe."""

from __future__ import annotations

import pytest

from drivers.reader import CardFailed, CardReading, ReaderFault
from drivers.reader.errors import ReaderError
from peers.ga467_reader import ZHANG

pytestmark = pytest.mark.ui


def wait_state(kiosk, screen, state):
    kiosk.wait_until(lambda: screen.state == state)


def open_card_screen(kiosk):
    kiosk.tap(kiosk.app.screen("home").ids.tile_certificates)
    assert kiosk.app.current_screen == "card"
    return kiosk.screen("card")


def test_prompt_read_masked_identity_and_continue(kiosk_ui):
    kiosk_ui.services.cards.start()
    screen = open_card_screen(kiosk_ui)
    assert screen.state == "idle" and screen.ids.headline.text == "请将身份证放在读卡区"
    assert "隐私" in screen.ids.notice.text and screen.ids.simulate.opacity == 1
    shown: list[tuple[str, str]] = []  # every headline the screen showed, with its state
    screen.ids.headline.bind(text=lambda label, text: shown.append((screen.state, text)))
    kiosk_ui.tap(screen.ids.simulate)
    wait_state(kiosk_ui, screen, "ok")
    states = [state for state, _ in shown]
    assert states.index("reading") < states.index("ok")  # the transient state was shown on the way
    assert "正在读取" in dict(shown)["reading"]
    assert screen.person == {
        "name": "张*明",
        "number": "1101**********002X",
        "gender": "男",
        "nation": "汉",
        "valid_to": "长期",
    }
    shown = " ".join(w.text for w in screen.walk() if hasattr(w, "text"))
    assert "张*明" in shown and "1101**********002X" in shown and "汉" in shown  # rendered, not just held
    assert "张伟明" not in shown and ZHANG["id_number"] not in shown  # only masked data on screen
    assert kiosk_ui.services.session.identity is not None
    kiosk_ui.tap(screen.ids.go_on)
    assert kiosk_ui.app.current_screen == "certificates"


def test_card_removal_wipes_the_session_and_the_screen(kiosk_ui):
    kiosk_ui.services.cards.start()
    screen = open_card_screen(kiosk_ui)
    kiosk_ui.services.cards.reader.insert()
    wait_state(kiosk_ui, screen, "ok")
    kiosk_ui.services.session.put("draft", "x")
    kiosk_ui.services.cards.reader.remove()
    kiosk_ui.wait_until(lambda: kiosk_ui.app.current_screen == "home")
    assert kiosk_ui.services.session.identity is None and "draft" not in kiosk_ui.services.session
    assert screen.person == {} and screen.state == "idle"


def test_a_card_left_on_the_reader_is_asked_for_until_it_is_taken(kiosk_ui):
    kiosk_ui.services.cards.start()
    screen = open_card_screen(kiosk_ui)
    kiosk_ui.tap(screen.ids.simulate)
    wait_state(kiosk_ui, screen, "ok")
    kiosk_ui.clock.advance(61)  # the citizen walked away: the session ends, the card stays
    kiosk_ui.wait_until(lambda: kiosk_ui.app.current_screen == "home")
    assert kiosk_ui.services.session.identity is None  # wiped all the same
    prompt = kiosk_ui.app._take_card
    kiosk_ui.wait_until(lambda: prompt is not None and prompt.parent is not None)
    assert prompt.ids.title.text == "请取走您的身份证"
    kiosk_ui.tap(kiosk_ui.app.screen("home").ids.tile_guides)  # the next citizen is asked first
    assert prompt.parent is not None and kiosk_ui.app.current_screen == "home"
    kiosk_ui.services.cards.reader.remove()
    kiosk_ui.wait_until(lambda: prompt.parent is None)


def test_the_end_of_a_card_flow_asks_for_the_card_on_screen_and_aloud(kiosk_ui):
    kiosk_ui.services.cards.start()
    audio = kiosk_ui.services.voice.audio
    audio.speed = 8.0
    screen = open_card_screen(kiosk_ui)
    kiosk_ui.tap(screen.ids.simulate)
    wait_state(kiosk_ui, screen, "ok")
    kiosk_ui.tap(screen.ids.go_on)
    assert kiosk_ui.app.current_screen == "certificates"
    kiosk_ui.tap(kiosk_ui.shell.ids.home_button)  # done with the certificates: home, card still on the reader
    prompt = kiosk_ui.app._take_card
    assert prompt is not None and prompt.parent is not None
    kiosk_ui.wait_until(lambda: "请取走您的身份证" in audio.texts())  # spoken outside voice mode too
    assert kiosk_ui.services.session.identity is not None  # the session lasts until the card is taken
    kiosk_ui.services.cards.reader.remove()
    kiosk_ui.wait_until(lambda: prompt.parent is None)
    assert kiosk_ui.services.session.identity is None


def test_expired_card_is_told_and_refused(kiosk_ui):
    kiosk_ui.services.cards.start()
    screen = open_card_screen(kiosk_ui)
    kiosk_ui.services.cards.reader.insert({**ZHANG, "valid_from": "20050101", "valid_to": "20150101"})
    wait_state(kiosk_ui, screen, "failed")
    assert screen.ids.headline.text == "您的身份证已过有效期" and "换证" in screen.ids.advice.text
    assert kiosk_ui.services.session.identity is None
    assert screen.ids.retry.opacity == 1


@pytest.mark.parametrize(
    "event,headline",
    [
        (CardFailed("virtual", ReaderError("card_removed", "empty reply")), "读取时身份证被移开了"),
        (CardFailed("virtual", ReaderError("unreadable", "bad TLV")), "无法读取这张证件"),
        (CardFailed("virtual", ReaderError("unsupported", "ATR")), "本机不支持这种证件"),
        (ReaderFault("virtual", ReaderError("no_service", "pcscd down")), "读卡器暂时无法使用"),
    ],
)
def test_failures_in_words_a_citizen_understands(kiosk_ui, event, headline):
    screen = open_card_screen(kiosk_ui)
    cards = kiosk_ui.services.cards
    cards._on_driver_event(CardReading("virtual"))
    cards._on_driver_event(event)
    kiosk_ui.wait_until(lambda: screen.ids.headline.text == headline)
    assert screen.ids.advice.text  # and what to do next
    kiosk_ui.tap(screen.ids.retry)
    assert screen.state == "idle"


def test_identity_screen_follows_the_language(kiosk_ui):
    kiosk_ui.services.cards.start()
    screen = open_card_screen(kiosk_ui)
    kiosk_ui.services.cards.reader.insert()
    wait_state(kiosk_ui, screen, "ok")
    kiosk_ui.tap(kiosk_ui.shell.ids.language_toggle)
    assert screen.ids.headline.text == "Identity confirmed"
    assert (screen.person["gender"], screen.person["valid_to"]) == ("Male", "No expiry")
