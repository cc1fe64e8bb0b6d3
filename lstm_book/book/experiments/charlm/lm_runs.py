"""The character model's training run: one :class:`LMSpec` per network, cached like every other run.

Its fields are the cache key; :meth:`LMSpec.fit` trains it with truncated BPTT (:mod:`lstm_book.tbptt`)
on the training files of :mod:`lstm_book.corpus`, scoring a slice of the validation files as it goes.
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from lstm_book import corpus, lm, tbptt, training
from lstm_book.book.pipeline.run_spec import CACHE_VERSION

LANES = 32  # held-out text is read in this many lanes, each from a zero state


@functools.lru_cache(maxsize=1)
def _texts() -> dict[str, str]:
    return corpus.load()


@dataclass(frozen=True)
class LMSpec:
    """Everything that determines one character-model run (its fields are its cache key)."""

    name: str
    cell: str
    steps: int
    eval_every: int
    snapshots: tuple[int, ...]
    hidden_size: int
    batch_size: int
    bptt: int
    train_chars: int | None
    val_chars: int
    seed: int = 0
    embed_dim: int = 32
    num_layers: int = 2
    lr: float = 2e-3
    lr_final: float = 2e-4
    clip: float | None = 1.0
    forget_bias: float | None = 1.0  # the LSTM's (Karpathy's char-rnn starts its forget gates at 1 too)

    def config(self) -> dict:
        config = {k: v for k, v in asdict(self).items() if k != "name"}
        if self.cell != "lstm":
            config["forget_bias"] = None
        return {"task": "charlm", "corpus_sha256": corpus.MANIFEST_SHA256, **config, "cache_version": CACHE_VERSION}

    def cache_file(self) -> str:
        return f"{self.name}-{training.config_hash(self.config())}.pt"

    def cost(self) -> float:
        return self.steps * self.bptt * self.batch_size * self.hidden_size**2 * (4 if self.cell == "lstm" else 1)

    def build(self) -> lm.CharLM:
        """The model with its seeded initial weights (the "untrained" model of the page)."""
        with training.seeded(self.seed):
            return lm.CharLM(corpus.VOCAB_SIZE, self.embed_dim, self.hidden_size, self.num_layers, self.cell,
                             self.forget_bias if self.cell == "lstm" else None)

    def train_config(self) -> tbptt.TBPTTConfig:
        return tbptt.TBPTTConfig(steps=self.steps, batch_size=self.batch_size, bptt=self.bptt, lr=self.lr,
                                 lr_final=self.lr_final, clip=self.clip, eval_every=self.eval_every,
                                 snapshots=self.snapshots)

    def fit(self, model: lm.CharLM, checkpoint: Path, device: torch.device, progress: bool,
            position: int | None = None) -> training.History:
        full = corpus.splits(_texts())
        val = full["validation"].ids[: self.val_chars]

        def evaluate(m):
            logp, hit = lm.score(m, val, LANES)
            ok = ~np.isnan(logp)
            return float(-logp[ok].mean()), float(hit[ok].mean())

        return tbptt.fit(model, full["train"].head(self.train_chars).ids, evaluate, self.train_config(), checkpoint,
                         progress, self.name, position, device)

    def record(self, history: training.History, model: lm.CharLM) -> None:
        return None  # reported in the charlm section


def parameters(cell: str, hidden_size: int, num_layers: int, embed_dim: int = 32) -> int:
    """Trainable parameters of a :class:`lstm_book.lm.CharLM` of this shape (embedding, recurrent layers, head)."""
    H, E, V, gates = hidden_size, embed_dim, corpus.VOCAB_SIZE, 4 if cell == "lstm" else 1
    recurrent = sum(gates * H * ((E if layer == 0 else H) + H + 2) for layer in range(num_layers))
    return V * E + recurrent + H * V + V


def matched_width(target: int, num_layers: int, embed_dim: int = 32) -> int:
    """The vanilla RNN's width whose parameter count is closest to ``target`` (an LSTM's, say)."""
    widths = range(1, 8192)
    return min(widths, key=lambda h: (abs(parameters("rnn", h, num_layers, embed_dim) - target), h))
