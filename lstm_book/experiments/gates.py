"""What the trained flagship LSTM's gates do: one sequence unit by unit, averages by position, saturation."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .. import plots, probes
from ..tasks import TEMPORAL_ORDER_SYMBOLS, decode_temporal_order, temporal_order_class_names
from . import flagship
from .core import FigureOutput, Fragment, Output, Setting
from .markdown import pct, table
from .outputs import float32_list
from .runs import RunSpec, held_out_set

NAME = "gates"
DEFAULT = True
GATES = ("i", "f", "o")
TITLES = {"i": "input gate i", "f": "forget gate f", "o": "output gate o"}


@dataclass(frozen=True)
class Budget:
    gate_n: int  # test sequences the averages are taken over


QUICK, FULL = Budget(gate_n=32), Budget(gate_n=500)


def model_spec(setting: Setting) -> RunSpec:
    return flagship.lstm_specs(setting)[0]


def specs(setting: Setting) -> list[RunSpec]:
    return [model_spec(setting)]


def measure(setting: Setting, runs, results) -> dict:
    spec = model_spec(setting)
    model = runs.train(spec)[1]
    test = held_out_set(spec.seq_len, setting.budget(QUICK, FULL).gate_n)
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
               "gates": {f"layer {layer + 1}": {g: float32_list(gates[g][layer, :, k, :]) for g in GATES}
                         for layer in range(spec.num_layers)}}
    return {"gates": {"model": spec.name, "test_accuracy": float(correct.float().mean()), "example_index": k,
                      "position_means": probes.gate_position_means(gates, test.positions), "saturation": saturation,
                      "example": example, "sequences": int(test.tokens.shape[0]), "seed": spec.seed,
                      "hidden_size": spec.hidden_size, "config": spec.config()}}


def render(results: dict) -> list[Output]:
    g = results["gates"]
    ex, stats, config = g["example"], g["position_means"], {"model": g["config"], "sequences": g["sequences"]}
    pos = ex["positions"]
    panels = {f"{layer} · {TITLES[name]}": torch.tensor(values[name]).numpy()
              for layer, values in ex["gates"].items() for name in GATES}
    symbols = [TEMPORAL_ORDER_SYMBOLS[ex["tokens"][p]] for p in pos]
    heatmaps = plots.gate_heatmaps(panels, marks=pos, symbols=symbols, tokens=ex["tokens"])
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
        FigureOutput("gate_positions.svg", plots.gate_position_stats(bars), config),
        FigureOutput("gate_saturation.svg", plots.saturation_scatter(points), config),
        Fragment("gate_table", table(["layer", "gate", "mean at X/Y", "mean at distractors", "X/Y values > 0.9",
                                      "distractor values > 0.9", "distractor values < 0.1"], rows, "llrrrrr")),
        Fragment("gate_saturation_summary", summary),
        Fragment("gate_example", example),
    ]
