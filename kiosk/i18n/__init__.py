"""The kiosk's translations: gettext catalog `kiosk` for zh_CN and en (message ids are English).

`Translator` is plain Python; kiosk.ui wraps it so .kv rules re-evaluate when
the language changes. Catalogs: kiosk/i18n/locale/<lang>/LC_MESSAGES/kiosk.po,
maintained with `python scripts/catalogs.py update` (see docs/development.md).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from common import i18n
from common.i18n import LANGUAGES, N_

__all__ = ["CATALOG", "DOMAIN", "LANGUAGES", "LOCALE_DIR", "N_", "Translator"]

DOMAIN = "kiosk"
LOCALE_DIR = Path(__file__).parent / "locale"
CATALOG = i18n.CatalogSpec(
    domain=DOMAIN,
    locale_dir=LOCALE_DIR,
    sources=(Path(__file__).resolve().parents[1],),
    methods=(("**.py", "python"), ("**.kv", "kiosk.i18n.kv_extract:extract")),
)

# TRANSLATORS: abbreviated weekday for the header clock
_WEEKDAYS = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))
_MONTHS = (
    N_("Jan"), N_("Feb"), N_("Mar"), N_("Apr"), N_("May"), N_("Jun"),
    N_("Jul"), N_("Aug"), N_("Sep"), N_("Oct"), N_("Nov"), N_("Dec"),
)  # fmt: skip


class Translator(i18n.Translator):
    def __init__(self, language: str = "zh_CN"):
        super().__init__(language, domain=DOMAIN, locale_dir=LOCALE_DIR)

    def format_datetime(self, moment: datetime) -> str:
        """The header clock, e.g. 2026年11月21日 星期六 09:30 / Sat 21 Nov 2026 09:30."""
        _ = self.gettext
        return _("{weekday} {day} {month} {year}  {hour:02d}:{minute:02d}").format(
            weekday=_(_WEEKDAYS[moment.weekday()]),
            day=moment.day,
            month=_(_MONTHS[moment.month - 1]),
            month_number=moment.month,
            year=moment.year,
            hour=moment.hour,
            minute=moment.minute,
        )
