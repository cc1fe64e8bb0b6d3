"""Every explanatory diagram of the book as code: SVG text out, one file per palette.

Why a small SVG writer of our own (``svg.py``, ~210 lines, standard library only):
- deterministic by construction: every byte is ours, numbers are printed with two decimals, no ids
  and no dates, so the same code gives the same file (matplotlib needs ``svg.hashsalt`` for that);
- text is real ``<text>``, sub- and superscripts are ``<tspan dy=…>`` with a smaller size (``dy`` is
  honoured everywhere, ``baseline-shift`` has had patchy support); no text turned into paths;
- the pictures are fixed, hand-placed layouts (colah's cell, d2l's unrolled steps): Graphviz's
  automatic layout would move what must stay put from panel to panel;
- a palette is a colour-role → hex map applied at write time: light and dark files differ only in
  colours, and a test can list every colour a file may use;
- no new dependency: drawsvg would give the same primitives for one more pin, schemdraw's vocabulary
  is circuit elements; ours (line, arrow, box, ⊙/+ node, text) can be read in one sitting.

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

__all__ = ["DARK", "LIGHT", "PALETTES", "cell", "class_name", "render_all", "seq2seq", "stacking", "strip",
           "symbol_fill", "unrolled"]


def render_all(example: Mapping) -> dict[str, str]:
    """Every diagram in both palettes: file name (e.g. ``"cell-forget-dark.svg"``) → SVG text.

    Args:
        example: the sequence drawn by the temporal-order strip, ``{"tokens": [T ints],
            "positions": [p1, p2], "label": int}``: the gates page's example, ``results["gates"]["example"]``.
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
