"""Every user-facing string is in its program's catalogs, translated, and compiled."""

from datetime import datetime

import pytest
from babel.messages.mofile import read_mo

from central.web.i18n import CATALOG as CENTRAL
from central.web.i18n import translator
from common import catalogs
from kiosk.i18n import CATALOG as KIOSK
from kiosk.i18n import Translator


@pytest.mark.parametrize("spec", [KIOSK, CENTRAL], ids=["kiosk", "central"])
def test_catalogs_complete_and_compiled(spec):
    assert catalogs.check(spec) == []


def test_compiled_catalog_compared_by_content_not_bytes(tmp_path):
    """A newer Babel writes another header: no change. A changed translation: stale."""
    spec = catalogs.CatalogSpec(domain=KIOSK.domain, locale_dir=tmp_path, sources=KIOSK.sources, methods=KIOSK.methods)
    for lang in ("zh_CN", "en"):
        target = catalogs.po_path(spec, lang)
        target.parent.mkdir(parents=True)
        target.write_bytes(catalogs.po_path(KIOSK, lang).read_bytes())
        catalog = catalogs.read_catalog(spec, lang)
        catalog.fuzzy = False
        target.with_suffix(".mo").write_bytes(catalogs.compiled(catalog).replace(b"Babel", b"Babxl"))
    assert catalogs.check(spec) == []
    mo = catalogs.po_path(spec, "zh_CN").with_suffix(".mo")
    with mo.open("rb") as fh:
        catalog = read_mo(fh)
    catalog["Take a ticket"].string = "拿号"
    mo.write_bytes(catalogs.compiled(catalog))
    assert catalogs.check(spec) == ["kiosk zh_CN: kiosk.mo is stale; run catalogs update"]


def test_template_finds_strings_in_kv_and_python():
    ids = {m.id for m in catalogs.extract_template(KIOSK)}
    assert "Take a ticket" in ids  # from a .kv rule
    assert "Returning to the home screen in {seconds} s" in ids  # from Python
    assert "Counter desk" not in ids  # central's pages have their own catalog
    assert "Counter desk" in {m.id for m in catalogs.extract_template(CENTRAL)}


def test_central_pages_translate_from_their_own_catalog():
    assert translator("zh_CN").gettext("Counter desk") != "Counter desk"
    assert translator("en").gettext("Counter desk") == "Counter desk"


def test_clock_line_in_both_languages():
    moment = datetime(2026, 11, 21, 9, 5)
    tr = Translator("zh_CN")
    assert tr.format_datetime(moment) == "2026年11月21日 星期六 09:05"
    tr.set_language("en")
    assert tr.format_datetime(moment) == "Sat 21 Nov 2026  09:05"


def test_unknown_language_is_refused():
    with pytest.raises(ValueError):
        Translator().set_language("fr")
