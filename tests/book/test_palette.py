"""One palette: defined once in Python, handed to the site as CSS custom properties, read by the widgets,
one meaning per colour (the table in CONTRIBUTING.md), one diverging scale the same way round everywhere."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib.colors

from lstm_book.book import figures, palette

ROOT = Path(__file__).resolve().parents[2]
HEX = re.compile(r"#[0-9a-fA-F]{6}\b")


def test_the_committed_palette_css_is_the_one_palette_py_writes():
    committed = (ROOT / "docs" / "stylesheets" / "palette.css").read_text(encoding="utf-8")
    assert committed == palette.css(), "docs/stylesheets/palette.css is stale: run `python -m lstm_book.book.palette`"


def test_no_colour_is_defined_outside_the_palette():
    """Figures, experiments and diagrams import their colours; the widgets and the stylesheet read palette.css."""
    offenders = [f"{p.relative_to(ROOT)}: {m}" for p in (ROOT / "lstm_book" / "book").rglob("*.py") if p.name != "palette.py"
                 for m in HEX.findall(p.read_text(encoding="utf-8"))]
    data_colours = {c.lower() for c in (*palette.MEANINGS, *palette.DIVERGING, *palette.SYMBOLS.values())}
    for path in [*(ROOT / "docs" / "javascripts").glob("*.js"), ROOT / "docs" / "stylesheets" / "extra.css"]:
        offenders += [f"{path.relative_to(ROOT)}: {m}" for m in HEX.findall(path.read_text(encoding="utf-8"))
                      if m.lower() in data_colours or path.suffix == ".js"]
    assert not offenders, "colours written out instead of taken from the palette:\n" + "\n".join(offenders)


def test_every_colour_has_one_meaning_written_in_contributing():
    assert len(set(palette.MEANINGS)) == len(palette.MEANINGS)
    contributing = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    table = {m.group(1).lower(): m.group(2) for m in re.finditer(r"^\| `(#[0-9a-fA-F]{6})` \| [^|]+ \| ([^|]+) \|$", contributing, re.M)}
    assert table == {c.lower(): meaning for c, meaning in palette.MEANINGS.items()}, \
        "CONTRIBUTING.md's colour table must list exactly palette.MEANINGS"


def test_the_diverging_scale_runs_the_same_way_round_in_figures_text_and_widgets():
    negative, zero, positive = palette.DIVERGING
    assert matplotlib.colors.to_hex(figures.DIVERGING_CMAP(0.0)).lower() == negative.lower()
    assert matplotlib.colors.to_hex(figures.DIVERGING_CMAP(1.0)).lower() == positive.lower()
    css = (ROOT / "docs" / "stylesheets" / "extra.css").read_text(encoding="utf-8")
    assert re.search(r"\.charlm-text \.p1 \{[^}]*--book-diverging-positive", css), "coloured text: pN is above zero"
    assert re.search(r"\.charlm-text \.n1 \{[^}]*--book-diverging-negative", css), "coloured text: nN is below zero"
    explorer = (ROOT / "docs" / "javascripts" / "explorer.js").read_text(encoding="utf-8")
    assert 'paletteStops("diverging-", ["negative", "zero", "positive"])' in explorer


def test_the_sequential_steps_are_legible_on_both_page_backgrounds():
    """Lines drawn in the sequential scale's steps keep 2:1 against white and the dark slate page
    (the middle of viridis; its ends are near-black and near-white)."""
    def luminance(hex_):
        r, g, b = (c / 255 for c in bytes.fromhex(hex_[1:]))
        f = lambda c: c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
        return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b)

    def contrast(a, b):
        la, lb = sorted((luminance(a), luminance(b)), reverse=True)
        return (la + 0.05) / (lb + 0.05)

    for n in (2, 3):
        for k in range(n):
            colour = palette.sequential(k, n)
            assert contrast(colour, "#ffffff") >= 2 and contrast(colour, palette.DARK["bg"]) >= 2, colour
