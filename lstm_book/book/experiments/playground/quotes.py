"""What the playground's page and the appendix quote, drawn from ``results.json["playground"]`` alone.

* ``playground/task.json`` and ``playground/demo.json``: the files the page fetches (the task's
  constants; the default configuration);
* ``playground_pytorch.svg``: held-out accuracy of the default's three models in PyTorch, per seed;
* fragments: the "try this" line, why the default's length, the three suggested experiments with
  what the measurements predict (the playground's own runs, with the frontier's and the ablation's
  where ``results.json`` holds them), how it was measured, and the engine's speed.
"""

from __future__ import annotations

import math

import numpy as np

from lstm_book.book import palette
from lstm_book.book.experiments.frontier import longest_solved
from lstm_book.book.figures import GREY, book_style, legend_below, new_figure
from lstm_book.book.pipeline.inits import Init
from lstm_book.book.pipeline.interface import DataOutput, FigureOutput, Fragment, Output
from lstm_book.book.pipeline.tables import pct, percent, table

CELL_NAMES = {"lstm": "LSTM", "gru": "GRU", "rnn": "RNN"}
BLOCKS = {"rnn": 1, "lstm": 4, "gru": 3}  # gate blocks of H rows in W_ih, W_hh (G = blocks · H)
TRANSCENDENTALS = {"rnn": 1, "lstm": 5, "gru": 3}  # exp or tanh per unit and step: Eq. (1); Eqs. (4)-(9); (17)-(20)


def label(entry: dict) -> str:
    """A model's name on the page and in the widget: "LSTM, chrono", "LSTM, b_f = 1", "GRU", "RNN"."""
    if entry["cell"] != "lstm":
        return CELL_NAMES[entry["cell"]]
    return f"LSTM, {Init.parse(entry['forget']).symbol}"


def colour(entry: dict) -> str:
    """Its colour (palette.MEANINGS): the LSTM's forget init; the GRU's update gate at torch's default; the RNN."""
    if entry["cell"] == "rnn":
        return palette.RNN_COLOUR
    return Init.parse(entry["forget"]).colour


def counts(updates: list, max_updates: int) -> str:
    """Per seed: "50, 75, 75" or "75, not within 1,000, 125"."""
    return ", ".join(f"{u:,}" if u is not None else f"not within {max_updates:,}" for u in updates)


def outcome(entry: dict, max_updates: int) -> str:
    """"all 3 seeds, after 50, 75 and 75 updates", "2 of 3 seeds (after 75 and 775 updates)", "no seed within 1,000"."""
    done = [u for u in entry["updates"] if u is not None]
    n = len(entry["updates"])
    if not done:
        return f"no seed within {max_updates:,} updates (best held-out accuracy {pct(max(entry['best']))})"
    listed = " and ".join([", ".join(f"{u:,}" for u in done[:-1]), f"{done[-1]:,}"] if len(done) > 1 else [f"{done[0]:,}"])
    return (f"all {n} seeds, after {listed} updates" if len(done) == n
            else f"{len(done)} of {n} seeds, after {listed} updates")


def find(runs: list, key: str, T: int, H: int) -> dict:
    return next(e for e in runs if e["key"] == key and e["T"] == T and e["H"] == H)


def render(results: dict) -> list[Output]:
    p = results["playground"]
    cfg, runs = p["config"], p["runs"]
    T, H, top = cfg["demo_T"], cfg["hidden"], cfg["max_updates"]
    demo = [find(runs, key, T, H) for key in cfg["demo_models"]]
    return [
        DataOutput("playground/task.json", p["task"], {"from": "lstm_book.tasks"}),
        DataOutput("playground/demo.json", p["demo"], cfg),
        FigureOutput("playground_pytorch.svg", pytorch_curves(demo, cfg, p["task"]["chance"]), cfg),
        Fragment("playground_try", try_this(demo, cfg, p.get("browser"))),
        Fragment("playground_choice", choice(runs, cfg, p.get("browser"))),
        Fragment("playground_demo_table", table(
            ["model"] + [f"T = {t}" for t in cfg["lengths"]],
            [[label(e)] + [counts(find(runs, e["key"], t, H)["updates"], top) for t in cfg["lengths"]] for e in demo],
            "l" + "r" * len(cfg["lengths"]))),
        Fragment("playground_gru", longer_gru(runs, cfg, results.get("frontier"))),
        Fragment("playground_bf0", forget_zero(runs, cfg, results.get("ablation"), results.get("ablation_config"))),
        Fragment("playground_hidden", smaller(runs, cfg)),
        Fragment("playground_budget", budget(cfg, p["demo"])),
        *([Fragment("playground_speed", speed(p["browser"], p["demo"], p["task"]))] if "browser" in p else []),
    ]


def page_outcome(updates: int | None, max_updates: int) -> str:
    return f"after {updates:,} updates" if updates is not None else f"not within {max_updates:,} updates"


def share(x: float) -> str:
    """A ratio for prose: "0.42", or "about 10<sup>−23</sup>" when it is below 1%."""
    if x >= 0.01:
        return f"{x:.2g}"
    return f"about 10<sup>−{-round(math.log10(x))}</sup>"


def try_this(demo: list, cfg: dict, browser: dict | None) -> str:
    chrono, one, rnn = demo
    seeds = len(chrono["updates"])
    text = (f"**Try this:** press *start* and watch the three models read the same sequences. In PyTorch (seeds "
            f"0–{seeds - 1}), this configuration's LSTM with chrono reached {percent(cfg['solved'])} in "
            f"{outcome(chrono, cfg['max_updates'])}; the LSTM with b_f = 1 in {outcome(one, cfg['max_updates'])}; the "
            f"RNN in {outcome(rnn, cfg['max_updates'])}.")
    if browser and browser["demo"][str(cfg["demo_T"])]["first"]:
        d = browser["demo"][str(cfg["demo_T"])]["first"]
        decay = dict(zip(cfg["demo_models"], d["decay"]))
        text += (f" In this page (seed 0) the chrono LSTM got there after {d['updates']:,} updates; at that moment "
                 f"the RNN's ‖∂L/∂h<sub>t</sub>‖ at the first step was {share(decay['rnn'])} of its value at the last, "
                 f"the chrono LSTM's {share(decay['lstm-chrono'])}: look at the gradient panel.")
    return text


def choice(runs: list, cfg: dict, browser: dict | None) -> str:
    """Why the default runs at its length: the outcome of the demo's models at each candidate length, in
    PyTorch and in the page."""
    lines = [f"The default's length is T = {cfg['demo_T']}, picked by the rule below from these runs: the shortest "
             f"candidate length ({' or '.join(str(t) for t in cfg['lengths'])}) at which the chrono LSTM learns in "
             f"every seed while the LSTM with b_f = 1 fails in most of them and the RNN in all, in PyTorch and in "
             f"this page's own run (seed 0)."]
    for t in cfg["lengths"]:
        entries = [find(runs, key, t, cfg["hidden"]) for key in cfg["demo_models"]]
        line = f"- **T = {t}**, PyTorch: " + "; ".join(f"{label(e)}: {outcome(e, cfg['max_updates'])}" for e in entries)
        if browser:
            reached = browser["demo"][str(t)]["reached"]
            line += ". This page: " + "; ".join(f"{label(e)} {page_outcome(u, cfg['max_updates'])}"
                                               for e, u in zip(entries, reached))
        lines.append(line + (" — the rule's pick." if cfg["picked_T"] == t else "."))
    return "\n".join(lines)


def longer_gru(runs: list, cfg: dict, frontier: dict | None) -> str:
    entries = sorted((e for e in runs if e["key"] == "gru"), key=lambda e: e["T"])
    text = "; ".join(f"at T = {e['T']} in {outcome(e, cfg['max_updates'])}" for e in entries)
    text = f"In PyTorch with the page's recipe, the GRU (torch's initialisation) learned {text}."
    if frontier and "gru-torch" in frontier["grid"]:
        f, grid = frontier["config"], frontier["grid"]["gru-torch"]
        reach = longest_solved(grid)
        where = f"every length up to T = {reach}" if reach else f"no length, not even T = {f['lengths'][0]}"
        text += (f" With the frontier's recipe (two layers of {f['hidden_size']} units, Adam {f['lr']:g}, at most "
                 f"{f['epochs'][0] * f['n_train']:,} sequences at T = {f['lengths'][0]}, solved at {pct(f['solved_at'])}) "
                 f"it solved {where}, while the GRU with chrono's update gate solved every length up to T = "
                 f"{longest_solved(frontier['grid']['gru-chrono'])}: with torch's initialisation the update gate "
                 f"starts near σ(0) = 0.5, like an LSTM's forget gate at b_f = 0.")
    return text


def forget_zero(runs: list, cfg: dict, ablation: dict | None, ablation_cfg: dict | None) -> str:
    e = find(runs, "lstm-0", cfg["demo_T"], cfg["hidden"])
    text = f"In PyTorch with the page's recipe at T = {cfg['demo_T']}, the LSTM with b_f = 0 learned in {outcome(e, cfg['max_updates'])}."
    if ablation and "0" in ablation:
        accs = ", ".join(pct(a) for a in ablation["0"]["acc_at_budget"])
        text += (f" The book's ablation (two layers of 64 units at T = 100, {ablation_cfg['sequences']:,} sequences) "
                 f"left b_f = 0 at {accs} after its budget, against {', '.join(pct(a) for a in ablation['chrono']['acc_at_budget'])} "
                 f"for chrono.")
    return text


def smaller(runs: list, cfg: dict) -> str:
    entries = sorted((e for e in runs if e["key"] == "lstm-chrono" and e["T"] == cfg["demo_T"]), key=lambda e: -e["H"])
    return (f"In PyTorch with the page's recipe at T = {cfg['demo_T']}, the chrono LSTM learned with "
            + "; ".join(f"H = {e['H']} in {outcome(e, cfg['max_updates'])}" for e in entries) + ".")


def budget(cfg: dict, demo: dict) -> str:
    return (f"Measured with `lstm_book` in PyTorch by `python scripts/regenerate_figures.py --only playground`: the "
            f"page's recipe (one layer, embedding {cfg['embed']}, H = {cfg['hidden']} unless stated, Adam {cfg['lr']:g}, "
            f"batches of {cfg['batch']} fresh sequences, clipping at {cfg['clip']:g}), held-out accuracy on "
            f"{cfg['held_out']} sequences every {cfg['every']} updates, \"not within {cfg['max_updates']:,}\" when it "
            f"never reached {percent(cfg['solved'])}. The page draws its own random numbers (weights, sequences) from "
            f"the seed, so its run with seed {demo['seed']} is not PyTorch's seed {demo['seed']}: compare the counts, "
            f"not the curves.")


def arithmetic(cell: str, demo: dict, V: int, K: int) -> tuple[int, int]:
    """(multiply-adds, exp/tanh evaluations) of one update of one model: the matrix products of
    classifier.js — forward W_hh h_{t-1} per step, backward δ h_{t-1}ᵀ and W_hhᵀ δ per step (Eqs. 15-16),
    the per-symbol input table and its two gradients, the head and its two — and the cell's nonlinearities."""
    T, B, H, E = demo["T"], demo["batch"], demo["hidden"], demo["embed"]
    G = BLOCKS[cell] * H
    macs = 3 * (B * T * G * H + V * G * E + B * K * H)
    return macs, B * T * H * TRANSCENDENTALS[cell]


def speed(browser: dict, demo: dict, task: dict) -> str:
    V, K = len(task["symbols"]), len(task["classes"])
    rows = []
    for cell, rates in browser["updates_per_second"].items():
        macs, nonlinear = arithmetic(cell, demo, V, K)
        best = max(rates)
        rows.append([CELL_NAMES[cell], f"**{best:.0f}** ({', '.join(f'{r:.0f}' for r in rates)})",
                     f"{macs / 1e6:.1f} M", f"{nonlinear / 1e3:.0f} k", f"{best * macs / 1e9:.2f} G"])
    load = browser["load_average"]
    return "\n".join([
        table(["cell", f"updates per second, best of {browser['rounds']} rounds (all rounds)", "multiply-adds per update",
               "exp/tanh per update", "multiply-adds per second"], rows, "lrrrr"),
        "",
        f"One model alone at the default size (T = {demo['T']}, H = {demo['hidden']}, embedding {demo['embed']}, "
        f"batches of {demo['batch']}), {browser['updates_per_round']} updates per round after as many to warm up, "
        f"float64, in headless Chromium {browser['chromium']} on one core of an {browser['cpu']} "
        f"({browser['cpu_count']} cores, shared: 1-minute load average {load['before']:.1f} before and "
        f"{load['after']:.1f} after). " + demo_time(browser["demo"][str(demo["T"])], demo, browser["updates_per_second"]),
    ])


def demo_time(run: dict, demo: dict, rates: dict) -> str:
    """How long the default demo took in the page's worker to reach the bar (or that it did not), and what
    its updates cost at the best rates measured for one model alone (the machine's load left out)."""
    d = run["first"]
    where = f"The default demo (its three models, as the page runs it in its worker, seed {demo['seed']})"
    if d is None:
        return f"{where} did not reach the bar within {run['updates']:,} updates ({run['wall_seconds']:.1f} s)."
    alone = d["updates"] * sum(1 / max(rates[m["cell"]]) for m in demo["models"])
    return (f"{where} reached {pct(d['accuracy'][0])} for the chrono LSTM after **{d['updates']:,} updates in "
            f"{d['wall_seconds']:.1f} s** ({d['worker_seconds']:.1f} s of them in updates, the rest in the reports' "
            f"held-out evaluations every {demo['reportEvery']} updates); at the best rates of the table its "
            f"updates would take {alone:.1f} s.")


def pytorch_curves(demo: list, cfg: dict, chance: float):
    """Held-out accuracy against updates, one line per seed, for the default's models in PyTorch."""
    styles = {"lstm": "-", "gru": "--", "rnn": ":"}
    with book_style():
        fig, ax = new_figure(height=3.4)
        for e in demo:
            for k, acc in enumerate(e["accuracy"]):
                x = cfg["every"] * np.arange(1, len(acc) + 1)
                ax.plot(x, 100 * np.asarray(acc), color=colour(e), linestyle=styles[e["cell"]], linewidth=1.6,
                        label=label(e) if k == 0 else None)
                if e["updates"][k] is not None:  # it stopped at the bar: mark where
                    ax.plot(x[-1], 100 * acc[-1], marker="o", markersize=4, color=colour(e))
        ax.axhline(100 * chance, color=GREY, linestyle=":", linewidth=1.0)
        ax.axhline(100 * cfg["solved"], color=GREY, linestyle="--", linewidth=0.8)
        ax.set_xlim(0, cfg["max_updates"])
        ax.set_ylim(0, 103)
        ax.set_xlabel(f"updates (batches of {cfg['batch']})")
        ax.set_ylabel("held-out accuracy (%)")
        ax.set_title(f"PyTorch, T = {cfg['demo_T']}, seeds 0–{len(demo[0]['accuracy']) - 1}")
        legend_below(ax, ncols=3)
    return fig
