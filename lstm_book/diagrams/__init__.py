"""Every explanatory diagram of the book as code: SVG text out, one file per palette.

Why a small SVG writer of our own (``svg.py``, ~200 lines, standard library only) and not a library:
- deterministic: we write every byte with fixed number formatting, so the same code gives the same
  file (matplotlib needs a hash salt and still embeds clip-path ids; drawsvg and schemdraw add ids too);
- text stays real ``<text>`` with ``<tspan>`` sub- and superscripts placed by ``dy``, which every
  browser honours (``baseline-shift`` is not reliable); matplotlib's mathtext would need fonttype
  tricks, and Graphviz cannot put a subscript in a label without HTML-like labels and its own layout;
- the pictures are hand-placed layouts (colah's cell, d2l's unrolled steps), not graphs: an automatic
  layout engine would move the positions that must stay fixed across panels;
- palettes are a colour-role → hex mapping applied at write time, so light and dark files differ only
  in colours, and a test can list every colour a file may use;
- no new dependency (schemdraw pulls matplotlib's renderer for circuits, drawsvg is one more pin) and
  the whole drawing vocabulary (line, arrow, box, ⊙/+ node, text) is small enough to read in one sitting.

Images, not inline SVG: the pages show ``name-light.svg#only-light`` and ``name-dark.svg#only-dark``
(Material's convention); each file is readable on its own, outside the site too.
"""

from __future__ import annotations

from collections.abc import Mapping

from .cell import HIGHLIGHTS, cell
from .palette import DARK, LIGHT, PALETTES, symbol_fill
from .seq2seq import seq2seq
from .stacking import stacking
from .strip import class_name, strip
from .unrolled import unrolled

__all__ = ["DARK", "LIGHT", "PALETTES", "cell", "class_name", "example_from", "render_all", "seq2seq",
           "stacking", "strip", "symbol_fill", "unrolled"]


def example_from(data, k: int) -> dict:
    """The ``example`` of :func:`render_all` from sequence ``k`` of a ``tasks.TemporalOrder`` set."""
    return {"tokens": [int(t) for t in data.tokens[k]], "positions": [int(p) for p in data.positions[k]],
            "label": int(data.labels[k])}


def render_all(example: Mapping) -> dict[str, str]:
    """Every diagram in both palettes: file name (e.g. ``"cell-forget-dark.svg"``) → SVG text.

    Args:
        example: the sequence drawn by the temporal-order strip, ``{"tokens": [T ints],
            "positions": [p1, p2], "label": int}`` (see :func:`example_from`).
    """
    files: dict[str, str] = {}
    for name, palette in PALETTES.items():
        for panel in HIGHLIGHTS:
            files[f"cell-{panel}-{name}.svg"] = cell(palette, panel)
        files[f"unrolled-{name}.svg"] = unrolled(palette)
        files[f"stacking-{name}.svg"] = stacking(palette)
        for mode in ("teacher", "greedy"):
            files[f"seq2seq-{mode}-{name}.svg"] = seq2seq(palette, mode)
        files[f"temporal-order-{name}.svg"] = strip(palette, example["tokens"], example["positions"], example["label"])
    return dict(sorted(files.items()))
