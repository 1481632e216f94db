"""Every user-facing string is in both catalogs, translated, and compiled."""
from datetime import datetime

from kiosk.i18n import Translator, catalogs


def test_catalogs_complete_and_compiled():
    assert catalogs.check() == []


def test_template_finds_strings_in_kv_and_python():
    ids = {m.id for m in catalogs.extract_template()}
    assert "Take a ticket" in ids  # from a .kv rule
    assert "Returning to the home screen in {seconds} s" in ids  # from Python


def test_clock_line_in_both_languages():
    moment = datetime(2026, 11, 21, 9, 5)
    tr = Translator("zh_CN")
    assert tr.format_datetime(moment) == "2026年11月21日 星期六 09:05"
    tr.set_language("en")
    assert tr.format_datetime(moment) == "Sat 21 Nov 2026  09:05"


def test_unknown_language_is_refused():
    import pytest

    with pytest.raises(ValueError):
        Translator().set_language("fr")
