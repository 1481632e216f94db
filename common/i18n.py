"""Translations at run time: gettext catalogs per program (message ids are English).

Each program keeps its own catalog (domain): the kiosk's in kiosk/i18n/locale,
central's page texts in central/web/locale. This module only reads compiled
catalogs; maintaining them (extract, merge, compile, check) is common.catalogs,
a development tool.
"""

from __future__ import annotations

import gettext
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

LANGUAGES = ("zh_CN", "en")


def N_(message: str) -> str:
    """Mark a string for extraction without translating it yet."""
    return message


class Translator:
    """One program's messages in the current language, with change listeners."""

    def __init__(self, language: str, *, domain: str, locale_dir: Path):
        self._catalogs = {
            lang: gettext.translation(domain, locale_dir, languages=[lang], fallback=True) for lang in LANGUAGES
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

    def messages(self, language: str) -> dict[str, str]:
        """Every singular message id with its text in `language` (the id itself
        where untranslated): what voice guidance makes clips of."""
        ids = {k for c in self._catalogs.values() for k in getattr(c, "_catalog", {}) if isinstance(k, str) and k}
        return {msgid: self._catalogs[language].gettext(msgid) for msgid in sorted(ids)}


@dataclass(frozen=True)
class CatalogSpec:
    """Where one program's catalog lives and which sources feed it (for common.catalogs).

    `methods` are Babel extraction methods by glob; a "module:function" string
    names a custom extractor without importing it here.
    """

    domain: str
    locale_dir: Path
    sources: tuple[Path, ...]
    methods: tuple[tuple[str, str], ...] = (("**.py", "python"),)
