"""A Simplified-Chinese font file for the UI and for printed previews.

Kivy's bundled Roboto has no hanzi, and SDL_ttf opens only the first face of a
.ttc: Debian's Noto Sans CJK collection starts with the Japanese face, which
draws 门, 骨, 关, 这 in Japanese shapes. So we extract the SC face once into a
cache; kiosk.ui registers it as Kivy's default font.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)

ASSET_FONTS = Path(__file__).resolve().parents[1] / "assets" / "fonts"
SYSTEM_COLLECTIONS = {
    "regular": ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",),
    "bold": ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",),
}
SC_FACE = "Noto Sans CJK SC"


class FontError(Exception):
    pass


def _extract_sc_face(collection: str, target: Path) -> Path:
    from fontTools.ttLib import TTCollection

    fonts = TTCollection(collection, lazy=True).fonts
    for face in fonts:
        family = face["name"].getDebugName(1) or ""
        if family.startswith(SC_FACE):
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_suffix(f".{os.getpid()}.tmp")
            face.save(str(tmp))
            os.replace(tmp, target)
            return target
    raise FontError(f"{collection} has no {SC_FACE} face")


def resolve(weight: str, configured: str, cache_dir: Path) -> Path:
    """Configured file, else a font shipped in assets/fonts, else the SC face
    of the system's Noto Sans CJK (extracted once into cache_dir)."""
    if configured:
        return Path(configured)
    cache_dir = Path(os.environ.get("KIOSK_FONT_CACHE") or cache_dir)  # one shared cache, e.g. for a test run
    shipped = sorted(ASSET_FONTS.glob(f"*SC*{'Bold' if weight == 'bold' else 'Regular'}*.[ot]tf"))
    if shipped:
        return shipped[0]
    cached = cache_dir / f"NotoSansCJKsc-{weight.capitalize()}.otf"
    if cached.is_file() and cached.stat().st_size > 0:
        return cached
    for collection in SYSTEM_COLLECTIONS[weight]:
        if os.path.isfile(collection):
            log.info("extracting %s (%s) from %s, once", SC_FACE, weight, collection)
            return _extract_sc_face(collection, cached)
    raise FontError(
        "no Simplified-Chinese font found: install Debian's fonts-noto-cjk or set [ui] font in the kiosk configuration"
    )


# Certificates embed a subset of the face; subsetting 65,000 glyphs for every
# page costs ~0.5 s, so a GB 2312 subset (7,500 characters) is made once and
# fpdf2 subsets that instead (~0.05 s). Text outside it uses the full face.
EXTRA_CHARS = "㎡·×—…①②③④⑤（）、。，：；“”‘’《》【】￥％"


def gb2312_chars() -> set[int]:
    chars = set(range(0x20, 0x7F)) | set(range(0xA0, 0x100)) | {ord(c) for c in EXTRA_CHARS}
    for b1 in range(0xA1, 0xF8):
        for b2 in range(0xA1, 0xFF):
            try:
                chars.add(ord(bytes((b1, b2)).decode("gb2312")))
            except UnicodeDecodeError:
                pass
    return chars


def document_subset(source: Path, cache_dir: Path) -> Path:
    """The GB 2312 subset of `source`, made once (about 10 s) and cached."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    cache_dir = Path(os.environ.get("KIOSK_FONT_CACHE") or cache_dir)
    target = cache_dir / f"{source.stem}-gb2312{source.suffix}"
    if target.is_file() and target.stat().st_mtime >= source.stat().st_mtime:
        return target
    options = subset.Options()
    options.layout_features = []
    options.hinting = False
    options.notdef_outline = True
    options.name_IDs = ["*"]
    font = TTFont(str(source))
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=gb2312_chars())
    subsetter.subset(font)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".{os.getpid()}.tmp")
    font.save(str(tmp))
    os.replace(tmp, target)
    return target
