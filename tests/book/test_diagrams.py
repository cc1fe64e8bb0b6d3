"""The explanatory diagrams (lstm_book.book.experiments.diagrams): valid, deterministic SVG in the book's palettes,
with the equations' symbols as real text, legible on a phone, and committed exactly as rendered."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from lstm_book.book.experiments import diagrams
import json
from lstm_book.book import palette
from lstm_book.book.palette import MIN_PHONE_PX, PALETTES, phone_px
from lstm_book.tasks import X, decode_temporal_order

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "docs" / "figures" / "diagrams"
NS = "{http://www.w3.org/2000/svg}"
EXAMPLE = json.loads((ROOT / "docs" / "figures" / "results.json").read_text(encoding="utf-8"))["gates"]["example"]
REGENERATE = "regenerate with: python scripts/regenerate_figures.py --redraw --only diagrams"
FILES = diagrams.render_all(EXAMPLE)


def texts(svg: str) -> list[str]:
    """The visible text of every <text> element, sub- and superscripts run together (c_{t−1} → "ct−1")."""
    return ["".join(t.itertext()) for t in ET.fromstring(svg).iter(f"{NS}text")]


def palette_of(name: str) -> dict:
    return PALETTES[name.rsplit("-", 1)[1].removesuffix(".svg")]


def test_every_diagram_comes_in_both_palettes_and_parses_as_svg_with_a_title():
    stems = {name.rsplit("-", 1)[0] for name in FILES}
    assert set(FILES) == {f"{s}-{p}.svg" for s in stems for p in ("light", "dark")}
    assert len(stems) == 12  # the RNN cell and chain, 5 cell panels, unrolled, stacking, 2 seq2seq panels, the strip
    for name, svg in FILES.items():
        root = ET.fromstring(svg)
        assert root.tag == f"{NS}svg", name
        title = root.find(f"{NS}title")
        assert title is not None and len(title.text) > 40, name


def test_rendering_twice_gives_identical_text():
    assert diagrams.render_all(EXAMPLE) == FILES


def test_only_the_palettes_colours_are_used():
    for name, svg in FILES.items():
        allowed = set(palette_of(name).values()) | {"none"}
        used = set(re.findall(r'(?:fill|stroke)="([^"]*)"', svg))
        assert used <= allowed, (name, used - allowed)
        assert not re.search(r"\sstyle=|rgb\(|<style", svg), name


def test_light_and_dark_differ_only_in_colours():
    light, dark = palette.LIGHT, palette.DARK
    for name in FILES:
        if name.endswith("-light.svg"):
            text = FILES[name]
            for role in light:
                text = text.replace(light[role], dark[role])
            assert text == FILES[name.replace("-light", "-dark")], name


def test_the_equations_symbols_are_real_text():
    cell = texts(FILES["cell-plain-light.svg"])
    for symbol in ["ct−1", "ct", "ht−1", "xt", "ht", "ft", "it", "gt", "ot", "σ", "tanh",
                   "(4)", "(5)", "(6)", "(7)", "(8)", "(9)"]:
        assert symbol in cell, symbol
    unrolled = texts(FILES["unrolled-light.svg"])
    for symbol in ["diag(1 − ht2)", "Whh", "diag(ft)", "diag(ft−1)", "ct−2", "ht+1"]:
        assert symbol in unrolled, symbol
    rnn_cell = texts(FILES["rnn-cell-light.svg"])
    for symbol in ["ht−1", "xt", "ht", "Whh", "Wih", "bih + bhh", "tanh", "(1)"]:
        assert symbol in rnn_cell, symbol
    rnn_unrolled = texts(FILES["rnn-unrolled-light.svg"])
    for symbol in ["Jt−2 =", "diag(1 − ht−22)", "diag(1 − ht2)", "Whh", "tanh", "ht−3", "xt−1",
                   "∂ht / ∂ht−3 = Jt Jt−1 Jt−2"]:
        assert symbol in rnn_unrolled, symbol
    assert {"h_n[0]", "h_n[1]", "h_n[2]", "h_n[3]", "output", "[0]", "[3]"} <= set(texts(FILES["stacking-light.svg"]))
    assert {"(h, c)", "BOS", "EOS", "enc", "dec"} <= set(texts(FILES["seq2seq-greedy-light.svg"]))


def test_subscripts_are_smaller_shifted_tspans():
    svg = FILES["cell-plain-light.svg"]
    sub = re.search(r'<tspan font-style="italic">c</tspan><tspan dy="([\d.]+)" font-size="([\d.]+)"', svg)
    assert sub, "c_{t−1} should be an italic c followed by a lowered, smaller tspan"
    assert float(sub.group(1)) > 0 and float(sub.group(2)) < 17


def test_every_text_is_at_least_11_px_on_a_390_px_phone():
    for name, svg in FILES.items():
        root = ET.fromstring(svg)
        width = float(root.get("viewBox").split()[2])
        sizes = [float(e.get("font-size")) for e in root.iter() if e.get("font-size")]
        assert sizes, name
        assert min(phone_px(s, width) for s in sizes) >= MIN_PHONE_PX, (name, min(sizes), width)


def test_the_strip_shows_every_symbol_of_the_sequence_in_order_and_its_class():
    strip = texts(FILES["temporal-order-light.svg"])
    letters = "".join(t for t in strip if len(t) == 1 and t.isalpha())
    assert letters == decode_temporal_order(np.asarray(EXAMPLE["tokens"]))
    assert "window [10, 20]" in strip and "window [50, 60]" in strip
    name = diagrams.class_name(EXAMPLE["label"])
    assert any(t.endswith(f"class {name}") for t in strip)
    svg = FILES["temporal-order-light.svg"]
    n_x = EXAMPLE["tokens"].count(X)
    assert svg.count(f'fill="{palette.LIGHT["x"]}"') == n_x


def test_the_strip_refuses_positions_that_do_not_hold_x_or_y():
    with pytest.raises(ValueError, match="do not all hold X or Y"):
        diagrams.strip(palette.LIGHT, EXAMPLE["tokens"], [1, 2], EXAMPLE["label"])


def test_class_names_read_the_label_as_binary_with_x_as_0():
    assert [diagrams.class_name(k) for k in range(4)] == ["XX", "XY", "YX", "YY"]


def test_committed_files_equal_a_fresh_render():
    committed = {p.name: p.read_text(encoding="utf-8") for p in COMMITTED.glob("*.svg")}
    assert set(committed) == set(FILES), REGENERATE
    for name, svg in FILES.items():
        assert committed[name] == svg, f"{name} is stale; {REGENERATE}"


def test_every_diagram_is_on_a_page_in_both_palettes():
    pages = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "docs").rglob("*.md"))
    for name in FILES:
        suffix = "#only-light" if name.endswith("-light.svg") else "#only-dark"
        assert f"figures/diagrams/{name}{suffix})" in pages, name


def test_gate_heatmaps_draw_the_sequence_strip_as_their_bottom_axis():
    from matplotlib.colors import to_hex
    from matplotlib.patches import Rectangle

    from lstm_book.book import figures

    tokens = EXAMPLE["tokens"]
    gates = {"layer 1 · forget gate f": np.full((len(tokens), 4), 0.5)}
    fig = figures.gate_heatmaps(gates, marks=EXAMPLE["positions"], symbols=["Y", "Y"], tokens=tokens)
    heatmap, strip = fig.axes[0], fig.axes[1]
    assert heatmap.images and not strip.images
    colours = {to_hex(p.get_facecolor()) for p in strip.patches if isinstance(p, Rectangle)}
    cells = [p for p in strip.patches if to_hex(p.get_facecolor()) in {"#0072b2", "#d55e00"}]
    assert len(cells) == 2 and {"#0072b2", "#d55e00", "#8c8c8c"} & colours  # the two Ys, and B/E in grey
    letters = [t.get_text() for t in strip.texts]
    assert letters == ["B", "Y", "Y", "E"]


def test_each_pages_alt_text_is_the_diagrams_title():
    import html

    found = 0
    for page in (ROOT / "docs").rglob("*.md"):
        for alt, name in re.findall(r"!\[(.*?)\]\(\.\./figures/diagrams/([\w-]+\.svg)#only-", page.read_text("utf-8")):
            title = html.unescape(re.search(r"<title>(.*)</title>", FILES[name]).group(1))
            assert alt == title, (page.name, name)
            found += 1
    assert found >= len(FILES)
