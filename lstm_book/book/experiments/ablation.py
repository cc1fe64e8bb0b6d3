"""The forget-bias ablation: the flagship with constant effective forget biases, beside its own initialisation."""

from __future__ import annotations

from dataclasses import dataclass

from lstm_book.tasks import TEMPORAL_ORDER_CHANCE
from lstm_book.book.experiments import flagship
from lstm_book.book.pipeline.interface import Experiment, FigureOutput, Fragment, Output, Setting, Tiers
from lstm_book.book.pipeline.inits import Init, sigmoid
from lstm_book.book.pipeline.tables import pct, table
from lstm_book.book.pipeline.run_spec import RunSpec
from lstm_book.book.figures import GREY, PALETTE, book_style, legend_below, new_figure
from matplotlib.ticker import MaxNLocator
from matplotlib.figure import Figure
import numpy as np
from collections.abc import Mapping, Sequence



@dataclass(frozen=True)
class Budget:
    biases: tuple[float, ...]  # constant effective forget biases b_f
    epochs: int  # read every group after this many epochs (the flagship's own runs may go on)


BUDGET = Tiers(
    quick=Budget(biases=(0.0, 1.0, 2.0), epochs=2),
    full=Budget(biases=(0.0, 1.0, 2.0), epochs=5),
)


def groups(setting: Setting) -> dict[str, list[RunSpec]]:
    """The runs of each initialisation, keyed by :attr:`Init.key`: the constant biases, then the flagship's."""
    b = BUDGET.of(setting)
    seeds = setting.seeds(flagship.BUDGET.of(setting).seeds)
    out = {}
    for bias in b.biases:
        init = Init("bias", bias)
        out[init.key] = [flagship.spec(setting, "lstm", s, init, name=f"ablation-bias{init.key}-s{s}",
                                       group="ablation", epochs=b.epochs) for s in seeds]
    out[flagship.INIT.key] = flagship.lstm_specs(setting)
    return out


def specs(setting: Setting) -> list[RunSpec]:
    return [s for group in groups(setting).values() for s in group]


def measure(setting: Setting, runs, results) -> dict:
    b = BUDGET.of(setting)
    table_ = {}
    for key, group in groups(setting).items():
        hs = [runs.train(s)[0] for s in group]
        within = [h.first_epoch_reaching(0.99) for h in hs]
        table_[key] = {"acc_at_budget": [h.test_acc[min(b.epochs, len(h)) - 1] for h in hs],
                       "best": [max(h.test_acc[:b.epochs]) for h in hs],
                       "first_epoch_99": [e if e is not None and e <= b.epochs else None for e in within],
                       "histories": [h.to_dict() for h in hs]}
    first = groups(setting)[Init("bias", b.biases[0]).key]
    spec = first[0]
    return {"ablation": table_,
            "ablation_config": {"epochs": b.epochs, "n_train": spec.n_train, "sequences": b.epochs * spec.n_train,
                                "lr": spec.lr, "batch_size": spec.batch_size, "clip": spec.clip,
                                "seeds": [s.seed for s in first],
                                "flagship_epochs": flagship.lstm_specs(setting)[0].epochs}}


def render(results: dict) -> list[Output]:
    abl, cfg = results["ablation"], results["ablation_config"]
    inits = {key: Init.parse(key) for key in abl}
    curves = {(f"{init.symbol} (σ = {sigmoid(init.bias):.2f})" if init.kind == "bias" else init.symbol):
              [{"history": h} for h in abl[key]["histories"]] for key, init in inits.items()}
    figure = ablation_curves(curves, chance=TEMPORAL_ORDER_CHANCE, colours=[i.colour for i in inits.values()])
    n_epochs = cfg["epochs"]
    rows = []
    for key, init in inits.items():
        entry = abl[key]
        start = "log U(1, 99) per unit" if init.kind == "chrono" else f"{sigmoid(init.bias):.3f}"
        solved = sum(e is not None for e in entry["first_epoch_99"])
        rows.append((key, start, ", ".join(pct(a) for a in entry["acc_at_budget"]),
                     f"{solved} of {len(entry['first_epoch_99'])}"))
    headers = ["forget-gate bias b_f", "σ(b_f) at the start", f"test accuracy after epoch {n_epochs}, per seed",
               f"seeds at ≥ 99% by epoch {n_epochs}"]
    budget = (f"Each run: {n_epochs} epochs over {cfg['n_train']:,} training sequences "
              f"({cfg['sequences']:,} sequences seen), Adam {cfg['lr']:g}, batch {cfg['batch_size']}, "
              f"clipping at {cfg['clip']:g}; seeds {', '.join(str(s) for s in cfg['seeds'])}. The chrono group is "
              f"the flagship's runs (which go on to epoch {cfg['flagship_epochs']}), read after the same "
              f"{n_epochs} epochs.")
    return [
        FigureOutput("forget_bias_ablation.svg", figure, cfg),
        Fragment("ablation_table", table(headers, rows, "lllr")),
        Fragment("ablation_budget", budget),
    ]

# ----- its figure ---------------------------------------------------------------------------


def ablation_curves(groups: Mapping[str, Sequence[Mapping]], chance: float | None = None,
                    colours: Sequence[str] | None = None) -> Figure:
    """Test accuracy per epoch for several groups of runs (e.g. forget bias 0 / 1 / 2), one colour per group,
    one thin line per seed and a thick line for the group mean."""
    with book_style():
        fig, ax = new_figure(height=3.8)
        for colour, (label, runs) in zip(colours or PALETTE, groups.items()):
            accs = [100 * np.asarray(r["history"]["test_acc"]) for r in runs]
            epochs = np.asarray(runs[0]["history"]["epoch"])
            for a in accs:
                ax.plot(epochs, a, color=colour, linewidth=1.0, alpha=0.55)
            n = min(len(a) for a in accs)
            ax.plot(epochs[:n], np.mean([a[:n] for a in accs], axis=0), color=colour, linewidth=2.4,
                    label=f"{label} (mean of {len(accs)})")
        if chance is not None:
            ax.axhline(100 * chance, color=GREY, linestyle=":", linewidth=1.2)
        ax.set_ylim(0, 103)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("epoch")
        ax.set_ylabel("test accuracy (%)")
        legend_below(ax)
    return fig



EXPERIMENT = Experiment(name="ablation", default=True, specs=specs, measure=measure, render=render, budget=BUDGET)
