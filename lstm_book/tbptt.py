"""Truncated backpropagation through time: training a language model on one long text, chunk by chunk.

The training text is cut into ``B`` contiguous lanes (Karpathy's char-rnn and PyTorch's
word_language_model example do the same), and each lane is read ``bptt`` characters at a time.
Every update starts from the state the previous chunk ended in — so the forward pass carries
information across chunk boundaries as far as the cell can hold it — but that state is
*detached* first: the backward pass stops at the chunk's first step, so each update costs
``bptt`` steps of BPTT however long the text. After the last chunk of a lane, a new pass over the
text starts from a zero state.

:func:`fit` runs the loop with what the book's runs need: a cosine learning-rate schedule, clipping,
a validation score every ``eval_every`` steps, kept weights at chosen steps, a progress bar, and a
checkpoint after every evaluation from which an interrupted run resumes exactly (the carried state
included).
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from . import matmul
from .lm import LOG2E
from .training import History, load_checkpoint, progress_bar, save_checkpoint


@dataclass(frozen=True)
class TBPTTConfig:
    """How to train: ``steps`` updates on chunks of ``bptt`` characters in ``batch_size`` lanes, Adam
    with a learning rate falling from ``lr`` to ``lr_final`` along a half cosine, gradients clipped to
    global norm ``clip``; a validation score every ``eval_every`` steps, the weights kept after each
    step in ``snapshots``."""

    steps: int
    batch_size: int = 64
    bptt: int = 128
    lr: float = 2e-3
    lr_final: float = 2e-4
    clip: float | None = 1.0
    eval_every: int = 250
    snapshots: tuple[int, ...] = ()

    def learning_rate(self, step: int) -> float:
        """The learning rate of update ``step`` (0-based)."""
        return self.lr_final + 0.5 * (self.lr - self.lr_final) * (1 + math.cos(math.pi * step / self.steps))


def batchify(ids: np.ndarray, batch_size: int) -> Tensor:
    """``B`` contiguous lanes of the text, side by side: ``(N // B, B)`` int64 (the last ``N mod B`` dropped)."""
    n = len(ids) // batch_size
    if n < 2:
        raise ValueError(f"batchify: {len(ids)} characters cannot fill {batch_size} lanes of at least 2")
    return torch.from_numpy(ids[: n * batch_size].astype(np.int64)).view(batch_size, n).t().contiguous()


# --8<-- [start:tbptt]
def detach(state):
    """The carried state as plain values: the same numbers, cut from the graph of the chunk that made them."""
    return tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()


def train_chunk(model: nn.Module, optimizer: torch.optim.Optimizer, x: Tensor, y: Tensor, state,
                clip: float | None):
    """One update of truncated BPTT. ``x``, ``y``: ``(bptt, B)`` characters and the ones that follow them.

    The forward pass starts from ``state``, the previous chunk's final state (``None``: zeros). The
    backward pass runs through this chunk's ``bptt`` steps only, because ``state`` was detached: no
    gradient flows into the previous chunk. Returns the loss (nats per character), the number of
    characters predicted right, and the final state, detached, for the next chunk.
    """
    logits, state = model(x, state)  # (bptt, B, V): the state carries the text read so far
    loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
    optimizer.zero_grad(set_to_none=True)
    loss.backward()  # Eqs. (13)-(16) over this chunk; δh, δc from beyond it are zero
    if clip is not None:
        nn.utils.clip_grad_norm_(model.parameters(), clip)
    optimizer.step()
    correct = int((logits.argmax(-1) == y).sum())
    return loss.detach(), correct, detach(state)  # values go on to the next chunk; the graph does not
# --8<-- [end:tbptt]


def chunk_at(data: Tensor, step: int, bptt: int) -> tuple[Tensor, Tensor, bool]:
    """The inputs and targets of update ``step`` (0-based), and whether it starts a pass (zero state)."""
    per_pass = (data.shape[0] - 1) // bptt
    if per_pass < 1:
        raise ValueError(f"chunk_at: lanes of {data.shape[0]} characters are too short for chunks of {bptt}")
    j = step % per_pass
    return data[j * bptt : (j + 1) * bptt], data[j * bptt + 1 : (j + 1) * bptt + 1], j == 0


def fit(model: nn.Module, train_ids: np.ndarray, evaluate_fn: Callable[[nn.Module], tuple[float, float]],
        config: TBPTTConfig, checkpoint: str | os.PathLike, progress: bool = True, desc: str = "tbptt",
        position: int | None = None, device: str | torch.device = "cpu") -> History:
    """Train ``model`` (a :class:`lstm_book.lm.CharLM`) with truncated BPTT; resumable from ``checkpoint``.

    ``evaluate_fn(model) -> (bits per character, accuracy)`` on held-out text, called every
    ``eval_every`` steps and after the last (the model is on ``device``). Returns a
    :class:`lstm_book.training.History` with one row per evaluation: ``train_loss`` is the training
    bits per character since the previous row, ``train_acc`` and ``test_acc`` the training and
    held-out next-character accuracy; the checkpoint's ``history`` also holds each row's ``step``,
    held-out ``val_bpc`` and learning rate ``lr``.
    """
    data = batchify(train_ids, config.batch_size).to(device)
    model.to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    history = {k: [] for k in ("epoch", "train_loss", "train_acc", "test_acc", "seconds", "step", "val_bpc", "lr")}
    step, state, kept = 0, None, {}
    if Path(checkpoint).exists():
        saved = load_checkpoint(checkpoint)
        model.load_state_dict(saved["model"])
        optimizer.load_state_dict(saved["optimizer"])
        step, history, kept = saved["step"], saved["history"], saved["snapshots"]
        state = tuple(s.to(device) for s in saved["state"]) if saved["state"] is not None else None
        if model.cell == "rnn" and state is not None:
            state = state[0]
        if saved["complete"]:
            model.eval()
            return History.from_dict(history)
    bar = progress_bar(progress, total=config.steps, initial=step, desc=desc, unit="step", leave=False,
                       dynamic_ncols=True, mininterval=0.5, position=position)
    try:
        while step < config.steps:
            model.train()
            start, loss_sum, correct, seen = time.perf_counter(), 0.0, 0, 0
            end = min(config.steps, (step // config.eval_every + 1) * config.eval_every)
            while step < end:
                for group in optimizer.param_groups:
                    group["lr"] = config.learning_rate(step)
                x, y, fresh = chunk_at(data, step, config.bptt)
                loss, n_right, state = train_chunk(model, optimizer, x, y, None if fresh else state, config.clip)
                loss_sum, correct, seen = loss_sum + float(loss) * y.numel(), correct + n_right, seen + y.numel()
                step += 1
                if step in config.snapshots:
                    kept[step] = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
                bar.update(1)
                bar.set_postfix(bpc=f"{loss_sum / seen * LOG2E:.3f}", refresh=False)
            val_bpc, val_acc = evaluate_fn(model)
            row = {"epoch": len(history["epoch"]) + 1, "train_loss": loss_sum / seen * LOG2E, "train_acc": correct / seen,
                   "test_acc": val_acc, "seconds": time.perf_counter() - start, "step": step, "val_bpc": val_bpc,
                   "lr": config.learning_rate(step - 1)}
            for k, v in row.items():
                history[k].append(v)
            bar.set_postfix(bpc=f"{row['train_loss']:.3f}", val=f"{val_bpc:.3f}")
            states = state if isinstance(state, tuple) or state is None else (state,)
            carried = None if states is None else [s.detach().cpu().clone() for s in states]
            save_checkpoint(checkpoint, {"model": {k: v.detach().cpu().clone() for k, v in model.state_dict().items()},
                                         "optimizer": optimizer.state_dict(), "step": step, "state": carried,
                                         "history": history, "snapshots": kept, "complete": step >= config.steps,
                                         "provenance": matmul.provenance()})
    finally:
        bar.close()
    model.eval()
    return History.from_dict(history)


def snapshot(checkpoint: str | os.PathLike, step: int) -> dict[str, Tensor]:
    """The weights a run kept after update ``step`` (see ``TBPTTConfig.snapshots``)."""
    kept = load_checkpoint(checkpoint)["snapshots"]
    if step not in kept:
        raise ValueError(f"{checkpoint} kept no weights after step {step}; it kept steps {sorted(kept)}")
    return kept[step]
