"""Packed sequences: the bookkeeping behind ``torch.nn.utils.rnn.PackedSequence``.

A batch of sequences of different lengths, sorted longest first, is stored time-major without any
padding: ``data`` holds the rows of step 0 (one per sequence), then the rows of step 1 (one per
sequence that is still running), and so on. ``batch_sizes[t]`` counts the sequences that have a
step ``t``, so **step t works on the first batch_sizes[t] rows of the batch**, and those rows are
``data[offset_t : offset_t + batch_sizes[t]]`` with ``offset_t = batch_sizes[0] + … + batch_sizes[t−1]``.

Row ``b`` of the batch (in sorted order) is sequence ``sorted_indices[b]`` of the caller's batch;
``unsorted_indices`` is the inverse permutation. Both are ``None`` for a batch packed with
``enforce_sorted=True``.

The functions here turn ``batch_sizes`` (a list of ints) into row indices of ``data``: each
sequence's last row (where ``h_n`` is read), the previous row of the same sequence (where
``h_{t−1}`` is), and the permutation that reverses every sequence in place (how the hand-written
layers run the reverse direction).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import torch
from torch import Tensor
from torch.nn.utils.rnn import PackedSequence, pack_sequence


@dataclass(frozen=True)
class StepLayout:
    """Where a layer's steps live in its buffers: step ``t`` owns ``sizes[t]`` consecutive rows.

    Without packing every step has all ``batch`` rows and a buffer is shaped ``(T, B, ·)``; packed,
    step ``t`` has ``batch_sizes[t]`` rows and a buffer is ``(N, ·)`` with ``N = Σ_t sizes[t]``.
    The hand-written backward passes of the LSTM and the GRU share it.
    """

    sizes: tuple[int, ...]
    batch: int
    packed: bool

    @classmethod
    def of(cls, x: Tensor, batch_sizes: list[int] | None, batch: int) -> StepLayout:
        """The layout of ``x``: ``(T, B, ·)``, or packed rows with their ``batch_sizes``."""
        if batch_sizes is None:
            return cls((batch,) * x.shape[0], batch, False)
        return cls(tuple(int(n) for n in batch_sizes), batch, True)

    @property
    def T(self) -> int:
        return len(self.sizes)

    @property
    def N(self) -> int:
        return sum(self.sizes)

    @cached_property
    def offsets(self) -> list[int]:
        """``offsets[t]``: the first row of step ``t``; ``offsets[T] = N``."""
        out = [0]
        for n in self.sizes:
            out.append(out[-1] + n)
        return out

    def shape(self, *inner: int) -> tuple[int, ...]:
        """The shape of a buffer with one row block per step and ``inner`` trailing sizes."""
        return (self.N, *inner) if self.packed else (self.T, self.batch, *inner)

    def rows(self, x: Tensor, t0: int, t1: int) -> Tensor:
        """The rows of steps ``t0 … t1 − 1`` of ``x`` as one ``(rows, ·)`` matrix."""
        return x[self.offsets[t0] : self.offsets[t1]] if self.packed else x[t0:t1].reshape((t1 - t0) * self.batch, -1)


def lengths(batch_sizes: list[int]) -> Tensor:
    """``(B,)`` the length of every sequence, in sorted order (longest first)."""
    steps = torch.tensor(batch_sizes)
    return (steps.unsqueeze(0) > torch.arange(batch_sizes[0]).unsqueeze(1)).sum(dim=1)


def row_grid(batch_sizes: list[int]) -> Tensor:
    """``(T, B)``: the row of ``data`` that holds step ``t`` of sequence ``b``, or −1 where it has ended."""
    T, B = len(batch_sizes), batch_sizes[0]
    steps = torch.tensor(batch_sizes)
    offsets = torch.cumsum(steps, 0) - steps
    grid = offsets.unsqueeze(1) + torch.arange(B).unsqueeze(0)
    return grid.masked_fill(torch.arange(B).unsqueeze(0) >= steps.unsqueeze(1), -1).view(T, B)


def last_rows(batch_sizes: list[int], device=None) -> Tensor:
    """``(B,)``: the row of each sequence's last step — where its ``h_n`` (and ``c_n``) is read."""
    grid = row_grid(batch_sizes)
    return grid[lengths(batch_sizes) - 1, torch.arange(batch_sizes[0])].to(device)


def previous_rows(batch_sizes: list[int], device=None) -> Tensor:
    """``(N − B,)``: for every row of steps 1, 2, …, in order, the row of the same sequence one step earlier."""
    grid = row_grid(batch_sizes)
    return grid[:-1][grid[1:] >= 0].to(device)


def reversed_rows(batch_sizes: list[int], device=None) -> Tensor:
    """``(N,)``: the permutation of ``data`` rows that reverses every sequence in place.

    Step ``t`` of sequence ``b`` trades places with its step ``len_b − 1 − t``, so ``data[rows]`` is the
    packed batch of the reversed sequences (same ``batch_sizes``). Applying it twice is the identity.
    """
    grid, n = row_grid(batch_sizes), lengths(batch_sizes)
    t = torch.arange(len(batch_sizes)).unsqueeze(1)
    mirrored = grid.gather(0, (n.unsqueeze(0) - 1 - t).clamp(min=0))
    return mirrored[grid >= 0].to(device)


def sorted_order(x: PackedSequence, states: list[Tensor]) -> list[Tensor]:
    """The caller's initial states ``(L·D, B, ·)``, rows put in the packed (sorted) order, as torch does."""
    if x.sorted_indices is None:
        return states
    return [s.index_select(1, x.sorted_indices) for s in states]


def caller_order(x: PackedSequence, states: tuple[Tensor, ...]) -> tuple[Tensor, ...]:
    """Final states back in the caller's batch order (``unsorted_indices``), as torch does."""
    if x.unsorted_indices is None:
        return states
    return tuple(s.index_select(1, x.unsorted_indices) for s in states)


# --8<-- [start:batch_sizes_table]
def batch_sizes_table(seq_lengths: list[int]) -> str:
    """A Markdown table of what ``pack_sequence`` makes of sequences of the given lengths.

    The sequences are named a, b, c, … in the given order, and step ``t`` of sequence ``a`` holds
    the value ``a_t``; the table lists, per step, ``batch_sizes[t]``, the rows of ``data`` that hold
    that step and whose values they are, all read from a real ``PackedSequence``; a sentence below
    says where each direction's ``h_n`` is read.
    """
    names = [chr(ord("a") + k) for k in range(len(seq_lengths))]
    seqs = [torch.arange(n).unsqueeze(1) + 100 * k for k, n in enumerate(seq_lengths)]  # value 100 k + t
    packed = pack_sequence(seqs, enforce_sorted=False)
    values, offset = packed.data.squeeze(1).tolist(), 0
    lines = ["| step t | `batch_sizes[t]` | rows of `data` | values in those rows |", "|---:|---:|---|---|"]
    for t, n in enumerate(packed.batch_sizes.tolist()):
        rows = f"{offset}" if n == 1 else f"{offset}–{offset + n - 1}"
        cells = ", ".join(f"{names[v // 100]}<sub>{v % 100}</sub>" for v in values[offset : offset + n])
        lines.append(f"| {t} | {n} | {rows} | {cells} |")
        offset += n
    order = ", ".join(names[k] for k in packed.sorted_indices.tolist())
    last = ", ".join(str(r) for r in last_rows(packed.batch_sizes.tolist()).tolist())
    lines += ["", f"Sorted longest first: {order} (`sorted_indices` = {packed.sorted_indices.tolist()}). "
              f"The forward direction's `h_n` is read at rows {last}, each sequence's last step; the reverse "
              f"direction's at rows 0–{len(seq_lengths) - 1}, step 0, where it finishes."]
    return "\n".join(lines) + "\n"
# --8<-- [end:batch_sizes_table]
