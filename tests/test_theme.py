"""Colour pairs meet WCAG AA (>= 4.5:1), as the elderly-friendly rules ask;
the high-contrast theme meets AAA (>= 7:1)."""

import pytest

from kiosk.ui.layout_check import contrast as _contrast
from kiosk.ui.theme import palette


def contrast(a, b):
    """WCAG contrast of two RGBA colours (the layout check's formula)."""
    return _contrast(tuple(a[:3]), tuple(b[:3]))


PAIRS = [
    ("text", "background"),
    ("muted", "background"),
    ("header_text", "header"),
    ("primary_text", "primary"),
    ("tile_text", "tile_guides"),
    ("tile_text", "tile_tickets"),
    ("tile_text", "tile_certificates"),
    ("tile_text", "tile_rating"),
    ("text", "surface"),
    ("primary", "surface"),
]


@pytest.mark.parametrize("fg,bg", PAIRS)
@pytest.mark.parametrize("theme,least", [("standard", 4.5), ("high_contrast", 7.0)])
def test_contrast(fg, bg, theme, least):
    colours = palette.colours(theme)
    assert contrast(colours[fg], colours[bg]) >= least


@pytest.mark.parametrize(
    "control", ["primary", "tile_guides", "tile_tickets", "tile_certificates", "tile_rating", "help"]
)
def test_high_contrast_controls_stand_out_from_the_black_page(control):
    colours = palette.colours("high_contrast")
    assert contrast(colours[control], colours["background"]) >= 7.0  # the control's boundary is its fill
    assert contrast(colours["primary_text"], colours[control]) >= 7.0  # and its black label reads on it


def test_switching_the_theme_changes_every_colour_in_force():
    from kiosk.ui.theme import Palette

    colours = Palette()  # not the app's: the screens' rules stay on theirs (the UI test taps the switch)
    changed = []
    colours.bind(background=lambda _p, value: changed.append(tuple(value)))
    colours.use("high_contrast")
    assert tuple(colours.background) == (0, 0, 0, 1) and colours.name == "high_contrast" and changed
    colours.use("standard")
    assert tuple(colours.background) == colours.colours("standard")["background"]


def test_contrast_formula_on_known_pair():
    assert contrast((0, 0, 0, 1), (1, 1, 1, 1)) == pytest.approx(21.0)


@pytest.mark.parametrize("bg", ["background", "surface"])
def test_a_white_buttons_edge_shows_against_the_page(bg):
    """WCAG 1.4.11: a control's boundary at 3:1 at least (white on the page is 1.09:1)."""
    colours = palette.colours("standard")
    assert contrast(colours["surface"], colours["background"]) < 3  # why the edge is there
    for theme in ("standard", "high_contrast"):
        colours = palette.colours(theme)
        assert contrast(colours["edge"], colours[bg]) >= 3.0


GARBAGE_IN_RULE = """
import gc, os, sys
os.environ["KIVY_NO_ARGS"] = "1"
from kivy.factory import Factory
from kivy.lang import Builder
from kiosk.ui.theme import palette
Builder.load_string(
    "#:import palette kiosk.ui.theme.palette\\n"
    "<GarbageInRule@Label>:\\n"
    "    color: palette.text if len([[] for _ in range(20000)]) else palette.muted\\n"
)
gc.collect()
gc.set_threshold(10, 1, 1)
widget = Factory.GarbageInRule()
widget.cycle = widget  # only the cyclic collector can free it
del widget
if sys.argv[1] == "raw":
    for key, value in palette.colours("high_contrast").items():
        setattr(palette, key, value)
else:
    palette.use("high_contrast")
print("switched")
"""


@pytest.mark.parametrize("how,survives", [("raw", False), ("use", True)])
def test_a_theme_switch_survives_a_garbage_collection_inside_a_rule(how, survives):
    """CI failed once with ReferenceError on 高对比度: a widget that had become
    cyclic garbage was freed by a collection that started inside its own kv rule,
    which then wrote to the dead proxy. Here the rule allocates enough to set off
    a collection: setting the colours bare fails so (the reproduction holds), and
    `palette.use` holds the collector back. In a fresh interpreter: this process's
    other apps left widgets behind whose rules need a running app."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        [sys.executable, "-c", GARBAGE_IN_RULE, how], capture_output=True, text=True, cwd=root, timeout=120
    )
    assert ("switched" in done.stdout) is survives, done.stderr[-2000:]
    if not survives:
        assert "ReferenceError" in done.stderr
