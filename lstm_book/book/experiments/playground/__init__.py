"""The LSTM Playground's numbers: its default configuration trained in PyTorch, and its engine's speed.

The page (``docs/part3-experiments/playground.md``) trains up to three models in the reader's browser
(``docs/javascripts/playground/``). This experiment trains the same configurations with
``lstm_book`` — one layer, an embedding of 16, Adam at 1e-2, batches of 32 fresh sequences, clipping
at 1, the page's seeds — and counts the **updates until held-out accuracy reaches 95%** (measured
every ``every`` updates on ``held_out`` sequences; "not within N" when it never does). It writes:

* ``playground/task.json``: the task's constants (``lstm_book.tasks``), the file ``task.js`` reads;
* ``playground/demo.json``: the page's default configuration, in ``trainer.js``'s format;
* the fragments the page quotes: what the default shows, why its length, and what the book's
  measurements predict for the three suggested experiments (a longer T for the GRU, b_f = 0, a
  smaller hidden size);
* with :mod:`~lstm_book.book.experiments.playground.browser`, the engine's speed in headless
  Chromium (updates per second of each cell, the default demo's time to 95%), for the appendix.

The default's length is not typed but chosen by a rule fixed before the runs (:func:`contrast`):
the shortest candidate length at which, in PyTorch, the chrono LSTM solves every seed while the LSTM
with b_f = 1 fails most of them and the RNN all of them, and at which the page's own run (the
JavaScript engine, seed 0) shows the same.

Not in the default run: ``python scripts/regenerate_figures.py --only playground``. From scratch on
2 AMD EPYC cores (load average about 2) it took 2.6 minutes of wall time, with 2.8 minutes of
training summed over its two workers, most of it the runs that never learn (they are cached); the
browser's runs go on to ``max_updates``. ``results.json["playground_run"]`` records the last
invocation that trained.
"""

from __future__ import annotations

from dataclasses import dataclass

from lstm_book import tasks
from lstm_book.book.experiments.playground import browser
from lstm_book.book.experiments.playground.quotes import render
from lstm_book.book.pipeline.interface import Experiment, Setting, Tiers, UserError
from lstm_book.book.pipeline.inits import Init
from lstm_book.book.pipeline.run_spec import RunSpec

# The page's models in trainer.js's format ({cell, forget}), keyed as in results.json.
MODELS = {
    "lstm-chrono": {"cell": "lstm", "forget": "chrono"},
    "lstm-1": {"cell": "lstm", "forget": 1},
    "lstm-0": {"cell": "lstm", "forget": 0},
    "gru": {"cell": "gru", "forget": "torch"},
    "rnn": {"cell": "rnn", "forget": "torch"},
}
DEMO_MODELS = ("lstm-chrono", "lstm-1", "rnn")  # the default: chrono vs b_f = 1 vs the RNN


@dataclass(frozen=True)
class Budget:
    lengths: tuple[int, ...]  # candidate lengths of the demo: its three models train at each
    demo_T: int  # the demo's length (must be the one contrast() picks from the runs at `lengths`)
    gru_lengths: tuple[int, ...]  # suggested experiment 1: make T longer until the GRU fails
    hidden_sizes: tuple[int, ...]  # suggested experiment 3: the chrono LSTM with fewer units, at demo_T
    hidden: int  # the page's H
    embed: int  # the page's E
    lr: float
    batch: int
    clip: float
    seeds: int  # seeds 0 … seeds − 1 (the page's default seed is 0)
    every: int  # updates between two held-out evaluations
    max_updates: int  # a run that has not reached `solved` by then is "not within max_updates"
    held_out: int  # held-out sequences (the page's heldOut)
    solved: float  # held-out accuracy that counts as learned
    speed_updates: int  # browser: updates per timing round (after as many to warm up), five rounds


BUDGET = Tiers(
    quick=Budget(lengths=(20, 24), demo_T=24, gru_lengths=(20,), hidden_sizes=(4,), hidden=16, embed=16, lr=1e-2,
                 batch=32, clip=1.0, seeds=1, every=5, max_updates=10, held_out=64, solved=0.95, speed_updates=3),
    full=Budget(lengths=(50, 100), demo_T=100, gru_lengths=(50, 100, 200), hidden_sizes=(2, 4, 8), hidden=16, embed=16,
                lr=1e-2, batch=32, clip=1.0, seeds=3, every=25, max_updates=1000, held_out=256, solved=0.95,
                speed_updates=30),
)


def grid(b: Budget) -> list[tuple[str, int, int]]:
    """Every configuration ``(model key, T, H)`` the page quotes: the demo's three models at each candidate
    length, then the suggested experiments (GRU at longer T; b_f = 0; the chrono LSTM with fewer units)."""
    cells = [(key, T, b.hidden) for T in b.lengths for key in DEMO_MODELS]
    cells += [("lstm-0", b.demo_T, b.hidden)]
    cells += [("gru", T, b.hidden) for T in b.gru_lengths]
    cells += [("lstm-chrono", b.demo_T, H) for H in b.hidden_sizes]
    return list(dict.fromkeys(cells))  # in order, once each


def spec(b: Budget, key: str, T: int, H: int, seed: int) -> RunSpec:
    """One run: model ``key`` at length ``T`` with ``H`` units, an "epoch" being ``every`` updates on fresh
    sequences, stopping once held-out accuracy reaches ``solved``."""
    model = MODELS[key]
    fields = Init.parse(model["forget"]).spec_fields() if model["cell"] == "lstm" else {"forget_bias": None}
    return RunSpec(f"playground-{key}-T{T}-H{H}-s{seed}", "playground", cell=model["cell"], seed=seed, seq_len=T,
                   n_train=b.every * b.batch, n_test=b.held_out, epochs=b.max_updates // b.every,
                   batch_size=b.batch, lr=b.lr, clip=b.clip, embed_dim=b.embed, hidden_size=H, num_layers=1,
                   stop_at=b.solved, fresh_data=True, **fields)


def specs(setting: Setting) -> list[RunSpec]:
    b = BUDGET.of(setting)
    return [spec(b, key, T, H, seed) for key, T, H in grid(b) for seed in setting.seeds(b.seeds)]


def task_json() -> dict:
    """The task's constants as ``task.js`` reads them (its header documents the fields)."""
    return {"symbols": list(tasks.TEMPORAL_ORDER_SYMBOLS), "distractors": list(tasks.DISTRACTORS),
            "X": tasks.X, "Y": tasks.Y, "BEGIN": tasks.BEGIN, "END": tasks.END,
            "windows": [list(w) for w in tasks.WINDOWS_6A], "classes": list(tasks.temporal_order_class_names()),
            "chance": tasks.TEMPORAL_ORDER_CHANCE}


def demo_config(b: Budget, seed: int, T: int | None = None, max_updates: int = 3000) -> dict:
    """The page's default configuration in ``trainer.js``'s format (what ``demo.json`` holds), or the same
    at another length ``T`` and stopping after ``max_updates`` (the runs that choose the default)."""
    return {"T": T or b.demo_T, "hidden": b.hidden, "embed": b.embed, "lr": b.lr, "batch": b.batch, "clip": b.clip,
            "seed": seed, "tMax": None, "models": [MODELS[key] for key in DEMO_MODELS], "heldOut": b.held_out,
            "probe": 32, "reportEvery": 10, "maxUpdates": max_updates}


# --8<-- [start:contrast]
def contrast(entries: dict[str, dict], page: dict) -> bool:
    """The rule that picks the demo's length (fixed before any run): at this T, in PyTorch, the chrono LSTM
    learns in every seed while the LSTM with b_f = 1 fails in most seeds and the RNN in all; and in the
    page itself (the JavaScript engine, the page's seed), the chrono LSTM learns and the other two do not."""
    failed = {key: entries[key]["updates"].count(None) for key in DEMO_MODELS}
    seeds = len(entries["rnn"]["updates"])
    pytorch = failed["lstm-chrono"] == 0 and 2 * failed["lstm-1"] > seeds and failed["rnn"] == seeds
    chrono, one, rnn = page["reached"]  # updates to the bar in the page's run, in DEMO_MODELS' order (None: never)
    return pytorch and chrono is not None and one is None and rnn is None
# --8<-- [end:contrast]


def measure(setting: Setting, runs, results) -> dict:
    b = BUDGET.of(setting)
    entries = []
    for key, T, H in grid(b):
        histories = [runs.train(spec(b, key, T, H, seed))[0] for seed in setting.seeds(b.seeds)]
        first = [h.first_epoch_reaching(b.solved) for h in histories]
        entries.append({"key": key, **MODELS[key], "T": T, "H": H, "seeds": setting.seeds(b.seeds),
                        "updates": [e * b.every if e else None for e in first],
                        "best": [h.best_test_acc() for h in histories],
                        "accuracy": [h.test_acc for h in histories],
                        "train_seconds": [round(sum(h.seconds), 1) for h in histories]})
    configs = {T: demo_config(b, setting.seed, T, b.max_updates) for T in b.lengths}
    measured = browser.measure(task_json(), configs, b.demo_T, b.speed_updates, b.solved)
    at = {T: {e["key"]: e for e in entries if e["T"] == T and e["H"] == b.hidden} for T in b.lengths}
    picked = next((T for T in b.lengths if contrast(at[T], measured["demo"][str(T)])), None)
    if picked != b.demo_T and not setting.quick:
        raise UserError(f"playground: the rule picks T = {picked} for the demo but the budget says "
                        f"demo_T = {b.demo_T}; set demo_T to what the runs say")
    config = {"lengths": list(b.lengths), "demo_T": b.demo_T, "picked_T": picked, "hidden": b.hidden,
              "embed": b.embed, "lr": b.lr, "batch": b.batch, "clip": b.clip, "every": b.every,
              "max_updates": b.max_updates, "held_out": b.held_out, "solved": b.solved,
              "demo_models": list(DEMO_MODELS)}
    return {"playground": {"config": config, "task": task_json(), "demo": demo_config(b, setting.seed),
                           "runs": entries, "browser": measured}}


EXPERIMENT = Experiment(name="playground", default=False, specs=specs, measure=measure, render=render,
                        budget=BUDGET)  # minutes, but it starts Chromium: runs only when named
