"""The width sweep: the book's LSTM recipe at several widths, one seed each, the same number of updates.

:func:`render` turns the ``sweep`` entry of the charlm section into a figure (bits per character and
each feature's best |r| against width), a table, and the sentence that says at which width each
feature's unit first reaches the threshold of the claims ledger.
"""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.figure import Figure

from lstm_book.book import figures
from lstm_book.book.experiments.charlm.unit_search import LABELS, THRESHOLDS
from lstm_book.book.pipeline.interface import FigureOutput, Fragment, Output
from lstm_book.book.pipeline.tables import table
from lstm_book.features import FEATURES

STRONG = THRESHOLDS[1]  # |r| of a unit that follows its feature clearly (the ledger's "supported")


def reached_at(s: dict) -> dict[str, list[int]]:
    """For each feature, the widths whose best unit reaches |r| ≥ ``STRONG`` on the test files after training."""
    return {f: [w for w, row in zip(s["widths"], s["best_r"]["trained"]) if abs(row[f]) >= STRONG] for f in FEATURES}


def widths_text(widths: Sequence[int], reached: Sequence[int]) -> str:
    """Where a feature's unit reaches the threshold, in words: "from 128 units on" when every wider model
    reaches it too, else the widths that do and, in brackets, the wider ones that do not."""
    wider = [w for w in widths if w > reached[0]]
    if all(w in reached for w in wider):
        return f"from {reached[0]} units on" if wider else f"at {reached[0]} units"
    return (f"at {', '.join(map(str, reached))} units (not at "
            + ", ".join(str(w) for w in wider if w not in reached) + ")")


def figure(s: dict, ngram: tuple[str, float]) -> Figure:
    """First panel: test bits per character against width, with the n-gram's as a line. Then one panel per
    feature: its best unit's |r| on the test files against width, after training (the LSTM's colour) and
    before (the reference grey, dotted; the same seeds), with the ledger's threshold dashed."""
    w = s["widths"]
    with figures.book_style():
        fig, axes = figures.new_figure(3, 2, height=7.2, width=6.0, sharex=True)
        first, panels = axes.flat[0], list(axes.flat[1:])
        first.plot(w, s["bpc"]["test"], color=figures.LSTM_COLOUR, marker="o", label="LSTM, trained")
        first.axhline(ngram[1], color=figures.REFERENCE_COLOUR, linestyle="--", linewidth=1.5, label=ngram[0])
        first.set_title("test bits per character", fontsize=10)
        for ax, f in zip(panels, FEATURES):
            ax.plot(w, [abs(row[f]) for row in s["best_r"]["trained"]], color=figures.LSTM_COLOUR, marker="o")
            ax.plot(w, [abs(row[f]) for row in s["best_r"]["untrained"]], color=figures.REFERENCE_COLOUR, marker="o",
                    markersize=3, linestyle=":", label="before training (the same seed)")
            ax.axhline(STRONG, color=figures.REFERENCE_COLOUR, linestyle="--", linewidth=1.0)
            ax.set_ylim(0, 1)
            ax.set_title(f"{LABELS[f]} (best unit's |r|)", fontsize=10)
        for ax in axes.flat:
            ax.set_xscale("log", base=2)
            ax.set_xticks(w, [str(x) for x in w])
            ax.minorticks_off()
        for ax in axes[-1]:
            ax.set_xlabel("units (one layer)")
        handles = first.get_legend_handles_labels()[0] + panels[0].get_legend_handles_labels()[0]
        fig.legend(handles, ["LSTM, trained", ngram[0], "before training (the same seed)"], loc="outside lower center",
                   ncols=3, fontsize=8)
    return fig


def render(s: dict, ngram_label: str, ngram_bpc: float) -> list[Output]:
    rows = []
    for k, width in enumerate(s["widths"]):
        tr, un = s["best_r"]["trained"][k], s["best_r"]["untrained"][k]
        rows.append([str(width), f"{s['params'][k]:,}", f"{s['bpc']['validation'][k]:.3f}",
                     f"{s['bpc']['test'][k]:.3f}"]
                    + [(f"**{abs(tr[f]):.2f}**" if abs(tr[f]) >= STRONG else f"{abs(tr[f]):.2f}") + f" ({abs(un[f]):.2f})"
                       for f in FEATURES])
    sweep_table = table(["units", "parameters", "validation bits/char", "test bits/char"]
                        + [f"{LABELS[f]}: \\|r\\|" for f in FEATURES], rows, "rrrr" + "r" * len(FEATURES))
    at = reached_at(s)
    reached = [f"*{LABELS[f]}* {widths_text(s['widths'], w)}" for f, w in at.items() if w]
    missed = [LABELS[f] for f, w in at.items() if not w]
    beats = [w for w, b in zip(s["widths"], s["bpc"]["test"]) if b < ngram_bpc]
    sentence = (f"Trained the same way, the LSTM beats the {ngram_label} on the test files "
                + (f"from {beats[0]} units on" if beats else "at none of these widths")
                + f" ({', '.join(f'{b:.3f}' for b in s['bpc']['test'])} bits per character at "
                + ", ".join(map(str, s["widths"])) + f" units, against {ngram_bpc:.3f}). "
                + (f"A single unit follows a feature with |r| ≥ {STRONG} for {'; '.join(reached)}"
                   if reached else f"At no width does a single unit follow any feature with |r| ≥ {STRONG}")
                + (f"; {', '.join(missed)}: at no width." if reached and missed else "."))
    config = {"widths": s["widths"], "threshold": STRONG}
    return [Fragment("charlm_sweep_table", sweep_table), Fragment("charlm_sweep_summary", sentence),
            FigureOutput("charlm_sweep.svg", figure(s, (ngram_label, ngram_bpc)), config)]

