"""Longer sequences: the flagship's recipe at T = 25 … 200, one seed per point, LSTM and RNN."""

from __future__ import annotations

from dataclasses import dataclass

from lstm_book.book import figures
from lstm_book.tasks import TEMPORAL_ORDER_CHANCE
from lstm_book.book.experiments import flagship
from lstm_book.book.pipeline.interface import Experiment, FigureOutput, Fragment, Output, Setting, Tiers
from lstm_book.book.pipeline.inits import Init
from lstm_book.book.pipeline.tables import pct, percent, table
from lstm_book.book.pipeline.run_spec import RunSpec
from lstm_book.book.figures import GREY, PALETTE, book_style, legend_below, new_figure
from matplotlib.figure import Figure
import numpy as np
from collections.abc import Mapping, Sequence

SOLVED = 0.99  # a run stops once test accuracy reaches this


@dataclass(frozen=True)
class Budget:
    lengths: tuple[int, ...]
    n_train: int
    epochs: int


BUDGET = Tiers(
    quick=Budget(lengths=(25, 50, 100, 200), n_train=32, epochs=1),
    full=Budget(lengths=(25, 50, 100, 200), n_train=3000, epochs=4),
)


def specs(setting: Setting) -> list[RunSpec]:
    b = BUDGET.of(setting)
    s = setting.seed
    return [flagship.spec(setting, cell, s, name=f"length-{cell}-T{T}-s{s}", group="length", seq_len=T,
                          n_train=b.n_train, epochs=b.epochs, stop_at=SOLVED)
            for T in b.lengths for cell in ("lstm", "rnn")]


def measure(setting: Setting, runs, results) -> dict:
    table_ = {}
    for spec in specs(setting):
        history = runs.train(spec)[0]
        table_.setdefault(str(spec.seq_len), {})[spec.cell] = {
            "best": history.best_test_acc(), "epochs": len(history),
            "first_epoch_99": history.first_epoch_reaching(0.99)}
    s = specs(setting)[0]
    config = {"seed": s.seed, "epochs": s.epochs, "n_train": s.n_train, "n_test": s.n_test, "init": flagship.INIT.key,
              "solved": SOLVED}
    return {"length_sweep": table_, "length_config": config}


def render(results: dict) -> list[Output]:
    table_, cfg = results["length_sweep"], results["length_config"]
    lengths = [int(T) for T in table_]
    series = {"LSTM": [table_[str(T)]["lstm"]["best"] for T in lengths],
              "vanilla RNN": [table_[str(T)]["rnn"]["best"] for T in lengths]}
    figure = length_sweep(lengths, series, chance=TEMPORAL_ORDER_CHANCE,
                                colours={"LSTM": figures.LSTM_COLOUR, "vanilla RNN": figures.RNN_COLOUR})
    rows = [(T, pct(table_[str(T)]["lstm"]["best"]), pct(table_[str(T)]["rnn"]["best"])) for T in lengths]
    budget = (f"Each point is one seed ({cfg['seed']}) trained for at most {cfg['epochs']} epochs over "
              f"{cfg['n_train']:,} sequences (stopping early once test accuracy reaches {percent(cfg['solved'])}), "
              f"{Init.parse(cfg['init']).label('T')} for the LSTM, otherwise the flagship's setup; accuracy is the "
              f"best epoch's, on {cfg['n_test']:,} test sequences of the same length.")
    return [
        FigureOutput("length_sweep.svg", figure, cfg),
        Fragment("length_table", table(["sequence length T", "LSTM best test accuracy", "RNN best test accuracy"],
                                       rows, "rrr")),
        Fragment("length_budget", budget),
    ]

# ----- its figure ---------------------------------------------------------------------------


def length_sweep(lengths: Sequence[int], series: Mapping[str, Sequence[float]], chance: float | None = None,
                 colours: Mapping[str, str] | None = None) -> Figure:
    """Final test accuracy vs sequence length T, one line per model."""
    with book_style():
        fig, ax = new_figure(height=3.6)
        for i, (label, accs) in enumerate(series.items()):
            colour = (colours or {}).get(label, PALETTE[i % len(PALETTE)])
            ax.plot(lengths, 100 * np.asarray(accs), marker="o", color=colour, label=label)
        if chance is not None:
            ax.axhline(100 * chance, color=GREY, linestyle=":", linewidth=1.2, label="chance")
        ax.set_xscale("log")
        ax.set_xticks(list(lengths), [str(t) for t in lengths])
        ax.minorticks_off()
        ax.set_ylim(0, 103)
        ax.set_xlabel("sequence length $T$ (log scale)")
        ax.set_ylabel("best test accuracy (%)")
        legend_below(ax, ncols=3)
    return fig



EXPERIMENT = Experiment(name="length", default=True, specs=specs, measure=measure, render=render, budget=BUDGET)
