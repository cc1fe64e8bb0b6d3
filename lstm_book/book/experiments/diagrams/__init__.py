"""The ``diagrams`` experiment: every explanatory diagram of the book as code, SVG text out, one file per palette.

Nothing is trained or measured; the temporal-order strip draws the gates page's example sequence,
read from the ``gates`` section, so this experiment comes after ``gates`` in the registry.

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

from lstm_book.book.experiments.diagrams.cell_diagram import HIGHLIGHTS, cell
from lstm_book.book.experiments.diagrams.rnn_diagram import rnn_cell, rnn_unrolled
from lstm_book.book.experiments.diagrams.seq2seq_diagram import seq2seq
from lstm_book.book.experiments.diagrams.stacking_diagram import stacking
from lstm_book.book.experiments.diagrams.strip_diagram import class_name, strip
from lstm_book.book.experiments.diagrams.unrolled_diagram import unrolled
from lstm_book.book.palette import PALETTES
from lstm_book.book.pipeline.interface import Experiment, Output, Setting, SvgOutput




def render_all(example: Mapping) -> dict[str, str]:
    """Every diagram in both palettes: file name (e.g. ``"cell-forget-dark.svg"``) → SVG text.

    Args:
        example: the sequence drawn by the temporal-order strip, ``{"tokens": [T ints],
            "positions": [p1, p2], "label": int}``: the gates page's example, ``results["gates"]["example"]``.
    """
    files: dict[str, str] = {}
    for name, palette in PALETTES.items():
        files[f"rnn-cell-{name}.svg"] = rnn_cell(palette)
        files[f"rnn-unrolled-{name}.svg"] = rnn_unrolled(palette)
        for panel in HIGHLIGHTS:
            files[f"cell-{panel}-{name}.svg"] = cell(palette, panel)
        files[f"unrolled-{name}.svg"] = unrolled(palette)
        files[f"stacking-{name}.svg"] = stacking(palette)
        for mode in ("teacher", "greedy"):
            files[f"seq2seq-{mode}-{name}.svg"] = seq2seq(palette, mode)
        files[f"temporal-order-{name}.svg"] = strip(palette, example["tokens"], example["positions"], example["label"])
    return dict(sorted(files.items()))


def specs(setting: Setting) -> list:
    return []


def measure(setting: Setting, runs, results) -> dict:
    return {}


def render(results: dict) -> list[Output]:
    example = results["gates"]["example"]
    config = {"example": results["gates"]["model"], "example_index": results["gates"]["example_index"]}
    return [SvgOutput(f"diagrams/{name}", text, config) for name, text in render_all(example).items()]


EXPERIMENT = Experiment(name="diagrams", default=True, specs=specs, measure=measure, render=render)
