"""The book's one palette: every colour of every figure, diagram, widget and coloured text, defined once.

Colour is information, and each colour has one meaning across the book (:data:`MEANINGS`, also the
table in CONTRIBUTING.md, checked by a test). The categorical colours are Okabe & Ito's (2008)
colour-blind-safe set without black and yellow, which vanish on one of the two page backgrounds;
colour is never the only cue (labels, line styles and markers say it too).

* Figures (:mod:`lstm_book.book.figures`) and diagrams (``experiments/diagrams``) import the colours
  from here.
* The site gets them as CSS custom properties, ``docs/stylesheets/palette.css``, written by
  :func:`css` (``python -m lstm_book.book.palette``; a test fails while the committed file is stale);
  the widgets read those properties (``getComputedStyle``), so they draw with the same colours.
* One diverging scale for every signed value (cell states, a unit's value in coloured text): blue
  below zero, a neutral grey-white at zero, vermillion above, the same way round everywhere. One
  sequential scale, viridis, for magnitudes, for order (layer 1 → 2, start → end of training) and
  for series that have no colour of their own (the three gates; informative vs distractor steps).

Diagrams are drawn with colour *roles* (``"text"``, ``"accent"``, …); :data:`LIGHT` and :data:`DARK`
map each role to a colour, so the light and the dark file of a diagram differ only in this mapping.
"""

from __future__ import annotations

from lstm_book.tasks import BEGIN, END, X, Y

# Okabe & Ito (2008), without black and yellow.
BLUE, VERMILLION, GREEN, PURPLE, ORANGE, SKY = "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"
GREY = "#8c8c8c"  # references: 3.4:1 on white, enough for a line (WCAG asks 3:1 of graphics), not for text
INK = "#5f5f5f"  # the figures' text, axes and ticks: 6.4:1 on white, 5.9:1 on the light card figures get in the dark palette
NEUTRAL = "#f2f2f2"  # the diverging scale's zero

# What each colour means, everywhere in the book.
MEANINGS = {
    BLUE: "the LSTM; among forget-gate initialisations, chrono (the book's LSTM)",
    VERMILLION: "the vanilla RNN",
    ORANGE: "a forget (or update) gate started at torch's default or at b_f = 0",
    SKY: "a forget gate started at the constant bias b_f = 1",
    PURPLE: "a forget gate started at a larger constant bias (b_f = 2, 3)",
    GREEN: "the highlighted path of a diagram (what the paragraph beside it is about)",
    GREY: "a reference that is not a trained network of ours: chance, the article's numbers, the n-gram "
          "model, the untrained model",
    INK: "the figures' text, axes and ticks (never data)",
}
DIVERGING = (BLUE, NEUTRAL, VERMILLION)  # below zero, zero, above zero: the same way round everywhere
SEQUENTIAL = "viridis"  # perceptually uniform, colour-blind-safe, readable on both themes
SYMBOLS = {"X": BLUE, "Y": VERMILLION, "B": GREY, "E": GREY}  # the task's symbols (strips and the explorer only)

LSTM_COLOUR, RNN_COLOUR, REFERENCE_COLOUR = BLUE, VERMILLION, GREY

# Material's body text: rgba(0,0,0,.87) on white; on the slate scheme hsla(225,15%,90%,.82) over the
# background hsla(225,15%,14%), i.e. #bfc1c7 on #1e2129.
LIGHT = {
    "text": "#212121",
    "muted": "#9e9e9e",  # lines and boxes that are not on the highlighted path
    "accent": GREEN,  # the highlighted path
    "bg": "#ffffff",  # fills that hide a line passing behind a box or label
    "x": SYMBOLS["X"],
    "y": SYMBOLS["Y"],
    "grey": SYMBOLS["B"],  # B and E; distractors a–d have no fill
}
DARK = {**LIGHT, "text": "#bfc1c7", "muted": "#6b7080", "bg": "#1e2129"}
PALETTES = {"light": LIGHT, "dark": DARK}

# Token id -> colour role of its cell in a temporal-order strip (None: no fill).
SYMBOL_ROLES = {X: "x", Y: "y", BEGIN: "grey", END: "grey"}


def symbol_fill(token: int, palette: dict | None = None) -> str | None:
    """The fill colour of a temporal-order token (X blue, Y vermillion, B/E grey), or None for a distractor."""
    role = SYMBOL_ROLES.get(int(token))
    return None if role is None else (palette or LIGHT)[role]


def contrast(a: str, b: str) -> float:
    """WCAG 2.1's contrast ratio of two ``#rrggbb`` colours: 1 (none) to 21 (black on white); text needs 4.5."""
    def luminance(hex_: str) -> float:
        r, g, b = (c / 255 for c in bytes.fromhex(hex_[1:]))
        f = lambda c: c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
        return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b)

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def sequential(k: int, n: int) -> str:
    """Colour ``k`` of ``n`` evenly spaced steps of the sequential scale (for order: layers, moments)."""
    from matplotlib import colormaps, colors

    return colors.to_hex(colormaps[SEQUENTIAL](0.35 + 0.25 * k / max(n - 1, 1)))  # the middle: legible on both pages


# The diagrams' fonts and size rule (the figures' are in lstm_book.book.figures.STYLE).
SANS = "-apple-system, BlinkMacSystemFont, Helvetica, Arial, 'Liberation Sans', 'DejaVu Sans', sans-serif"
SERIF = "'Times New Roman', 'Liberation Serif', 'DejaVu Serif', serif"  # the equations' symbols
MONO = "SFMono-Regular, Consolas, Menlo, 'Liberation Mono', 'DejaVu Sans Mono', monospace"  # PyTorch names

# Every diagram is at most this wide (viewBox units = CSS px at full size) ...
MAX_WIDTH = 440
# ... and shown 358 px wide on a 390 px phone (Material's content column there, measured in Chromium).
# No text, subscripts included, is smaller than MIN_FONT: 14 × 358 / 440 ≈ 11.4 px on that phone.
MIN_FONT = 14
PHONE_WIDTH = 358
MIN_PHONE_PX = 11.0


def phone_px(font_size: float, view_width: float) -> float:
    """The rendered size of ``font_size`` when a diagram ``view_width`` wide fills a 390 px phone's column."""
    return font_size * PHONE_WIDTH / view_width


def sequential_stops(n: int = 17) -> list[str]:
    """The whole sequential scale at ``n`` evenly spaced points (the widgets' heatmaps interpolate between them)."""
    from matplotlib import colormaps, colors

    return [colors.to_hex(colormaps[SEQUENTIAL](k / (n - 1))) for k in range(n)]


CSS_NAMES = {BLUE: "blue", VERMILLION: "vermillion", ORANGE: "orange", SKY: "sky", PURPLE: "purple", GREEN: "green",
             GREY: "grey", INK: "ink"}


def css() -> str:
    """``docs/stylesheets/palette.css``: the palette as CSS custom properties, for the site and its widgets."""
    lines = ["/* Generated by `python -m lstm_book.book.palette` from lstm_book/book/palette.py: do not edit. */",
             ":root {"]
    lines += [f"  --book-{name}: {hex_};  /* {MEANINGS[hex_]} */" for hex_, name in CSS_NAMES.items()]
    lines += [f"  --book-lstm: var(--book-{CSS_NAMES[LSTM_COLOUR]});",
              f"  --book-rnn: var(--book-{CSS_NAMES[RNN_COLOUR]});",
              f"  --book-diverging-negative: {DIVERGING[0]};",
              f"  --book-diverging-zero: {DIVERGING[1]};",
              f"  --book-diverging-positive: {DIVERGING[2]};"]
    lines += [f"  --book-symbol-{s}: {c};" for s, c in SYMBOLS.items()]
    lines += [f"  --book-symbol-X-text: {SYMBOLS['X']};"]
    lines += [f"  --book-sequential-{k}: {c};" for k, c in enumerate(sequential_stops())]
    lines += ["}", "", "/* The dark palette: X as text needs a lighter blue to keep 4.5:1 on the slate background. */",
              '[data-md-color-scheme="slate"] {', f"  --book-symbol-X-text: {SKY};", "}", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    from pathlib import Path

    from lstm_book.files import atomic_write_text

    atomic_write_text(Path(__file__).resolve().parents[2] / "docs" / "stylesheets" / "palette.css", css())
