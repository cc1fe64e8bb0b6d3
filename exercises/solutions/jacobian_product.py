"""A solution of exercises/jacobian_product.py: the product of the RNN's one-step Jacobians, Eq. (3)."""

from __future__ import annotations

import torch
from torch import Tensor


# --8<-- [start:jacobian_product]
def jacobian_product(W_hh: Tensor, h: Tensor) -> Tensor:
    J = torch.eye(W_hh.shape[0], dtype=W_hh.dtype)  # d = 0: the empty product
    for h_t in h:  # steps k+1, …, t
        J = torch.diag(1 - h_t**2) @ W_hh @ J  # Eq. (2)'s J_t, on the left: the latest step
    return J
# --8<-- [end:jacobian_product]
