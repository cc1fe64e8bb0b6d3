"""What the trained flagship LSTM's gates do: one sequence unit by unit, averages by position, saturation."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from lstm_book.book import figures
from lstm_book.book.palette import sequential
from lstm_book import probes
from lstm_book.tasks import TEMPORAL_ORDER_CLASSES, TEMPORAL_ORDER_SYMBOLS, decode_temporal_order, temporal_order_class_names
from lstm_book.tasks import temporal_order_windows
from lstm_book.book.experiments import flagship
from lstm_book.book.pipeline.interface import Experiment, FigureOutput, Fragment, Output, Setting, Tiers
from lstm_book.book.pipeline.tables import pct, table
from lstm_book.book.pipeline.run_spec import RunSpec, held_out_set
from lstm_book.book.figures import GREY, book_style, new_figure
from matplotlib.figure import Figure
from collections.abc import Mapping, Sequence

GATES = ("i", "f", "o")
TITLES = {"i": "input gate i", "f": "forget gate f", "o": "output gate o"}


@dataclass(frozen=True)
class Budget:
    gate_n: int  # test sequences the averages are taken over


BUDGET = Tiers(quick=Budget(gate_n=32), full=Budget(gate_n=500))


def model_spec(setting: Setting) -> RunSpec:
    return flagship.lstm_specs(setting)[0]


def specs(setting: Setting) -> list[RunSpec]:
    return [model_spec(setting)]


def measure(setting: Setting, runs, results) -> dict:
    spec = model_spec(setting)
    model = runs.train(spec)[1]
    test = held_out_set(spec.seq_len, BUDGET.of(setting).gate_n)
    with torch.no_grad():
        logits, gates = model(test.tokens, return_gates=True)
    correct = logits.argmax(1) == test.labels
    k = int(torch.nonzero(correct)[0]) if bool(correct.any()) else 0  # the first correctly classified sequence
    saturation = {}
    for layer in range(spec.num_layers):
        for g in GATES:
            left, right = probes.saturation_fractions(gates[g][layer])
            saturation[f"layer {layer + 1} {g}"] = {"left": left.tolist(), "right": right.tolist(),
                                                    "units_right_gt_half": int((right > 0.5).sum()),
                                                    "units_left_gt_half": int((left > 0.5).sum())}
    example = {"tokens": test.tokens[k].tolist(), "positions": test.positions[k].tolist(), "label": int(test.labels[k]),
               "gates": {f"layer {layer + 1}": {g: rounded(gates[g][layer, :, k, :]) for g in (*GATES, "c")}
                         for layer in range(spec.num_layers)}}
    return {"gates": {"model": spec.name, "test_accuracy": float(correct.float().mean()), "example_index": k,
                      "position_means": probes.gate_position_means(gates, test.positions), "saturation": saturation,
                      "example": example, "sequences": int(test.tokens.shape[0]), "seed": spec.seed,
                      "hidden_size": spec.hidden_size, "config": spec.config(), "probe": memory_probe(gates, test),
                      "before_after": before_after(gates, test)}}


def before_after(gates: dict, test) -> dict:
    """Each gate's mean at the distractors before the second symbol and after it, per layer."""
    T = test.tokens.shape[1]
    distractor = probes.distractor_mask(test.positions, T)  # (B, T)
    after = torch.arange(T)[None, :] > test.positions[:, 1:2]  # (B, T): past the second symbol
    masks = {"before": (distractor & ~after).T, "after": (distractor & after).T}  # (T, B)
    return {f"layer {layer + 1}": {g: {when: float(gates[g][layer][m].mean()) for when, m in masks.items()}
                                   for g in GATES} for layer in range(gates["i"].shape[0])}


def rounded(values: torch.Tensor) -> list:
    """Heatmap values to 3 decimals: below the 1/256 steps of a colour map, and a third of the size in JSON."""
    return [[round(float(v), 3) for v in row] for row in values]


def memory_probe(gates: dict, test) -> dict:
    """Linear read-outs of the class and of the first symbol alone from each layer's c_t, at every step."""
    train = test.tokens.shape[0] // 2
    targets = {"class": test.labels, "first symbol": test.labels // 2}  # label = 2·first + second (tasks.py)
    return {"train": train, "held_out": test.tokens.shape[0] - train,
            "accuracy": {target: {f"layer {layer + 1}": probes.linear_probe(gates["c"][layer], y, train).tolist()
                                  for layer in range(gates["c"].shape[0])} for target, y in targets.items()},
            "chance": {"class": 1 / TEMPORAL_ORDER_CLASSES, "first symbol": 0.5}}


def render(results: dict) -> list[Output]:
    g = results["gates"]
    ex, stats, config = g["example"], g["position_means"], {"model": g["config"], "sequences": g["sequences"]}
    pos = ex["positions"]
    panels = {f"{layer} · {TITLES[name]}": np.asarray(values[name]) for layer, values in ex["gates"].items()
              for name in GATES}
    symbols = [TEMPORAL_ORDER_SYMBOLS[ex["tokens"][p]] for p in pos]
    heatmaps = figures.gate_heatmaps(panels, marks=pos, symbols=symbols, tokens=ex["tokens"])
    cells = {f"{layer} · cell state c": np.asarray(values["c"]) for layer, values in ex["gates"].items()}
    c_max = float(np.abs(np.concatenate([c.ravel() for c in cells.values()])).max())
    cell_maps = figures.gate_heatmaps(cells, marks=pos, symbols=symbols, tokens=ex["tokens"], limits=(-c_max, c_max),
                                    cmap=figures.DIVERGING_CMAP, label="cell state c (log scale beyond ±0.1)", symlog=0.1)
    probe = g["probe"]
    colours = {"layer 1": sequential(0, 2), "layer 2": sequential(1, 2)}  # order: the sequential scale
    readout = probe_accuracy(
        {f"read out: {target}": {layer: (colours[layer], "-", acc) for layer, acc in by_layer.items()}
         for target, by_layer in probe["accuracy"].items()},
        chance={f"read out: {target}": c for target, c in probe["chance"].items()},
        windows=temporal_order_windows(len(ex["tokens"])))
    bars = {f"L{layer[-1]} {name}": {"informative": stats[layer][name]["informative"],
                                     "distractor": stats[layer][name]["distractor"]}
            for layer in stats for name in GATES}
    points = {f"{layer.rsplit(' ', 1)[0]} · {TITLES[layer[-1]]}": (v["left"], v["right"])
              for layer, v in g["saturation"].items()}
    rows = [(layer, TITLES[name], f"{s['informative']:.2f}", f"{s['distractor']:.2f}", pct(s["informative_gt_0.9"]),
             pct(s["distractor_gt_0.9"]), pct(s["distractor_lt_0.1"]))
            for layer in stats for name in ("f", "i", "o") for s in [stats[layer][name]]]
    f1, f2 = g["saturation"]["layer 1 f"], g["saturation"]["layer 2 f"]
    summary = (f"Of the {g['hidden_size']} forget-gate units, {f1['units_right_gt_half']} in layer 1 and "
               f"{f2['units_right_gt_half']} in layer 2 are above 0.9 on more than half of all steps; "
               f"{f1['units_left_gt_half']} and {f2['units_left_gt_half']} are below 0.1 on more than half of all steps "
               f"({g['sequences']} test sequences, seed-{g['seed']} model, test accuracy {pct(g['test_accuracy'])}).")
    name = temporal_order_class_names()[ex["label"]]
    example = (f"`{decode_temporal_order(torch.tensor(ex['tokens']))}` (class {name}, X/Y at positions {pos[0]} "
               f"and {pos[1]})")
    return [
        FigureOutput("gate_heatmaps.svg", heatmaps, {**config, "test_index": g["example_index"]}),
        FigureOutput("gate_positions.svg", figures.gate_position_stats(bars), config),
        FigureOutput("gate_saturation.svg", figures.saturation_scatter(points), config),
        Fragment("gate_table", table(["layer", "gate", "mean at X/Y", "mean at distractors", "X/Y values > 0.9",
                                      "distractor values > 0.9", "distractor values < 0.1"], rows, "llrrrrr")),
        Fragment("gate_saturation_summary", summary),
        Fragment("gate_example", example),
        FigureOutput("cell_states.svg", cell_maps, {**config, "test_index": g["example_index"]}),
        FigureOutput("memory_probe.svg", readout, {**config, "train": probe["train"], "held_out": probe["held_out"]}),
        Fragment("memory_probe_summary", probe_summary(probe, ex["positions"], len(ex["tokens"]))),
        Fragment("gate_before_after", table(
            ["layer", "gate", "mean at X/Y", "distractors before the second symbol", "distractors after it"],
            [(layer, TITLES[name], f"{stats[layer][name]['informative']:.2f}", f"{v[name]['before']:.2f}",
              f"{v[name]['after']:.2f}") for layer, v in g["before_after"].items() for name in ("i", "o", "f")],
            "llrrr") + "\n\n" + before_after_summary(stats, g["before_after"])),
    ]


def before_after_summary(stats: dict, split: dict) -> str:
    """Which way each comparison of the table goes, in words, so the prose around it cannot go stale."""
    def layers(test) -> str:
        hits = [layer for layer in split if test(layer)]
        return "both layers" if len(hits) == len(split) else (", ".join(hits) if hits else "neither layer")

    at_symbols = {g: layers(lambda l, g=g: stats[l][g]["informative"] > split[l][g]["before"]) for g in ("i", "o")}
    later = {g: layers(lambda l, g=g: split[l][g]["after"] > split[l][g]["before"]) for g in ("i", "o")}
    return (f"Before the second symbol, the input gate is higher at the X/Y positions than at the distractors in "
            f"{at_symbols['i']}, the output gate in {at_symbols['o']}. After the second symbol, the input gate is "
            f"higher at the distractors than before in {later['i']}, the output gate in {later['o']}.")


def probe_summary(probe: dict, positions: list[int], T: int) -> str:
    """When each read-out becomes possible: the first step at which it beats chance clearly, and its end value."""
    (lo1, hi1), (lo2, hi2) = temporal_order_windows(T)
    parts = []
    for target, by_layer in probe["accuracy"].items():
        for layer, acc in by_layer.items():
            above = next((t for t, a in enumerate(acc) if a >= 0.9), None)
            parts.append(f"{target} from {layer}'s c_t: {pct(acc[-1])} at the last step"
                         + (f", above 90% from t = {above}" if above is not None else ", never above 90%"))
    return (f"Read-outs fitted on {probe['train']} test sequences and scored on the other {probe['held_out']} "
            f"(the windows are t = {lo1}–{hi1} and {lo2}–{hi2}): " + "; ".join(parts) + ".")

# ----- its figure ---------------------------------------------------------------------------


def probe_accuracy(panels: Mapping[str, Mapping[str, tuple[str, str, Sequence[float]]]], chance: Mapping[str, float],
                   windows: Sequence[tuple[int, int]]) -> Figure:
    """Accuracy of a linear read-out at every position t, one panel per target (stacked vertically).

    Args:
        panels: panel title → {line label: (colour, linestyle, ``(T,)`` held-out accuracy at each t)}.
        chance: panel title → the accuracy of guessing, drawn dotted.
        windows: position ranges to shade (the informative windows).
    """
    n = len(panels)
    with book_style():
        fig, axes = new_figure(n, 1, height=2.1 * n + 0.9, sharex=True)
        axes = np.atleast_1d(axes)
        for ax, (title, lines) in zip(axes, panels.items()):
            for lo, hi in windows:
                ax.axvspan(lo, hi, color=GREY, alpha=0.15, linewidth=0)
            for label, (colour, style, values) in lines.items():
                ax.plot(np.arange(len(values)), 100 * np.asarray(values), color=colour, linestyle=style, label=label)
            ax.axhline(100 * chance[title], color=GREY, linestyle=":", linewidth=1.2)
            ax.set_ylim(0, 103)
            ax.set_title(title, fontsize=11)
            ax.set_ylabel("accuracy (%)")
        axes[0].legend(loc="upper left", fontsize=8)
        axes[-1].set_xlabel("position $t$ (shaded: the informative windows; dotted: chance)")
    return fig



EXPERIMENT = Experiment(name="gates", default=True, specs=specs, measure=measure, render=render, budget=BUDGET)
