"""A solution of exercises/gate_deltas.py: the gate deltas of Eq. (14)."""

from __future__ import annotations

import torch
from torch import Tensor


# --8<-- [start:gate_deltas]
def gate_deltas(delta_h_t: Tensor, delta_c_t: Tensor, c_prev: Tensor, c_t: Tensor,
                gates: tuple[Tensor, Tensor, Tensor, Tensor]) -> Tensor:
    i_t, f_t, g_t, o_t = gates
    d_a_i = delta_c_t * g_t * i_t * (1 - i_t)  # i_t enters only i_t ⊙ g_t (Eq. 7); σ' = σ(1 − σ)
    d_a_f = delta_c_t * c_prev * f_t * (1 - f_t)  # f_t enters only f_t ⊙ c_{t-1} (Eq. 7)
    d_a_g = delta_c_t * i_t * (1 - g_t**2)  # g_t enters only i_t ⊙ g_t; tanh' = 1 − tanh²
    d_a_o = delta_h_t * torch.tanh(c_t) * o_t * (1 - o_t)  # o_t enters only o_t ⊙ tanh(c_t) (Eq. 9)
    return torch.cat([d_a_i, d_a_f, d_a_g, d_a_o], dim=1)  # PyTorch's gate order i, f, g, o
# --8<-- [end:gate_deltas]
