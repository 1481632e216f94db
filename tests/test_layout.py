"""The layout check over every screen state a citizen reaches, by taps, in
every supported variant: portrait 1080x1920, landscape 1920x1080 and
1366x768; Chinese and English; normal and large text; and the high-contrast
theme. Each state is checked by kiosk/ui/layout_check.py (clipped or
overlapping text, overlapping or small targets, contrast); the test fails
with every problem found, named by variant, state and widget."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import run_cli, still_clock, write_kiosk_config

pytestmark = [pytest.mark.ui, pytest.mark.central]

SIZES = {"portrait": (1080, 1920), "landscape": (1920, 1080), "landscape-1366": (1366, 768)}
VARIANTS = [(size, lang, large, False) for size in SIZES for lang in ("zh_CN", "en") for large in (False, True)] + [
    ("portrait", "zh_CN", False, True),
    ("landscape-1366", "en", True, True),
]
PIN = "2468"
SCREENSHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots" / "layout"
STROKES = json.loads((Path(__file__).parent / "data" / "handwriting" / "characters.json").read_text())["strokes"]


@pytest.fixture(scope="module")
def enrolled(central, tmp_path_factory):
    directory = tmp_path_factory.mktemp("layout")
    code = json.loads(central.cli("kiosks", "add", "layout-check", "--json").stdout)["code"]
    cfg_path = write_kiosk_config(directory, central.url)
    assert run_cli("kiosk", "--config", str(cfg_path), "enroll", code).returncode == 0
    return cfg_path


class Walk:
    """Taps through the screens, checking each state it reaches."""

    def __init__(self, kiosk, lang: str, large: bool, contrast: bool):
        self.kiosk = kiosk
        self.variant = (lang, large, contrast)
        self.found: dict[str, list[str]] = {}
        self.shots: list[tuple[str, Path]] = []  # with KIOSK_SCREENSHOTS=1: a picture of each state
        self._dir = Path(tempfile.mkdtemp(prefix="layout-")) if "KIOSK_SCREENSHOTS" in os.environ else None

    def choose_variant(self) -> None:
        """As the citizen does, with the header's toggles (a finished session resets them)."""
        k, (lang, large, contrast) = self.kiosk, self.variant
        if k.app.lang != lang:
            k.tap(k.shell.ids.language_toggle)
        if k.app.large_text != large:
            k.tap(k.shell.ids.large_text_toggle)
        if k.app.high_contrast != contrast:
            k.tap(k.shell.ids.contrast_toggle)
        assert (k.app.lang, k.app.large_text, k.app.high_contrast) == self.variant

    def check(self, state: str, citizen: bool = True) -> None:
        from kiosk.ui.layout_check import problems

        k = self.kiosk
        if citizen:
            assert (k.app.lang, k.app.large_text, k.app.high_contrast) == self.variant, f"{state}: variant reset"
        self.kiosk.advance(8)  # rows made for new data get their text sizes a frame later
        found = [str(p) for p in problems()]
        if found:
            self.found[state] = found
        if self._dir is not None:
            self.shots.append((state, self.kiosk.screenshot(self._dir / f"{len(self.shots):02d}.png")))

    def home(self) -> None:
        before = self.kiosk.app.current_screen
        self.kiosk.tap(self.kiosk.shell.ids.home_button)
        assert self.kiosk.app.current_screen == "home", f"from {before}"


def contact_sheet(shots: list[tuple[str, Path]], title: str, out: Path) -> None:
    """Every state of one variant on one page, captioned (docs/screenshots/layout/)."""
    from PIL import Image, ImageDraw, ImageFont

    from kiosk.ui.fonts import resolve
    from peers.kiosk_setup import FONT_CACHE

    font = ImageFont.truetype(str(resolve("regular", "", FONT_CACHE)), 20)
    first = Image.open(shots[0][1])
    width = 300 if first.width < first.height else 420
    height = round(first.height * width / first.width)
    cols = 5 if first.width < first.height else 4
    rows = (len(shots) + cols - 1) // cols
    sheet = Image.new("RGB", (cols * (width + 12) + 12, 50 + rows * (height + 40)), "white")
    draw = ImageDraw.Draw(sheet)
    draw.text((12, 12), title, fill="black", font=font)
    for i, (state, path) in enumerate(shots):
        x, y = 12 + (i % cols) * (width + 12), 50 + (i // cols) * (height + 40)
        sheet.paste(Image.open(path).resize((width, height)), (x, y))
        draw.text((x, y + height + 6), state, fill="black", font=font)
    out.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(out, quality=80)


def walk_guides(w: Walk) -> None:
    k = w.kiosk
    k.tap(k.app.screen("home").ids.tile_guides)
    guides = k.screen("guides")
    w.check("guides: most used")
    for tab in ("tab_departments", "tab_categories", "tab_themes"):
        k.tap(guides.ids[tab])
        w.check(f"guides: {tab}")
    k.wait_until(lambda: guides.ids.results.children and guides.ids.results.children[0].children)
    row = guides.ids.results.children[0].children[-1]
    k.tap(row)
    w.check("guides: a theme opened")
    k.tap(guides.ids.search_box)
    keyboard = guides.ids.keyboard
    k.wait_until(lambda: any(key.key_id == "mode:pinyin" for key in keyboard.ids.bottom.children), 60)
    w.check("guides: keyboard")
    k.tap(keyboard.key("mode:pinyin"))
    for key in "shenfenz":
        k.tap(keyboard.key(key), frames=1)
    w.check("guides: pinyin candidates")
    k.tap(keyboard.key("mode:handwriting"))
    k.handwrite(keyboard.pad, STROKES["身"])
    k.wait_until(lambda: keyboard.candidates)
    w.check("guides: handwriting")
    k.tap(guides.ids.clear_button)  # back to letters, nothing typed
    assert keyboard.mode == "abc"
    for key in "sfz":
        k.tap(guides.ids.keyboard.key(key), frames=2)
    k.wait_until(lambda: guides.items)
    w.check("guides: results")
    for key in "qqq":
        k.tap(guides.ids.keyboard.key(key), frames=2)
    k.wait_until(lambda: guides.empty_text)
    w.check("guides: no results")
    k.tap(guides.ids.clear_button)
    for key in "sfz":
        k.tap(guides.ids.keyboard.key(key), frames=2)
    k.wait_until(lambda: guides.items)
    k.wait_until(lambda: guides.ids.results.children[0].children)
    k.tap(guides.ids.results.children[0].children[-1])
    assert k.app.current_screen == "matter"
    w.check("matter: top of the guide")
    matter = k.screen("matter")
    matter.ids.scroll.scroll_y = 0  # a person drags to the end
    w.check("matter: end of the guide")
    w.home()


def walk_tickets(w: Walk) -> None:
    k = w.kiosk
    k.tap(k.app.screen("home").ids.tile_tickets)
    tickets = k.screen("tickets")
    k.wait_until(lambda: tickets.items)
    w.check("tickets: choose")

    def row():
        rows = tickets.ids.types.children[0].children
        return next((r for r in rows if r.letter == "A"), None)

    k.wait_until(lambda: row() is not None and k.visible_point(row()) is not None)
    k.tap(row())
    w.check("tickets: confirm")
    k.tap(tickets.ids.confirm)
    k.wait_until(lambda: tickets.state in ("done", "error"))
    w.check(f"tickets: {tickets.state}")
    k.tap(tickets.ids.finish)


def walk_card_and_certificates(w: Walk) -> None:
    k = w.kiosk
    k.tap(k.app.screen("home").ids.tile_certificates)
    card = k.screen("card")
    w.check("card: place your card")
    k.tap(card.ids.simulate)
    k.wait_until(lambda: card.state == "ok")
    w.check("card: identity confirmed")
    k.tap(card.ids.go_on)
    certificates = k.screen("certificates")
    k.wait_until(lambda: certificates.state in ("choose", "error"))
    w.check(f"certificates: {certificates.state}")
    w.home()
    prompt = k.app._take_card
    assert prompt is not None and prompt.parent is not None  # the card is still on the reader
    w.check("popup: please take your ID card")
    k.services.cards.reader.remove()
    k.wait_until(lambda: prompt.parent is None)


def walk_rating(w: Walk) -> None:
    k = w.kiosk
    k.tap(k.app.screen("home").ids.tile_rating)
    rating = k.screen("rating")
    w.check("rating: levels")
    k.tap(rating.ids.level_5)
    w.check("rating: a bad rating's reasons")
    k.tap(rating.ids.comment)
    keyboard = rating.ids.keyboard
    k.wait_until(lambda: keyboard.mode == "pinyin")
    for key in "manle":
        k.tap(keyboard.key(key), frames=1)
    w.check("rating: a comment in pinyin")
    w.home()
    k.tap(k.app.screen("home").ids.tile_rating)
    k.tap(rating.ids.window_case)
    w.check("cases: find by ticket number")
    w.home()


def walk_popups(w: Walk) -> None:
    k = w.kiosk
    k.tap(k.shell.ids.help_button)
    w.check("popup: staff called")
    k.tap(k.app._help_called.ids.close)
    k.tap(k.app.screen("home").ids.tile_guides)
    k.clock.advance(k.services.session.idle.remaining() - 5)  # five seconds left
    k.wait_until(lambda: k.app._idle_warning is not None and k.app._idle_warning.parent is not None)
    w.check("popup: are you still there")
    k.tap(k.app._idle_warning.ids.keep_going)
    k.wait_until(lambda: k.app._idle_warning.parent is None)
    w.home()


def walk_maintenance(w: Walk) -> None:
    from test_ui_maintenance import corner_taps, enter_pin

    k = w.kiosk
    corner_taps(k)
    assert k.app.current_screen == "maintenance"
    # the gesture ended the citizen's session; a technician has the header's toggles too
    w.choose_variant()
    w.check("maintenance: PIN")
    enter_pin(k, PIN)
    w.check("maintenance: panel")


@pytest.mark.parametrize(
    "size,lang,large,contrast",
    VARIANTS,
    ids=[f"{s}-{lang}{'-large' if big else ''}{'-contrast' if hc else ''}" for s, lang, big, hc in VARIANTS],
)
def test_every_state_lays_out(enrolled, size, lang, large, contrast):
    from kiosk.config import load
    from kiosk.services import build_services
    from kiosk.ui.offscreen import OffscreenKiosk

    cfg = load(enrolled)
    cfg = replace(cfg, maintenance=replace(cfg.maintenance, pin=PIN))
    services = build_services(cfg)
    clock = still_clock(services)
    services.cards.start()
    try:
        with OffscreenKiosk(cfg, services=services, size=SIZES[size], draw=False) as kiosk:
            kiosk.clock = clock
            walk = Walk(kiosk, lang, large, contrast)
            walk.choose_variant()
            walk.check("home")
            for part in (walk_guides, walk_tickets, walk_card_and_certificates, walk_rating, walk_popups):
                walk.choose_variant()  # taking a ticket ends the session: the next citizen's defaults
                part(walk)
            walk_maintenance(walk)
    finally:
        services.stop()
    if walk.shots:
        name = f"{size}-{lang}{'-large' if large else ''}{'-contrast' if contrast else ''}"
        contact_sheet(walk.shots, f"{name}: {len(walk.shots)} states", SCREENSHOTS / f"{name}.jpg")
    report = "\n".join(f"{state}:\n  " + "\n  ".join(found) for state, found in walk.found.items())
    assert not walk.found, f"{sum(len(f) for f in walk.found.values())} layout problems:\n{report}"
