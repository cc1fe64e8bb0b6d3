"""Every figure of the book as a function: data in, ``matplotlib.figure.Figure`` out.

One style for all figures (:func:`book_style`): a transparent background with dark grey text and
axes (:data:`~lstm_book.book.palette.INK`, above 4.5:1 on white and on the light card the site puts
behind every figure in the dark palette); the book's one palette
(:mod:`lstm_book.book.palette`: Okabe–Ito, one meaning per colour); figures at most
6 inches wide with 11–12 pt text, so they stay legible when a phone scales them down; multi-panel
figures stack their panels vertically for the same reason.

The functions here never train anything and never touch the file system except in
:func:`save_figure`; ``scripts/regenerate_figures.py`` computes the data and calls them.
"""

from __future__ import annotations

import io
import os
from collections.abc import Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from lstm_book.book.palette import (DIVERGING, GREY, INK, LSTM_COLOUR, REFERENCE_COLOUR, RNN_COLOUR, SEQUENTIAL as SEQUENTIAL_CMAP,
                                     sequential)
from lstm_book.files import atomic_write_bytes


# The colours are the book's one palette (lstm_book/book/palette.py): one meaning per colour, everywhere.
PALETTE = [sequential(k, 4) for k in range(4)]  # series with no colour of their own: steps of the sequential scale
LIGHT_GREY = GREY + "55"
ARTICLE_COLOUR = REFERENCE_COLOUR
# signed values (the cell state): blue below zero, neutral at zero, vermillion above (as every widget draws them)
DIVERGING_CMAP = matplotlib.colors.LinearSegmentedColormap.from_list("book_diverging", list(DIVERGING))

STYLE = {
    "figure.facecolor": "none",
    "axes.facecolor": "none",
    "savefig.facecolor": "none",
    "savefig.transparent": True,
    "savefig.bbox": "tight",
    "savefig.pad_inches": 0.05,
    "text.color": INK,
    "axes.labelcolor": INK,
    "axes.edgecolor": INK,
    "axes.titlecolor": INK,
    "xtick.color": INK,
    "ytick.color": INK,
    "xtick.labelcolor": INK,
    "ytick.labelcolor": INK,
    "grid.color": GREY,
    "grid.alpha": 0.25,
    "axes.grid": True,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": matplotlib.cycler(color=PALETTE),
    "axes.titlesize": 12,
    "axes.labelsize": 12,
    "xtick.labelsize": 11,
    "ytick.labelsize": 11,
    "legend.fontsize": 10,
    "legend.frameon": False,
    "legend.labelcolor": INK,
    "font.size": 11,
    "lines.linewidth": 2.0,
    "svg.fonttype": "none",  # keep text as text: smaller files, crisp at any zoom
    "svg.hashsalt": "lstm-book",  # deterministic element ids, so identical data give identical files
}


@contextmanager
def book_style():
    """Context manager that applies the book's matplotlib style (see the module docstring)."""
    with plt.rc_context(STYLE):
        yield


def new_figure(nrows: int = 1, ncols: int = 1, height: float = 3.6, width: float = 5.6, **kw):
    """A Figure *not* managed by pyplot: no window, no global state, shown in Jupyter as the cell's value."""
    with book_style():
        fig = Figure(figsize=(width, height), layout="constrained")
        axes = fig.subplots(nrows, ncols, **kw)
    return fig, axes


def legend_below(ax, ncols: int = 2, fontsize: int = 9, handles=None, labels=None) -> None:
    """A legend under the axes, so it never hides a curve (constrained layout makes room for it)."""
    args = (handles, labels) if handles is not None else ()
    ax.legend(*args, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncols=ncols, fontsize=fontsize)


def save_figure(fig: Figure, path: str | os.PathLike) -> Path:
    """Write ``fig`` to ``path`` atomically (temp file in the same folder, then ``os.replace``).

    The format follows the suffix (``.svg`` or ``.png``). SVGs carry no date, so the same data
    give byte-identical files.
    """
    path = Path(path)
    fmt = path.suffix.lstrip(".").lower()
    metadata = {"Date": None} if fmt == "svg" else {}
    buf = io.BytesIO()
    with book_style():
        fig.savefig(buf, format=fmt, metadata=metadata, dpi=150)
    atomic_write_bytes(path, buf.getvalue())
    return path


# ----------------------------------------------------------------------------------------------
# Part 1 illustrations
# ----------------------------------------------------------------------------------------------


def jacobian_products(steps: np.ndarray, norms: Mapping[str, np.ndarray], linear: Mapping[str, np.ndarray]) -> Figure:
    """Norm of a product of vanilla-RNN Jacobians vs the distance in steps, one line per spectral radius.

    Args:
        steps: ``(N,)`` distances d = 1..N, in steps back in time.
        norms: label → ``(N,)`` spectral norm of the product of d factors diag(1 − h_t²) W_hh (Eq. 3) along
            a real trajectory.
        linear: label → ``(N,)`` spectral norm of W_hh^d (the product without the tanh factors), drawn dotted.
    """
    with book_style():
        fig, ax = new_figure(height=3.8)
        for colour, (label, values) in zip(PALETTE, norms.items()):
            ax.plot(steps, values, color=colour, label=label)
            if label in linear:
                ax.plot(steps, linear[label], color=colour, linestyle=":", linewidth=1.3)
        ax.plot([], [], color=GREY, linestyle=":", linewidth=1.3, label=r"$\|W_{hh}^d\|$ alone")
        ax.axhline(1.0, color=GREY, linewidth=0.8)
        ax.set_yscale("log")
        ax.set_yticks([10.0**e for e in range(-40, 41, 20)])
        ax.set_ylim(1e-42, 1e50)
        ax.minorticks_off()
        ax.set_xlim(steps.min(), steps.max())
        ax.set_xlabel("distance $d$: steps back in time")
        ax.set_ylabel(r"$\|\prod\, \mathrm{diag}(1-h_t^2)\, W_{hh}\|_2$")
        ax.legend(loc="lower left", ncols=2, fontsize=9)
    return fig


# ----------------------------------------------------------------------------------------------
# Part 3: training curves
# ----------------------------------------------------------------------------------------------


def accuracy_curves(
    runs: Sequence[Mapping],
    reference: Sequence[tuple[int, float, str]] = (),
    chance: float | None = None,
    title: str | None = None,
) -> Figure:
    """Train (thin, dashed) and test (solid) accuracy per epoch, one line pair per run.

    Args:
        runs: dicts with ``label``, ``colour`` and ``history`` (``epoch``, ``train_acc``, ``test_acc``,
            accuracies as fractions). Runs sharing a label share one legend entry.
        reference: ``(epoch, accuracy, label)`` points to mark (e.g. the article's reported numbers).
        chance: draws a horizontal line at chance level.
    """
    with book_style():
        fig, ax = new_figure(height=3.8)
        seen = set()
        for run in runs:
            h = run["history"]
            label = run["label"] if run["label"] not in seen else None
            seen.add(run["label"])
            ax.plot(h["epoch"], 100 * np.asarray(h["test_acc"]), color=run["colour"], label=label, marker="o", markersize=3)
            ax.plot(h["epoch"], 100 * np.asarray(h["train_acc"]), color=run["colour"], linestyle="--", linewidth=1.0, alpha=0.8)
        if chance is not None:
            ax.axhline(100 * chance, color=GREY, linestyle=":", linewidth=1.2)
            ax.annotate("chance", xy=(1, 100 * chance), xytext=(2, 4), textcoords="offset points", color=INK, fontsize=9,
                        xycoords=("axes fraction", "data"), ha="right")
        for epoch, acc, label in reference:
            ax.plot([epoch], [100 * acc], marker="*", markersize=13, color=ARTICLE_COLOUR, linestyle="none", label=label)
        ax.plot([], [], color=GREY, linestyle="--", linewidth=1.0, label="train (dashed)")
        ax.set_ylim(0, 103)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("epoch")
        ax.set_ylabel("accuracy (%)")
        if title:
            ax.set_title(title)
        legend_below(ax)
    return fig


# ----------------------------------------------------------------------------------------------
# Part 3: gradient flow
# ----------------------------------------------------------------------------------------------


def gradient_profiles(panels: Mapping[str, Mapping[str, tuple[str, str, np.ndarray]]], ylabel: str,
                      marks: Sequence[tuple[float, float]] = ()) -> Figure:
    """Per-position gradient norms on a log scale, one panel per entry of ``panels`` (stacked vertically).

    Args:
        panels: panel title → {label: (colour, linestyle, ``(T,)`` norms)}.
        ylabel: y-axis label (what norm is drawn).
        marks: ``(start, end)`` position ranges to shade (the informative positions).
    """
    n = len(panels)
    with book_style():
        fig, axes = new_figure(n, 1, height=2.5 * n + 0.6, sharex=True)
        axes = np.atleast_1d(axes)
        for ax, (title, lines) in zip(axes, panels.items()):
            for start, end in marks:
                ax.axvspan(start, end, color=GREY, alpha=0.15, linewidth=0)
            for label, (colour, style, values) in lines.items():
                values = np.asarray(values, dtype=float)
                values = np.where(values > 0, values, np.nan)
                ax.plot(np.arange(len(values)), values, color=colour, linestyle=style, label=label)
            ax.set_yscale("log")
            ax.set_title(title, fontsize=11)
            ax.set_ylabel(ylabel)
            ax.legend(loc="best", fontsize=8)
        axes[-1].set_xlabel("position $t$ in the sequence (shaded: informative positions)")
    return fig


# ----------------------------------------------------------------------------------------------
# Part 3: gates
# ----------------------------------------------------------------------------------------------


def gate_heatmaps(gates: Mapping[str, np.ndarray], marks: Sequence[int], symbols: Sequence[str] | None = None,
                  tokens: Sequence[int] | None = None, limits: tuple[float, float] = (0.0, 1.0),
                  cmap=SEQUENTIAL_CMAP, label: str = "gate value", symlog: float | None = None) -> Figure:
    """Units × time heatmaps, one panel per entry (e.g. "layer 1 · forget gate f"), stacked vertically.

    Args:
        gates: panel title → ``(T, H)`` values for one sequence: gate activations in [0, 1] by default,
            or any other per-unit quantity with its own ``limits``, ``cmap`` and colour-bar ``label``
            (the cell state: :data:`DIVERGING_CMAP`, symmetric limits).
        symlog: if given, colours follow a symmetric logarithm, linear within ±``symlog``: small values
            stay visible beside large ones.
        marks: positions of the informative symbols, marked with vertical lines.
        symbols: the symbol at each marked position, written above the first panel.
        tokens: the ``(T,)`` temporal-order tokens of the sequence. If given, the bottom axis is the
            sequence itself, as the temporal-order strip draws it (``lstm_book.book.experiments.diagrams.strip_diagram``): one cell
            per position, X blue, Y vermillion, B and E grey, distractors empty, the windows shaded.
    """
    from lstm_book.book.palette import symbol_fill  # the task's symbol colours, shared with the diagrams
    from lstm_book.tasks import TEMPORAL_ORDER_SYMBOLS, temporal_order_windows

    n = len(gates)
    with book_style():
        if tokens is None:
            fig, axes = new_figure(n, 1, height=1.45 * n + 1.0, sharex=True)
            axes, strip_ax = np.atleast_1d(axes), None
        else:
            fig, all_axes = new_figure(n + 1, 1, height=1.45 * n + 1.4, sharex=True,
                                        gridspec_kw={"height_ratios": [1.0] * n + [0.3]})
            axes, strip_ax = all_axes[:n], all_axes[n]
        image = None
        for ax, (title, values) in zip(axes, gates.items()):
            values = np.asarray(values)
            norm = (matplotlib.colors.SymLogNorm(symlog, vmin=limits[0], vmax=limits[1]) if symlog
                    else matplotlib.colors.Normalize(*limits))
            image = ax.imshow(values.T, aspect="auto", cmap=cmap, norm=norm, interpolation="nearest")
            for m in marks:
                ax.axvline(m, color="white", linewidth=1.0, linestyle="--")
            ax.set_ylabel("unit", fontsize=9)
            ax.set_title(title, fontsize=10, loc="right")
            ax.grid(False)
        if symbols:
            for m, s in zip(marks, symbols):
                axes[0].annotate(s, xy=(m, 0), xytext=(0, 14), textcoords="offset points", ha="center",
                                 fontsize=11, color=INK, annotation_clip=False, fontweight="bold")
        if strip_ax is None:
            axes[-1].set_xlabel("position $t$ (dashed: the two X/Y symbols)")
        else:
            from matplotlib.patches import Rectangle

            for lo, hi in temporal_order_windows(len(tokens), len(marks)):
                strip_ax.axvspan(lo - 0.5, hi + 0.5, color=GREY, alpha=0.18, linewidth=0)
            for t, tok in enumerate(tokens):
                fill = symbol_fill(int(tok))
                if fill is not None:
                    strip_ax.add_patch(Rectangle((t - 0.5, 0.2), 1.0, 0.8, facecolor=fill, edgecolor="none"))
                    strip_ax.annotate(TEMPORAL_ORDER_SYMBOLS[int(tok)], xy=(t, 0.2), xytext=(0, -2),
                                      textcoords="offset points", ha="center", va="top", fontsize=10,
                                      color=INK, fontweight="bold", annotation_clip=False)
            strip_ax.set_ylim(-1.1, 1.0)
            strip_ax.set_yticks([])
            strip_ax.grid(False)
            strip_ax.spines[["left", "right", "top", "bottom"]].set_visible(False)
            strip_ax.set_xlabel("position $t$ (bottom: the sequence; shaded: the two X/Y windows)",
                                fontsize=10)
            strip_ax.set_xlim(-0.5, len(tokens) - 0.5)
        fig.colorbar(image, ax=list(axes), shrink=0.6, label=label, pad=0.02)
    return fig


def gate_position_panels(panels: Mapping[str, Mapping[str, Mapping[str, float]]]) -> Figure:
    """:func:`gate_position_stats` for several models side by side (e.g. trained at T = 100 and T = 500).

    Args:
        panels: panel title → the ``stats`` of :func:`gate_position_stats`.
    """
    n = len(panels)
    with book_style():
        fig, axes = new_figure(1, n, height=3.4, width=5.6 if n == 1 else 3.6 * n, sharey=True)
        axes = np.atleast_1d(axes)
        for ax, (title, stats) in zip(axes, panels.items()):
            labels = list(stats)
            x = np.arange(len(labels))
            ax.bar(x - 0.2, [stats[k]["informative"] for k in labels], width=0.4, color=sequential(0, 2), label="at X/Y positions")
            ax.bar(x + 0.2, [stats[k]["distractor"] for k in labels], width=0.4, color=sequential(1, 2), label="at distractors")
            ax.set_xticks(x, labels)
            ax.set_ylim(0, 1)
            ax.set_xlabel("gate and layer")
            ax.grid(axis="x", visible=False)
            if title:
                ax.set_title(title, fontsize=11)
        axes[0].set_ylabel("mean gate value")
        fig.legend(*axes[0].get_legend_handles_labels(), loc="outside upper center", fontsize=9, ncols=2)
    return fig


def gate_position_stats(stats: Mapping[str, Mapping[str, float]]) -> Figure:
    """Grouped bars: mean gate value at informative vs distractor positions for each gate/layer.

    Args:
        stats: bar-group label (e.g. "L1 f") → {"informative": mean, "distractor": mean}.
    """
    return gate_position_panels({"": stats})


def saturation_scatter(points: Mapping[str, tuple[np.ndarray, np.ndarray]]) -> Figure:
    """Karpathy, Johnson & Fei-Fei (2015)-style saturation plot: for each unit, the fraction of steps on
    which a gate is right-saturated (> 0.9, y) vs left-saturated (< 0.1, x). One panel per layer;
    colours per gate.

    Args:
        points: "layer k · gate" → (left_fraction ``(H,)``, right_fraction ``(H,)``).
    """
    layers: dict[str, dict[str, tuple]] = {}
    for key, value in points.items():
        layer, gate = key.split(" · ")
        layers.setdefault(layer, {})[gate] = value
    gate_colours = {"input gate i": sequential(0, 3), "forget gate f": sequential(1, 3), "output gate o": sequential(2, 3)}
    with book_style():
        fig, axes = new_figure(1, len(layers), height=3.2, width=5.6, sharey=True)
        axes = np.atleast_1d(axes)
        for ax, (layer, gates) in zip(axes, layers.items()):
            ax.plot([0, 1], [1, 0], color=GREY, linewidth=0.8, linestyle=":")
            for gate, (left, right) in gates.items():
                ax.scatter(left, right, s=14, alpha=0.75, color=gate_colours.get(gate, GREY), label=gate, linewidths=0)
            ax.set_xlim(-0.02, 1.02)
            ax.set_ylim(-0.02, 1.02)
            ax.set_aspect("equal")
            ax.set_title(layer, fontsize=11)
            ax.set_xlabel("fraction < 0.1")
        axes[0].set_ylabel("fraction > 0.9")
        axes[-1].legend(loc="upper right", fontsize=8, markerscale=1.5)
    return fig
