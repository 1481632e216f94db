"""Find files under assets/ in a source checkout or an installed copy."""

from __future__ import annotations

import sys
from pathlib import Path

SOURCE_ASSETS = Path(__file__).resolve().parents[1] / "assets"
INSTALLED_ASSETS = Path(sys.prefix) / "share" / "hall-kiosk" / "assets"


def asset_path(relative: str) -> Path:
    for root in (SOURCE_ASSETS, INSTALLED_ASSETS):
        candidate = root / relative
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"asset {relative!r} not found in {SOURCE_ASSETS} or {INSTALLED_ASSETS}")
