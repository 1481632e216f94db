"""Central's page texts: gettext catalog `central` (zh_CN and en), separate from the kiosk's."""

from __future__ import annotations

from pathlib import Path

from common import i18n
from common.i18n import N_

__all__ = ["CATALOG", "N_", "translator"]

DOMAIN = "central"
LOCALE_DIR = Path(__file__).parent / "locale"
CATALOG = i18n.CatalogSpec(domain=DOMAIN, locale_dir=LOCALE_DIR, sources=(Path(__file__).resolve().parent,))


def translator(language: str) -> i18n.Translator:
    return i18n.Translator(language, domain=DOMAIN, locale_dir=LOCALE_DIR)
