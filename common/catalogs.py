"""Maintain message catalogs with Babel (a development tool, never imported at run time).

Extract every marked string of a program's sources, merge into its .po files,
compile .mo files, and check that nothing is untranslated or stale. A compiled
catalog is compared by content (message ids, translations, plural forms), not
by bytes, so a newer Babel writing another `Generated-By` header is no change.

    python scripts/catalogs.py update   # after changing UI or page text
    python scripts/catalogs.py check    # what the tests run
"""

from __future__ import annotations

import copy
import io
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po, write_po

from common.i18n import LANGUAGES, CatalogSpec

__all__ = ["CatalogSpec", "check", "compiled", "content", "extract_template", "po_path", "read_catalog", "update"]

KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)}


def extract_template(spec: CatalogSpec) -> Catalog:
    template = Catalog(project="hall-kiosk", domain=spec.domain)
    for root in spec.sources:
        prefix = root.name
        for filename, lineno, message, comments, context in extract_from_dir(
            str(root), list(spec.methods), keywords=KEYWORDS, comment_tags=("TRANSLATORS:",)
        ):
            template.add(message, None, [(f"{prefix}/{filename}", lineno)], auto_comments=comments, context=context)
    return template


def po_path(spec: CatalogSpec, lang: str) -> Path:
    return spec.locale_dir / lang / "LC_MESSAGES" / f"{spec.domain}.po"


def read_catalog(spec: CatalogSpec, lang: str) -> Catalog:
    path = po_path(spec, lang)
    if not path.exists():
        return Catalog(locale=lang, domain=spec.domain)
    with path.open("rb") as fh:
        return read_po(fh, locale=lang, domain=spec.domain)


def compiled(catalog: Catalog) -> bytes:
    buf = io.BytesIO()
    write_mo(buf, catalog)
    return buf.getvalue()


def content(catalog: Catalog) -> dict[tuple[object, object], object]:
    """What a compiled catalog answers: {(id, context): translation}, header and fuzzy entries left out."""
    return {
        (m.id, m.context): m.string
        for m in catalog
        if m.id and m.string and not m.fuzzy and (not isinstance(m.string, tuple) or all(m.string))
    }


def update(spec: CatalogSpec, seed: dict[str, list[Catalog]] | None = None) -> None:
    """Merge the sources' strings into each language's catalog and compile it.

    `seed` catalogs, by language, offer translations for new ids (a string
    moving from one program's catalog to another keeps its translation).
    """
    template = extract_template(spec)
    for lang in LANGUAGES:
        catalog = read_catalog(spec, lang)
        # a copy: Babel adds the template's own message objects to a catalog that lacks them
        catalog.update(copy.deepcopy(template), update_header_comment=False, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        for other in (seed or {}).get(lang, []):
            for message in catalog:
                if message.id and not message.string:
                    known = other.get(message.id, message.context)
                    if known is not None and known.string and not known.fuzzy:
                        message.string = known.string
        path = po_path(spec, lang)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as fh:
            write_po(fh, catalog, width=100, omit_header=False, sort_output=False)
        path.with_suffix(".mo").write_bytes(compiled(catalog))


def check(spec: CatalogSpec) -> list[str]:
    """Problems a release must not ship with; empty when all is well."""
    problems = []
    wanted = {m.id for m in extract_template(spec) if m.id}
    for lang in LANGUAGES:
        catalog = read_catalog(spec, lang)
        name = po_path(spec, lang).name
        have = {m.id for m in catalog if m.id}
        for missing in sorted(wanted - have, key=str):
            problems.append(f"{spec.domain} {lang}: {missing!r} is not in {name}; run catalogs update")
        for unused in sorted(have - wanted, key=str):
            problems.append(
                f"{spec.domain} {lang}: {unused!r} is in {name} but not in the sources; run catalogs update"
            )
        if lang != "en":  # English message ids are the English text
            for m in catalog:
                if m.id and (not m.string or m.fuzzy):
                    problems.append(f"{spec.domain} {lang}: {m.id!r} has no translation")
        mo = po_path(spec, lang).with_suffix(".mo")
        if not mo.exists():
            problems.append(f"{spec.domain} {lang}: {mo.name} is missing; run catalogs update")
            continue
        with mo.open("rb") as fh:
            if content(read_mo(fh)) != content(catalog):
                problems.append(f"{spec.domain} {lang}: {mo.name} is stale; run catalogs update")
    return problems
