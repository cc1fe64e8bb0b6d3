"""One palette: defined once in Python, handed to the site as CSS custom properties, read by the widgets,
one meaning per colour (the table in CONTRIBUTING.md), one diverging scale the same way round everywhere."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib.colors
from xml.etree import ElementTree

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
    for n in (2, 3):
        for k in range(n):
            colour = palette.sequential(k, n)
            assert palette.contrast(colour, "#ffffff") >= 2 and palette.contrast(colour, palette.DARK["bg"]) >= 2, colour


def test_contrast_is_wcag_s_ratio():
    assert palette.contrast("#000000", "#ffffff") == 21.0 and palette.contrast("#777777", "#777777") == 1.0
    assert round(palette.contrast("#767676", "#ffffff"), 2) == 4.54  # the lightest grey that passes AA on white


def _card_colour() -> str:
    """The light card the dark palette puts behind every figure (docs/stylesheets/extra.css)."""
    css = (ROOT / "docs" / "stylesheets" / "extra.css").read_text(encoding="utf-8")
    rule = re.search(r'\[data-md-color-scheme="slate"\] \.md-typeset img\[src\$="\.svg"\] \{([^}]*)\}', css)
    assert rule, "extra.css: the dark palette's card behind SVG figures is gone"
    return re.search(r"background-color:\s*(#[0-9a-fA-F]{6})", rule.group(1)).group(1)


def test_text_in_every_figure_and_diagram_passes_wcag_aa():
    """Every <text> of every committed figure has 4.5:1 against what it is read on: a matplotlib figure
    against white (light palette, PDF) and the dark palette's card; a diagram's light file against white
    and its dark file against the dark page."""
    card, failures, checked = _card_colour(), [], 0
    for path in sorted((ROOT / "docs" / "figures").rglob("*.svg")):
        backgrounds = ([palette.DARK["bg"]] if path.stem.endswith("-dark") else ["#ffffff"] if path.stem.endswith("-light")
                       else ["#ffffff", card])
        for fill in _text_fills(ElementTree.parse(path).getroot()):
            assert fill, f"{path.name}: a text without a colour of its own or of a group around it"
            checked += 1
            failures += [f"{path.relative_to(ROOT)}: {fill} on {bg} is {palette.contrast(fill, bg):.2f}:1"
                         for bg in backgrounds if palette.contrast(fill, bg) < 4.5]
    assert checked > 500, f"only {checked} texts found: are the figures' texts still text (svg.fonttype none)?"
    assert not failures, "text below 4.5:1:\n" + "\n".join(sorted(set(failures)))


def _text_fills(element, inherited: str | None = None):
    """The fill of every <text> under ``element``: its own (attribute or style) or the nearest group's."""
    own = element.get("fill") or dict(re.findall(r"([\w-]+)\s*:\s*([^;]+)", element.get("style", ""))).get("fill")
    fill = own.strip() if own and own.strip().startswith("#") else inherited
    if element.tag.rsplit("}", 1)[-1] == "text":
        yield fill
        return
    for child in element:
        yield from _text_fills(child, fill)
