"""The character model's figures: learning curves, closing-bracket probability by distance, and how many
units reach each correlation with a feature (data in, ``matplotlib.figure.Figure`` out)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

from lstm_book.book.figures import GREY, REFERENCE_COLOUR, book_style, legend_below, new_figure


def lm_curves(curves: Mapping[str, tuple[str, Sequence[int], Sequence[float]]],
              baseline: tuple[str, float] | None = None) -> Figure:
    """Held-out bits per character against training updates, one line per model.

    Args:
        curves: label → ``(colour, steps, bits per character)``.
        baseline: ``(label, bits per character)`` of a model that is not trained by steps (the n-gram), dashed.
    """
    with book_style():
        fig, ax = new_figure(height=3.4)
        for label, (colour, steps, bpc) in curves.items():
            ax.plot(steps, bpc, color=colour, marker="o", markersize=3, label=label)
        if baseline is not None:
            ax.axhline(baseline[1], color=REFERENCE_COLOUR, linestyle="--", linewidth=1.5, label=baseline[0])
        ax.set_xlabel("training updates (chunks of characters)")
        ax.set_ylabel("validation bits per character")
        top = max(max(b) for _, _, b in curves.values())
        bottom = min([min(b) for _, _, b in curves.values()] + ([baseline[1]] if baseline else []))
        ax.set_ylim(bottom - 0.1, min(top, bottom + 2.5) + 0.1)
        legend_below(ax, ncols=2)
    return fig


def closer_probability(bins: Sequence[tuple[int, int]], panels: Mapping[str, Mapping[str, tuple[str, Sequence]]],
                       counts: Mapping[str, Sequence[int]]) -> Figure:
    """Mean probability a model gives the right closing bracket or quote, against the distance to its opener.

    Args:
        bins: ``(low, high)`` distances (characters, inclusive) of each point; the last ``high`` may be None.
        panels: panel title → {model label: (colour, mean probability per bin, None where the bin is empty)}.
        counts: panel title → how many closers fall in each bin (written under the axis).
    """
    names = [f"{lo}–{hi}" if hi else f"> {lo - 1}" for lo, hi in bins]
    n = len(panels)
    with book_style():
        fig, axes = new_figure(n, 1, height=2.9 * n + 0.6, sharex=True)
        axes = np.atleast_1d(axes)
        x = np.arange(len(bins))
        for ax, (title, lines) in zip(axes, panels.items()):
            for label, (colour, values) in lines.items():
                y = np.array([np.nan if v is None else v for v in values], dtype=float)
                ax.plot(x, y, color=colour, marker="o", markersize=4, label=label)
            ax.set_ylim(0, 1.02)
            ax.set_ylabel("mean P(closer)")
            ax.set_title(f"{title} (closers per bin: " + ", ".join(str(c) for c in counts[title]) + ")", fontsize=10)
        axes[-1].set_xticks(x, names, rotation=45, ha="right")
        axes[-1].set_xlabel("distance from the opener (characters)")
        axes[0].legend(loc="upper right", fontsize=9)
    return fig


def correlation_histograms(panels: Mapping[str, Mapping[str, tuple[str, Sequence[float]]]]) -> Figure:
    """How many units reach each |r|: one panel per feature, a step histogram per model state.

    Args:
        panels: feature → {label: (colour, every unit's correlation with the feature)}.
    """
    n = len(panels)
    bins = np.linspace(0, 1, 21)
    with book_style():
        fig, axes = new_figure(n, 1, height=1.55 * n + 1.0, sharex=True)
        axes = np.atleast_1d(axes)
        for ax, (title, lines) in zip(axes, panels.items()):
            for label, (colour, r) in lines.items():
                values = np.abs(np.asarray([np.nan if v is None else v for v in r], dtype=float))
                ax.hist(values[~np.isnan(values)], bins=bins, histtype="step", color=colour, linewidth=1.5, label=label)
            ax.set_yscale("log")
            ax.set_ylim(0.7, None)
            ax.set_title(title, fontsize=10, loc="left")
            ax.set_ylabel("units")
            for mark in (0.5, 0.8):
                ax.axvline(mark, color=GREY, linestyle=":", linewidth=1.0)
        axes[-1].set_xlabel("|Pearson r| of a unit of $c_t$ or $h_t$ with the feature")
        axes[0].legend(loc="upper right", fontsize=9)
    return fig
