"""Chinese input engines: the pinyin lexicon built from Debian's database, the
composer, and Zinnia handwriting with recorded strokes."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from kiosk.ime.handwriting import HandwritingError, Recognizer
from kiosk.ime.lexicon import LexiconError, build_lexicon, ensure_lexicon, entries_of, read_lexicon
from kiosk.ime.pinyin import MAX_LETTERS, Composer, Lexicon, segment
from kiosk.ime.service import InputMethods
from peers.kiosk_setup import LEXICON

STROKES = json.loads((Path(__file__).parent / "data" / "handwriting" / "characters.json").read_text())["strokes"]


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return Lexicon(read_lexicon(ensure_lexicon(LEXICON)))


def typed(lexicon: Lexicon, letters: str) -> Composer:
    composer = Composer(lexicon)
    for letter in letters:
        assert composer.type(letter)
    return composer


def texts(composer: Composer, n: int = 10) -> list[str]:
    return [c.text for c in composer.candidates()[:n]]


def test_the_lexicon_is_built_from_debians_database_with_readable_syllables(tmp_path):
    count = build_lexicon(tmp_path / "lex.tsv", max_words=50_000)
    entries = list(read_lexicon(tmp_path / "lex.tsv"))
    assert count == len(entries) > 20_000  # every character, plus 50,000 words
    by_text = {text: syllables for text, syllables, _ in entries}
    assert by_text["身份证"] == ("shen", "fen", "zheng")
    assert by_text["绿色"] == ("lv", "se") and by_text["营业"] == ("ying", "ye")
    frequencies = [freq for _, _, freq in entries]
    assert frequencies == sorted(frequencies, reverse=True)


def test_a_missing_database_or_a_damaged_lexicon_says_what_to_do(tmp_path):
    with pytest.raises(LexiconError, match="install the Debian package pinyin-database"):
        build_lexicon(tmp_path / "lex.tsv", source=tmp_path / "none.db")
    bad = tmp_path / "bad.tsv"
    bad.write_text("身份证\tshen fen zheng\t7388\n身份\tshen fen\n", encoding="utf-8")
    with pytest.raises(LexiconError, match=r"line 2 .*rebuild"):
        list(read_lexicon(bad))


def test_letters_are_cut_into_syllables_initials_and_an_unfinished_syllable(lexicon):
    assert segment("shenfenzheng", lexicon) == ["shen", "fen", "zheng"]
    assert segment("sfz", lexicon) == ["s", "f", "z"]
    assert segment("shenfz", lexicon) == ["shen", "f", "z"]
    assert segment("xian", lexicon) == ["xian"]
    assert segment("xi'an", lexicon) == ["xi", "an"]
    assert segment("lve", lexicon) == ["lue"]


@pytest.mark.parametrize(
    ("letters", "first"),
    [
        ("shenfenzheng", "身份证"),
        ("sfz", "身份证"),
        ("hukou", "户口"),
        ("yingyezhizhao", "营业执照"),
        ("manle", "满了"),
    ],
)
def test_whole_words_come_first(lexicon, letters, first):
    assert texts(typed(lexicon, letters))[0] == first


def test_the_syllable_as_typed_comes_before_longer_ones(lexicon):
    assert "想" not in texts(typed(lexicon, "xian"))  # xiang waits behind xian's characters
    assert texts(typed(lexicon, "xiang"))[0] == "想"


def test_choosing_part_keeps_the_rest_and_backspace_takes_a_choice_back(lexicon):
    composer = typed(lexicon, "shenfenzheng")
    shen_fen = next(c for c in composer.candidates() if c.text == "身份")
    assert composer.choose(shen_fen) == ""  # zheng still to choose
    assert composer.preedit == "身份zheng"
    zheng = next(c for c in composer.candidates()[:5] if c.text == "证")
    assert composer.choose(zheng) == "身份证"  # all chosen: committed
    assert not composer.active
    composer = typed(lexicon, "shenfen")
    composer.choose(next(c for c in composer.candidates() if c.text == "身"))
    assert composer.preedit == "身fen"
    assert composer.backspace() and composer.preedit == "身fe"
    composer.backspace(), composer.backspace()
    assert composer.preedit == "身" and composer.backspace()
    assert composer.letters == "shen" and composer.chosen == []  # the choice undone, its letters back


def test_a_mode_switch_loses_nothing_and_the_composition_is_bounded(lexicon):
    composer = typed(lexicon, "hukouqian")
    composer.choose(next(c for c in composer.candidates() if c.text == "户口"))
    assert composer.commit_raw() == "户口qian" and not composer.active
    composer = Composer(lexicon)
    assert all(composer.type("a") for _ in range(MAX_LETTERS))
    assert not composer.type("a") and not composer.type("1") and not composer.type("身")


def test_the_catalogs_words_rank_first(lexicon):
    entries = entries_of([("半里", "ban li", 6000), ("办理", "ban li", 5000), ("板栗", "ban li", 5500)])
    small = Lexicon(entries)
    assert texts(typed(small, "banli"))[:3] == ["半里", "板栗", "办理"]
    assert small.set_domain(["户籍证明办理", "社保卡申领"]) == 1
    assert texts(typed(small, "banli"))[0] == "办理"


def recognise(recognizer: Recognizer, char: str, size: float = 600) -> list[str]:
    strokes = [[(x * size, y * size) for x, y in stroke] for stroke in STROKES[char]]
    return [g.text for g in recognizer.classify(strokes, size, size)]


def test_recorded_strokes_are_recognised_at_any_box_size():
    recognizer = Recognizer()
    try:
        for char in STROKES:
            assert recognise(recognizer, char)[0] == char
        assert recognise(recognizer, "身", size=180)[0] == "身"  # a small box: scaled to the model's
        assert recognizer.classify([], 600, 600) == []
    finally:
        recognizer.close()


def test_a_recogniser_stays_on_its_thread_and_a_missing_model_says_what_to_install(tmp_path):
    recognizer = Recognizer()
    failure: list[BaseException] = []
    thread = threading.Thread(target=lambda: _capture(failure, lambda: recognise(recognizer, "身")))
    thread.start()
    thread.join()
    recognizer.close()
    assert isinstance(failure[0], RuntimeError)
    with pytest.raises(HandwritingError, match="tegaki-zinnia-simplified-chinese"):
        Recognizer(tmp_path / "none.model")


def _capture(into: list, call) -> None:
    try:
        call()
    except BaseException as exc:
        into.append(exc)


def test_the_service_loads_off_thread_ranks_the_catalog_and_keeps_only_the_newest_drawing(tmp_path):
    methods = InputMethods(LEXICON, Path("/usr/share/pinyin-database/main.db"), tmp_path / "missing.model",
                           domain=lambda: ["婚姻登记"])  # fmt: skip
    loaded = threading.Event()
    methods.on_loaded.append(loaded.set)
    assert not methods.available("pinyin")
    methods.start()
    assert loaded.wait(60)
    assert methods.available("pinyin") and not methods.available("handwriting")
    assert "tegaki-zinnia-simplified-chinese" in methods.problems["handwriting"]
    composer = methods.composer()
    assert composer is not None
    for letter in "dengji":
        composer.type(letter)
    assert composer.candidates()[0].text == "登记"
    methods.stop()


def test_a_technician_checks_the_lexicon_from_the_command_line(tmp_path):
    from peers.central import run_cli
    from peers.kiosk_setup import write_kiosk_config

    config = str(write_kiosk_config(tmp_path))
    result = run_cli("kiosk", "--config", config, "input", "try", "hukou")
    assert result.returncode == 0 and result.stdout.split(": ")[1].split()[0] == "户口"
    refused = run_cli("kiosk", "--config", config, "input", "try", "hu1")
    assert refused.returncode == 2 and "'1' is not a pinyin letter" in refused.stderr
