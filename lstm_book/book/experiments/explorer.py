"""The live explorer's model: the trained flagship LSTM (seed 0) exported for the browser.

The gates page runs this file's weights in JavaScript (``docs/javascripts/lstm.js``); the format is
:mod:`lstm_book.book.web_export`'s. Its sequences are the first of the gates page's test set, so the
explorer opens on the static heatmap's sequence; it also records the model's accuracy at the
lengths its slider offers (it was trained at T = 100 only).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from lstm_book.book import web_export
from lstm_book.book.experiments import gates
from lstm_book.book.pipeline.interface import DataOutput, Experiment, Fragment, Output, Setting, Tiers
from lstm_book.book.pipeline.tables import pct
from lstm_book.book.pipeline.run_spec import RunSpec, held_out_set

EXPORT = "explorer/flagship.json"


@dataclass(frozen=True)
class Budget:
    sequences: int  # test sequences offered to the reader
    lengths: tuple[int, int]  # the length slider's range, inclusive
    length_n: int  # test sequences per length for the accuracy shown beside the slider
    n_test: int  # test sequences for the model's accuracy at its own length


BUDGET = Tiers(
    quick=Budget(sequences=8, lengths=(96, 104), length_n=32, n_test=64),
    full=Budget(sequences=8, lengths=(76, 124), length_n=500, n_test=1000),
)


def specs(setting: Setting) -> list[RunSpec]:
    return [gates.model_spec(setting)]


def sequences(setting: Setting, spec: RunSpec):
    """The first test sequences of the gates page's set (its example is row ``example_index``)."""
    b = BUDGET.of(setting)
    return web_export.select(held_out_set(spec.seq_len, gates.BUDGET.of(setting).gate_n),
                           list(range(b.sequences)))


def measure(setting: Setting, runs, results) -> dict:
    b, spec = BUDGET.of(setting), gates.model_spec(setting)
    model = runs.train(spec)[1]
    lo, hi = b.lengths
    lengths = {T: web_export.accuracy(model, held_out_set(T, b.length_n)) for T in range(lo, hi + 1)}
    meta = {"model": spec.name, "seed": spec.seed, "init": spec.init,
            "test_accuracy": web_export.accuracy(model, held_out_set(spec.seq_len, b.n_test)), "test_sequences": b.n_test,
            "torch": torch.__version__,
            "sequences_from": f"the gates page's {gates.BUDGET.of(setting).gate_n} test sequences "
                              f"at T = {spec.seq_len}, rows 0-{b.sequences - 1}",
            "length_accuracy_from": f"{b.length_n} test sequences at each length T"}
    return {"explorer": {"meta": meta, "length_accuracy": {str(T): round(a, 4) for T, a in lengths.items()},
                         "example_index": results["gates"]["example_index"], "seq_len": spec.seq_len,
                         "length_sequences": b.length_n}}


def exports(setting: Setting, runs, results) -> list[DataOutput]:
    spec, data = gates.model_spec(setting), results["explorer"]
    lengths = {int(T): a for T, a in data["length_accuracy"].items()}
    export = web_export.export_classifier(runs.train(spec)[1], sequences(setting, spec), data["meta"], lengths)
    return [DataOutput(EXPORT, export, {"model": spec.config()})]


def solved_range(accuracy: dict[str, float], trained: int, bar: float = 0.99) -> tuple[int, int]:
    """The longest run of consecutive lengths around ``trained`` at which accuracy stays ≥ ``bar``."""
    lo = hi = trained
    while accuracy.get(str(lo - 1), 0.0) >= bar:
        lo -= 1
    while accuracy.get(str(hi + 1), 0.0) >= bar:
        hi += 1
    return lo, hi


def render(results: dict) -> list[Output]:
    e = results["explorer"]
    acc, trained = e["length_accuracy"], e["seq_len"]
    lengths = sorted(map(int, acc))
    lo, hi = solved_range(acc, trained)
    return [Fragment("explorer_summary", (
        f"The explorer runs the seed-{e['meta']['seed']} flagship model ({pct(e['meta']['test_accuracy'])} on "
        f"{e['meta']['test_sequences']:,} held-out sequences at T = {trained}, the only length it was trained on). "
        f"Its length slider runs from T = {lengths[0]} to {lengths[-1]}; over that range the model's accuracy goes "
        f"from {pct(min(acc.values()))} to {pct(max(acc.values()))}, and it stays at or above 99% from T = {lo} to "
        f"{hi} ({e['length_sequences']:,} test sequences per length)."))]


EXPERIMENT = Experiment(name="explorer", default=True, specs=specs, measure=measure, render=render, exports=exports, export_names=(EXPORT,), budget=BUDGET)
