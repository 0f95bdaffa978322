"""Brand colours stay readable: WCAG luminance and contrast, and the text colour and shades
chosen for any colour an organization picks (SPEC §2: text on a brand colour is always AA)."""

import itertools

import pytest

from organizations.colors import (
    AA_TEXT,
    LIGHT_SURFACES,
    LINK_BLUE,
    Palette,
    contrast_ratio,
    link_on_light,
    mix,
    relative_luminance,
    shade_for,
    text_on,
)

NAMED = ["#0ea5e9", "#ffffff", "#000000", "#777777", "#767676", "#ffff00", "#fde047", "#1e1b4b"]
# Every 17th step of each channel: 4,096 colours across the whole cube, mid-tones included.
STEPS = range(0, 256, 17)
SWEEP = [f"#{r:02x}{g:02x}{b:02x}" for r, g, b in itertools.product(STEPS, repeat=3)]


def test_luminance_runs_from_black_to_white():
    assert relative_luminance("#000000") == 0
    assert relative_luminance("#ffffff") == pytest.approx(1)
    assert relative_luminance("#777777") == pytest.approx(0.1845, abs=1e-4)


@pytest.mark.parametrize(
    ("first", "second", "ratio"),
    [
        ("#000000", "#ffffff", 21.0),
        ("#ffffff", "#ffffff", 1.0),
        ("#ffffff", "#0ea5e9", 2.77),  # the header the issue found unreadable
        ("#ffffff", "#777777", 4.48),
        ("#ffffff", "#767676", 4.54),
        ("#1d4ed8", "#ffffff", 6.70),
    ],
)
def test_contrast_ratios_match_wcag(first, second, ratio):
    assert contrast_ratio(first, second) == pytest.approx(ratio, abs=0.01)
    assert contrast_ratio(second, first) == pytest.approx(ratio, abs=0.01)


@pytest.mark.parametrize(
    ("background", "text"),
    [
        ("#0ea5e9", "#111827"),  # sky blue: dark text, not white at 2.77:1
        ("#ffffff", "#111827"),
        ("#000000", "#ffffff"),
        ("#777777", "#000000"),  # a mid grey: near-black falls short, pure black does not
        ("#ffff00", "#111827"),
        ("#1e1b4b", "#ffffff"),
    ],
)
def test_the_text_colour_on_a_few_colours(background, text):
    assert text_on(background) == text
    assert contrast_ratio(text, background) >= AA_TEXT


def test_text_on_any_colour_and_on_its_shade_reaches_aa():
    unreadable = []
    for color in NAMED + SWEEP:
        palette = Palette(primary=color, secondary=color)
        pairs = [
            (palette.on_primary, color),
            (palette.on_primary, palette.primary_shade),
            (palette.on_secondary, color),
        ]
        unreadable += [pair for pair in pairs if contrast_ratio(*pair) < AA_TEXT]
    assert not unreadable


def test_links_in_the_brand_colour_read_on_every_light_surface():
    links = {color: link_on_light(color) for color in NAMED + SWEEP}
    unreadable = [
        (color, link, surface)
        for color, link in links.items()
        for surface in LIGHT_SURFACES
        if contrast_ratio(link, surface) < AA_TEXT
    ]
    assert not unreadable


def test_links_keep_the_brand_hue_and_stay_blue_for_greys():
    assert link_on_light("#1e1b4b") == "#1e1b4b"  # already dark enough: unchanged
    assert link_on_light("#0ea5e9") != "#0ea5e9"  # darkened until readable
    assert link_on_light("#000000") == LINK_BLUE
    assert link_on_light("#777777") == LINK_BLUE


@pytest.mark.parametrize("color", NAMED)
def test_the_hover_shade_is_visibly_different(color):
    shade = shade_for(color, text_on(color))
    assert contrast_ratio(shade, color) >= 1.15


def test_mix_moves_between_two_colours():
    assert mix("#000000", "#ffffff", 0) == "#000000"
    assert mix("#000000", "#ffffff", 1) == "#ffffff"
    assert mix("#000000", "#ffffff", 0.5) == "#808080"


def test_the_palette_names_every_css_variable():
    variables = Palette(primary="#0ea5e9", secondary="#1e1b4b").css_variables()
    assert variables["--brand-primary"] == "#0ea5e9"
    assert variables["--brand-on-primary"] == "#111827"
    assert variables["--brand-on-secondary"] == "#ffffff"
    assert set(variables) == {
        "--brand-primary",
        "--brand-on-primary",
        "--brand-primary-shade",
        "--brand-secondary",
        "--brand-on-secondary",
        "--brand-link",
    }
