"""Maintain the message catalogs with Babel (a development tool, not needed at
run time): extract every marked string from .py and .kv sources, merge into
the .po files, compile .mo files, and check that nothing is left untranslated.

    python -m kiosk.i18n.catalogs update   # after changing UI text
    python -m kiosk.i18n.catalogs check    # what the tests run
"""
from __future__ import annotations

import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from kiosk.i18n import DOMAIN, LANGUAGES, LOCALE_DIR
from kiosk.i18n.kv_extract import extract as extract_kv

REPO = Path(__file__).resolve().parents[2]
SOURCE_ROOTS = (REPO / "kiosk", REPO / "central" / "web")  # the kiosk UI, and the pages central serves
KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)}
METHOD_MAP = [("**.py", "python"), ("**.kv", extract_kv)]


def extract_template() -> Catalog:
    template = Catalog(project="hall-kiosk", domain=DOMAIN)
    for root in SOURCE_ROOTS:
        prefix = root.relative_to(REPO).as_posix()
        for filename, lineno, message, comments, context in extract_from_dir(
                str(root), METHOD_MAP, keywords=KEYWORDS, comment_tags=("TRANSLATORS:",)):
            template.add(message, None, [(f"{prefix}/{filename}", lineno)], auto_comments=comments, context=context)
    return template


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalog(lang: str) -> Catalog:
    path = po_path(lang)
    if not path.exists():
        return Catalog(locale=lang, domain=DOMAIN)
    with path.open("rb") as fh:
        return read_po(fh, locale=lang, domain=DOMAIN)


def compiled(catalog: Catalog) -> bytes:
    buf = io.BytesIO()
    write_mo(buf, catalog)
    return buf.getvalue()


def update() -> None:
    template = extract_template()
    for lang in LANGUAGES:
        catalog = read_catalog(lang)
        catalog.update(template, update_header_comment=False)
        catalog.obsolete.clear()
        path = po_path(lang)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as fh:
            write_po(fh, catalog, width=100, omit_header=False, sort_output=False)
        path.with_suffix(".mo").write_bytes(compiled(catalog))


def check() -> list[str]:
    """Problems a release must not ship with; empty when all is well."""
    problems = []
    template = extract_template()
    wanted = {m.id for m in template if m.id}
    for lang in LANGUAGES:
        catalog = read_catalog(lang)
        have = {m.id for m in catalog if m.id}
        for missing in sorted(wanted - have, key=str):
            problems.append(f"{lang}: {missing!r} is not in {po_path(lang).name}; run catalogs update")
        if lang != "en":  # English message ids are the English text
            for m in catalog:
                if m.id and (not m.string or m.fuzzy):
                    problems.append(f"{lang}: {m.id!r} has no translation")
        mo = po_path(lang).with_suffix(".mo")
        if not mo.exists() or mo.read_bytes() != compiled(catalog):
            problems.append(f"{lang}: {mo.name} is stale; run catalogs update")
    return problems


def main(argv: list[str] | None = None) -> int:
    cmd = (argv or sys.argv[1:] or ["check"])[0]
    if cmd == "update":
        update()
    problems = check()
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
