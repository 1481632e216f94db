"""Translations: gettext catalogs for zh_CN and en (message ids are English).

`Translator` is plain Python; kiosk.ui wraps it so .kv rules re-evaluate when
the language changes. Catalogs: kiosk/i18n/locale/<lang>/LC_MESSAGES/kiosk.po,
extracted and compiled with Babel (see docs/i18n.md).
"""
from __future__ import annotations

import gettext
from datetime import datetime
from pathlib import Path
from typing import Callable

DOMAIN = "kiosk"
LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("zh_CN", "en")


def N_(message: str) -> str:
    """Mark a string for extraction without translating it yet."""
    return message


# TRANSLATORS: abbreviated weekday for the header clock
_WEEKDAYS = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))
_MONTHS = (N_("Jan"), N_("Feb"), N_("Mar"), N_("Apr"), N_("May"), N_("Jun"), N_("Jul"),
           N_("Aug"), N_("Sep"), N_("Oct"), N_("Nov"), N_("Dec"))


class Translator:
    def __init__(self, language: str = "zh_CN"):
        self._catalogs = {
            lang: gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang], fallback=True) for lang in LANGUAGES
        }
        self._language = language if language in LANGUAGES else LANGUAGES[0]
        self._listeners: list[Callable[[str], None]] = []

    @property
    def language(self) -> str:
        return self._language

    def set_language(self, language: str) -> None:
        if language not in LANGUAGES:
            raise ValueError(f"unsupported language {language!r}; expected one of {LANGUAGES}")
        if language != self._language:
            self._language = language
            for listener in list(self._listeners):
                listener(language)

    def on_change(self, listener: Callable[[str], None]) -> None:
        self._listeners.append(listener)

    def gettext(self, message: str) -> str:
        return self._catalogs[self._language].gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._catalogs[self._language].ngettext(singular, plural, n)

    def format_datetime(self, moment: datetime) -> str:
        """The header clock, e.g. 2026年11月21日 星期六 09:30 / Sat 21 Nov 2026 09:30."""
        _ = self.gettext
        return _("{weekday} {day} {month} {year}  {hour:02d}:{minute:02d}").format(
            weekday=_(_WEEKDAYS[moment.weekday()]), day=moment.day, month=_(_MONTHS[moment.month - 1]),
            month_number=moment.month, year=moment.year, hour=moment.hour, minute=moment.minute,
        )
