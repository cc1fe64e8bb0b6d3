"""How far can an LSTM remember? The long-lag frontier: each initialisation at T = 50 … 1000 over seeds.

A configuration goes on to the next length only once one of its seeds solved this one (the rule of
:func:`next_specs`), and the worker pool queues the longer runs the moment a shorter one solves
(:func:`follow_up`). The probes of the same page — the gradient highway during training and the
solved models' gates — are in :mod:`lstm_book.book.experiments.frontier.highway`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from lstm_book.book import figures
from lstm_book.book.experiments import flagship
from lstm_book.book.experiments.frontier import highway
from lstm_book.book.pipeline.interface import Experiment, FigureOutput, Fragment, Output, Setting, Tiers
from lstm_book.book.pipeline.inits import CHRONO, TORCH, Init
from lstm_book.book.pipeline.tables import machine, pct, table
from lstm_book.book.pipeline.run_spec import RunSpec
from lstm_book.book.figures import book_style, legend_below, new_figure
from matplotlib.figure import Figure

INITS = (TORCH, Init("bias", 1.0), Init("bias", 3.0), CHRONO)  # the LSTM's
GRU_INITS = (TORCH, CHRONO)  # the GRU's update gate (Eq. 18): torch's default, and chrono for z
RNN = "rnn"
CELL_NAMES = {"lstm": "LSTM", "gru": "GRU"}


@dataclass(frozen=True)
class Budget:
    lengths: tuple[int, ...]
    epochs: tuple[int, ...]  # at most, per length (each epoch draws n_train fresh sequences)
    n_train: int
    n_test: int
    seeds: int
    solved: float  # test accuracy that counts as solved (and stops a run)
    batch_size: int
    highway_T: int  # the probes' lengths: see frontier_probes
    compare_T: int
    probe_n: int
    gate_n: int


# Quick: tiny lengths, and a low bar for "solved" so that both branches of the continue-or-stop rule
# run (nothing reaches 99% on this budget).
BUDGET = Tiers(
    quick=Budget(lengths=(20, 30, 40), epochs=(2, 2, 2), n_train=64, n_test=64, seeds=3, solved=0.3, batch_size=32,
               highway_T=30, compare_T=20, probe_n=16, gate_n=16),
    full=Budget(lengths=(50, 100, 200, 500, 1000), epochs=(3, 4, 5, 8, 10), n_train=4000, n_test=500, seeds=3,
              solved=0.99, batch_size=32,  # batch 64 left 2 of 3 chrono seeds stalled at T = 500; 32 solved them
              highway_T=500, compare_T=100, probe_n=64, gate_n=100),
)


def keys() -> list[str]:
    """The frontier's configurations: one per LSTM initialisation (keyed by it), the GRU's, and the RNN."""
    return [init.key for init in INITS] + [f"gru-{init.key}" for init in GRU_INITS] + [RNN]


def config(key: str) -> tuple[str, Init | None]:
    """``(cell, initialisation)`` of a configuration key (the inverse of :func:`keys`)."""
    if key == RNN:
        return "rnn", None
    cell, _, init = key.rpartition("-") if key.startswith("gru-") else ("lstm", "", key)
    return cell, Init.parse(init)


def label(key: str) -> str:
    cell, init = config(key)
    return "vanilla RNN" if init is None else f"{CELL_NAMES[cell]}, {init.label('T')}"


def spec(setting: Setting, key: str, seq_len: int, seed: int) -> RunSpec:
    """One frontier run: configuration ``key`` at length ``seq_len``, stopping once it is solved."""
    b = BUDGET.of(setting)
    epochs = dict(zip(b.lengths, b.epochs))[seq_len]
    cell, init = config(key)
    fields = {"cell": "rnn", "forget_bias": None} if init is None else {"cell": cell, **init.spec_fields()}
    return RunSpec(f"frontier-{key}-T{seq_len}-s{seed}", "frontier", seed=seed, seq_len=seq_len, n_train=b.n_train,
                   n_test=b.n_test, epochs=epochs, batch_size=b.batch_size, stop_at=b.solved, snapshots=True,
                   fresh_data=True, **fields)


def key_of(run: RunSpec) -> str:
    """The configuration a frontier run belongs to (the inverse of :func:`spec`'s fields)."""
    if run.cell == "rnn":
        return RNN
    return Init.of_spec(run).key if run.cell == "lstm" else f"{run.cell}-{Init.of_spec(run).key}"


def seeds(setting: Setting) -> list[int]:
    return setting.seeds(BUDGET.of(setting).seeds)


def first_specs(setting: Setting) -> list[RunSpec]:
    """Every configuration and seed at the shortest length: where the frontier starts."""
    first = BUDGET.of(setting).lengths[0]
    return [spec(setting, key, first, seed) for key in keys() for seed in seeds(setting)]


def specs(setting: Setting) -> list[RunSpec]:
    return first_specs(setting) + highway.specs(BUDGET.of(setting), _maker(setting), setting.seed)


def _maker(setting: Setting):
    """:func:`spec` for this setting, as the probes call it: ``(key, seq_len, seed) -> RunSpec``."""
    return lambda key, seq_len, seed: spec(setting, key, seq_len, seed)


# --8<-- [start:rule]
def next_specs(setting: Setting, key: str, seq_len: int, histories: list) -> list[RunSpec]:
    """The frontier's rule: a configuration goes on to the next length once a seed solved this one."""
    b = BUDGET.of(setting)
    solved = any(h.first_epoch_reaching(b.solved) is not None for h in histories)
    i = b.lengths.index(seq_len)
    if not solved or i + 1 == len(b.lengths):
        return []
    return [spec(setting, key, b.lengths[i + 1], seed) for seed in seeds(setting)]
# --8<-- [end:rule]


def follow_up(setting: Setting):
    """:func:`next_specs` for the worker pool: longer runs start as soon as a shorter one solves."""
    reached = {s.name for s in first_specs(setting)}  # probe-only runs unlock nothing

    def follow(run: RunSpec, history) -> list[RunSpec]:
        if run.name not in reached:
            return []
        unlocked = next_specs(setting, key_of(run), run.seq_len, [history])
        reached.update(s.name for s in unlocked)
        return unlocked

    return follow


def measure(setting: Setting, runs, results) -> dict:
    b = BUDGET.of(setting)
    grid: dict[str, dict[str, dict]] = {}
    for key in keys():
        grid[key] = {}
        todo = [spec(setting, key, b.lengths[0], seed) for seed in seeds(setting)]
        for T in b.lengths:
            if not todo or todo[0].seq_len != T:
                grid[key][str(T)] = {"run": False}
                continue
            histories = [runs.train(s)[0] for s in todo]
            first = [h.first_epoch_reaching(b.solved) for h in histories]
            grid[key][str(T)] = {
                "run": True, "seeds": seeds(setting), "solved": sum(e is not None for e in first),
                "sequences_to_solve": [e * b.n_train if e else None for e in first],
                "sequences_seen": [len(h) * b.n_train for h in histories],
                "best": [h.best_test_acc() for h in histories],
                "train_seconds": [round(sum(h.seconds), 1) for h in histories]}
            todo = next_specs(setting, key, T, histories)
    total = sum(sum(g["train_seconds"]) for k in grid for g in grid[k].values() if g["run"])
    one = spec(setting, CHRONO.key, b.lengths[0], setting.seed)
    config = {"lengths": list(b.lengths), "epochs": list(b.epochs), "n_train": b.n_train, "n_test": b.n_test,
              "seeds": seeds(setting), "solved_at": b.solved, "batch_size": b.batch_size,
              "flagship_batch_size": flagship.BUDGET.of(setting).batch_size,
              "embed_dim": one.embed_dim, "hidden_size": one.hidden_size, "lr": one.lr, "clip": one.clip}
    sections = {"frontier": {"config": config, "grid": grid, "train_seconds": round(total, 1)}}
    return {**sections, **highway.measure(b, _maker(setting), setting.seed, runs, grid)}


def longest_solved(cells: dict) -> int | None:
    """The longest T at which a configuration solved at least one seed (None: not even the shortest)."""
    solved = [int(T) for T, cell in cells.items() if cell["run"] and cell["solved"]]
    return max(solved) if solved else None


def cell_text(entry: dict) -> str:
    """A table cell: seeds solved and the median sequences needed, or the best accuracy of the failures."""
    if not entry["run"]:
        return "not run"
    n = len(entry["seeds"])
    needed = [x for x in entry["sequences_to_solve"] if x is not None]
    if needed:
        return f"**{len(needed)}/{n}** · {np.median(needed) / 1000:g}k"
    return f"0/{n} · best {pct(max(entry['best']))}"


def sentence(key: str, cells: dict, lengths: Sequence[int], bar: float) -> str:
    """A bullet: how far a configuration got, and where it stopped."""
    T = longest_solved(cells)
    ran = [int(t) for t, c in cells.items() if c["run"]]
    last = cells[str(max(ran))]
    n = len(last["seeds"])
    if T is None:
        return f"- **{label(key)}**: no seed solved even T = {lengths[0]} (best {pct(max(last['best']))})."
    top = cells[str(T)]
    needed = [x for x in top["sequences_to_solve"] if x is not None]
    text = (f"- **{label(key)}**: solved up to T = {T} ({top['solved']} of {n} seeds there, after "
            f"{', '.join(f'{x:,}' for x in needed)} sequences)")
    if max(ran) > T:
        text += f"; at T = {max(ran)} no seed reached {pct(bar)} (best {pct(max(last['best']))})"
    return text + "."


def render(results: dict) -> list[Output]:
    f = results["frontier"]
    cfg, grid = f["config"], f["grid"]
    lengths, bar, n_train = cfg["lengths"], cfg["solved_at"], cfg["n_train"]
    series = {label(k): {
        "colour": figures.RNN_COLOUR if config(k)[1] is None else config(k)[1].colour,  # colour: the initialisation
        "linestyle": "--" if config(k)[0] == "gru" else "-",  # line and marker: the cell
        "marker": "s" if config(k)[0] == "gru" else "o",
        "solved": [g["solved"] / len(g["seeds"]) if g["run"] else None for g in (grid[k][str(T)] for T in lengths)],
        "sequences": [[x for x in g.get("sequences_to_solve", []) if x is not None]
                      for g in (grid[k][str(T)] for T in lengths)],
    } for k in grid}
    rows = [[label(k)] + [cell_text(grid[k][str(T)]) for T in lengths] for k in grid]
    budget_text = ", ".join(f"{e * n_train:,} at T = {T}" for T, e in zip(lengths, cfg["epochs"]))
    budget = (f"Each cell trains {len(cfg['seeds'])} seeds ({', '.join(map(str, cfg['seeds']))}) of the flagship's "
              f"model and recipe (embedding {cfg['embed_dim']}, 2 × {cfg['hidden_size']} units, Adam {cfg['lr']:g}, "
              f"clipping at {cfg['clip']:g}) but with batches of {cfg['batch_size']}"
              + (f" instead of {cfg['flagship_batch_size']}" if cfg["batch_size"] != cfg["flagship_batch_size"] else "")
              + f", drawing {n_train:,} new training sequences for every epoch, evaluating on {cfg['n_test']:,} held-out "
              f"sequences after every epoch and stopping once test accuracy reaches {pct(bar)} (\"solved\"). At most: "
              f"{budget_text} sequences. A configuration goes on to the next length only if at least one seed solved "
              f"this one; \"not run\" marks where it stopped.")
    starts = [(label(k), "(no gates: Eq. (1))" if init is None else init.sentence("T", cell))
              for k, (cell, init) in ((k, config(k)) for k in grid)]
    inits = table(["configuration", "forget gate (GRU: update gate) at the start"], starts, "ll")
    outputs = [
        FigureOutput("frontier.svg", frontier_figure(lengths, series), cfg),
        Fragment("frontier_table", table(["configuration"] + [f"T = {T}" for T in lengths], rows,
                                         "l" + "r" * len(lengths))),
        Fragment("frontier_budget", budget),
        Fragment("frontier_inits", inits),
        Fragment("frontier_summary", "\n".join(sentence(k, grid[k], lengths, bar) for k in grid)),
    ]
    pairs = [k for k in ("torch", "gru-torch", "chrono", "gru-chrono") if k in grid]  # the GRU beside the LSTM
    if any(k.startswith("gru") for k in pairs):
        outputs.append(Fragment("frontier_gru", table(
            ["configuration"] + [f"T = {T}" for T in lengths],
            [[label(k)] + [cell_text(grid[k][str(T)]) for T in lengths] for k in pairs], "l" + "r" * len(lengths))))
    run = results.get("frontier_run")
    if run:
        reused = run["reused"]
        outputs.append(Fragment("frontier_timing", (
            f"{run['wall_seconds'] / 60:.1f} minutes of wall time for `--only {' '.join(run['experiments'])}`, "
            f"training {run['runs'] - reused} of its {run['runs']} runs"
            f"{f' ({reused} came from the cache)' if reused else ' from scratch'} with {run['jobs']} worker "
            f"process(es) on a {machine(run)}; its runs took {run['train_seconds'] / 60:.1f} minutes "
            f"of training in total, summed over runs.")))
    return outputs + highway.render(results)

# ----- its figure ---------------------------------------------------------------------------


def frontier_figure(lengths: Sequence[int], series: Mapping[str, Mapping], sequences_unit: int = 1000) -> Figure:
    """How far each initialisation gets: seeds solved (top) and sequences needed to solve (bottom) vs T.

    Args:
        lengths: the sequence lengths T (x axis, log scale).
        series: label → ``{"colour": str, "solved": [fraction of seeds solved or None (not run), per T],
            "sequences": [[sequences each solved seed needed], per T]}``, optionally ``"linestyle"`` and
            ``"marker"`` (to tell two cells with the same colour apart).
        sequences_unit: the bottom panel counts sequences in this unit (thousands by default).
    """
    with book_style():
        fig, (top, bottom) = new_figure(2, 1, height=6.2, sharex=True)
        offsets = np.linspace(-0.03, 0.03, max(1, len(series)))
        for offset, (label, s) in zip(offsets, series.items()):
            x = np.asarray(lengths, dtype=float) * 10 ** offset  # a small dodge so equal points stay visible
            solved = np.array([np.nan if v is None else 100 * v for v in s["solved"]])
            style, marker = s.get("linestyle", "-"), s.get("marker", "o")
            top.plot(x, solved, marker=marker, color=s["colour"], label=label, linestyle=style)
            medians = []
            for xi, seqs in zip(x, s["sequences"]):
                if seqs:
                    bottom.scatter([xi] * len(seqs), np.asarray(seqs) / sequences_unit, color=s["colour"], s=18,
                                   alpha=0.7, linewidths=0, marker=marker)
                medians.append(np.median(seqs) / sequences_unit if seqs else np.nan)
            bottom.plot(x, medians, color=s["colour"], linewidth=1.2, linestyle=style)
        top.set_ylim(-5, 105)
        top.set_ylabel("seeds solved (%)")
        bottom.set_ylabel(f"sequences to solve (×{sequences_unit:,})" if sequences_unit != 1 else "sequences to solve")
        bottom.set_ylim(bottom=0)
        bottom.set_xscale("log")
        bottom.set_xticks(list(lengths), [str(t) for t in lengths])
        bottom.minorticks_off()
        bottom.set_xlabel("sequence length $T$ (log scale)")
        legend_below(bottom, ncols=2, handles=top.get_legend_handles_labels()[0],
                      labels=top.get_legend_handles_labels()[1])
    return fig



EXPERIMENT = Experiment(name="frontier", default=False, specs=specs, measure=measure, render=render, follow_up=follow_up, budget=BUDGET)  # about 19 minutes on 2 AMD EPYC cores (frontier_timing.md): runs only when named
