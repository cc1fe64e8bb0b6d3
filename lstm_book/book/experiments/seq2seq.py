"""The encoder–decoder of Part 2, trained on digit reversal: teacher forcing in training, greedy decoding to test."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from lstm_book import training
from lstm_book.models import Seq2Seq, exact_match
from lstm_book.params import count_parameters
from lstm_book.tasks import BOS, DIGIT_OFFSET, DIGIT_VOCAB_SIZE, EOS, PAD, DigitStrings, digit_reversal
from lstm_book.book.pipeline.interface import Experiment, FigureOutput, Fragment, Output, Setting, Tiers
from lstm_book.book.pipeline.tables import pct, table
from lstm_book.book.pipeline.run_spec import CACHE_VERSION
from lstm_book.book.pipeline.seeds import held_out_seed, training_seed
from lstm_book.book.figures import LSTM_COLOUR, book_style, legend_below, new_figure
from matplotlib.ticker import MaxNLocator
from matplotlib.figure import Figure
import numpy as np
from collections.abc import Mapping, Sequence

EXAMPLES = 8  # held-out strings decoded on the page
# Part 2's test (tests/library/test_models.py) holds a smaller recipe to a bar; the pages set it beside this run.
TEST_RECIPE = {"min_len": 1, "max_len": 6, "n_train": 20_000, "n_test": 1000, "steps": 500, "batch_size": 64,
               "max_lr": 1e-2, "embed_dim": 32, "hidden_size": 128, "bar": 0.99}


@dataclass(frozen=True)
class Budget:
    n_train: int
    n_test: int
    epochs: int


BUDGET = Tiers(
    quick=Budget(n_train=128, n_test=32, epochs=2),
    full=Budget(n_train=10000, n_test=500, epochs=6),
)


@dataclass(frozen=True)
class Seq2SeqSpec:
    """Everything that determines the encoder–decoder's training run (its fields are its cache key)."""

    n_train: int
    n_test: int
    epochs: int
    seed: int = 0
    min_len: int = 3
    max_len: int = 8
    embed_dim: int = 32
    hidden_size: int = 128
    num_layers: int = 1
    forget_bias: float | None = 1.0
    batch_size: int = 64
    lr: float = 3e-3
    clip: float | None = 1.0
    name: str = "seq2seq"

    def config(self) -> dict:
        config = {k: v for k, v in asdict(self).items() if k != "name"}
        return {"task": "digit_reversal", **config, "cache_version": CACHE_VERSION}

    def cache_file(self) -> str:
        return f"seq2seq-{training.config_hash(self.config())}.pt"

    def cost(self) -> float:
        return self.n_train * self.epochs * self.max_len * 8

    def held_out_set(self) -> DigitStrings:
        return digit_reversal(self.n_test, self.min_len, self.max_len, seed=held_out_seed())

    def build(self) -> Seq2Seq:
        with training.seeded(self.seed):
            return Seq2Seq(DIGIT_VOCAB_SIZE, DIGIT_VOCAB_SIZE, self.embed_dim, self.hidden_size, self.num_layers,
                           pad_id=PAD, bos_id=BOS, eos_id=EOS, forget_bias=self.forget_bias)

    def fit(self, model: Seq2Seq, checkpoint: Path, device: torch.device, progress: bool,
            position: int | None = None) -> training.History:
        train = digit_reversal(self.n_train, self.min_len, self.max_len, seed=training_seed(self.seed))
        test = self.held_out_set()

        def evaluate(m):  # exact match under greedy decoding: no teacher forcing
            m.eval()
            with torch.no_grad():
                pred = m.greedy_decode(test.src.to(device), max_len=self.max_len + 1).cpu()
            return float(exact_match(pred, test.tgt, pad_id=PAD).float().mean())

        config = training.TrainConfig(epochs=self.epochs, batch_size=self.batch_size, lr=self.lr, clip=self.clip,
                                      seed=self.seed)
        return training.fit(model, (train.src, train.tgt), evaluate, config, loss_fn=training.seq2seq_loss,
                            checkpoint=checkpoint, progress=progress, desc=self.name, device=device, position=position)

    def record(self, history: training.History, model: Seq2Seq) -> None:
        return None  # reported in its own section, not among the classifier runs


def model_spec(setting: Setting) -> Seq2SeqSpec:
    b = BUDGET.of(setting)
    return Seq2SeqSpec(n_train=b.n_train, n_test=b.n_test, epochs=b.epochs, seed=setting.seed)


def specs(setting: Setting) -> list[Seq2SeqSpec]:
    return [model_spec(setting)]


def digits(row) -> str:
    return "".join(str(int(t) - DIGIT_OFFSET) for t in row if int(t) >= DIGIT_OFFSET)


def measure(setting: Setting, runs, results) -> dict:
    spec = model_spec(setting)
    history, model = runs.train(spec)
    test = spec.held_out_set()
    with torch.no_grad():
        pred = model.greedy_decode(test.src[:EXAMPLES], max_len=spec.max_len + 1)
    ok = exact_match(pred, test.tgt[:EXAMPLES], pad_id=PAD)
    examples = [{"input": digits(test.src[i]), "target": digits(test.tgt[i]), "decoded": digits(pred[i]),
                 "exact": bool(ok[i])} for i in range(pred.shape[0])]
    print(f"   seq2seq: exact match {history.test_acc[-1]:.3f} after {len(history)} epochs", flush=True)
    return {"seq2seq": {"config": spec.config(), "history": history.to_dict(), "params": count_parameters(model),
                        "examples": examples}}


def render(results: dict) -> list[Output]:
    s = results["seq2seq"]
    cfg, history, counts = s["config"], s["history"], s["params"]
    rows = [(f"`{e['input']}`", f"`{e['target']}`", f"`{e['decoded']}`", "✓" if e["exact"] else "✗")
            for e in s["examples"]]
    summary = (f"After {len(history['epoch'])} epochs over {cfg['n_train']:,} strings of {cfg['min_len']}–"
               f"{cfg['max_len']} digits, the encoder–decoder ({counts['total']:,} parameters, one "
               f"{cfg['hidden_size']}-unit LSTM layer each) reverses {pct(history['test_acc'][-1])} of "
               f"{cfg['n_test']:,} held-out strings exactly (greedy decoding, no teacher forcing); teacher-forced "
               f"token accuracy on the training set was {pct(history['train_acc'][-1])} in the last epoch.")
    t = TEST_RECIPE
    compare = table(["", "Part 2's test", "Part 3's run"], [
        ("strings", f"{t['min_len']}–{t['max_len']} digits", f"{cfg['min_len']}–{cfg['max_len']} digits"),
        ("training strings", f"{t['n_train']:,}", f"{cfg['n_train']:,}"),
        ("schedule", f"{t['steps']} batches of {t['batch_size']}, one-cycle learning rate up to {t['max_lr']:g}",
         f"{len(history['epoch'])} epochs in batches of {cfg['batch_size']}, Adam at {cfg['lr']:g}"),
        ("model", f"one {t['hidden_size']}-unit LSTM layer each", f"{cfg['num_layers']} {cfg['hidden_size']}-unit "
                                                                   f"LSTM layer(s) each"),
        ("held-out strings reversed exactly", f"at least {pct(t['bar'])} (the test's bar)",
         f"{pct(history['test_acc'][-1])} (measured)"),
    ], "lll")
    return [
        FigureOutput("seq2seq_curve.svg", seq2seq_curve(history), cfg),
        Fragment("seq2seq_compare", compare),
        Fragment("seq2seq_examples", table(["input", "reversed (target)", "decoded greedily", "exact"], rows, "lllc")),
        Fragment("seq2seq_summary", summary),
    ]

# ----- its figure ---------------------------------------------------------------------------


def seq2seq_curve(history: Mapping[str, Sequence[float]]) -> Figure:
    """Seq2Seq training loss (left axis) and exact-match / token accuracy on held-out strings per epoch."""
    with book_style():
        fig, ax = new_figure(height=3.4)
        epochs = history["epoch"]
        ax.plot(epochs, 100 * np.asarray(history["test_acc"]), color=LSTM_COLOUR, marker="o", markersize=3,
                label="held-out strings reversed exactly")
        ax.plot(epochs, 100 * np.asarray(history["train_acc"]), color=LSTM_COLOUR, linestyle="--", linewidth=1.0,
                label="train tokens correct (teacher forcing)")
        ax.set_ylim(0, 103)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("epoch")
        ax.set_ylabel("accuracy (%)")
        ax2 = ax.twinx()
        ax2.plot(epochs, history["train_loss"], color=LSTM_COLOUR, linestyle=":", label="train loss (right axis)")
        ax2.set_ylabel("cross-entropy (nats)")
        ax2.grid(False)
        ax2.spines["right"].set_visible(True)
        lines = ax.get_legend_handles_labels()
        lines2 = ax2.get_legend_handles_labels()
        legend_below(ax, ncols=1, handles=lines[0] + lines2[0], labels=lines[1] + lines2[1])
    return fig



EXPERIMENT = Experiment(name="seq2seq", default=True, specs=specs, measure=measure, render=render, budget=BUDGET)
