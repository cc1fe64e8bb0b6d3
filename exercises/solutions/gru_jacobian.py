"""A solution of exercises/gru_jacobian.py: the GRU's one-step Jacobian."""

from __future__ import annotations

import torch
from torch import Tensor


# --8<-- [start:gru_state_jacobian]
def gru_state_jacobian(h_prev: Tensor, gates: tuple[Tensor, Tensor, Tensor], W_hh: Tensor, b_hh: Tensor) -> Tensor:
    r_t, z_t, n_t = gates
    W_hr, W_hz, W_hn = W_hh.chunk(3)  # PyTorch's order r, z, n
    scaled = W_hn @ h_prev + b_hh.chunk(3)[2]  # W_hn h_{t-1} + b_hn: what r_t multiplies (Eq. 19)
    dn_t = torch.diag(1 - n_t**2) @ (torch.diag(r_t) @ W_hn  # Eq. (19), inside r_t's product
                                      + torch.diag(scaled * r_t * (1 - r_t)) @ W_hr)  # and through r_t
    return (torch.diag(z_t)  # Eq. (20), the direct term
            + torch.diag((h_prev - n_t) * z_t * (1 - z_t)) @ W_hz  # through z_t (Eq. 18)
            + torch.diag(1 - z_t) @ dn_t)  # through n_t
# --8<-- [end:gru_state_jacobian]
