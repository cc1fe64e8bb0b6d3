"""A solution of exercises/pack.py: a packed batch by hand."""

from __future__ import annotations

import torch
from torch import Tensor


# --8<-- [start:pack_sequences]
def pack_sequences(seqs: list[Tensor]) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    lengths = torch.tensor([len(s) for s in seqs])
    sorted_indices = torch.sort(lengths, descending=True, stable=True).indices  # longest first
    unsorted_indices = torch.empty_like(sorted_indices)
    unsorted_indices[sorted_indices] = torch.arange(len(seqs))  # the inverse permutation
    order = [seqs[b] for b in sorted_indices]
    batch_sizes = torch.tensor([sum(len(s) > t for s in order) for t in range(len(order[0]))])
    data = torch.cat([torch.stack([s[t] for s in order[:n]]) for t, n in enumerate(batch_sizes)])  # time-major
    return data, batch_sizes, sorted_indices, unsorted_indices
# --8<-- [end:pack_sequences]
