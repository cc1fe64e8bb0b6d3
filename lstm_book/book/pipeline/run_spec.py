"""Training runs as values: a spec says everything that determines one run, and how to train it.

A spec is cached under ``<out>/.cache/<cache_file>`` by a hash of its configuration (see
:mod:`lstm_book.book.pipeline.cache`), so its fields and their defaults are part of the cache key:
changing one retrains every run that uses it. :class:`RunSpec` is a temporal-order classifier, the
book's workhorse; other experiments define their own spec classes with the same methods.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from lstm_book import training
from lstm_book.models import SequenceClassifier
from lstm_book.params import count_parameters
from lstm_book.tasks import TEMPORAL_ORDER_CLASSES, TEMPORAL_ORDER_VOCAB_SIZE, TemporalOrder, temporal_order
from lstm_book.book.pipeline.seeds import held_out_seed, training_seed

CACHE_VERSION = 1  # bump when the meaning of a cached run changes


def held_out_set(seq_len: int, n: int) -> TemporalOrder:
    """The held-out temporal-order sequences of length ``seq_len`` (the first ``n`` of a fixed seed)."""
    return temporal_order(n, seq_len=seq_len, seed=held_out_seed(seq_len))


@dataclass(frozen=True)
class RunSpec:
    """Everything that determines one training run of a temporal-order classifier."""

    name: str
    group: str
    cell: str = "lstm"  # "lstm", "gru" or "rnn"
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

    def cache_file(self) -> str:
        return f"{self.name}-{training.config_hash(self.config())}.pt"

    def cost(self) -> float:
        """Relative training time, for scheduling the most expensive runs first."""
        return self.seq_len * self.n_train * self.epochs * {"lstm": 4, "gru": 3}.get(self.cell, 1)

    def build(self) -> SequenceClassifier:
        """The model, with initial weights fixed by ``seed`` (the weights "at epoch 0")."""
        V, K = TEMPORAL_ORDER_VOCAB_SIZE, TEMPORAL_ORDER_CLASSES
        with training.seeded(self.seed):
            if self.cell == "rnn":
                return SequenceClassifier(V, self.embed_dim, self.hidden_size, K, self.num_layers, cell="rnn")
            if self.init == "chrono":
                return SequenceClassifier(V, self.embed_dim, self.hidden_size, K, self.num_layers, cell=self.cell,
                                          init="chrono", t_max=self.seq_len)
            if self.cell == "gru":
                return SequenceClassifier(V, self.embed_dim, self.hidden_size, K, self.num_layers, cell="gru")
            return SequenceClassifier(V, self.embed_dim, self.hidden_size, K, self.num_layers, cell="lstm",
                                      forget_bias=self.forget_bias)

    def fit(self, model: SequenceClassifier, checkpoint: Path, device: torch.device, progress: bool,
            position: int | None = None) -> training.History:
        """Train ``model`` (or resume, or load a finished run) into ``checkpoint``."""
        test = held_out_set(self.seq_len, self.n_test)

        def train_data(epoch: int):
            seed = training_seed(self.seed, epoch if self.fresh_data else None)
            train = temporal_order(self.n_train, seq_len=self.seq_len, seed=seed)
            return train.tokens, train.labels

        def evaluate(m):
            return training.evaluate(m, test.tokens, test.labels)

        config = training.TrainConfig(epochs=self.epochs, batch_size=self.batch_size, lr=self.lr, clip=self.clip,
                                      seed=self.seed, stop_at=self.stop_at, keep_snapshots=self.snapshots)
        return training.fit(model, train_data if self.fresh_data else train_data(0), evaluate, config,
                            checkpoint=checkpoint, progress=progress, desc=self.name, device=device,
                            position=position)

    def record(self, history: training.History, model: SequenceClassifier) -> dict:
        """The run's entry in ``results.json``'s ``runs``."""
        return {
            "name": self.name,
            "group": self.group,
            "cell": self.cell,
            "seed": self.seed,
            "forget_bias": self.forget_bias if self.cell == "lstm" and self.init != "chrono" else None,
            "init": self.init if self.cell != "rnn" else None,
            "seq_len": self.seq_len,
            "params": count_parameters(model)["total"],
            "flagship": self.group == "flagship",
            "config": self.config(),
            "history": history.to_dict(),
        }
