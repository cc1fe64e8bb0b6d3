"""The frontier page's probes: the gradient highway during training, and the solved models' gates.

* The highway: ‖∂L/∂x_t‖ and the forget gates' memory time scales τ = 1/(1 − f) at ``highway_T``, at
  initialisation, halfway and at the end of training, for a constant bias against chrono.
* The gates: the chrono model trained at ``compare_T`` beside the one trained at ``highway_T``.

They run on the frontier's own runs: ``make_spec(key, seq_len, seed)`` is
:func:`lstm_book.book.experiments.frontier.spec` for the setting, and ``b`` the frontier's budget.
"""

from __future__ import annotations

import numpy as np
import torch

from lstm_book.book import figures
from lstm_book.book.palette import sequential
from lstm_book import probes, training
from lstm_book.tasks import temporal_order_windows
from lstm_book.book.pipeline.interface import FigureOutput, Fragment, Output
from lstm_book.book.pipeline.inits import CHRONO, Init
from lstm_book.book.pipeline.tables import pct, subscript, table
from lstm_book.book.pipeline.run_spec import RunSpec, held_out_set
from lstm_book.book.figures import GREY, book_style, new_figure
from matplotlib.figure import Figure
from collections.abc import Mapping, Sequence

HIGHWAY_INITS = (Init("bias", 3.0), CHRONO)  # a constant bias vs chrono, watched during training
MOMENT_COLOURS = tuple(sequential(k, 3) for k in range(3))  # at initialisation, mid-training, end: the sequential scale
TAU_BINS = np.logspace(0, 5, 61)  # histogram bins of τ in steps: 1 … 100,000


def specs(b, make_spec, seed: int) -> list[RunSpec]:
    """Runs the probes need whether or not the frontier's rule reaches them."""
    return [make_spec(init.key, b.highway_T, seed) for init in HIGHWAY_INITS] + [make_spec(CHRONO.key, b.compare_T, seed)]


def moments(history: training.History) -> dict[str, int]:
    """Epochs to probe: before training (0), halfway and at the end (fewer if they coincide)."""
    n, mid = len(history), max(1, round(len(history) / 2))
    return {"at initialisation": 0, **({f"after epoch {mid}": mid} if mid < n else {}), f"after epoch {n} (end)": n}


def tau_histogram(f: np.ndarray) -> list[float]:
    """Percentage of forget-gate values per τ bin (τ clipped into the bins' range)."""
    f = np.asarray(f, dtype=np.float64).ravel()
    tau = np.clip(1.0 / np.maximum(1.0 - f, 1e-12), TAU_BINS[0], TAU_BINS[-1] * 0.999)
    counts, _ = np.histogram(tau, bins=TAU_BINS, weights=np.full(tau.shape, 100.0 / max(1, tau.size)))
    return counts.tolist()


def highway(b, make_spec, seed: int, runs) -> dict:
    T = b.highway_T
    probe, test = held_out_set(T, b.probe_n), held_out_set(T, b.n_test)
    early = sum(temporal_order_windows(T)[0]) // 2  # the middle of the first informative window
    data = {}
    for init in HIGHWAY_INITS:
        run = make_spec(init.key, T, seed)
        history, _ = runs.train(run)
        entry = {}
        for moment, epoch in moments(history).items():
            model = runs.model_after(run, epoch)
            g = probes.input_gradient_norms(model, probe.tokens, probe.labels).numpy()
            with torch.no_grad():
                f = model(probe.tokens, return_gates=True)[1]["f"].numpy()
            acc = history.test_acc[epoch - 1] if epoch else training.evaluate(model, test.tokens, test.labels)
            tau = 1 / np.maximum(1 - f, 1e-12)
            entry[moment] = {"epoch": epoch, "test_acc": acc, "grad": g.tolist(), "grad_early": float(g[early]),
                             "grad_last": float(g[-1]), "ratio": float(g[early] / g[-1]),
                             "median_tau": float(np.median(tau)), "frac_tau_ge_T": float((tau >= T).mean()),
                             "tau_histogram": tau_histogram(f)}
        data[init.key] = entry
    return {"T": T, "early_position": early, "runs": data, "seed": seed, "probe_sequences": b.probe_n}


def solved_models(b, make_spec, seed: int, runs, grid: dict) -> dict:
    data, configs = {}, []
    for T in (b.compare_T, b.highway_T):
        entry = grid[CHRONO.key].get(str(T), {"run": False})
        solved = [s for s, x in zip(entry.get("seeds", []), entry.get("sequences_to_solve", [])) if x is not None]
        run = make_spec(CHRONO.key, T, solved[0] if solved else seed)
        model = runs.train(run)[1]
        configs.append(run.config())
        test = held_out_set(T, b.gate_n)
        with torch.no_grad():
            logits, gates = model(test.tokens, return_gates=True)
        distractor = probes.distractor_mask(test.positions, T).T  # (T, B)
        long_units = {}
        for layer in range(gates["f"].shape[0]):
            mean_f = gates["f"][layer][distractor].mean(dim=0)  # (H,): each unit's mean f between the symbols
            long_units[f"layer {layer + 1}"] = int((mean_f >= 1 - 1 / T).sum())
        data[str(T)] = {"model": run.name, "seed": run.seed, "test_accuracy": float((logits.argmax(1) == test.labels)
                                                                                     .float().mean()),
                        "position_means": probes.gate_position_means(gates, test.positions),
                        "units_tau_ge_T": long_units, "hidden_size": run.hidden_size}
    return {"models": data, "configs": configs, "sequences": b.gate_n}


def measure(b, make_spec, seed: int, runs, grid: dict) -> dict:
    """The probes' ``results.json`` sections (``grid`` is the frontier's, for the solved seeds)."""
    gates = solved_models(b, make_spec, seed, runs, grid)
    return {"frontier_highway": highway(b, make_spec, seed, runs), "frontier_gates": gates.pop("models"),
            "frontier_gates_config": gates}


def render(results: dict) -> list[Output]:
    hw, gates, gates_cfg = results["frontier_highway"], results["frontier_gates"], results["frontier_gates_config"]
    T, early = hw["T"], hw["early_position"]
    windows = list(temporal_order_windows(T))
    grad_panels, tau_panels, rows = {}, {}, []
    for key, entry in hw["runs"].items():
        init = Init.parse(key)
        title = f"LSTM, {init.label('T')}, seed {hw['seed']}"
        grads, taus = {}, {}
        start, middle, end = MOMENT_COLOURS
        colours = [start] + [middle] * (len(entry) - 2) + [end]  # initialisation, halfway (if any), end
        for colour, (moment, m) in zip(colours, entry.items()):
            full = f"{moment}: test acc. {pct(m['test_acc'])}"
            grads[full] = (colour, "-", m["grad"])
            taus[full] = (colour, m["tau_histogram"])
            rows.append((init.symbol, moment, pct(m["test_acc"]), f"{m['grad_early']:.2g}", f"{m['grad_last']:.2g}",
                         f"{m['ratio']:.2g}", f"{m['median_tau']:.3g}", pct(m["frac_tau_ge_T"])))
        grad_panels[title], tau_panels[title] = grads, taus
    config = {"models": list(hw["runs"]), "probe_sequences": hw["probe_sequences"], "T": T}
    gate_panels, gate_rows = {}, []
    for t, d in gates.items():
        stats = d["position_means"]
        gate_panels[f"T = {t} (seed {d['seed']}, {pct(d['test_accuracy'])} correct)"] = {
            f"L{layer[-1]} {g}": stats[layer][g] for layer in stats for g in ("i", "f", "o")}
        for layer, s in stats.items():
            gate_rows.append((t, layer[-1], f"{s['f']['informative']:.3f}", f"{s['f']['distractor']:.3f}",
                              f"{s['i']['informative']:.2f}", f"{s['i']['distractor']:.2f}", d["units_tau_ge_T"][layer]))
    H = next(iter(gates.values()))["hidden_size"]
    return [
        FigureOutput("highway_gradients.svg", figures.gradient_profiles(grad_panels, r"mean $\|\partial L/\partial x_t\|$",
                                                                      marks=windows), config),
        FigureOutput("highway_forget.svg", forget_timescales(tau_panels, TAU_BINS, horizon=T), config),
        Fragment("highway_table", table(
            [f"init (T = {T})", "moment", "test acc.", f"‖∂L/∂x{subscript(early)}‖", f"‖∂L/∂x{subscript(T - 1)}‖",
             "ratio", "median τ", f"τ ≥ {T}"], rows, "llrrrrrr")),
        FigureOutput("frontier_gates.svg", figures.gate_position_panels(gate_panels), gates_cfg),
        Fragment("frontier_gate_table", table(
            ["trained at T", "layer", "mean f at X/Y", "mean f at distractors", "mean i at X/Y", "mean i at distractors",
             f"units with mean f ≥ 1 − 1/T between the symbols (of {H})"], gate_rows, "rrrrrrr")),
    ]

# ----- its figure ----------------------------------------------------------------------------


def forget_timescales(panels: Mapping[str, Mapping[str, tuple[str, Sequence[float]]]], bins: np.ndarray,
                      horizon: float | None = None) -> Figure:
    """Distribution of the forget gate's memory time scale τ = 1 / (1 − f), one panel per model.

    A gate held at f keeps a fraction f^k of the cell state after k steps, about e^(−k/τ): τ is the
    number of steps a unit remembers. The histograms are drawn on a log axis (τ = 1: f = 0; τ = 100: f = 0.99).

    Args:
        panels: panel title → {line label: (colour, percentage of values in each bin)}, as computed by
            :func:`lstm_book.book.experiments.frontier.highway.tau_histogram`.
        bins: the ``len(percentages) + 1`` bin edges, in steps.
        horizon: a time scale to mark (e.g. the sequence length), dashed.
    """
    n = len(panels)
    with book_style():
        fig, axes = new_figure(n, 1, height=2.4 * n + 0.8, sharex=True)
        axes = np.atleast_1d(axes)
        for ax, (title, lines) in zip(axes, panels.items()):
            for label, (colour, percent) in lines.items():
                # one point per bin (its left edge) weighted by the bin's share: the histogram as measured
                ax.hist(bins[:-1], bins=bins, weights=percent, histtype="step", color=colour, linewidth=1.5,
                        label=label)
            if horizon is not None:
                ax.axvline(horizon, color=GREY, linestyle="--", linewidth=1.0)
            ax.set_xscale("log")
            ax.set_title(title, fontsize=11)
            ax.set_ylabel("% of values")
            ax.legend(loc="best", fontsize=8)
        axes[-1].set_xlabel(r"memory time scale $\tau = 1/(1-f_t)$ in steps (log scale"
                            + (f"; dashed: T = {horizon:g})" if horizon is not None else ")"))
    return fig
