"""A solution of exercises/peephole.py: the LSTM step with peepholes (Gers & Schmidhuber, 2000)."""

from __future__ import annotations

import torch
from torch import Tensor


# --8<-- [start:peephole_step]
def peephole_lstm_step(xw_t: Tensor, h_prev: Tensor, c_prev: Tensor, weight_hh: Tensor,
                       w_ci: Tensor, w_cf: Tensor, w_co: Tensor):
    a_t = torch.addmm(xw_t, h_prev, weight_hh.t())  # [a_i; a_f; a_g; a_o], as in lstm_step
    a_i, a_f, a_g, a_o = a_t.chunk(4, dim=1)
    f_t = torch.sigmoid(a_f + w_cf * c_prev)  # Eq. (4), peeking at c_{t-1}
    i_t = torch.sigmoid(a_i + w_ci * c_prev)  # Eq. (5), peeking at c_{t-1}
    g_t = torch.tanh(a_g)  # Eq. (6)
    c_t = f_t * c_prev + i_t * g_t  # Eq. (7)
    o_t = torch.sigmoid(a_o + w_co * c_t)  # Eq. (8), peeking at the new c_t
    h_t = o_t * torch.tanh(c_t)  # Eq. (9)
    return h_t, c_t, (i_t, f_t, g_t, o_t)
# --8<-- [end:peephole_step]
