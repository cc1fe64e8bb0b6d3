"""A solution of exercises/cell_jacobian.py: the LSTM's one-step Jacobian of the cell state, Eq. (11)."""

from __future__ import annotations

import torch
from torch import Tensor


# --8<-- [start:cell_state_jacobian]
def cell_state_jacobian(c_prev: Tensor, o_prev: Tensor, gates: tuple[Tensor, Tensor, Tensor, Tensor],
                        W_hh: Tensor) -> Tensor:
    i_t, f_t, g_t, _ = gates
    W_hi, W_hf, W_hg, _ = W_hh.chunk(4)  # PyTorch's gate order i, f, g, o
    R_t = (torch.diag(c_prev * f_t * (1 - f_t)) @ W_hf  # through f_t
           + torch.diag(g_t * i_t * (1 - i_t)) @ W_hi  # through i_t
           + torch.diag(i_t * (1 - g_t**2)) @ W_hg)  # through g_t
    D_prev = torch.diag(o_prev * (1 - torch.tanh(c_prev) ** 2))  # h_{t-1} = o_{t-1} ⊙ tanh(c_{t-1})
    return torch.diag(f_t) + R_t @ D_prev  # Eq. (11): direct + indirect
# --8<-- [end:cell_state_jacobian]
