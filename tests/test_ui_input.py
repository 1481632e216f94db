"""Chinese input through the real UI: pinyin with the candidate bar, and
handwriting drawn with a finger, in search and in a bad-review comment."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.ui
STROKES = json.loads((Path(__file__).parent / "data" / "handwriting" / "characters.json").read_text())["strokes"]


def open_search(kiosk):
    kiosk.tap(kiosk.app.screen("home").ids.tile_guides)
    screen = kiosk.screen("guides")
    kiosk.tap(screen.ids.search_box)
    keyboard = screen.ids.keyboard
    # loaded when a keyboard with Chinese input first opens; then its mode keys appear
    kiosk.wait_until(lambda: any(k.key_id == "mode:pinyin" for k in keyboard.ids.bottom.children), 60)
    return screen, keyboard


def type_keys(kiosk, keyboard, letters: str) -> None:
    for letter in letters:
        kiosk.tap(keyboard.key(letter), frames=1)


def test_typing_shenfenzheng_and_picking_the_word_searches_for_it(kiosk_ui):
    screen, keyboard = open_search(kiosk_ui)
    assert keyboard.mode == "abc"  # search starts in letters: sfz searches as it is
    kiosk_ui.tap(keyboard.key("mode:pinyin"))
    type_keys(kiosk_ui, keyboard, "shenfenzheng")
    assert keyboard.preedit == "shen'fen'zheng"
    assert keyboard.candidates[0] == "身份证"
    assert screen.query == "" and screen.ids.results.data[0]["title"] == "居民身份证办理"  # searched while composing
    kiosk_ui.tap(keyboard.key("candidate:身份证"))
    assert screen.query == "身份证" and keyboard.preedit == "" and keyboard.candidates == []
    assert "身份证" in screen.ids.heading.text
    kiosk_ui.tap_text("居民身份证办理")
    assert kiosk_ui.app.current_screen == "matter"
    assert kiosk_ui.screen("matter").ids.title.text == "居民身份证办理"


def test_part_of_the_letters_the_space_key_and_a_mode_switch(kiosk_ui):
    screen, keyboard = open_search(kiosk_ui)
    kiosk_ui.tap(keyboard.key("mode:pinyin"))
    type_keys(kiosk_ui, keyboard, "hukouqianyi")
    kiosk_ui.tap(keyboard.key("candidate:户口"))
    assert keyboard.preedit.startswith("户口") and screen.query == ""
    kiosk_ui.tap(keyboard.key("space"))  # the first candidate for what is left: 迁移
    assert screen.query == "户口迁移" and keyboard.preedit == ""
    kiosk_ui.tap(keyboard.key("backspace"))
    assert screen.query == "户口迁"  # nothing composed: the query's last character goes
    type_keys(kiosk_ui, keyboard, "zh")
    kiosk_ui.tap(keyboard.key("mode:abc"))  # the letters typed are kept as letters
    assert screen.query == "户口迁zh" and keyboard.mode == "abc"
    kiosk_ui.tap(keyboard.key("space"))
    assert screen.query == "户口迁zh "


def test_the_separator_key_splits_syllables(kiosk_ui):
    _screen, keyboard = open_search(kiosk_ui)
    kiosk_ui.tap(keyboard.key("mode:pinyin"))
    type_keys(kiosk_ui, keyboard, "xian")
    assert "西安" not in keyboard.candidates[:3]
    for _ in "xian":
        kiosk_ui.tap(keyboard.key("backspace"))
    type_keys(kiosk_ui, keyboard, "xi")
    kiosk_ui.tap(keyboard.key("separator"))
    type_keys(kiosk_ui, keyboard, "an")
    assert keyboard.preedit == "xi'an" and keyboard.candidates[0] == "西安"


def test_candidates_page_through_the_bar(kiosk_ui):
    _screen, keyboard = open_search(kiosk_ui)
    kiosk_ui.tap(keyboard.key("mode:pinyin"))
    type_keys(kiosk_ui, keyboard, "shi")
    first = list(keyboard.candidates)
    assert keyboard.pages > 1 and first[0] == "是"
    kiosk_ui.tap(keyboard.ids.next_page)
    assert keyboard.page == 1 and keyboard.candidates and not set(keyboard.candidates) & set(first)
    kiosk_ui.tap(keyboard.ids.prev_page)
    assert list(keyboard.candidates) == first


def test_a_character_written_with_a_finger_is_recognised_and_searched(kiosk_ui):
    screen, keyboard = open_search(kiosk_ui)
    kiosk_ui.tap(keyboard.key("mode:handwriting"))
    pad = keyboard.pad
    assert pad.get_root_window() is not None and pad.width >= 250
    kiosk_ui.handwrite(pad, STROKES["户"])
    kiosk_ui.wait_until(lambda: keyboard.candidates and keyboard.candidates[0] == "户")
    kiosk_ui.tap(keyboard.key("candidate:户"))
    assert screen.query == "户" and pad.strokes == [] and keyboard.candidates == []
    kiosk_ui.handwrite(pad, STROKES["身"][:2])
    kiosk_ui.tap(keyboard.key("backspace"))  # takes the last stroke back, not the query's character
    assert len(pad.strokes) == 1 and screen.query == "户"
    kiosk_ui.tap(keyboard.key("rewrite"))
    assert pad.strokes == [] and keyboard.candidates == []


def test_a_bad_review_comment_is_written_in_characters(kiosk_ui):
    kiosk_ui.tap(kiosk_ui.app.screen("home").ids.tile_rating)
    rating = kiosk_ui.screen("rating")
    kiosk_ui.tap(rating.ids.level_5)
    assert rating.state == "details"
    kiosk_ui.tap(rating.ids.comment)
    assert rating.state == "comment"
    keyboard = rating.ids.keyboard
    kiosk_ui.wait_until(lambda: keyboard.mode == "pinyin", 60)  # a comment starts in pinyin
    type_keys(kiosk_ui, keyboard, "manle")
    kiosk_ui.tap(keyboard.key("candidate:慢了"))
    type_keys(kiosk_ui, keyboard, "deng")  # still being composed when Done is tapped: kept as letters
    assert rating.ids.text.text == "慢了deng"
    kiosk_ui.tap(rating.ids.comment_done)
    assert rating.state == "details" and rating.ids.comment.text == "慢了deng"
    kiosk_ui.tap(rating.ids.submit)
    payloads = [
        json.loads(p) for (p,) in kiosk_ui.app.services.outbox.read("SELECT payload FROM outbox WHERE kind='rating'")
    ]
    assert [p["text"] for p in payloads] == ["慢了deng"]
