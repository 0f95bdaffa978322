"""Readable brand colours (WCAG 2.x): relative luminance, contrast ratio, and the text colour
and shades that stay readable on whatever colour an organization chose. Pure arithmetic on
`#rrggbb` strings: no Django, no database; the brand stylesheet and the branding page's
preview both use it (branding.js repeats the formulas for the live preview)."""

from __future__ import annotations

from dataclasses import dataclass

AA_TEXT = 4.5  # WCAG AA, normal text
WHITE = "#ffffff"
BLACK = "#000000"
INK = "#111827"  # the pages' own text colour, preferred to pure black when it reads as well
LINK_BLUE = "#1d4ed8"  # the pages' link colour when the brand has none to give
# The light surfaces a link is drawn on: cards, the page, badges and the message boxes.
LIGHT_SURFACES = ("#ffffff", "#f6f7f9", "#eef2f7", "#ecfdf5", "#fef2f2", "#fffbeb")


def rgb_of(color: str) -> tuple[int, int, int]:
    """`#rrggbb` → (r, g, b) in 0–255."""
    value = color.strip().lstrip("#")
    if len(value) != 6:
        raise ValueError(f"not a #rrggbb colour: {color!r}")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def hex_of(rgb: tuple[float, float, float]) -> str:
    """(r, g, b) in 0–255 (rounded and clamped) → `#rrggbb`."""
    return "#" + "".join(f"{max(0, min(255, round(channel))):02x}" for channel in rgb)


def relative_luminance(color: str) -> float:
    """WCAG relative luminance: 0 for black, 1 for white."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(channel) for channel in rgb_of(color))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first: str, second: str) -> float:
    """WCAG contrast ratio between two colours, from 1 (same) to 21 (black on white)."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def mix(color: str, other: str, amount: float) -> str:
    """`color` moved `amount` (0–1) of the way towards `other`."""
    (r1, g1, b1), (r2, g2, b2) = rgb_of(color), rgb_of(other)
    return hex_of((r1 + (r2 - r1) * amount, g1 + (g2 - g1) * amount, b1 + (b2 - b1) * amount))


def text_on(background: str) -> str:
    """The text colour for `background`: white or near-black, whichever reads better, and
    pure black where near-black would fall short of AA (a band of mid-tones). Every colour
    reaches at least 4.58:1 with white or black."""
    best = max((WHITE, INK), key=lambda text: contrast_ratio(text, background))
    if contrast_ratio(best, background) >= AA_TEXT:
        return best
    return max((WHITE, BLACK), key=lambda text: contrast_ratio(text, background))


def shade_for(background: str, text: str) -> str:
    """A visibly different shade of `background` (for hover, focus and the navigation bar)
    on which `text` still reads at AA: moved away from the text's lightness, which only adds
    contrast; or, for a colour already at the end (black under white text), towards it
    while the text stays readable."""
    text_is_light = relative_luminance(text) > 0.5
    away, towards = (BLACK, WHITE) if text_is_light else (WHITE, BLACK)
    for amount in (0.18, 0.3, 0.45):
        shade = mix(background, away, amount)
        if contrast_ratio(shade, background) >= 1.15:
            return shade
    for amount in (0.25, 0.2, 0.15, 0.1):
        shade = mix(background, towards, amount)
        if contrast_ratio(shade, text) >= AA_TEXT:
            return shade
    return background


def link_on_light(color: str) -> str:
    """`color`, darkened just enough to read as link text on the pages' light surfaces; a
    grey (black by default) would look like the text around it, so links stay blue."""
    red, green, blue = rgb_of(color)
    if max(red, green, blue) - min(red, green, blue) < 24:
        return LINK_BLUE
    for step in range(21):
        candidate = mix(color, BLACK, step / 20)
        if min(contrast_ratio(candidate, surface) for surface in LIGHT_SURFACES) >= AA_TEXT:
            return candidate
    return BLACK


@dataclass(frozen=True)
class Palette:
    """Everything the pages draw with an organization's two brand colours."""

    primary: str
    secondary: str

    @property
    def on_primary(self) -> str:
        return text_on(self.primary)

    @property
    def primary_shade(self) -> str:
        return shade_for(self.primary, self.on_primary)

    @property
    def on_secondary(self) -> str:
        return text_on(self.secondary)

    @property
    def link(self) -> str:
        return link_on_light(self.primary)

    @property
    def primary_contrast(self) -> float:
        return contrast_ratio(self.on_primary, self.primary)

    @property
    def secondary_contrast(self) -> float:
        return contrast_ratio(self.on_secondary, self.secondary)

    def css_variables(self) -> dict[str, str]:
        return {
            "--brand-primary": self.primary,
            "--brand-on-primary": self.on_primary,
            "--brand-primary-shade": self.primary_shade,
            "--brand-secondary": self.secondary,
            "--brand-on-secondary": self.on_secondary,
            "--brand-link": self.link,
        }
