"""A solution of exercises/final_states.py: the state a classifier reads, from a padded output."""

from __future__ import annotations

import torch
from torch import Tensor


# --8<-- [start:final_states]
def final_states(output: Tensor, lengths: Tensor, bidirectional: bool) -> Tensor:
    H = output.shape[2] // (2 if bidirectional else 1)
    last = output[lengths - 1, torch.arange(output.shape[1])]  # (B, D·H): row b at its own step T_b − 1
    if not bidirectional:
        return last
    return torch.cat([last[:, :H], output[0, :, H:]], dim=1)  # the reverse direction ends at t = 0
# --8<-- [end:final_states]
