#!/usr/bin/env python
"""Regenerate every figure, number and table of the book into docs/figures/.

    python scripts/regenerate_figures.py            # everything, full budget (about 15 min on 2 CPU cores)
    python scripts/regenerate_figures.py --quick    # everything on a tiny budget (tests, previews)
    python scripts/regenerate_figures.py --only part1 flagship --out /tmp/figs
    python scripts/regenerate_figures.py --only frontier claims   # the long-lag frontier (about 20 min on 2 cores)

Each training run is cached under ``<out>/.cache/`` by a hash of its configuration: re-running loads
finished runs, and a killed run (Ctrl-C) resumes from its last finished epoch. ``--force`` retrains.
Every file is written atomically. Figures are SVG; numbers quoted by the site are written as small
Markdown fragments (``<out>/*.md``) that the pages include, and everything measured goes to
``<out>/results.json``. Each figure has a sidecar ``<figure>.json`` with the configuration, seed, torch
version, git commit and wall time that produced it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import queue
import subprocess
import sys
import tempfile
import time
import multiprocessing
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run from a checkout without `pip install -e .`
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from lstm_book import Seq2Seq, SequenceClassifier, count_parameters, lstm_parameter_formula  # noqa: E402
from lstm_book import packing, plots, probes, training  # noqa: E402
from lstm_book.files import atomic_write_text  # noqa: E402
from lstm_book.models import exact_match  # noqa: E402
from lstm_book.tasks import (  # noqa: E402
    BOS, DIGIT_OFFSET, DIGIT_VOCAB_SIZE, EOS, PAD, TEMPORAL_ORDER_SYMBOLS, TEMPORAL_ORDER_VOCAB_SIZE,
    decode_temporal_order, digit_reversal, temporal_order, temporal_order_windows,
)


class UserError(Exception):
    """A mistake in the command line or the environment: reported in one line, exit status 2."""


# ----------------------------------------------------------------------------------------------
# Output helpers: atomic writes, sidecars, fragments
# ----------------------------------------------------------------------------------------------


def git_commit() -> str:
    """HEAD's hash, with ``+dirty`` when the code that makes the figures differs from HEAD."""
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10)
        if out.returncode != 0:
            return "unknown"
        code = ["lstm_book", "scripts", "pyproject.toml", "requirements.txt"]
        dirty = subprocess.run(["git", "diff", "--quiet", "HEAD", "--", *code], cwd=ROOT, timeout=10).returncode
        return out.stdout.strip() + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


class Context:
    """What every target gets: the parsed options, the output folder and the budget."""

    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.out: Path = args.out
        self.quick: bool = args.quick
        self.seed: int = args.seed
        self.force: bool = args.force
        self.progress: bool = not args.no_progress
        self.device = resolve_device(args.device)
        self.cache = self.out / ".cache"
        self.results: dict = {}  # merged into results.json
        self.runs: list[dict] = []  # entries of results.json["runs"]
        self.started = time.time()
        self.commit = git_commit()
        self.jobs: int = args.jobs
        self.trained: set[str] = set()  # the runs this invocation trained (the others came from the cache)
        self.forced: set[Path] = set()  # checkpoints already deleted by --force in this invocation

    def figure(self, name: str, fig, config: dict, seconds: float | None = None) -> Path:
        """Save ``fig`` as ``<out>/<name>`` plus its sidecar ``<out>/<stem>.json``."""
        path = plots.save_figure(fig, self.out / name)
        sidecar = {
            "figure": name,
            "config": config,
            "seed": self.seed,
            "quick": self.quick,
            "torch": torch.__version__,
            "git_commit": self.commit,
            "device": str(self.device),
            "wall_seconds": round(seconds if seconds is not None else time.time() - self.started, 2),
        }
        atomic_write_text(path.with_suffix(".json"), json.dumps(sidecar, indent=2) + "\n")
        return path

    def fragment(self, name: str, text: str) -> None:
        """Write a Markdown fragment ``<out>/<name>.md`` that a page includes with ``--8<--``."""
        atomic_write_text(self.out / f"{name}.md", text.rstrip() + "\n")


def resolve_device(choice: str) -> torch.device:
    if choice == "cuda" and not torch.cuda.is_available():
        raise UserError("--device cuda was requested but no CUDA device is available (use --device cpu or auto)")
    return training.resolve_device(choice)


# ----------------------------------------------------------------------------------------------
# Target: part1 — the illustrations of Part 1 (no training)
# ----------------------------------------------------------------------------------------------

JACOBIAN_RADII = (0.5, 0.9, 1.0, 1.5, 3.0)
PACKING_EXAMPLE = [4, 2, 1]  # sequence lengths of the packing page's table


def target_part1(ctx: Context) -> None:
    t0 = time.time()
    x = np.linspace(-6, 6, 601)
    ctx.figure("sigmoid_tanh.svg", plots.sigmoid_tanh(x), {"x_range": [-6, 6], "points": 601}, time.time() - t0)

    t0 = time.time()
    steps = 100
    norms, linear, summary = {}, {}, {}
    for rho in JACOBIAN_RADII:
        with_tanh, lin = probes.rnn_jacobian_norms(rho, hidden_size=64, steps=steps, seed=ctx.seed)
        label = f"ρ = {rho:g}"
        norms[label], linear[label] = with_tanh.numpy(), lin.numpy()
        summary[f"{rho:g}"] = {"k10": float(with_tanh[9]), "k50": float(with_tanh[49]), "k100": float(with_tanh[99])}
    fig = plots.jacobian_products(np.arange(1, steps + 1), norms, linear)
    config = {"radii": list(JACOBIAN_RADII), "hidden_size": 64, "steps": steps, "W_hh": "rho * random orthogonal",
              "input_scale": 0.5}
    ctx.figure("jacobian_products.svg", fig, config, time.time() - t0)
    ctx.results["jacobian_products"] = {"config": config, "norms": summary}
    rows = "\n".join(
        f"| {rho} | {v['k10']:.2g} | {v['k50']:.2g} | {v['k100']:.2g} | {float(rho) ** 100:.2g} |"
        for rho, v in summary.items()
    )
    ctx.fragment(
        "jacobian_products",
        "| spectral radius ρ of W_hh | after 10 steps | after 50 steps | after 100 steps | ρ^100 (no tanh) |\n"
        "|---:|---:|---:|---:|---:|\n" + rows,
    )
    s = 1 / (1 + np.exp(-1.0))
    ctx.fragment("sigma_one", f"{s:.4f}")
    rows = []
    for b in (0.0, 1.0, 2.0, 3.0, float(np.log(99))):
        sig = 1 / (1 + np.exp(-b))
        rows.append(f"| {b:.3g} | {sig:.3f} | {sig ** 85:.2g} |")
    ctx.fragment("forget_decay_table", "| b_f | σ(b_f) | σ(b_f)^85 |\n|---:|---:|---:|\n" + "\n".join(rows))
    ctx.fragment("packing_table", packing.batch_sizes_table(PACKING_EXAMPLE))  # Part 2, packing page


# ----------------------------------------------------------------------------------------------
# Training runs: one spec per run, cached by the hash of the spec
# ----------------------------------------------------------------------------------------------

CACHE_VERSION = 1  # bump when the meaning of a cached run changes
TEST_SEED = 7_777_777  # the held-out set's seed; training sets use 1000 + seed, so they never coincide
ARTICLE = {"epoch5_acc": 0.9050, "peak_acc": 0.9570, "peak_epoch": 17, "params": 204_290, "layers": 2, "hidden": 64}


@dataclass(frozen=True)
class RunSpec:
    """Everything that determines one training run of a temporal-order classifier."""

    name: str
    group: str
    cell: str = "lstm"
    seed: int = 0
    forget_bias: float | None = 2.0
    init: str = "default"  # "chrono": b_f ~ log U(1, T − 1), b_i = −b_f (then forget_bias is None)
    seq_len: int = 100
    n_train: int = 3000
    n_test: int = 2000
    epochs: int = 5
    batch_size: int = 64
    lr: float = 1e-3
    clip: float | None = 1.0
    embed_dim: int = 16
    hidden_size: int = 64
    num_layers: int = 2
    stop_at: float | None = None
    snapshots: bool = False  # keep the weights after every epoch (for probes during training)
    fresh_data: bool = False  # new training sequences every epoch (else the same n_train, reshuffled)

    def config(self) -> dict:
        config = {**asdict(self), "task": "temporal_order_6a", "optimizer": "adam", "cache_version": CACHE_VERSION}
        for late in ("snapshots", "fresh_data"):  # added later: when off, runs keep their cache entries
            if not config[late]:
                del config[late]
        return config


def build_classifier(spec: RunSpec) -> SequenceClassifier:
    """The model of a run, with initial weights fixed by ``spec.seed`` (the weights "at epoch 0")."""
    with training.seeded(spec.seed):
        if spec.cell == "lstm":
            if spec.init == "chrono":
                return SequenceClassifier(TEMPORAL_ORDER_VOCAB_SIZE, spec.embed_dim, spec.hidden_size, 4,
                                          spec.num_layers, cell="lstm", init="chrono", t_max=spec.seq_len)
            return SequenceClassifier(TEMPORAL_ORDER_VOCAB_SIZE, spec.embed_dim, spec.hidden_size, 4, spec.num_layers,
                                      cell="lstm", forget_bias=spec.forget_bias)
        return SequenceClassifier(TEMPORAL_ORDER_VOCAB_SIZE, spec.embed_dim, spec.hidden_size, 4, spec.num_layers,
                                  cell="rnn")


def test_set(seq_len: int, n: int):
    return temporal_order(n, seq_len=seq_len, seed=TEST_SEED + seq_len)


def checkpoint_path(ctx: Context, spec: RunSpec) -> Path:
    return ctx.cache / f"{spec.name}-{training.config_hash(spec.config())}.pt"


def is_complete(path: Path) -> bool:
    """Is there a finished run in this checkpoint file?"""
    return path.exists() and bool(training.load_checkpoint(path).get("complete"))


def forget_if_forced(ctx: Context, path: Path) -> None:
    """With --force, delete a cached run once per invocation (so it is retrained, then reused)."""
    if ctx.force and path not in ctx.forced and path.exists():
        path.unlink()
    ctx.forced.add(path)


def fit_spec(spec: RunSpec, path: Path, device: torch.device, progress: bool, position: int | None = None):
    """Build, train (or resume/load) and return ``(history, model)`` for one spec."""
    model = build_classifier(spec)
    test = test_set(spec.seq_len, spec.n_test)

    def train_data(epoch: int):
        seed = 1000 + spec.seed + (10_000 * epoch if spec.fresh_data else 0)  # never the test set's seed
        train = temporal_order(spec.n_train, seq_len=spec.seq_len, seed=seed)
        return train.tokens, train.labels

    def evaluate(m):
        return training.evaluate(m, test.tokens, test.labels)

    config = training.TrainConfig(epochs=spec.epochs, batch_size=spec.batch_size, lr=spec.lr, clip=spec.clip,
                                  seed=spec.seed, stop_at=spec.stop_at, keep_snapshots=spec.snapshots)
    history = training.fit(model, train_data if spec.fresh_data else train_data(0), evaluate, config, checkpoint=path,
                           progress=progress, desc=spec.name, device=device, position=position)
    return history, model


def _worker(spec: RunSpec, path: str, device: str, progress: bool, threads: int, slots) -> str:
    """Process-pool entry point: train one run into its checkpoint (a bar in a free terminal row)."""
    torch.set_num_threads(threads)
    slot = slots.get()
    try:
        fit_spec(spec, Path(path), torch.device(device), progress, position=slot)
    finally:
        slots.put(slot)
    return spec.name


def run_cost(spec: RunSpec) -> float:
    return spec.seq_len * spec.n_train * spec.epochs * (4 if spec.cell == "lstm" else 1)


FollowUp = Callable[[RunSpec, training.History], list[RunSpec]]


def prefetch(ctx: Context, specs: list[RunSpec], follow_up: FollowUp | None = None) -> None:
    """Train the runs that are not cached yet in ``--jobs`` worker processes, most expensive first.

    ``follow_up(spec, history)`` names the runs that a finished run unlocks (the frontier's next
    length); they join the queue as soon as it finishes. Every run is independent and seeded, so the
    results are those of training them one by one, in any order; the targets then load them from the cache.
    """
    follow_up = follow_up or (lambda spec, history: [])
    seen: set[str] = set()
    done: dict[str, training.History] = {}  # finished runs (cached or trained now), by name
    todo: list[RunSpec] = []

    def unlock(spec: RunSpec) -> None:
        for unlocked in follow_up(spec, done[spec.name]):
            consider(unlocked)

    def finish(spec: RunSpec, history: training.History) -> None:
        done[spec.name] = history
        unlock(spec)

    def consider(spec: RunSpec) -> None:
        if spec.name in seen:
            if spec.name in done:  # a run trained for a probe may be reached by the rule only later
                unlock(spec)
            return
        seen.add(spec.name)
        path = checkpoint_path(ctx, spec)
        forget_if_forced(ctx, path)
        state = training.load_checkpoint(path) if path.exists() else None
        if state is not None and state.get("complete"):
            finish(spec, training.History.from_dict(state["history"]))
        else:
            todo.append(spec)

    for spec in specs:
        consider(spec)
    if ctx.jobs <= 1 or not todo:
        return
    print(f"Training {len(todo)} runs in {ctx.jobs} worker processes ...", flush=True)
    spawn = multiprocessing.get_context("spawn")
    finished: queue.Queue = queue.Queue()
    with multiprocessing.Manager() as manager:
        slots = manager.Queue()
        for k in range(ctx.jobs):
            slots.put(k)
        pool = spawn.Pool(processes=ctx.jobs)
        in_flight = 0

        def launch() -> None:
            nonlocal in_flight
            todo.sort(key=run_cost)
            while todo and in_flight < ctx.jobs:
                spec = todo.pop()  # the most expensive waiting run
                job = (spec, str(checkpoint_path(ctx, spec)), str(ctx.device), ctx.progress, ctx.args.threads, slots)
                pool.apply_async(_worker, job, callback=lambda _, s=spec: finished.put((s, None)),
                                 error_callback=lambda err, s=spec: finished.put((s, err)))
                in_flight += 1

        try:
            launch()
            while in_flight:
                spec, err = finished.get()
                in_flight -= 1
                if err is not None:
                    raise err
                print(f"   trained {spec.name}", flush=True)
                ctx.trained.add(spec.name)
                finish(spec, training.History.from_dict(training.load_checkpoint(checkpoint_path(ctx, spec))["history"]))
                launch()
            pool.close()
        except BaseException:
            pool.terminate()  # Ctrl-C: stop the workers now; finished epochs are already checkpointed
            raise
        finally:
            pool.join()


def train_run(ctx: Context, spec: RunSpec) -> tuple[training.History, SequenceClassifier]:
    """Train (or load from the cache, or resume) one run; records it in results.json's ``runs``."""
    path = checkpoint_path(ctx, spec)
    forget_if_forced(ctx, path)
    if not is_complete(path):
        ctx.trained.add(spec.name)
    history, model = fit_spec(spec, path, ctx.device, ctx.progress)
    model.cpu().eval()
    entry = {
        "name": spec.name,
        "group": spec.group,
        "cell": spec.cell,
        "seed": spec.seed,
        "forget_bias": spec.forget_bias if spec.cell == "lstm" and spec.init != "chrono" else None,
        "init": spec.init if spec.cell == "lstm" else None,
        "seq_len": spec.seq_len,
        "params": count_parameters(model)["total"],
        "flagship": spec.group == "flagship",
        "config": spec.config(),
        "history": history.to_dict(),
    }
    ctx.runs = [r for r in ctx.runs if r["name"] != spec.name] + [entry]
    last = history.test_acc[-1] if len(history) else float("nan")
    print(f"   {spec.name}: {len(history)} epochs, final test acc {last:.3f}, "
          f"{sum(history.seconds):.0f} s of training", flush=True)
    return history, model


def budget(ctx: Context) -> dict:
    """Sizes of every experiment: the full run, and the tiny --quick run (which exercises every code path)."""
    if ctx.quick:
        return {"seeds": 3, "n_train": 64, "n_test": 64, "batch_size": 32, "epochs": 2, "ablation_epochs": 2,
                "ablation_biases": (0.0, 1.0, 2.0), "lengths": (25, 50, 100, 200), "length_n_train": 32,
                "length_epochs": 1, "probe_n": 32, "gate_n": 32, "s2s_n_train": 128, "s2s_n_test": 32, "s2s_epochs": 2,
                # the frontier: tiny lengths, and a low bar for "solved" so that both branches of its
                # continue-or-stop rule run (nothing reaches 99% on this budget)
                "frontier_lengths": (20, 30, 40), "frontier_epochs": (2, 2, 2), "frontier_n_train": 64,
                "frontier_n_test": 64, "frontier_seeds": 3, "frontier_solved": 0.3, "frontier_highway_T": 30,
                "frontier_batch_size": 32,
                "frontier_compare_T": 20, "frontier_probe_n": 16, "frontier_gate_n": 16}
    return {"seeds": 3, "n_train": 6000, "n_test": 1000, "batch_size": 64, "epochs": 5, "ablation_epochs": 5,
            "ablation_biases": (0.0, 1.0, 2.0), "lengths": (25, 50, 100, 200), "length_n_train": 3000,
            "length_epochs": 4, "probe_n": 256, "gate_n": 500, "s2s_n_train": 10000, "s2s_n_test": 500, "s2s_epochs": 6,
            "frontier_lengths": (50, 100, 200, 500, 1000), "frontier_epochs": (3, 4, 5, 8, 10), "frontier_n_train": 4000,
            "frontier_n_test": 500, "frontier_seeds": 3, "frontier_solved": 0.99, "frontier_highway_T": 500,
            "frontier_batch_size": 32,  # batch 64 left 2 of 3 chrono seeds stalled at T = 500; 32 solved them
            "frontier_compare_T": 100, "frontier_probe_n": 64, "frontier_gate_n": 100}


FLAGSHIP_INIT = "chrono"  # the flagship's forget-gate initialisation: "chrono" or a constant effective bias


def lstm_init(init: str | float) -> dict:
    """RunSpec fields for an initialisation given as "chrono", "torch" (torch's default) or a constant bias."""
    if init == "chrono":
        return {"init": "chrono", "forget_bias": None}
    if init == "torch":
        return {"init": "default", "forget_bias": None}
    return {"init": "default", "forget_bias": float(init)}


def init_label(init: str | float, t: int | str = 100) -> str:
    if init == "chrono":
        return f"chrono initialisation (T_max = {t})"
    if init == "torch":
        return "torch's default initialisation"
    return f"forget bias {float(init):g}"


def init_key(init: str | float) -> str:
    return init if init in ("chrono", "torch") else f"{float(init):g}"


def init_sentence(init: str | float, t: int | str) -> str:
    """How an initialisation sets the forget gate; ``t`` is the sequence length (a number, or "T")."""
    if init == "chrono" and isinstance(t, str):
        return (f"chrono (Tallec & Ollivier 2018): each unit's b_f = log u with u ~ U(1, {t} − 1), and b_i = −b_f; "
                f"so σ(b_f) starts between 0.5 and 1 − 1/{t}, a spread of memory time scales up to {t}")
    if init == "torch":
        return ("torch's default: b_ih and b_hh each uniform on ±1/√H, so the effective b_f is near 0 "
                "and σ(b_f) ≈ 0.5 at the start")
    if init == "chrono":
        return (f"chrono (Tallec & Ollivier 2018): each unit's b_f = log u with u ~ U(1, {t - 1}), and b_i = −b_f; "
                f"so σ(b_f) starts between 0.5 and {1 / (1 + 1 / (t - 1)):.2f}, a spread of memory time scales up to T")
    b = float(init)
    return f"constant effective bias {b:g}, so σ(b_f) = {1 / (1 + np.exp(-b)):.3f} at the start"


def flagship_specs(ctx: Context) -> list[RunSpec]:
    b = budget(ctx)
    specs = []
    for k in range(b["seeds"]):
        seed = ctx.seed + k
        specs.append(RunSpec(f"flagship-lstm-s{seed}", "flagship", "lstm", seed, n_train=b["n_train"],
                             n_test=b["n_test"], epochs=b["epochs"], batch_size=b["batch_size"],
                             **lstm_init(FLAGSHIP_INIT)))
    for k in range(b["seeds"]):
        seed = ctx.seed + k
        specs.append(RunSpec(f"flagship-rnn-s{seed}", "flagship-rnn", "rnn", seed, None, n_train=b["n_train"],
                             n_test=b["n_test"], epochs=b["epochs"], batch_size=b["batch_size"]))
    return specs


def ablation_specs(ctx: Context) -> dict[str, list[RunSpec]]:
    """Constant effective forget biases (and the flagship's initialisation), keyed by ``init_key``."""
    b = budget(ctx)
    groups: dict[str, list[RunSpec]] = {}
    for init in [*b["ablation_biases"], FLAGSHIP_INIT]:
        if init == FLAGSHIP_INIT:
            groups[init_key(init)] = [s for s in flagship_specs(ctx) if s.cell == "lstm"]
            continue
        groups[init_key(init)] = [
            RunSpec(f"ablation-bias{float(init):g}-s{ctx.seed + k}", "ablation", "lstm", ctx.seed + k,
                    n_train=b["n_train"], n_test=b["n_test"], epochs=b["ablation_epochs"], batch_size=b["batch_size"],
                    **lstm_init(init))
            for k in range(b["seeds"])]
    return groups


ABLATION_COLOURS = {"0": plots.ORANGE, "1": plots.GREEN, "2": plots.PURPLE, "chrono": plots.BLUE}


def pct(x: float) -> str:
    return f"{100 * x:.1f}%"


# ----------------------------------------------------------------------------------------------
# Target: flagship — LSTM (every seed) vs RNN on temporal order, T = 100
# ----------------------------------------------------------------------------------------------


def target_flagship(ctx: Context) -> None:
    t0 = time.time()
    specs = flagship_specs(ctx)
    results = [(s, *train_run(ctx, s)) for s in specs]
    lstm = [(s, h, m) for s, h, m in results if s.cell == "lstm"]
    rnn = [(s, h, m) for s, h, m in results if s.cell == "rnn"]
    runs = [{"label": f"LSTM, {init_label(FLAGSHIP_INIT).replace(' initialisation', '')}, {len(lstm)} seeds",
             "colour": plots.LSTM_COLOUR,
             "history": h.to_dict()} for _, h, _ in lstm]
    runs += [{"label": f"vanilla RNN, {len(rnn)} seeds", "colour": plots.RNN_COLOUR, "history": h.to_dict()}
             for _, h, _ in rnn]
    reference = [(5, ARTICLE["epoch5_acc"], "article: 90.5% at epoch 5"),
                 (ARTICLE["peak_epoch"], ARTICLE["peak_acc"], "article: 95.7% peak (epoch 17)")]
    fig = plots.accuracy_curves(runs, reference=reference, chance=0.25)
    ctx.figure("accuracy_curves.svg", fig, {"runs": [s.config() for s in specs]}, time.time() - t0)

    spec0, _, model0 = lstm[0]
    counts = count_parameters(model0)
    rnn_counts = count_parameters(rnn[0][2])
    E, H = spec0.embed_dim, spec0.hidden_size
    formula = lstm_parameter_formula(E, H, spec0.num_layers)
    by5 = [h.test_acc[min(4, len(h) - 1)] for _, h, _ in lstm]
    first99 = [h.first_epoch_reaching(0.99) for _, h, _ in lstm]
    rnn_max = max(max(h.test_acc) for _, h, _ in rnn)
    summary = {
        "init": init_key(FLAGSHIP_INIT),
        "config": spec0.config(),
        "seeds": [s.seed for s, _, _ in lstm],
        "lstm_acc_epoch5": by5,
        "lstm_first_epoch_99": first99,
        "lstm_min_acc_epoch5": min(by5),
        "lstm_final_acc": [h.test_acc[-1] for _, h, _ in lstm],
        "rnn_max_test_acc": rnn_max,
        "rnn_final_acc": [h.test_acc[-1] for _, h, _ in rnn],
        "bar_met": bool(min(by5) >= 0.99 and rnn_max <= 0.30 and len(lstm) >= 3),
        "params": counts,
        "rnn_params": rnn_counts,
        "lstm_formula": formula,
        "lstm_seconds_per_epoch": float(np.mean([np.mean(h.seconds) for _, h, _ in lstm])),
        "rnn_seconds_per_epoch": float(np.mean([np.mean(h.seconds) for _, h, _ in rnn])),
    }
    ctx.results["flagship"] = summary

    # Fragments quoted by the pages
    rows = []
    for (s, h, _) in lstm + rnn:
        name = f"LSTM, seed {s.seed}" if s.cell == "lstm" else f"RNN, seed {s.seed}"
        rows.append(f"| {name} | " + " | ".join(pct(a) for a in h.test_acc) + " |")
    n_ep = max(len(h) for _, h, _ in lstm + rnn)
    ctx.fragment("flagship_table",
                 "| run | " + " | ".join(f"epoch {e}" for e in range(1, n_ep + 1)) + " |\n"
                 "|---|" + "---:|" * n_ep + "\n" + "\n".join(rows))
    verdict = "meets" if summary["bar_met"] else "does **not** meet"
    ctx.fragment("flagship_summary",
                 f"With {init_label(FLAGSHIP_INIT)} of the forget gates, the {len(lstm)} LSTM seeds "
                 f"reached at least {pct(min(by5))} test accuracy by epoch {min(5, spec0.epochs)} "
                 f"(per seed: {', '.join(pct(a) for a in by5)}; first epoch at ≥ 99%: "
                 f"{', '.join(str(e) if e else 'never' for e in first99)}). "
                 f"The vanilla RNN of the same size never exceeded {pct(rnn_max)} in any epoch of any seed "
                 f"(chance is 25%). This {verdict} the bar we set: ≥ 99% by epoch 5 in every seed, RNN ≤ 30% throughout.")
    ctx.fragment("flagship_setup",
                 f"| setting | value |\n|---|---|\n"
                 f"| task | temporal order 6a, T = {spec0.seq_len}, 4 classes (chance 25%) |\n"
                 f"| training set | {spec0.n_train:,} sequences (seed 1000 + run seed), reshuffled every epoch |\n"
                 f"| test set | {spec0.n_test:,} sequences (a different seed) |\n"
                 f"| model | embedding {E} → {spec0.num_layers}-layer LSTM, {H} units → linear head |\n"
                 f"| parameters | {counts['total']:,} (LSTM layers {counts['rnn']:,}) |\n"
                 f"| forget-gate initialisation | {init_sentence(FLAGSHIP_INIT, spec0.seq_len)} |\n"
                 f"| optimiser | Adam, learning rate {spec0.lr:g}, batch {spec0.batch_size}, "
                 f"gradient norm clipped at {spec0.clip:g} |\n"
                 f"| epochs | {spec0.epochs} |\n"
                 f"| seeds | {', '.join(str(s.seed) for s, _, _ in lstm)} |")
    ctx.fragment("flagship_params",
                 f"{counts['total']:,} parameters: embedding {counts['embedding']:,} "
                 f"(8 × {E}), LSTM {counts['rnn']:,}, head {counts['head']:,} ({H} × 4 + 4). "
                 f"The formula 4H(I + H) + 8H per layer gives 4·{H}·({E} + {H}) + 8·{H} = "
                 f"{lstm_parameter_formula(E, H, 1):,} for layer 1 and 4·{H}·({H} + {H}) + 8·{H} = "
                 f"{lstm_parameter_formula(H, H, 1):,} for layer 2: {formula:,} in total, matching the count. "
                 f"The RNN of the same size has {rnn_counts['total']:,}.")
    ctx.fragment("flagship_timing",
                 f"One epoch took {summary['lstm_seconds_per_epoch']:.0f} s for the LSTM and "
                 f"{summary['rnn_seconds_per_epoch']:.0f} s for the RNN on this machine "
                 f"(one thread per run, {ctx.jobs} runs in parallel, on a shared {os.cpu_count()}-core CPU: pessimistic).")


# ----------------------------------------------------------------------------------------------
# Target: ablation — effective forget bias 0 / 1 / 2 (and the flagship's) over seeds
# ----------------------------------------------------------------------------------------------


def target_ablation(ctx: Context) -> None:
    t0 = time.time()
    groups = ablation_specs(ctx)
    histories = {key: [train_run(ctx, s)[0] for s in specs] for key, specs in groups.items()}
    n_epochs = groups["0"][0].epochs
    fig = plots.ablation_curves(
        {(f"b_f = {key} (σ = {1 / (1 + np.exp(-float(key))):.2f})" if key != "chrono" else "chrono"):
         [{"history": h.to_dict()} for h in hs] for key, hs in histories.items()}, chance=0.25,
        colours=[ABLATION_COLOURS.get(key, plots.SKY) for key in histories])
    ctx.figure("forget_bias_ablation.svg", fig,
               {"groups": {key: [s.config() for s in specs] for key, specs in groups.items()}}, time.time() - t0)
    table = {}
    rows = []
    for key, hs in histories.items():
        within = [h.first_epoch_reaching(0.99) for h in hs]
        within = [e if e is not None and e <= n_epochs else None for e in within]
        table[key] = {"acc_at_budget": [h.test_acc[min(n_epochs, len(h)) - 1] for h in hs],
                      "best": [max(h.test_acc[:n_epochs]) for h in hs], "first_epoch_99": within}
        start = "log U(1, 99) per unit" if key == "chrono" else f"{1 / (1 + np.exp(-float(key))):.3f}"
        rows.append(f"| {key} | {start} | " + ", ".join(pct(a) for a in table[key]["acc_at_budget"])
                    + f" | {sum(e is not None for e in within)} of {len(hs)} |")
    ctx.results["ablation"] = table
    spec = groups["0"][0]
    ctx.results["ablation_config"] = {"epochs": n_epochs, "n_train": spec.n_train, "sequences": n_epochs * spec.n_train}
    ctx.fragment("ablation_table",
                 f"| forget-gate bias b_f | σ(b_f) at the start | test accuracy after epoch {n_epochs}, per seed "
                 f"| seeds at ≥ 99% by epoch {n_epochs} |\n|---|---|---|---:|\n" + "\n".join(rows))
    ctx.fragment("ablation_budget",
                 f"Each run: {spec.epochs} epochs over {spec.n_train:,} training sequences "
                 f"({spec.epochs * spec.n_train:,} sequences seen), Adam {spec.lr:g}, batch {spec.batch_size}, "
                 f"clipping at {spec.clip:g}; seeds {', '.join(str(s.seed) for s in groups['0'])}. The chrono group is "
                 f"the flagship's runs (which go on to epoch {groups['chrono'][0].epochs}), read after the same "
                 f"{n_epochs} epochs.")


# ----------------------------------------------------------------------------------------------
# Target: gradients — ‖∂L/∂x_t‖ and ‖∂L/∂c_t‖ at initialisation and after training
# ----------------------------------------------------------------------------------------------


def target_gradients(ctx: Context) -> None:
    t0 = time.time()
    b = budget(ctx)
    test = test_set(100, b["probe_n"])
    groups = ablation_specs(ctx)
    rnn_spec = next(s for s in flagship_specs(ctx) if s.cell == "rnn")
    models = {}  # label -> (colour, spec)
    colours = ABLATION_COLOURS
    for key, specs in groups.items():
        models[f"LSTM, b_f = {key}" if key != "chrono" else "LSTM, chrono"] = (colours.get(key, plots.SKY), specs[0])
    models["vanilla RNN"] = (plots.RNN_COLOUR, rnn_spec)
    init_lines, trained_lines, data = {}, {}, {}
    for label, (colour, spec) in models.items():
        untrained = build_classifier(spec)
        g0 = probes.input_gradient_norms(untrained, test.tokens, test.labels).numpy()
        _, trained = train_run(ctx, spec)
        g1 = probes.input_gradient_norms(trained, test.tokens, test.labels).numpy()
        init_lines[label] = (colour, "-", g0)
        trained_lines[label] = (colour, "-", g1)
        data[label] = {"init": g0.tolist(), "trained": g1.tolist(),
                       "init_ratio_t15_t99": float(g0[15] / g0[99]), "trained_ratio_t15_t99": float(g1[15] / g1[99])}
    marks = [(10, 20), (50, 60)]
    fig = plots.gradient_profiles({"at initialisation": init_lines, "after training": trained_lines},
                                  r"mean $\|\partial L/\partial x_t\|$", marks=marks)
    ctx.figure("gradient_flow.svg", fig, {"models": {k: v[1].config() for k, v in models.items()},
                                           "probe_sequences": b["probe_n"]}, time.time() - t0)

    t1 = time.time()
    spec = groups[init_key(FLAGSHIP_INIT)][0]
    c0 = probes.cell_gradient_norms(build_classifier(spec), test.tokens, test.labels).numpy()
    _, trained = train_run(ctx, spec)
    c1 = probes.cell_gradient_norms(trained, test.tokens, test.labels).numpy()
    lines = {}
    for layer in range(c0.shape[0]):
        colour = plots.BLUE if layer == 0 else plots.VERMILLION
        lines[f"layer {layer + 1}, at initialisation"] = (colour, ":", c0[layer])
        lines[f"layer {layer + 1}, after training"] = (colour, "-", c1[layer])
    fig = plots.gradient_profiles({f"LSTM, {init_key(FLAGSHIP_INIT)} init, seed {spec.seed}: gradient through the cell state": lines},
                                  r"mean $\|\partial L/\partial c_t\|$", marks=marks)
    ctx.figure("cell_gradients.svg", fig, {"model": spec.config(), "probe_sequences": b["probe_n"]}, time.time() - t1)
    data["cell_state"] = {"init": c0.tolist(), "trained": c1.tolist()}
    ctx.results["gradients"] = data

    def ratio_row(label):
        d = data[label]
        return f"| {label} | {d['init_ratio_t15_t99']:.2g} | {d['trained_ratio_t15_t99']:.2g} |"

    ctx.fragment("gradient_table",
                 "| model | ‖∂L/∂x₁₅‖ / ‖∂L/∂x₉₉‖ at initialisation | after training |\n|---|---:|---:|\n"
                 + "\n".join(ratio_row(k) for k in models))
    ctx.fragment("cell_gradient_summary",
                 f"In the trained flagship LSTM (seed {spec.seed}), the mean ‖∂L/∂c_t‖ of layer 1 is "
                 f"{c1[0][15]:.2g} at t = 15 and {c1[0][99]:.2g} at t = 99 (ratio {c1[0][15] / c1[0][99]:.2g}); "
                 f"at initialisation the same numbers were {c0[0][15]:.2g} and {c0[0][99]:.2g} "
                 f"(ratio {c0[0][15] / c0[0][99]:.2g}). Averaged over {b['probe_n']} test sequences.")


# ----------------------------------------------------------------------------------------------
# Target: gates — what the trained flagship LSTM's gates do
# ----------------------------------------------------------------------------------------------

GATE_TITLES = {"i": "input gate i", "f": "forget gate f", "o": "output gate o"}


def target_gates(ctx: Context) -> None:
    t0 = time.time()
    b = budget(ctx)
    spec = flagship_specs(ctx)[0]
    history, model = train_run(ctx, spec)
    test = test_set(100, b["gate_n"])
    with torch.no_grad():
        logits, gates = model(test.tokens, return_gates=True)
    correct = logits.argmax(1) == test.labels
    k = int(torch.nonzero(correct)[0]) if bool(correct.any()) else 0
    seq = test.tokens[k]
    pos = test.positions[k].tolist()
    panels = {}
    for layer in range(spec.num_layers):
        for g in ("i", "f", "o"):
            panels[f"layer {layer + 1} · {GATE_TITLES[g]}"] = gates[g][layer, :, k, :].numpy()
    symbols = [TEMPORAL_ORDER_SYMBOLS[int(seq[p])] for p in pos]
    fig = plots.gate_heatmaps(panels, marks=pos, symbols=symbols)
    ctx.figure("gate_heatmaps.svg", fig, {"model": spec.config(), "test_index": k,
                                          "sequence": decode_temporal_order(seq)}, time.time() - t0)

    t1 = time.time()
    stats = probes.gate_position_means(gates, test.positions)
    bars = {f"L{layer[-1]} {g}": {"informative": stats[layer][g]["informative"],
                                   "distractor": stats[layer][g]["distractor"]}
            for layer in stats for g in ("i", "f", "o")}
    ctx.figure("gate_positions.svg", plots.gate_position_stats(bars),
               {"model": spec.config(), "sequences": int(test.tokens.shape[0])}, time.time() - t1)
    t2 = time.time()
    points = {}
    saturation = {}
    for layer in range(spec.num_layers):
        for g in ("i", "f", "o"):
            left, right = probes.saturation_fractions(gates[g][layer])
            points[f"layer {layer + 1} · {GATE_TITLES[g]}"] = (left.numpy(), right.numpy())
            saturation[f"layer {layer + 1} {g}"] = {"left": left.tolist(), "right": right.tolist(),
                                                    "units_right_gt_half": int((right > 0.5).sum()),
                                                    "units_left_gt_half": int((left > 0.5).sum())}
    ctx.figure("gate_saturation.svg", plots.saturation_scatter(points),
               {"model": spec.config(), "sequences": int(test.tokens.shape[0])}, time.time() - t2)
    ctx.results["gates"] = {"model": spec.name, "test_accuracy": float(correct.float().mean()),
                            "example_index": k, "position_means": stats, "saturation": saturation}

    rows = []
    for layer in stats:
        for g in ("f", "i", "o"):
            s = stats[layer][g]
            rows.append(f"| {layer} | {GATE_TITLES[g]} | {s['informative']:.2f} | {s['distractor']:.2f} | "
                        f"{pct(s['informative_gt_0.9'])} | {pct(s['distractor_gt_0.9'])} | {pct(s['distractor_lt_0.1'])} |")
    ctx.fragment("gate_table",
                 "| layer | gate | mean at X/Y | mean at distractors | X/Y values > 0.9 | distractor values > 0.9 "
                 "| distractor values < 0.1 |\n|---|---|---:|---:|---:|---:|---:|\n" + "\n".join(rows))
    f1 = saturation["layer 1 f"]
    f2 = saturation["layer 2 f"]
    H = spec.hidden_size
    ctx.fragment("gate_saturation_summary",
                 f"Of the {H} forget-gate units, {f1['units_right_gt_half']} in layer 1 and {f2['units_right_gt_half']} "
                 f"in layer 2 are above 0.9 on more than half of all steps; {f1['units_left_gt_half']} and "
                 f"{f2['units_left_gt_half']} are below 0.1 on more than half of all steps "
                 f"({int(test.tokens.shape[0])} test sequences, seed-{spec.seed} model, test accuracy "
                 f"{pct(float(correct.float().mean()))}).")
    ctx.fragment("gate_example", f"`{decode_temporal_order(seq)}` (class "
                 f"{['XX', 'XY', 'YX', 'YY'][int(test.labels[k])]}, X/Y at positions {pos[0]} and {pos[1]})")


# ----------------------------------------------------------------------------------------------
# Target: length — test accuracy vs sequence length T
# ----------------------------------------------------------------------------------------------


def length_specs(ctx: Context) -> list[RunSpec]:
    b = budget(ctx)
    return [RunSpec(f"length-{cell}-T{T}-s{ctx.seed}", "length", cell, ctx.seed, seq_len=T,
                    n_train=b["length_n_train"], n_test=b["n_test"], epochs=b["length_epochs"],
                    batch_size=b["batch_size"], stop_at=0.99,
                    **(lstm_init(FLAGSHIP_INIT) if cell == "lstm" else {"forget_bias": None}))
            for T in b["lengths"] for cell in ("lstm", "rnn")]


def target_length(ctx: Context) -> None:
    t0 = time.time()
    b = budget(ctx)
    series: dict[str, list[float]] = {"LSTM": [], "vanilla RNN": []}
    specs = length_specs(ctx)
    table = {}
    for spec in specs:
        history, _ = train_run(ctx, spec)
        series["LSTM" if spec.cell == "lstm" else "vanilla RNN"].append(history.best_test_acc())
        table.setdefault(str(spec.seq_len), {})[spec.cell] = {
            "best": history.best_test_acc(), "epochs": len(history),
            "first_epoch_99": history.first_epoch_reaching(0.99)}
    fig = plots.length_sweep(list(b["lengths"]), series, chance=0.25,
                             colours={"LSTM": plots.LSTM_COLOUR, "vanilla RNN": plots.RNN_COLOUR})
    ctx.figure("length_sweep.svg", fig, {"runs": [s.config() for s in specs]}, time.time() - t0)
    ctx.results["length_sweep"] = table
    rows = [f"| {T} | {pct(table[str(T)]['lstm']['best'])} | {pct(table[str(T)]['rnn']['best'])} |" for T in b["lengths"]]
    ctx.fragment("length_table", "| sequence length T | LSTM best test accuracy | RNN best test accuracy |\n"
                 "|---:|---:|---:|\n" + "\n".join(rows))
    s = specs[0]
    ctx.fragment("length_budget",
                 f"Each point is one seed ({s.seed}) trained for at most {s.epochs} epochs over {s.n_train:,} sequences "
                 f"(stopping early once test accuracy reaches 99%), {init_label(FLAGSHIP_INIT, 'T')} for the LSTM, otherwise the "
                 f"flagship's setup; accuracy is the best epoch's, on {s.n_test:,} test sequences of the same length.")


# ----------------------------------------------------------------------------------------------
# Target: seq2seq — the encoder–decoder on digit reversal
# ----------------------------------------------------------------------------------------------


def target_seq2seq(ctx: Context) -> None:
    t0 = time.time()
    b = budget(ctx)
    cfg = {"task": "digit_reversal", "min_len": 3, "max_len": 8, "embed_dim": 32, "hidden_size": 128,
           "num_layers": 1, "forget_bias": 1.0, "n_train": b["s2s_n_train"], "n_test": b["s2s_n_test"],
           "epochs": b["s2s_epochs"], "batch_size": 64, "lr": 3e-3, "clip": 1.0, "seed": ctx.seed,
           "cache_version": CACHE_VERSION}
    train = digit_reversal(cfg["n_train"], cfg["min_len"], cfg["max_len"], seed=1000 + ctx.seed)
    test = digit_reversal(cfg["n_test"], cfg["min_len"], cfg["max_len"], seed=TEST_SEED)
    with training.seeded(ctx.seed):
        model = Seq2Seq(DIGIT_VOCAB_SIZE, DIGIT_VOCAB_SIZE, cfg["embed_dim"], cfg["hidden_size"], cfg["num_layers"],
                        pad_id=PAD, bos_id=BOS, eos_id=EOS, forget_bias=cfg["forget_bias"])

    def evaluate(m):
        m.eval()
        with torch.no_grad():
            pred = m.greedy_decode(test.src.to(ctx.device), max_len=cfg["max_len"] + 1).cpu()
        return float(exact_match(pred, test.tgt, pad_id=PAD).float().mean())

    path = ctx.cache / f"seq2seq-{training.config_hash(cfg)}.pt"
    forget_if_forced(ctx, path)
    if not is_complete(path):
        ctx.trained.add(path.stem)
    history = training.fit(model, (train.src, train.tgt), evaluate,
                           training.TrainConfig(epochs=cfg["epochs"], batch_size=cfg["batch_size"], lr=cfg["lr"],
                                                clip=cfg["clip"], seed=ctx.seed),
                           loss_fn=training.seq2seq_loss, checkpoint=path, progress=ctx.progress, desc="seq2seq",
                           device=ctx.device)
    model.cpu().eval()
    ctx.figure("seq2seq_curve.svg", plots.seq2seq_curve(history.to_dict()), cfg, time.time() - t0)
    with torch.no_grad():
        pred = model.greedy_decode(test.src[:8], max_len=cfg["max_len"] + 1)
    ok = exact_match(pred, test.tgt[:8], pad_id=PAD)

    def digits(row):
        return "".join(str(int(t) - DIGIT_OFFSET) for t in row if int(t) >= DIGIT_OFFSET)

    rows = [f"| `{digits(test.src[i])}` | `{digits(test.tgt[i])}` | `{digits(pred[i])}` | {'✓' if ok[i] else '✗'} |"
            for i in range(pred.shape[0])]
    ctx.fragment("seq2seq_examples", "| input | reversed (target) | decoded greedily | exact |\n|---|---|---|:-:|\n"
                 + "\n".join(rows))
    counts = count_parameters(model)
    ctx.fragment("seq2seq_summary",
                 f"After {len(history)} epochs over {cfg['n_train']:,} strings of {cfg['min_len']}–{cfg['max_len']} "
                 f"digits, the encoder–decoder ({counts['total']:,} parameters, one {cfg['hidden_size']}-unit LSTM layer "
                 f"each) reverses {pct(history.test_acc[-1])} of {cfg['n_test']:,} held-out strings exactly "
                 f"(greedy decoding, no teacher forcing); teacher-forced token accuracy on the training set was "
                 f"{pct(history.train_acc[-1])} in the last epoch.")
    ctx.results["seq2seq"] = {"config": cfg, "history": history.to_dict(), "params": counts}
    print(f"   seq2seq: exact match {history.test_acc[-1]:.3f} after {len(history)} epochs", flush=True)


# ----------------------------------------------------------------------------------------------
# Target: frontier — how long a lag each initialisation learns (not in the default run: ~20 min on 2 cores)
# ----------------------------------------------------------------------------------------------

FRONTIER_INITS: tuple[str | float, ...] = ("torch", 1.0, 3.0, "chrono")
HIGHWAY_INITS: tuple[str | float, ...] = (3.0, "chrono")  # a constant bias vs chrono, watched during training
FRONTIER_COLOURS = {"torch": plots.ORANGE, "1": plots.GREEN, "3": plots.PURPLE, "chrono": plots.BLUE,
                    "rnn": plots.RNN_COLOUR}
MOMENT_COLOURS = (plots.ORANGE, plots.SKY, plots.BLUE)  # at initialisation, mid-training, end


def frontier_keys() -> list[str]:
    """The frontier's configurations: one per LSTM initialisation, and the RNN."""
    return [init_key(i) for i in FRONTIER_INITS] + ["rnn"]


def frontier_label(key: str) -> str:
    if key == "rnn":
        return "vanilla RNN"
    if key == "chrono":
        return "LSTM, chrono (T_max = T)"
    if key == "torch":
        return "LSTM, torch's default init"
    return f"LSTM, forget bias {key}"


def frontier_spec(ctx: Context, key: str, seq_len: int, seed: int) -> RunSpec:
    """One frontier run: configuration ``key`` at length ``seq_len``, stopping once it is solved."""
    b = budget(ctx)
    epochs = dict(zip(b["frontier_lengths"], b["frontier_epochs"]))[seq_len]
    fields = {"cell": "rnn", "forget_bias": None} if key == "rnn" else {"cell": "lstm", **lstm_init(key)}
    return RunSpec(f"frontier-{key}-T{seq_len}-s{seed}", "frontier", seed=seed, seq_len=seq_len,
                   n_train=b["frontier_n_train"], n_test=b["frontier_n_test"], epochs=epochs,
                   batch_size=b["frontier_batch_size"], stop_at=b["frontier_solved"], snapshots=True, fresh_data=True,
                   **fields)


def frontier_key(spec: RunSpec) -> str:
    """The configuration a frontier run belongs to (the inverse of :func:`frontier_spec`'s fields)."""
    if spec.cell == "rnn":
        return "rnn"
    if spec.init == "chrono":
        return "chrono"
    return "torch" if spec.forget_bias is None else init_key(spec.forget_bias)


def frontier_seeds(ctx: Context) -> list[int]:
    return [ctx.seed + k for k in range(budget(ctx)["frontier_seeds"])]


def frontier_first_specs(ctx: Context) -> list[RunSpec]:
    """Every configuration and seed at the shortest length: where the frontier starts."""
    first = budget(ctx)["frontier_lengths"][0]
    return [frontier_spec(ctx, key, first, seed) for key in frontier_keys() for seed in frontier_seeds(ctx)]


def frontier_probe_specs(ctx: Context) -> list[RunSpec]:
    """Runs the probes need whether or not the rule reaches them: the highway pair and the gate comparison."""
    b = budget(ctx)
    return [frontier_spec(ctx, init_key(i), b["frontier_highway_T"], ctx.seed) for i in HIGHWAY_INITS] + \
        [frontier_spec(ctx, "chrono", b["frontier_compare_T"], ctx.seed)]


def frontier_next(ctx: Context, key: str, seq_len: int, histories: list[training.History]) -> list[RunSpec]:
    """The frontier's rule: a configuration goes on to the next length once a seed solved this one."""
    lengths = budget(ctx)["frontier_lengths"]
    solved = any(h.first_epoch_reaching(budget(ctx)["frontier_solved"]) is not None for h in histories)
    i = lengths.index(seq_len)
    if not solved or i + 1 == len(lengths):
        return []
    return [frontier_spec(ctx, key, lengths[i + 1], seed) for seed in frontier_seeds(ctx)]


def frontier_follow_up(ctx: Context) -> FollowUp:
    """:func:`frontier_next` for :func:`prefetch`: longer runs start as soon as a shorter one solves."""
    reached = {s.name for s in frontier_first_specs(ctx)}  # probe-only runs unlock nothing

    def follow(spec: RunSpec, history: training.History) -> list[RunSpec]:
        if spec.name not in reached:
            return []
        unlocked = frontier_next(ctx, frontier_key(spec), spec.seq_len, [history])
        reached.update(s.name for s in unlocked)
        return unlocked

    return follow


def frontier_cell(entry: dict) -> str:
    """A table cell: seeds solved and the median sequences needed, or the best accuracy of the failures."""
    if not entry["run"]:
        return "not run"
    n = len(entry["seeds"])
    needed = [x for x in entry["sequences_to_solve"] if x is not None]
    if needed:
        return f"**{len(needed)}/{n}** · {np.median(needed) / 1000:g}k"
    return f"0/{n} · best {pct(max(entry['best']))}"


def frontier_sentence(key: str, cells: dict, lengths: Sequence[int], bar: float) -> str:
    """A bullet: how far a configuration got, and where it stopped."""
    T = longest_solved(cells)
    ran = [int(t) for t, c in cells.items() if c["run"]]
    last = cells[str(max(ran))]
    n = len(last["seeds"])
    if T is None:
        return f"- **{frontier_label(key)}**: no seed solved even T = {lengths[0]} (best {pct(max(last['best']))})."
    top = cells[str(T)]
    needed = [x for x in top["sequences_to_solve"] if x is not None]
    text = (f"- **{frontier_label(key)}**: solved up to T = {T} ({top['solved']} of {n} seeds there, after "
            f"{', '.join(f'{x:,}' for x in needed)} sequences)")
    if max(ran) > T:
        text += f"; at T = {max(ran)} no seed reached {pct(bar)} (best {pct(max(last['best']))})"
    return text + "."


def target_frontier(ctx: Context) -> None:
    t0 = time.time()
    b = budget(ctx)
    lengths, seeds, bar = b["frontier_lengths"], frontier_seeds(ctx), b["frontier_solved"]
    grid: dict[str, dict[str, dict]] = {}
    specs_run = []
    for key in frontier_keys():
        grid[key] = {}
        todo = [frontier_spec(ctx, key, lengths[0], seed) for seed in seeds]
        for T in lengths:
            if not todo or todo[0].seq_len != T:
                grid[key][str(T)] = {"run": False}
                continue
            histories = [train_run(ctx, spec)[0] for spec in todo]
            specs_run += todo
            first = [h.first_epoch_reaching(bar) for h in histories]
            grid[key][str(T)] = {
                "run": True, "seeds": seeds, "solved": sum(e is not None for e in first),
                "sequences_to_solve": [e * b["frontier_n_train"] if e else None for e in first],
                "sequences_seen": [len(h) * b["frontier_n_train"] for h in histories],
                "best": [h.best_test_acc() for h in histories],
                "train_seconds": [round(sum(h.seconds), 1) for h in histories]}
            todo = frontier_next(ctx, key, T, histories)
    series = {frontier_label(k): {
        "colour": FRONTIER_COLOURS[k],
        "solved": [g["solved"] / len(g["seeds"]) if g["run"] else None for g in (grid[k][str(T)] for T in lengths)],
        "sequences": [[x for x in g.get("sequences_to_solve", []) if x is not None] for g in (grid[k][str(T)] for T in lengths)],
    } for k in grid}
    ctx.figure("frontier.svg", plots.frontier(lengths, series), {"runs": [s.config() for s in specs_run]},
               time.time() - t0)
    n_train = b["frontier_n_train"]
    rows = [f"| {frontier_label(k)} | " + " | ".join(frontier_cell(grid[k][str(T)]) for T in lengths) + " |"
            for k in grid]
    ctx.fragment("frontier_table",
                 "| configuration | " + " | ".join(f"T = {T}" for T in lengths) + " |\n|---|" + "---:|" * len(lengths)
                 + "\n" + "\n".join(rows))
    budget_text = ", ".join(f"{e * n_train:,} at T = {T}" for T, e in zip(lengths, b["frontier_epochs"]))
    ctx.fragment("frontier_budget",
                 f"Each cell trains {len(seeds)} seeds ({', '.join(map(str, seeds))}) of the flagship's model and "
                 f"recipe (embedding {RunSpec.embed_dim}, 2 × {RunSpec.hidden_size} units, Adam {RunSpec.lr:g}, "
                 f"clipping at {RunSpec.clip:g}) but with batches of {b['frontier_batch_size']}"
                 + (f" instead of {b['batch_size']}" if b["frontier_batch_size"] != b["batch_size"] else "")
                 + f", drawing {n_train:,} new training sequences for every epoch, evaluating on {b['frontier_n_test']:,} held-out sequences after every epoch and stopping once test "
                 f"accuracy reaches {pct(bar)} (\"solved\"). At most: {budget_text} sequences. A configuration goes on "
                 f"to the next length only if at least one seed solved this one; \"not run\" marks where it stopped.")
    ctx.fragment("frontier_inits",
                 "| configuration | forget gate at the start |\n|---|---|\n"
                 + "\n".join(f"| {frontier_label(init_key(i))} | {init_sentence(i, 'T')} |" for i in FRONTIER_INITS)
                 + "\n| vanilla RNN | (no gates: Eq. (1)) |")
    ctx.fragment("frontier_summary", "\n".join(frontier_sentence(key, grid[key], lengths, bar) for key in grid))
    total_seconds = sum(sum(g["train_seconds"]) for k in grid for g in grid[k].values() if g["run"])
    ctx.results["frontier"] = {"config": {"lengths": list(lengths), "epochs": list(b["frontier_epochs"]),
                                          "n_train": n_train, "n_test": b["frontier_n_test"], "seeds": seeds,
                                          "solved_at": bar},
                               "grid": grid, "train_seconds": round(total_seconds, 1)}
    frontier_highway(ctx)
    frontier_gates(ctx)


def moments(history: training.History) -> dict[str, tuple[int, str]]:
    """Epochs to probe, with their colours: before training (0), halfway and at the end (fewer if they coincide)."""
    n, mid = len(history), max(1, round(len(history) / 2))
    start, middle, end = MOMENT_COLOURS
    return {"at initialisation": (0, start), **({f"after epoch {mid}": (mid, middle)} if mid < n else {}),
            f"after epoch {n} (end)": (n, end)}


def subscript(n: int) -> str:
    return str(n).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


def model_after(spec: RunSpec, ctx: Context, epoch: int) -> SequenceClassifier:
    """The run's model after ``epoch`` epochs (0: its seeded initial weights), from the kept snapshots."""
    model = build_classifier(spec)
    if epoch:
        model.load_state_dict(training.snapshots(checkpoint_path(ctx, spec))[epoch - 1])
    return model.eval()


def frontier_highway(ctx: Context) -> None:
    """‖∂L/∂x_t‖ and the forget gates' time scales at T = highway_T, during training: constant bias vs chrono."""
    t0 = time.time()
    b = budget(ctx)
    T = b["frontier_highway_T"]
    probe = test_set(T, b["frontier_probe_n"])
    test = test_set(T, b["frontier_n_test"])
    windows = temporal_order_windows(T)
    early = sum(windows[0]) // 2  # the middle of the first informative window
    grad_panels, tau_panels, data = {}, {}, {}
    for init in HIGHWAY_INITS:
        spec = frontier_spec(ctx, init_key(init), T, ctx.seed)
        history, _ = train_run(ctx, spec)
        title = f"{frontier_label(init_key(init))}, seed {spec.seed}"
        grads, taus, entry = {}, {}, {}
        for label, (epoch, colour) in moments(history).items():
            model = model_after(spec, ctx, epoch)
            g = probes.input_gradient_norms(model, probe.tokens, probe.labels).numpy()
            with torch.no_grad():
                f = model(probe.tokens, return_gates=True)[1]["f"].numpy()
            acc = history.test_acc[epoch - 1] if epoch else training.evaluate(model, test.tokens, test.labels)
            full = f"{label}: test acc. {pct(acc)}"
            grads[full] = (colour, "-", g)
            taus[full] = (colour, f)
            tau = 1 / np.maximum(1 - f, 1e-12)
            entry[label] = {"epoch": epoch, "test_acc": acc, "grad": g.tolist(), "grad_early": float(g[early]),
                            "grad_last": float(g[-1]), "ratio": float(g[early] / g[-1]),
                            "median_tau": float(np.median(tau)), "frac_tau_ge_T": float((tau >= T).mean())}
        grad_panels[title], tau_panels[title] = grads, taus
        data[init_key(init)] = entry
    config = {"models": [frontier_spec(ctx, init_key(i), T, ctx.seed).config() for i in HIGHWAY_INITS],
              "probe_sequences": b["frontier_probe_n"]}
    ctx.figure("highway_gradients.svg", plots.gradient_profiles(grad_panels, r"mean $\|\partial L/\partial x_t\|$",
                                                                 marks=windows), config, time.time() - t0)
    ctx.figure("highway_forget.svg", plots.forget_timescales(tau_panels, horizon=T), config, time.time() - t0)
    ctx.results["frontier_highway"] = {"T": T, "early_position": early, "runs": data}
    rows = [f"| {'chrono' if k == 'chrono' else f'bias {k}'} | {label} | {pct(m['test_acc'])} | {m['grad_early']:.2g} | {m['grad_last']:.2g} | "
            f"{m['ratio']:.2g} | {m['median_tau']:.3g} | {pct(m['frac_tau_ge_T'])} |"
            for k, entry in data.items() for label, m in entry.items()]
    ctx.fragment("highway_table",
                 f"| init (T = {T}) | moment | test acc. | ‖∂L/∂x{subscript(early)}‖ | ‖∂L/∂x{subscript(T - 1)}‖ | ratio "
                 f"| median τ | τ ≥ {T} |\n|---|---|---:|---:|---:|---:|---:|---:|\n" + "\n".join(rows))


def frontier_gates(ctx: Context) -> None:
    """The chrono model's gates at the informative positions: trained at T = compare_T vs at T = highway_T."""
    t0 = time.time()
    b = budget(ctx)
    grid = ctx.results["frontier"]["grid"]["chrono"]
    panels, data, rows, configs = {}, {}, [], []
    for T in (b["frontier_compare_T"], b["frontier_highway_T"]):
        entry = grid.get(str(T), {"run": False})
        solved = [s for s, x in zip(entry.get("seeds", []), entry.get("sequences_to_solve", [])) if x is not None]
        spec = frontier_spec(ctx, "chrono", T, solved[0] if solved else ctx.seed)
        _, model = train_run(ctx, spec)
        configs.append(spec.config())
        test = test_set(T, b["frontier_gate_n"])
        with torch.no_grad():
            logits, gates = model(test.tokens, return_gates=True)
        acc = float((logits.argmax(1) == test.labels).float().mean())
        stats = probes.gate_position_means(gates, test.positions)
        panels[f"T = {T} (seed {spec.seed}, {pct(acc)} correct)"] = {
            f"L{layer[-1]} {g}": stats[layer][g] for layer in stats for g in ("i", "f", "o")}
        distractor = probes.distractor_mask(test.positions, T).T  # (T, B)
        long_units = {}
        for layer in range(gates["f"].shape[0]):
            mean_f = gates["f"][layer][distractor].mean(dim=0)  # (H,): each unit's mean f between the symbols
            long_units[f"layer {layer + 1}"] = int((mean_f >= 1 - 1 / T).sum())
            s = stats[f"layer {layer + 1}"]
            rows.append(f"| {T} | {layer + 1} | {s['f']['informative']:.3f} | {s['f']['distractor']:.3f} | "
                        f"{s['i']['informative']:.2f} | {s['i']['distractor']:.2f} | {long_units[f'layer {layer + 1}']} |")
        data[str(T)] = {"model": spec.name, "test_accuracy": acc, "position_means": stats, "units_tau_ge_T": long_units}
    ctx.figure("frontier_gates.svg", plots.gate_position_panels(panels), {"models": configs,
               "sequences": b["frontier_gate_n"]}, time.time() - t0)
    ctx.results["frontier_gates"] = data
    ctx.fragment("frontier_gate_table",
                 "| trained at T | layer | mean f at X/Y | mean f at distractors | mean i at X/Y | mean i at distractors "
                 f"| units with mean f ≥ 1 − 1/T between the symbols (of {RunSpec.hidden_size}) |\n"
                 "|---:|---:|---:|---:|---:|---:|---:|\n" + "\n".join(rows))


# ----------------------------------------------------------------------------------------------
# Target: claims — the reproduction table and the claims ledger
# ----------------------------------------------------------------------------------------------


ROUND_SIZES = (8, 16, 32, 50, 64, 100, 128, 200, 256, 300, 512)


def parameter_search(target: int = ARTICLE["params"], max_vocab: int = 300) -> list[dict]:
    """2-layer, 64-unit LSTM classifiers whose parameter count is exactly ``target``.

    Searched: uni/bidirectional; embedding widths 1–512 with vocabularies 2–``max_vocab`` (or no embedding:
    inputs fed straight in); a linear head reading the top layer's D·H features with 2–100 classes, or none.
    Counts come from ``lstm_parameter_formula`` for the LSTM plus the embedding and head sizes.
    """
    H, L = 64, 2
    hits = []
    for bidirectional in (False, True):
        D = 2 if bidirectional else 1
        for E in range(1, 513):
            rnn = lstm_parameter_formula(E, H, L, bidirectional)
            for classes in [0, *range(2, 101)]:
                head = 0 if classes == 0 else (D * H * classes + classes)
                rest = target - rnn - head
                if rest == 0:
                    hits.append({"bidirectional": bidirectional, "input_size": E, "embedding": "none (inputs fed directly)",
                                 "vocab": None, "classes": classes, "lstm": rnn, "head": head})
                elif rest > 0 and rest % E == 0 and 2 <= rest // E <= max_vocab:
                    hits.append({"bidirectional": bidirectional, "input_size": E, "embedding": f"{rest // E} × {E}",
                                 "vocab": rest // E, "classes": classes, "lstm": rnn, "head": head})
    return hits


def natural(hit: dict) -> bool:
    """Round embedding widths (or no embedding) — the sizes a person would actually choose."""
    return hit["input_size"] in ROUND_SIZES


def verify_hit(hit: dict) -> int:
    """Build the classifier a search hit describes and count its parameters with ``count_parameters``."""
    if hit["vocab"] is None or hit["classes"] == 0:
        return hit["lstm"] + hit["head"]
    with training.seeded(0):
        model = SequenceClassifier(hit["vocab"], hit["input_size"], 64, hit["classes"], 2,
                                   bidirectional=hit["bidirectional"])
    return count_parameters(model)["total"]


def target_claims(ctx: Context) -> None:
    flag = ctx.results.get("flagship") or load_section(ctx, "flagship")
    abl = ctx.results.get("ablation") or load_section(ctx, "ablation")
    grads = ctx.results.get("gradients") or load_section(ctx, "gradients")
    gates = ctx.results.get("gates") or load_section(ctx, "gates")
    length = ctx.results.get("length_sweep") or load_section(ctx, "length_sweep")
    missing = [n for n, v in (("flagship", flag), ("ablation", abl), ("gradients", grads), ("gates", gates),
                              ("length", length)) if not v]
    if missing:
        raise UserError(f"the claims ledger needs the results of {', '.join(missing)}: run "
                        f"`--only {' '.join(missing)} claims` (or without --only)")
    hits = parameter_search()
    nat = [h for h in hits if natural(h)]
    for h in nat:
        h["verified_count"] = verify_hit(h)
    ours = flag["params"]["total"]
    uni_any = [h for h in parameter_search(max_vocab=100_000) if natural(h) and not h["bidirectional"]
               and h["vocab"] is not None]
    smallest_uni = min(uni_any, key=lambda h: h["vocab"]) if uni_any else None
    ctx.results["parameter_search"] = {"target": ARTICLE["params"], "hits": hits, "natural": nat, "ours": ours}
    hit_rows = [f"| {'bidirectional' if h['bidirectional'] else 'unidirectional'} | {h['embedding']} | "
                f"{h['input_size']} | {h['lstm']:,} | {h['classes'] or 'none'} ({h['head']:,}) |" for h in nat]
    ctx.fragment("param_search",
                 f"Searching 2-layer, 64-unit LSTMs (uni- or bidirectional, embedding width 1–512, vocabulary "
                 f"2–300, a linear head with 2–100 classes or none) for exactly {ARTICLE['params']:,} parameters "
                 f"finds {len(hits)} combinations; {len(nat)} of them use round sizes:\n\n"
                 "| direction | embedding (vocab × width) | LSTM input size | LSTM parameters | head classes (parameters) |\n"
                 "|---|---|---:|---:|---|\n" + ("\n".join(hit_rows) if hit_rows else "| (none) | | | | |")
                 + "\n\nEach row was rebuilt as a `SequenceClassifier` and counted with `count_parameters`: "
                 + ", ".join(f"{h['verified_count']:,}" for h in nat) + ". "
                 + (f"A *unidirectional* 2 × 64 LSTM with a round embedding width gets there only with a large "
                    f"vocabulary: the smallest is {smallest_uni['vocab']:,} tokens × {smallest_uni['input_size']} "
                    f"dimensions with {smallest_uni['classes']} classes." if smallest_uni else ""))

    by5 = flag["lstm_acc_epoch5"]
    e5 = min(5, flag["config"]["epochs"])
    first99 = flag["lstm_first_epoch_99"]
    ctx.fragment("reproduction",
                 "| quantity | the article | this book (measured) |\n|---|---:|---:|\n"
                 f"| model | 2-layer LSTM, 64 units | 2-layer LSTM, 64 units |\n"
                 f"| parameters | {ARTICLE['params']:,} | {ours:,} |\n"
                 f"| task | \"synthetic long-range dependency task\" (unspecified) | temporal order 6a, T = 100 |\n"
                 f"| test accuracy at epoch {e5} | {pct(ARTICLE['epoch5_acc'])} (epoch 5) | {' / '.join(pct(a) for a in by5)} "
                 f"({len(by5)} seeds) |\n"
                 f"| first epoch ≥ 99% | never (peak {pct(ARTICLE['peak_acc'])} at epoch {ARTICLE['peak_epoch']}) | "
                 f"{' / '.join(str(e) if e else 'never' for e in first99)} |\n"
                 f"| vanilla RNN, same size | not reported | ≤ {pct(flag['rnn_max_test_acc'])} in every epoch |")

    # --- the ledger ---
    rows = []
    lstm_grad = grads["LSTM, chrono" if FLAGSHIP_INIT == "chrono" else f"LSTM, b_f = {float(FLAGSHIP_INIT):g}"]
    rnn_grad = grads["vanilla RNN"]
    t99 = flag["lstm_final_acc"]
    long_ok = length.get("200", {}).get("lstm", {}).get("best", 0.0)
    survive = lstm_grad["init_ratio_t15_t99"] > 1e-3 and min(t99) >= 0.99
    rows.append(("Gradients survive across hundreds of time steps.",
                 f"‖∂L/∂x₁₅‖/‖∂L/∂x₉₉‖ at initialisation: LSTM ({init_key(FLAGSHIP_INIT)}) {lstm_grad['init_ratio_t15_t99']:.2g}, "
                 f"RNN {rnn_grad['init_ratio_t15_t99']:.2g}; after training LSTM {lstm_grad['trained_ratio_t15_t99']:.2g}. "
                 f"Best LSTM accuracy at T = 200: {pct(long_ok)}.",
                 "partly" if survive and long_ok < 0.99 else ("supported" if survive else "not supported")))
    b1 = abl.get("1", {})
    b0 = abl.get("0", {})
    abl_cfg = ctx.results.get("ablation_config") or load_section(ctx, "ablation_config") or {}
    abl_epochs, abl_seen = abl_cfg.get("epochs", 0), abl_cfg.get("sequences", 0)
    b2 = abl.get("2", {})
    b3 = abl.get(init_key(FLAGSHIP_INIT), {})

    def solved(entry):
        return sum(e is not None for e in entry.get("first_epoch_99", []))

    n = len(b1.get("acc_at_budget", [])) or 1

    def best(entry):
        return max(entry.get("best", [0.0]))

    helps = solved(b1) > solved(b0) or best(b1) > best(b0) + 0.05
    verdict_b1 = "supported" if solved(b1) > solved(b0) else ("partly" if helps else
                                                              f"not supported within {abl_seen:,} sequences")
    rows.append(("Initialising the forget-gate bias to 1.0 helps early training.",
                 f"Seeds at ≥ 99% test accuracy within {abl_epochs} epochs ({abl_seen:,} sequences): b_f = 0: {solved(b0)} "
                 f"of {n}; b_f = 1: {solved(b1)} of {n}; b_f = 2: {solved(b2)} of {n}; chrono: {solved(b3)} of {n}. "
                 f"Best accuracy, b_f = 0: {', '.join(pct(a) for a in b0.get('best', []))}; b_f = 1: "
                 f"{', '.join(pct(a) for a in b1.get('best', []))}.",
                 verdict_b1 + ("; larger biases and chrono help far more" if max(solved(b2), solved(b3)) > solved(b1)
                               else "")))
    f_means = [gates["position_means"][layer]["f"] for layer in gates["position_means"]]
    near1 = all(s["informative"] >= 0.9 for s in f_means)
    drop0 = all(s["distractor"] <= 0.1 for s in f_means)
    gate_text = "; ".join(f"{layer}: mean f {s['f']['informative']:.2f} at X/Y vs {s['f']['distractor']:.2f} at distractors"
                          for layer, s in gates["position_means"].items())
    rows.append(("Forget gates cluster near 1.0 at informative positions and drop toward 0 at irrelevant ones.",
                 gate_text + ".",
                 "supported" if near1 and drop0 else ("partly" if near1 or drop0 else "not supported")))
    rnn_max = flag["rnn_max_test_acc"]
    rnn_short = length.get("25", {}).get("rnn", {}).get("best", 0.0)
    rows.append(("Vanilla RNNs cannot learn long-range dependencies.",
                 f"Same-size RNN: at most {pct(rnn_max)} at T = 100 in any epoch and seed (chance 25%); "
                 f"best {pct(rnn_short)} at T = 25.",
                 "supported" if rnn_max <= 0.30 and rnn_short < 0.99 else
                 ("partly" if rnn_max <= 0.30 else "not supported")))
    rows.append((f"The 2-layer, 64-unit LSTM has {ARTICLE['params']:,} parameters.",
                 f"Ours (embedding {flag['config']['embed_dim']}, unidirectional) has {ours:,}. "
                 f"{len(nat)} round-number configurations give exactly {ARTICLE['params']:,} (table below); "
                 "all are bidirectional or have wide inputs." if nat and all(h['bidirectional'] or h['input_size'] >= 128 for h in nat)
                 else f"Ours has {ours:,}; {len(hits)} combinations give exactly {ARTICLE['params']:,}.",
                 "not as a unidirectional model on a small vocabulary" if ours != ARTICLE["params"] else "supported"))
    rows.append(("A 2-layer, 64-unit LSTM reaches 90.50% by epoch 5, 95.70% at best (epoch 17).",
                 f"Ours: {' / '.join(pct(a) for a in by5)} at epoch {e5} on temporal order (T = 100), {len(by5)} seeds.",
                 "exceeded" if min(by5) > ARTICLE["epoch5_acc"] else "not reproduced"))
    frontier = ctx.results.get("frontier") or load_section(ctx, "frontier")
    highway = ctx.results.get("frontier_highway") or load_section(ctx, "frontier_highway")
    if frontier and highway:  # written by `--only frontier`, which the default run leaves out
        rows += frontier_claims(frontier, highway)
    ctx.results["claims"] = [{"claim": c, "measurement": m, "verdict": v} for c, m, v in rows]
    ctx.fragment("claims", "| claim (the article) | what we measured | verdict |\n|---|---|---|\n"
                 + "\n".join(f"| {c} | {m} | **{v}** |" for c, m, v in rows))


def longest_solved(cells: dict) -> int | None:
    """The longest T at which a configuration solved at least one seed (None: not even the shortest)."""
    solved = [int(T) for T, cell in cells.items() if cell["run"] and cell["solved"]]
    return max(solved) if solved else None


def frontier_claims(frontier: dict, highway: dict) -> list[tuple[str, str, str]]:
    """Ledger rows that only the frontier's measurements can decide."""
    grid, lengths = frontier["grid"], frontier["config"]["lengths"]
    n = len(frontier["config"]["seeds"])

    def solved_at(key: str, T: int) -> str:
        cell = grid[key][str(T)]
        return f"{cell['solved']} of {n} seeds" if cell["run"] else "not run (the rule stopped it)"

    def reach(key: str) -> str:
        T = longest_solved(grid[key])
        return f"T = {T}" if T else f"not even T = {lengths[0]}"

    rows = []
    T_hw, early = highway["T"], highway["early_position"]
    ratios = {key: [m["ratio"] for m in entry.values()] for key, entry in highway["runs"].items()}  # init … end
    const = next(k for k in highway["runs"] if k != "chrono")
    long_T, longest = max(lengths), longest_solved(grid["chrono"]) or 0
    hundreds = [T for T in lengths if 100 < T < 1000]
    rows.append(("Error signals propagate backward for hundreds or thousands of steps without decaying.",
                 "LSTM with chrono init, solved: " + "; ".join(f"T = {T}: {solved_at('chrono', T)}" for T in lengths[2:])
                 + f". At T = {T_hw}, ‖∂L/∂x{subscript(early)}‖ / ‖∂L/∂x{subscript(T_hw - 1)}‖ is "
                 f"{ratios['chrono'][0]:.2g} at initialisation and {ratios['chrono'][-1]:.2g} at the end of training "
                 f"for chrono; for forget bias {const} it goes from {ratios[const][0]:.2g} to {ratios[const][-1]:.2g}.",
                 "supported" if longest >= long_T else ("partly: hundreds of steps yes, a thousand not on our budget"
                                                        if longest >= max(hundreds, default=long_T) else "not supported")))
    b1, b0 = longest_solved(grid["1"]) or 0, longest_solved(grid["torch"]) or 0
    rows.append(("Without the bias-1 trick the cell state leaks early in training and long-range learning suffers.",
                 f"Longest length solved in at least one of {n} seeds: torch's default init {reach('torch')}, "
                 f"forget bias 1 {reach('1')}, forget bias 3 {reach('3')}, chrono {reach('chrono')}.",
                 ("supported" if b1 > b0 else "not supported: bias 1 reached no further than torch's default")
                 + ("; a constant bias does not scale, chrono does" if longest > max(b1, longest_solved(grid["3"]) or 0)
                    else "")))
    return rows


def load_section(ctx: Context, key: str):
    """A section of an existing results.json in the output folder (for ``--only claims``)."""
    path = ctx.out / "results.json"
    try:
        return json.loads(path.read_text(encoding="utf-8")).get(key)
    except (OSError, json.JSONDecodeError):
        return None


def specs_for(ctx: Context, name: str) -> list[RunSpec]:
    """The classifier runs a target needs (so they can be trained in parallel up front)."""
    if name == "flagship":
        return flagship_specs(ctx)
    if name == "ablation":
        return [s for specs in ablation_specs(ctx).values() for s in specs]
    if name == "gradients":
        return [specs[0] for specs in ablation_specs(ctx).values()] + [s for s in flagship_specs(ctx) if s.cell == "rnn"][:1]
    if name == "gates":
        return flagship_specs(ctx)[:1]
    if name == "length":
        return length_specs(ctx)
    if name == "frontier":
        return frontier_first_specs(ctx) + frontier_probe_specs(ctx)
    return []


TARGETS: dict[str, Callable[[Context], None]] = {
    "part1": target_part1,
    "flagship": target_flagship,
    "ablation": target_ablation,
    "gradients": target_gradients,
    "gates": target_gates,
    "length": target_length,
    "seq2seq": target_seq2seq,
    "frontier": target_frontier,
    "claims": target_claims,
}
DEFAULT_TARGETS = [name for name in TARGETS if name != "frontier"]  # the frontier runs only when asked


# ----------------------------------------------------------------------------------------------
# Driver
# ----------------------------------------------------------------------------------------------


def check_out_dir(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UserError(f"cannot create output folder {out}: {err.strerror}") from None
    if not out.is_dir():
        raise UserError(f"--out {out} is not a folder")
    try:
        fd, probe = tempfile.mkstemp(dir=out, prefix=".write-test.")
        os.close(fd)
        os.unlink(probe)
    except OSError as err:
        raise UserError(f"output folder {out} is not writable: {err.strerror}") from None


def merge_results(path: Path, ctx: Context) -> dict:
    """Merge this invocation's runs and sections into ``results.json`` (runs are keyed by name)."""
    try:
        old = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    except (OSError, json.JSONDecodeError):
        old = {}
    runs = {r["name"]: r for r in old.get("runs", [])}
    for r in ctx.runs:
        runs[r["name"]] = r
    merged = {k: v for k, v in old.items() if k not in ("runs", "environment")}
    merged.update(ctx.results)
    merged["runs"] = sorted(runs.values(), key=lambda r: r["name"])
    merged["environment"] = {
        "torch": torch.__version__,
        "python": platform.python_version(),
        "threads": torch.get_num_threads(),
        "device": str(ctx.device),
        "git_commit": ctx.commit,
        "wall_seconds": round(time.time() - ctx.started, 1),
        "quick": ctx.quick,
        "seed": ctx.seed,
        "targets": list(ctx.args.only or DEFAULT_TARGETS),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
    }
    return merged


def run(args: argparse.Namespace) -> int:
    names = args.only or DEFAULT_TARGETS
    unknown = [n for n in names if n not in TARGETS]
    if unknown:
        raise UserError(f"unknown target(s) {', '.join(unknown)}; valid names are: {', '.join(TARGETS)}")
    if args.threads < 1:
        raise UserError(f"--threads must be at least 1, got {args.threads}")
    torch.set_num_threads(args.threads)
    if args.jobs is None:
        args.jobs = 1 if args.quick else 2
    if args.jobs < 1:
        raise UserError(f"--jobs must be at least 1, got {args.jobs}")
    check_out_dir(args.out)
    ctx = Context(args)
    ctx.cache.mkdir(parents=True, exist_ok=True)
    atomic_write_text(ctx.cache / ".gitignore", "# training-run cache of regenerate_figures.py\n*\n")
    timings = {}
    selected = [n for n in TARGETS if n in names]
    t0 = time.time()
    prefetch(ctx, [spec for n in selected for spec in specs_for(ctx, n)],
             follow_up=frontier_follow_up(ctx) if "frontier" in selected else None)
    if time.time() - t0 > 1:
        timings["parallel training"] = round(time.time() - t0, 1)
    for name in selected:
        t0 = time.time()
        print(f"== {name}", flush=True)
        TARGETS[name](ctx)
        timings[name] = round(time.time() - t0, 1)
        print(f"   {name} done in {timings[name]:.1f} s", flush=True)
    ctx.results.setdefault("timings", {})
    results_path = args.out / "results.json"
    merged = merge_results(results_path, ctx)
    merged["timings"] = {**merged.get("timings", {}), **timings}
    total = time.time() - ctx.started
    if args.only is None and ctx.trained:  # a complete run that trained: record its time, for the pages
        merged["full_run"] = {"wall_seconds": round(total, 1), "quick": ctx.quick, "jobs": ctx.jobs,
                              "threads": args.threads, "timings": timings, "forced": ctx.force,
                              "load_average_at_end": [round(x, 2) for x in os.getloadavg()]}
        per = ", ".join(f"{k} {v:.0f} s" for k, v in timings.items())
        ctx.fragment("run_timing",
                     f"{total / 60:.1f} minutes of wall time for the {'quick' if ctx.quick else 'full'} run"
                     f"{' from scratch (--force)' if ctx.force else ''}, with {ctx.jobs} worker process(es) of "
                     f"{args.threads} thread(s) each, on a {os.cpu_count()}-core machine (1-minute load average at "
                     f"the end: {os.getloadavg()[0]:.1f} — the machine was shared, so these times are pessimistic). "
                     f"Per stage: {per}.")
    frontier_runs = {r["name"] for r in ctx.runs if r["group"] == "frontier"}
    if frontier_runs & ctx.trained:
        core = ctx.results["frontier"]["train_seconds"]
        reused = len(frontier_runs - ctx.trained)
        merged["frontier_run"] = {"wall_seconds": round(total, 1), "targets": selected, "jobs": ctx.jobs,
                                  "runs": len(frontier_runs), "reused": reused, "train_seconds": core,
                                  "quick": ctx.quick}
        ctx.fragment("frontier_timing",
                     f"{total / 60:.1f} minutes of wall time for `--only {' '.join(selected)}`, training "
                     f"{len(frontier_runs) - reused} of its {len(frontier_runs)} runs"
                     f"{f' ({reused} came from the cache)' if reused else ' from scratch'} with {ctx.jobs} worker "
                     f"process(es) on a {os.cpu_count()}-core machine; its runs took {core / 60:.1f} minutes of "
                     f"training in total, summed over runs.")
    atomic_write_text(results_path, json.dumps(merged, indent=1) + "\n")
    print(f"Wrote {args.out} ({'quick' if args.quick else 'full'} run, {total:.1f} s: "
          + ", ".join(f"{k} {v:.0f} s" for k, v in timings.items()) + ")")
    return 0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="regenerate_figures.py",
        description="Retrain the book's models and write figures, results.json and Markdown fragments.",
    )
    parser.add_argument("--quick", action="store_true", help="tiny budget: every figure in about a minute")
    parser.add_argument("--only", nargs="+", metavar="NAME", default=None,
                        help=f"only these targets (valid: {', '.join(TARGETS)}; without --only: all but frontier, "
                             "which takes about 20 min on 2 cores and runs only when named)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "figures",
                        help="output folder (default: docs/figures)")
    parser.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto",
                        help="where to train (default: auto)")
    parser.add_argument("--seed", type=int, default=0, help="base seed; seed k of a group is seed + k (default: 0)")
    parser.add_argument("--force", action="store_true", help="ignore cached runs and retrain")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch CPU threads (default: 1 — these models are too small to gain from more, "
                             "and on a busy machine extra threads make training many times slower)")
    parser.add_argument("--jobs", type=int, default=None,
                        help="training runs in parallel worker processes (default: 2 — one per core of a 2-core CPU; "
                             "1 with --quick, where starting workers costs more than it saves)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        return run(args)
    except UserError as err:
        print(f"regenerate_figures.py: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nInterrupted. Finished epochs are cached; run the same command again to resume.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
