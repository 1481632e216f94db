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


_WEEKDAYS = (N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"),
             N_("Friday"), N_("Saturday"), N_("Sunday"))
_MONTHS = (N_("January"), N_("February"), N_("March"), N_("April"), N_("May"), N_("June"), N_("July"),
           N_("August"), N_("September"), N_("October"), N_("November"), N_("December"))


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
        """The home screen's clock line, e.g. 2026年11月21日 星期六 09:30."""
        _ = self.gettext
        return _("{weekday}, {day} {month} {year}  {hour:02d}:{minute:02d}").format(
            weekday=_(_WEEKDAYS[moment.weekday()]), day=moment.day, month=_(_MONTHS[moment.month - 1]),
            month_number=moment.month, year=moment.year, hour=moment.hour, minute=moment.minute,
        )
