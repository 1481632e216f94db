"""Colour pairs meet WCAG AA (>= 4.5:1), as the elderly-friendly rules ask."""

import pytest

from kiosk.ui.theme import palette


def _luminance(rgba):
    def channel(c):
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgba[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b):
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


PAIRS = [
    ("text", "background"),
    ("muted", "background"),
    ("on_header", "header"),
    ("on_primary", "primary"),
    ("on_tile", "tile_guides"),
    ("on_tile", "tile_tickets"),
    ("on_tile", "tile_certificates"),
    ("on_tile", "tile_rating"),
    ("text", "surface"),
    ("primary", "surface"),
]


@pytest.mark.parametrize("fg,bg", PAIRS)
def test_contrast(fg, bg):
    assert contrast(getattr(palette, fg), getattr(palette, bg)) >= 4.5


def test_contrast_formula_on_known_pair():
    assert contrast((0, 0, 0, 1), (1, 1, 1, 1)) == pytest.approx(21.0)


@pytest.mark.parametrize("bg", ["background", "surface"])
def test_a_white_buttons_edge_shows_against_the_page(bg):
    """WCAG 1.4.11: a control's boundary at 3:1 at least (white on the page is 1.09:1)."""
    assert contrast(palette.surface, palette.background) < 3  # why the edge is there
    assert contrast(palette.edge, getattr(palette, bg)) >= 3.0
