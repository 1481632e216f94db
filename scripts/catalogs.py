#!/usr/bin/env python3
"""Maintain both programs' message catalogs (kiosk, central's pages).

python scripts/catalogs.py update   # extract, merge, compile after changing text
python scripts/catalogs.py check    # report missing, untranslated or stale entries
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from central.web.i18n import CATALOG as CENTRAL
from common import catalogs
from common.i18n import LANGUAGES
from kiosk.i18n import CATALOG as KIOSK

SPECS = (KIOSK, CENTRAL)


def main(argv: list[str] | None = None) -> int:
    cmd = (argv if argv is not None else sys.argv[1:] or ["check"])[0]
    if cmd not in ("update", "check"):
        print(f"usage: {sys.argv[0]} update|check", file=sys.stderr)
        return 2
    if cmd == "update":
        # a string that moved between the programs keeps its translation
        seed = {lang: [catalogs.read_catalog(spec, lang) for spec in SPECS] for lang in LANGUAGES}
        for spec in SPECS:
            catalogs.update(spec, seed)
    problems = [p for spec in SPECS for p in catalogs.check(spec)]
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
