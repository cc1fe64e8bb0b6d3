"""Training and evaluation loops, per-epoch history, resumable checkpoints.

The loop is deliberately plain (nanoGPT's ``train.py`` is the model): shuffle, forward, loss, backward,
optional gradient clipping, step; evaluate on a held-out set after each epoch. What it adds is what a
book that quotes its numbers needs:

* **Seeded:** the model is built after ``torch.manual_seed(seed)`` (see :func:`seeded`) and batches are
  shuffled by a private ``torch.Generator``, so the same seed gives the same history on the same machine.
* **Resumable:** with ``checkpoint=path``, :func:`fit` saves model, optimiser, shuffle-generator state and
  history after every epoch (atomically: temp file + ``os.replace``) and, when started again, continues
  from the last finished epoch — or returns at once if the run is complete. Checkpoints are read with
  ``torch.load(weights_only=True)``: plain tensors and containers only, never pickled code.
* **Observable:** a tqdm progress bar per run showing epoch, loss, accuracy and the ETA.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import time
from collections.abc import Callable, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from . import matmul
from .files import atomic_path



# --8<-- [start:history]
@dataclass
class History:
    """Per-epoch metrics of one training run; accuracies are fractions in [0, 1].

    ``seconds`` is the wall time of each epoch (training plus evaluation).
    """

    epoch: list[int] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    train_acc: list[float] = field(default_factory=list)
    test_acc: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
# --8<-- [end:history]

    def append(self, epoch: int, train_loss: float, train_acc: float, test_acc: float, seconds: float) -> None:
        self.epoch.append(int(epoch))
        self.train_loss.append(float(train_loss))
        self.train_acc.append(float(train_acc))
        self.test_acc.append(float(test_acc))
        self.seconds.append(float(seconds))

    def __len__(self) -> int:
        return len(self.epoch)

    def to_dict(self) -> dict[str, list]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: Mapping[str, list]) -> History:
        return cls(**{k: [type_(v) for v in d[k]] for k, type_ in
                      (("epoch", int), ("train_loss", float), ("train_acc", float), ("test_acc", float), ("seconds", float))})

    def best_test_acc(self) -> float:
        return max(self.test_acc) if self.test_acc else float("nan")

    def first_epoch_reaching(self, threshold: float) -> int | None:
        """The first epoch whose test accuracy is ≥ ``threshold``, or None."""
        return next((e for e, a in zip(self.epoch, self.test_acc) if a >= threshold), None)


@dataclass(frozen=True)
class TrainConfig:
    """How to train: Adam with learning rate ``lr``, mini-batches of ``batch_size`` sequences,
    ``epochs`` passes over the training set, gradients clipped to global norm ``clip`` (None: no clipping).
    ``stop_at``: stop early once test accuracy reaches this value (None: always run every epoch).
    ``keep_snapshots``: also keep the weights after every epoch in the checkpoint (see :func:`snapshots`)."""

    epochs: int = 5
    batch_size: int = 64
    lr: float = 1e-3
    clip: float | None = 1.0
    seed: int = 0
    stop_at: float | None = None
    keep_snapshots: bool = False


def config_hash(config: Mapping) -> str:
    """A short, stable hash of a JSON-serialisable configuration (key order does not matter)."""
    blob = json.dumps(config, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


@contextmanager
def seeded(seed: int):
    """Seed torch's global RNG inside the block (e.g. around model construction), restoring it afterwards."""
    state = torch.get_rng_state()
    torch.manual_seed(seed)
    try:
        yield
    finally:
        torch.set_rng_state(state)


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """``"auto"`` → CUDA if available, else CPU."""
    if str(device) == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


# ----------------------------------------------------------------------------------------------
# Loss functions: (model, *batch) -> (loss, number correct, number counted)
# ----------------------------------------------------------------------------------------------

Batch = tuple[Tensor, ...]
LossFn = Callable[..., tuple[Tensor, int, int]]


def classification_loss(model: nn.Module, tokens: Tensor, labels: Tensor) -> tuple[Tensor, int, int]:
    """Cross-entropy of ``model(tokens)`` (``(B, C)`` logits) against ``labels``; counts correct argmaxes."""
    logits = model(tokens)
    loss = F.cross_entropy(logits, labels)
    return loss, int((logits.argmax(dim=1) == labels).sum()), labels.shape[0]


def seq2seq_loss(model: nn.Module, src: Tensor, tgt: Tensor) -> tuple[Tensor, int, int]:
    """Teacher-forced token cross-entropy of a :class:`lstm_book.Seq2Seq`, ignoring padding; counts correct tokens.

    ``tgt`` is ``(B, T)`` (targets ending in EOS, right-padded); the decoder input is
    ``model.shift_right(tgt)``, and padding is the model's own ``pad_id``.
    """
    logits = model(src, model.shift_right(tgt))
    loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tgt.reshape(-1), ignore_index=model.pad_id)
    mask = tgt != model.pad_id
    return loss, int(((logits.argmax(-1) == tgt) & mask).sum()), int(mask.sum())


@torch.no_grad()
def evaluate(model: nn.Module, tokens: Tensor, labels: Tensor, batch_size: int = 500) -> float:
    """Classification accuracy of ``model`` on ``(tokens, labels)``, in [0, 1] (model left in eval mode)."""
    model.eval()
    device = next(model.parameters()).device
    correct = 0
    for start in range(0, tokens.shape[0], batch_size):
        x = tokens[start : start + batch_size].to(device)
        y = labels[start : start + batch_size].to(device)
        correct += int((model(x).argmax(dim=1) == y).sum())
    return correct / max(1, tokens.shape[0])


# ----------------------------------------------------------------------------------------------
# Checkpoints
# ----------------------------------------------------------------------------------------------


def save_checkpoint(path: str | os.PathLike, state: dict) -> None:
    """``torch.save`` to a temp file beside ``path``, then ``os.replace``: never a half-written file."""
    with atomic_path(path) as tmp:
        torch.save(state, tmp)


def load_checkpoint(path: str | os.PathLike) -> dict:
    """Load a checkpoint written by :func:`save_checkpoint` with ``weights_only=True`` (on the CPU)."""
    return torch.load(path, map_location="cpu", weights_only=True)


def snapshots(path: str | os.PathLike) -> list[dict[str, Tensor]]:
    """The model's weights after each epoch (element ``k`` is after epoch ``k + 1``) from a checkpoint
    written by :func:`fit` with ``keep_snapshots=True``; the weights before training are the seeded
    initial ones, so they are rebuilt, not stored."""
    state = load_checkpoint(path)
    if "snapshots" not in state:
        raise ValueError(f"{path} holds no per-epoch snapshots: train with TrainConfig(keep_snapshots=True)")
    return state["snapshots"]


# ----------------------------------------------------------------------------------------------
# The loop
# ----------------------------------------------------------------------------------------------


# --8<-- [start:train_epoch]
def train_epoch(model: nn.Module, data: Batch, optimizer: torch.optim.Optimizer, loss_fn: LossFn, batch_size: int,
                clip: float | None, shuffle: torch.Generator, device: torch.device,
                on_batch: Callable[[float, float], None] | None = None) -> tuple[float, float]:
    """One pass over ``data`` in a random order; returns the mean loss and the accuracy on it.

    ``data`` holds tensors with the examples along dim 0; each mini-batch passes its slices to
    ``loss_fn(model, *batch) -> (loss, correct, counted)``. ``on_batch(loss, accuracy)`` sees the
    running means after every batch (for a progress bar).
    """
    model.train()
    order = torch.randperm(data[0].shape[0], generator=shuffle)  # a new order every epoch
    total_loss, correct, counted = 0.0, 0, 0
    for start in range(0, len(order), batch_size):
        batch = [t[order[start : start + batch_size]].to(device) for t in data]
        loss, n_correct, n_counted = loss_fn(model, *batch)  # forward and loss
        optimizer.zero_grad(set_to_none=True)
        loss.backward()  # backpropagation through time
        if clip is not None:
            nn.utils.clip_grad_norm_(model.parameters(), clip)  # bound the step after a gradient spike
        optimizer.step()
        total_loss, correct, counted = total_loss + float(loss.detach()) * n_counted, correct + n_correct, \
            counted + n_counted
        if on_batch is not None:
            on_batch(total_loss / counted, correct / counted)
    return total_loss / counted, correct / counted
# --8<-- [end:train_epoch]


def progress_bar(show: bool, **kwargs):
    """A tqdm bar, or a disabled one. ``tqdm.auto`` (a widget in Jupyter) is imported only for a bar that is
    shown: without ipywidgets it warns at import, and ``progress=False`` should be silent in any notebook."""
    if not show:
        from tqdm import tqdm

        return tqdm(disable=True, **kwargs)
    from tqdm.auto import tqdm

    return tqdm(**kwargs)


def fit(
    model: nn.Module,
    train_data: Batch | Callable[[int], Batch],
    evaluate_fn: Callable[[nn.Module], float],
    config: TrainConfig,
    loss_fn: LossFn = classification_loss,
    checkpoint: str | os.PathLike | None = None,
    progress: bool = True,
    desc: str = "train",
    device: str | torch.device = "auto",
    position: int | None = None,
) -> History:
    """Train ``model`` on ``train_data`` for ``config.epochs`` epochs and return its :class:`History`.

    Args:
        model: built by the caller (under ``seeded(seed)`` for reproducible initial weights).
        train_data: tensors with the examples along dim 0, e.g. ``(tokens (N, T), labels (N,))``; each
            mini-batch passes its slices to ``loss_fn(model, *batch)``. Or a function ``epoch -> tensors``
            (epochs count from 1) for fresh examples every epoch; it must return the same data for the same
            epoch, so that a resumed run sees what an uninterrupted one would.
        evaluate_fn: ``model -> test accuracy`` in [0, 1], called after every epoch.
        config: optimiser and schedule (:class:`TrainConfig`).
        checkpoint: file to save after every epoch and to resume from (see the module docstring).
        progress: show a tqdm bar (epoch, loss, accuracy, ETA).
        device: ``"auto"``, ``"cpu"``, ``"cuda"`` or a ``torch.device``.
        position: terminal row of the progress bar (for several runs in parallel processes).
    """
    device = resolve_device(device)
    model.to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    shuffle = torch.Generator().manual_seed(config.seed)
    history = History()
    kept: list[dict[str, Tensor]] = []
    if config.keep_snapshots and checkpoint is None:
        raise ValueError("fit: keep_snapshots=True needs a checkpoint file to keep them in")
    if checkpoint is not None and Path(checkpoint).exists():
        state = load_checkpoint(checkpoint)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        shuffle.set_state(state["shuffle"])
        history = History.from_dict(state["history"])
        kept = state.get("snapshots", [])
        if state.get("complete"):
            model.eval()
            return history

    data_for = train_data if callable(train_data) else (lambda epoch: train_data)
    done = len(history)
    data = data_for(done + 1)
    batches = math.ceil(data[0].shape[0] / config.batch_size)
    bar = progress_bar(progress, total=config.epochs * batches, initial=done * batches, desc=desc, unit="batch",
                       leave=False, dynamic_ncols=True, mininterval=0.5, position=position)
    try:
        for epoch in range(done + 1, config.epochs + 1):
            start = time.perf_counter()
            data = data if epoch == done + 1 else data_for(epoch)

            def on_batch(loss: float, acc: float, epoch: int = epoch) -> None:
                bar.update(1)
                bar.set_postfix(epoch=f"{epoch}/{config.epochs}", loss=f"{loss:.3f}", acc=f"{acc:.3f}", refresh=False)

            train_loss, train_acc = train_epoch(model, data, optimizer, loss_fn, config.batch_size, config.clip,
                                                shuffle, device, on_batch)
            test_acc = evaluate_fn(model)
            history.append(epoch, train_loss, train_acc, test_acc, time.perf_counter() - start)
            bar.set_postfix(epoch=f"{epoch}/{config.epochs}", loss=f"{train_loss:.3f}", acc=f"{train_acc:.3f}",
                            test=f"{test_acc:.3f}")
            finished = epoch == config.epochs or (config.stop_at is not None and test_acc >= config.stop_at)
            if checkpoint is not None:
                weights = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
                state = {"model": weights, "optimizer": optimizer.state_dict(), "shuffle": shuffle.get_state(),
                         "history": history.to_dict(), "complete": finished, "provenance": matmul.provenance()}
                if config.keep_snapshots:
                    kept.append(weights)
                    state["snapshots"] = kept
                save_checkpoint(checkpoint, state)
            if finished:
                break
    finally:
        bar.close()
    model.eval()
    return history
