"""Part 1's illustrations: σ and tanh, products of vanilla-RNN Jacobians, forget-gate decay (no training)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lstm_book.book import figures
from lstm_book import probes
from lstm_book.tasks import temporal_order_windows
from lstm_book.book.pipeline.interface import Experiment, FigureOutput, Fragment, Output, Setting, Tiers
from lstm_book.book.pipeline.inits import sigmoid
from lstm_book.book.pipeline.tables import table
from lstm_book.book.figures import GREY, book_style, new_figure
from lstm_book.book.palette import INK, sequential
from matplotlib.figure import Figure



@dataclass(frozen=True)
class Budget:
    radii: tuple[float, ...] = (0.5, 0.9, 1.0, 1.5, 3.0)  # spectral radii of W_hh
    hidden_size: int = 64
    steps: int = 100
    input_scale: float = 0.5


BUDGET = Tiers(quick=Budget(), full=Budget())  # cheap at any size
DECAY_T = 100  # the flagship's sequence length
DECAY_BIASES = (0.0, 1.0, 2.0, 3.0, float(np.log(DECAY_T - 1)))  # the last is chrono's largest at T_max = T
DECAY_STEPS = DECAY_T - 1 - sum(temporal_order_windows(DECAY_T)[0]) // 2  # the first window's middle to the end


def specs(setting: Setting) -> list:
    return []


def measure(setting: Setting, runs, results) -> dict:
    b = BUDGET.of(setting)
    norms, linear, summary = {}, {}, {}
    for rho in b.radii:
        with_tanh, lin = probes.rnn_jacobian_norms(rho, hidden_size=b.hidden_size, steps=b.steps,
                                                   input_scale=b.input_scale, seed=setting.seed)
        norms[f"{rho:g}"], linear[f"{rho:g}"] = with_tanh.tolist(), lin.tolist()
        summary[f"{rho:g}"] = {"k10": float(with_tanh[9]), "k50": float(with_tanh[49]), "k100": float(with_tanh[99])}
    config = {"radii": list(b.radii), "hidden_size": b.hidden_size, "steps": b.steps, "W_hh": "rho * random orthogonal",
              "input_scale": b.input_scale}
    return {"jacobian_products": {"config": config, "norms": summary, "curves": {"with_tanh": norms, "linear": linear}}}


def render(results: dict) -> list[Output]:
    jac = results["jacobian_products"]
    x = np.linspace(-6, 6, 601)
    steps = jac["config"]["steps"]
    curves = jac["curves"]
    norms = {f"ρ = {rho}": np.asarray(v) for rho, v in curves["with_tanh"].items()}
    linear = {f"ρ = {rho}": np.asarray(v) for rho, v in curves["linear"].items()}
    rows = [(rho, f"{v['k10']:.2g}", f"{v['k50']:.2g}", f"{v['k100']:.2g}", f"{float(rho) ** 100:.2g}")
            for rho, v in jac["norms"].items()]
    decay = [(f"{b:.3g}", f"{sigmoid(b):.3f}", f"{sigmoid(b) ** DECAY_STEPS:.2g}") for b in DECAY_BIASES]
    return [
        FigureOutput("sigmoid_tanh.svg", sigmoid_tanh(x), {"x_range": [-6, 6], "points": 601}),
        FigureOutput("jacobian_products.svg", figures.jacobian_products(np.arange(1, steps + 1), norms, linear),
                     jac["config"]),
        Fragment("jacobian_products", table(
            ["spectral radius ρ of W_hh", "after 10 steps", "after 50 steps", "after 100 steps", "ρ^100 (no tanh)"],
            rows, "rrrrr")),
        Fragment("forget_decay_table", table(["b_f", "σ(b_f)", f"σ(b_f)^{DECAY_STEPS}"], decay, "rrr")
                 + f"\n\n{DECAY_STEPS} steps: from the middle of the first informative window, at position "
                 f"{DECAY_T - 1 - DECAY_STEPS}, to the end of a sequence of length T = {DECAY_T}."),
    ]


# ----- its figure ----------------------------------------------------------------------------


def sigmoid_tanh(x: np.ndarray) -> Figure:
    """σ(a) and tanh(a) on the grid ``x`` of pre-activations a, with σ(1) ≈ 0.73 marked (the forget-bias-1 start)."""
    with book_style():
        fig, ax = new_figure(height=3.4)
        sig = 1.0 / (1.0 + np.exp(-x))
        ax.plot(x, sig, color=sequential(0, 2), label=r"$\sigma(a)$  (gates: range 0…1)")
        ax.plot(x, np.tanh(x), color=sequential(1, 2), linestyle="--", label=r"$\tanh(a)$  (values: range −1…1)")
        s1 = 1.0 / (1.0 + np.exp(-1.0))
        ax.plot([1, 1], [-1.05, s1], color=GREY, linewidth=1, linestyle=":")
        ax.plot([x.min(), 1], [s1, s1], color=GREY, linewidth=1, linestyle=":")
        ax.plot([1], [s1], "o", color=sequential(0, 2), markersize=7)
        ax.annotate(
            rf"$\sigma(1) \approx {s1:.2f}$",
            xy=(1, s1),
            xytext=(1.6, 0.35),
            color=INK,
            arrowprops={"arrowstyle": "->", "color": INK},
        )
        ax.axhline(0, color=GREY, linewidth=0.8)
        ax.set_xlim(x.min(), x.max())
        ax.set_ylim(-1.05, 1.05)
        ax.set_xlabel("pre-activation $a$")
        ax.set_ylabel("activation")
        ax.legend(loc="lower right")
    return fig


EXPERIMENT = Experiment(name="part1", default=True, specs=specs, measure=measure, render=render, budget=BUDGET)
