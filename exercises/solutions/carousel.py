"""A solution of exercises/carousel.py: Eq. (12) as a probe of recorded forget gates."""

from __future__ import annotations

import torch
from torch import Tensor


# --8<-- [start:carousel_factors]
def carousel_factors(f: Tensor, k: Tensor) -> Tensor:
    T = f.shape[0]
    after_k = torch.arange(T).view(T, 1, 1) > k.view(1, -1, 1)  # (T, B, 1): steps k_b + 1 … T − 1
    return torch.where(after_k, f, torch.ones_like(f)).prod(dim=0)  # the other steps contribute 1
# --8<-- [end:carousel_factors]
