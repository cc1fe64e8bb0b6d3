"""The two palettes of every diagram, the task's symbol colours, the fonts and the size rule.

A diagram is drawn with colour *roles* (``"text"``, ``"accent"``, …); a palette maps each role to one
colour, so the light and the dark file of a diagram differ only in this mapping. Colour means one
thing: ``accent`` is the highlighted path (Okabe & Ito's bluish green, ≥ 3:1 against both page
backgrounds); everything else is the page's text colour or a muted grey for what is not highlighted.
"""

from __future__ import annotations

from lstm_book.tasks import BEGIN, END, X, Y

# Material's body text: rgba(0,0,0,.87) on white; on the slate scheme hsla(225,15%,90%,.82) over the
# background hsla(225,15%,14%), i.e. #bfc1c7 on #1e2129.
LIGHT = {
    "text": "#212121",
    "muted": "#9e9e9e",  # lines and boxes that are not on the highlighted path
    "accent": "#009E73",  # the highlighted path (Okabe–Ito bluish green)
    "bg": "#ffffff",  # fills that hide a line passing behind a box or label
    "x": "#0072B2",  # the task's symbol colours, shared with the JavaScript explorer: X blue,
    "y": "#D55E00",  # Y vermillion,
    "grey": "#8c8c8c",  # B and E grey; distractors a–d have no fill
}
DARK = {**LIGHT, "text": "#bfc1c7", "muted": "#6b7080", "bg": "#1e2129"}
PALETTES = {"light": LIGHT, "dark": DARK}

# Token id -> colour role of its cell in a temporal-order strip (None: no fill).
SYMBOL_ROLES = {X: "x", Y: "y", BEGIN: "grey", END: "grey"}


def symbol_fill(token: int, palette: dict | None = None) -> str | None:
    """The fill colour of a temporal-order token (X blue, Y vermillion, B/E grey), or None for a distractor."""
    role = SYMBOL_ROLES.get(int(token))
    return None if role is None else (palette or LIGHT)[role]


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
