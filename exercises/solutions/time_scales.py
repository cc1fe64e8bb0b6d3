"""A solution of exercises/time_scales.py: a forget gate's mean lifetime and e-folding time."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor


# --8<-- [start:time_scales]
def time_scales(b_f: Tensor) -> tuple[Tensor, Tensor]:
    tau = 1 + torch.exp(b_f)  # 1 / (1 − σ(b)), since 1 − σ(b) = σ(−b) = 1 / (1 + e^b)
    e_folding = 1 / F.softplus(-b_f)  # f^d = e^{d ln f} = 1/e at d = −1/ln f; ln σ(b) = −softplus(−b)
    return tau, e_folding
# --8<-- [end:time_scales]
