"""The live explorer's models: the trained flagship LSTM (seed 0) and a frontier LSTM trained at T = 1000.

The gates page runs these files' weights in JavaScript (``docs/javascripts/lstm.js``); the format is
:mod:`lstm_book.book.web_export`'s. The flagship's sequences are the first of the gates page's test
set, so the explorer opens on the static heatmap's sequence; it also records the flagship's accuracy
at the lengths its slider offers (it was trained at T = 100 only). The second model is the frontier's
chrono run at its longest length, seed 0 (:func:`long_spec` builds the frontier's own spec, so the
two experiments share one cached run), with a few of its held-out sequences.

It also measures what the flagship does when one informative symbol is replaced by a distractor:
the reader of the explorer finds that a YY sequence without its first Y is still called YY.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from lstm_book import tasks
from lstm_book.book import web_export
from lstm_book.book.experiments import frontier, gates
from lstm_book.book.pipeline.inits import CHRONO, Init
from lstm_book.book.pipeline.interface import DataOutput, Experiment, Fragment, Output, Setting, Tiers
from lstm_book.book.pipeline.run_spec import RunSpec, held_out_set
from lstm_book.book.pipeline.tables import pct, table
from lstm_book.models import SequenceClassifier

EXPORT, LONG_EXPORT = "explorer/flagship.json", "explorer/frontier.json"
REPLACED = ("first", "second")  # which informative symbol a distractor replaces


@dataclass(frozen=True)
class Budget:
    sequences: int  # test sequences offered to the reader
    lengths: tuple[int, int]  # the length slider's range, inclusive
    length_n: int  # test sequences per length for the accuracy shown beside the slider
    n_test: int  # test sequences for the model's accuracy at its own length, and for the distractor test
    long_sequences: int  # held-out sequences of the frontier model offered to the reader (each T symbols)


BUDGET = Tiers(
    quick=Budget(sequences=8, lengths=(96, 104), length_n=32, n_test=64, long_sequences=2),
    full=Budget(sequences=8, lengths=(76, 124), length_n=500, n_test=1000, long_sequences=4),
)


def long_spec(setting: Setting) -> RunSpec:
    """The frontier's chrono run at its longest length (T = 1000 in the full budget), seed ``setting.seed``."""
    return frontier.spec(setting, CHRONO.key, frontier.BUDGET.of(setting).lengths[-1], setting.seed)


def specs(setting: Setting) -> list[RunSpec]:
    return [gates.model_spec(setting), long_spec(setting)]


def sequences(setting: Setting, spec: RunSpec):
    """The first test sequences of the gates page's set (its example is row ``example_index``)."""
    b = BUDGET.of(setting)
    return web_export.select(held_out_set(spec.seq_len, gates.BUDGET.of(setting).gate_n),
                             list(range(b.sequences)))


def long_sequences(setting: Setting, spec: RunSpec):
    """The first sequences of the frontier run's own held-out set."""
    return web_export.select(held_out_set(spec.seq_len, spec.n_test), list(range(BUDGET.of(setting).long_sequences)))


def model_meta(spec: RunSpec, accuracy: float, n: int) -> dict:
    """An export's provenance: the run, its initialisation and its accuracy on ``n`` held-out sequences."""
    return {"model": spec.name, "seed": spec.seed, "init": spec.init, "init_label": Init.of_spec(spec).label(spec.seq_len),
            "test_accuracy": accuracy, "test_sequences": n, "torch": torch.__version__}


@torch.no_grad()
def with_a_distractor(model: SequenceClassifier, data: tasks.TemporalOrder) -> dict:
    """Predictions when one informative symbol is replaced by a distractor, each of the four in turn.

    Returns, for ``"first"`` and ``"second"``, counts ``[true label][predicted label]`` over the
    ``len(data) × 4`` sequences, and for ``"both"`` (both replaced by the same distractor) the counts
    of each predicted label; ``"confidence"``: for each of the three, the mean probability the model
    gives its answer.
    """
    rows, K = torch.arange(len(data.labels)), tasks.TEMPORAL_ORDER_CLASSES

    def predict(which: list[int], d: int) -> tuple[torch.Tensor, float]:
        tokens = data.tokens.clone()
        for k in which:
            tokens[rows, data.positions[:, k]] = d
        p, answer = model(tokens).softmax(1).max(1)
        return answer, float(p.sum())

    out, confidence = {}, {}
    for name, which in (*((name, [k]) for k, name in enumerate(REPLACED)), ("both", [0, 1])):
        counts, total = torch.zeros(K * K, dtype=torch.long), 0.0
        for d in tasks.DISTRACTORS:
            answer, p = predict(which, d)
            counts += torch.bincount(data.labels * K + answer, minlength=K * K)
            total += p
        out[name] = counts.view(K, K).tolist() if name != "both" else counts.view(K, K).sum(0).tolist()
        confidence[name] = round(total / (len(rows) * len(tasks.DISTRACTORS)), 4)
    return {**out, "confidence": confidence}


def saliency(model: SequenceClassifier, tokens: torch.Tensor) -> torch.Tensor:
    """‖∂z/∂e_t‖ (N, T): the gradient of the predicted class's logit z with respect to the embedding
    e_t of every step, by autograd (the explorer's gradient view computes the same in JavaScript)."""
    e = model.embedding(tokens).detach().requires_grad_()
    output, _ = model.rnn(e)
    logits = model.head(output[:, -1])
    logits.gather(1, logits.argmax(1, keepdim=True)).sum().backward()
    return e.grad.norm(dim=2)


def saliency_ranks(model: SequenceClassifier, data: tasks.TemporalOrder) -> dict[str, list[int]]:
    """For X and for Y: how many informative steps of that symbol have rank r (0: the largest ‖∂z/∂e_t‖
    of their sequence) among the T steps, for r = 0 … T − 1."""
    s = saliency(model, data.tokens)
    ranks = (s[:, None, :] > s.gather(1, data.positions)[:, :, None]).sum(2)  # (N, 2)
    symbols = data.tokens.gather(1, data.positions)
    T = data.tokens.shape[1]
    return {tasks.TEMPORAL_ORDER_SYMBOLS[v]: torch.bincount(ranks[symbols == v], minlength=T).tolist()
            for v in (tasks.X, tasks.Y)}


def measure(setting: Setting, runs, results) -> dict:
    b, spec, long = BUDGET.of(setting), gates.model_spec(setting), long_spec(setting)
    model = runs.train(spec)[1]
    lo, hi = b.lengths
    lengths = {T: web_export.accuracy(model, held_out_set(T, b.length_n)) for T in range(lo, hi + 1)}
    test = held_out_set(spec.seq_len, b.n_test)
    meta = {**model_meta(spec, web_export.accuracy(model, test), b.n_test),
            "sequences_from": f"the gates page's {gates.BUDGET.of(setting).gate_n} test sequences "
                              f"at T = {spec.seq_len}, rows 0-{b.sequences - 1}",
            "length_accuracy_from": f"{b.length_n} test sequences at each length T"}
    long_meta = {**model_meta(long, web_export.accuracy(runs.train(long)[1], held_out_set(long.seq_len, long.n_test)),
                              long.n_test),
                 "sequences_from": f"the run's {long.n_test} held-out sequences at T = {long.seq_len}, "
                                   f"rows 0-{b.long_sequences - 1}"}
    return {"explorer": {"meta": meta, "length_accuracy": {str(T): round(a, 4) for T, a in lengths.items()},
                         "example_index": results["gates"]["example_index"], "seq_len": spec.seq_len,
                         "length_sequences": b.length_n,
                         "long_model": {"meta": long_meta, "seq_len": long.seq_len},
                         "distractor": {"sequences": b.n_test, "distractors": len(tasks.DISTRACTORS),
                                        **with_a_distractor(model, test)},
                         "saliency_ranks": saliency_ranks(model, test)}}


def exports(setting: Setting, runs, results) -> list[DataOutput]:
    spec, long, data = gates.model_spec(setting), long_spec(setting), results["explorer"]
    lengths = {int(T): a for T, a in data["length_accuracy"].items()}
    export = web_export.export_classifier(runs.train(spec)[1], sequences(setting, spec), data["meta"], lengths)
    long_meta = data["long_model"]["meta"]
    long_export = web_export.export_classifier(runs.train(long)[1], long_sequences(setting, long), long_meta,
                                               {long.seq_len: long_meta["test_accuracy"]})
    return [DataOutput(EXPORT, export, {"model": spec.config()}),
            DataOutput(LONG_EXPORT, long_export, {"model": long.config()})]


def solved_range(accuracy: dict[str, float], trained: int, bar: float = 0.99) -> tuple[int, int]:
    """The longest run of consecutive lengths around ``trained`` at which accuracy stays ≥ ``bar``."""
    lo = hi = trained
    while accuracy.get(str(lo - 1), 0.0) >= bar:
        lo -= 1
    while accuracy.get(str(hi + 1), 0.0) >= bar:
        hi += 1
    return lo, hi


def distractor_table(d: dict) -> str:
    """What the model answers, per true class, with its first or its second symbol replaced."""
    names = web_export.class_names()

    def answers(counts: list[int]) -> str:
        total = sum(counts)
        shares = sorted(((c / total, names[p]) for p, c in enumerate(counts) if c), reverse=True)
        return ", ".join(f"{name} {pct(share)}" for share, name in shares)

    rows = [(f"{name}", *(answers(d[which][label]) for which in REPLACED)) for label, name in enumerate(names)]
    return table(["true class", "first symbol replaced: the model answers", "second symbol replaced"], rows, "lll")


def distractor_summary(d: dict) -> str:
    """The rule behind the table, measured: a replaced X is read as a Y, a replaced Y changes nothing."""
    names, Y = web_export.class_names(), tasks.TEMPORAL_ORDER_SYMBOLS[tasks.Y]
    as_y = {"X": [0, 0], "Y": [0, 0]}  # replaced symbol → [answers as if it were a Y, all answers]
    for k, which in enumerate(REPLACED):
        for label, name in enumerate(names):
            read_as_y = names.index(name[:k] + Y + name[k + 1:])
            as_y[name[k]][0] += d[which][label][read_as_y]
            as_y[name[k]][1] += sum(d[which][label])
    both, c = d["both"], d["confidence"]
    top = max(range(len(both)), key=both.__getitem__)
    n = d["sequences"] * d["distractors"]
    return (f"Over {d['sequences']:,} test sequences, each with the symbol replaced by each of the "
            f"{d['distractors']} distractors in turn ({n:,} sequences per column): where the replaced symbol was an "
            f"X, the model answers as if it had been a Y in {pct(as_y['X'][0] / as_y['X'][1])} of cases; where it was "
            f"a Y, the answer stays the true class in {pct(as_y['Y'][0] / as_y['Y'][1])}. With both symbols replaced, "
            f"it answers {names[top]} in {pct(both[top] / sum(both))} of cases. The mean probability it gives its "
            f"answer: {pct(c['first'])} with the first symbol replaced, {pct(c['second'])} with the second, "
            f"{pct(c['both'])} with both.")


def saliency_summary(ranks: dict[str, list[int]], T: int) -> str:
    """Where the steps of X and of Y rank by ‖∂z/∂e_t‖ among the T steps of their sequences."""
    def median(counts: list[int]) -> int:
        half, seen = sum(counts) / 2, 0
        for r, c in enumerate(counts):
            seen += c
            if seen >= half:
                return r + 1
        raise ValueError("no ranks")

    x, y = ranks["X"], ranks["Y"]
    return (f"Over the same test sequences, the step of an X has the largest or the second largest "
            f"‖∂z/∂e_t‖ of its sequence in {pct(sum(x[:2]) / sum(x))} of cases ({sum(x):,} X steps); the step of "
            f"a Y is among the two largest in {pct(sum(y[:2]) / sum(y))} ({sum(y):,} Y steps), and its median place "
            f"is {median(y)} of {T}.")


def render(results: dict) -> list[Output]:
    e = results["explorer"]
    acc, trained = e["length_accuracy"], e["seq_len"]
    lengths = sorted(map(int, acc))
    lo, hi = solved_range(acc, trained)
    long = e["long_model"]
    return [
        Fragment("explorer_summary", (
            f"The explorer runs the seed-{e['meta']['seed']} flagship model ({pct(e['meta']['test_accuracy'])} on "
            f"{e['meta']['test_sequences']:,} held-out sequences at T = {trained}, the only length it was trained on). "
            f"Its length slider runs from T = {lengths[0]} to {lengths[-1]}; over that range the model's accuracy ranges "
            f"between {pct(min(acc.values()))} (at T = {min(acc, key=acc.get)}) and {pct(max(acc.values()))}, and it "
            f"stays at or above 99% from T = {lo} to "
            f"{hi} ({e['length_sequences']:,} test sequences per length).")),
        Fragment("explorer_long_model", (
            f"The second model is the [frontier](frontier.md)'s LSTM with {long['meta']['init_label']}, seed "
            f"{long['meta']['seed']}, trained at T = {long['seq_len']} only: it gets {pct(long['meta']['test_accuracy'])} "
            f"of its {long['meta']['test_sequences']:,} held-out sequences of that length right.")),
        Fragment("explorer_distractor", distractor_table(e["distractor"]) + "\n\n" + distractor_summary(e["distractor"])),
        Fragment("explorer_saliency", saliency_summary(e["saliency_ranks"], trained)),
    ]


EXPERIMENT = Experiment(name="explorer", default=True, specs=specs, measure=measure, render=render, exports=exports,
                        export_names=(EXPORT, LONG_EXPORT), budget=BUDGET)
