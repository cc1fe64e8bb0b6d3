"""Gradient flow, measured: ‖∂L/∂x_t‖ for each initialisation and the RNN, and ‖∂L/∂c_t‖ of the flagship LSTM."""

from __future__ import annotations

from dataclasses import dataclass

from lstm_book.book import figures
from lstm_book.book.palette import sequential
from lstm_book import probes
from lstm_book.tasks import temporal_order_windows
from lstm_book.book.experiments import ablation, flagship
from lstm_book.book.pipeline.interface import Experiment, FigureOutput, Fragment, Output, Setting, Tiers
from lstm_book.book.pipeline.inits import Init
from lstm_book.book.pipeline.tables import subscript, table
from lstm_book.book.pipeline.run_spec import RunSpec, held_out_set

RNN = "rnn"  # the key of the vanilla RNN beside the initialisations' keys


@dataclass(frozen=True)
class Budget:
    probe_n: int  # test sequences averaged over


BUDGET = Tiers(quick=Budget(probe_n=32), full=Budget(probe_n=256))


def models(setting: Setting) -> dict[str, RunSpec]:
    """The first seed of every ablation group, keyed by initialisation, and of the RNN (key ``"rnn"``)."""
    return {**{key: group[0] for key, group in ablation.groups(setting).items()}, RNN: flagship.rnn_specs(setting)[0]}


def specs(setting: Setting) -> list[RunSpec]:
    return list(models(setting).values())


def measure(setting: Setting, runs, results) -> dict:
    b = BUDGET.of(setting)
    spec = models(setting)[flagship.INIT.key]
    T = spec.seq_len
    early, last = sum(temporal_order_windows(T)[0]) // 2, T - 1  # the first window's middle, the last input
    test = held_out_set(T, b.probe_n)
    data = {}
    for key, s in models(setting).items():
        g0 = probes.input_gradient_norms(s.build(), test.tokens, test.labels).numpy()
        g1 = probes.input_gradient_norms(runs.train(s)[1], test.tokens, test.labels).numpy()
        data[key] = {"init": g0.tolist(), "trained": g1.tolist(), "init_ratio": float(g0[early] / g0[last]),
                     "trained_ratio": float(g1[early] / g1[last]), "run": s.name}
    c0 = probes.cell_gradient_norms(spec.build(), test.tokens, test.labels).numpy()
    c1 = probes.cell_gradient_norms(runs.train(spec)[1], test.tokens, test.labels).numpy()
    cell = {"init": c0.tolist(), "trained": c1.tolist(), "run": spec.name, "seed": spec.seed,
            "initialisation": flagship.INIT.key}
    return {"gradients": {"inputs": data, "cell_state": cell, "probe_sequences": b.probe_n, "seq_len": T,
                          "early": early, "last": last}}


def label(key: str) -> str:
    return "vanilla RNN" if key == RNN else f"LSTM, {Init.parse(key).symbol}"


def colour(key: str) -> str:
    return figures.RNN_COLOUR if key == RNN else Init.parse(key).colour


def render(results: dict) -> list[Output]:
    g = results["gradients"]
    inputs, early, last = g["inputs"], g["early"], g["last"]
    marks = list(temporal_order_windows(g["seq_len"]))
    init_lines = {label(k): (colour(k), "-", v["init"]) for k, v in inputs.items()}
    trained_lines = {label(k): (colour(k), "-", v["trained"]) for k, v in inputs.items()}
    flow = figures.gradient_profiles({"at initialisation": init_lines, "after training": trained_lines},
                                   r"mean $\|\partial L/\partial x_t\|$", marks=marks)
    cell = g["cell_state"]
    c0, c1 = cell["init"], cell["trained"]
    lines = {}
    for layer in range(len(c0)):
        line_colour = sequential(layer, 2)  # order: the sequential scale
        lines[f"layer {layer + 1}, at initialisation"] = (line_colour, ":", c0[layer])
        lines[f"layer {layer + 1}, after training"] = (line_colour, "-", c1[layer])
    title = f"LSTM, {Init.parse(cell['initialisation']).key} init, seed {cell['seed']}: gradient through the cell state"
    cells = figures.gradient_profiles({title: lines}, r"mean $\|\partial L/\partial c_t\|$", marks=marks)
    config = {"models": {k: v["run"] for k, v in inputs.items()}, "probe_sequences": g["probe_sequences"]}
    ratio_rows = [(label(k), f"{v['init_ratio']:.2g}", f"{v['trained_ratio']:.2g}") for k, v in inputs.items()]
    ratio = f"‖∂L/∂x{subscript(early)}‖ / ‖∂L/∂x{subscript(last)}‖"
    summary = (f"In the trained flagship LSTM (seed {cell['seed']}), the mean ‖∂L/∂c_t‖ of layer 1 is "
               f"{c1[0][early]:.2g} at t = {early} and {c1[0][last]:.2g} at t = {last} (ratio "
               f"{c1[0][early] / c1[0][last]:.2g}); at initialisation the same numbers were {c0[0][early]:.2g} and "
               f"{c0[0][last]:.2g} (ratio {c0[0][early] / c0[0][last]:.2g}). Averaged over {g['probe_sequences']} "
               f"test sequences.")
    return [
        FigureOutput("gradient_flow.svg", flow, config),
        FigureOutput("cell_gradients.svg", cells, {"model": cell["run"], "probe_sequences": g["probe_sequences"]}),
        Fragment("gradient_table", table(["model", f"{ratio} at initialisation", "after training"],
                                         ratio_rows, "lrr")),
        Fragment("cell_gradient_summary", summary),
    ]


EXPERIMENT = Experiment(name="gradients", default=True, specs=specs, measure=measure, render=render, budget=BUDGET)
