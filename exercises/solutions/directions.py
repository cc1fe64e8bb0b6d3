"""A solution of exercises/directions.py: one LSTM layer in either direction."""

from __future__ import annotations

import torch
from torch import Tensor

from lstm_book.cell import lstm_step


# --8<-- [start:run_direction]
def run_direction(xw: Tensor, h_0: Tensor, c_0: Tensor, W_hh: Tensor, reverse: bool = False) -> tuple[Tensor, Tensor, Tensor]:
    T = xw.shape[0]
    output = [None] * T
    h, c = h_0, c_0
    for t in (reversed(range(T)) if reverse else range(T)):
        h, c, _ = lstm_step(xw[t], h, c, W_hh)  # Eqs. (4)-(9)
        output[t] = h  # at the position it read, whichever way the loop runs
    return torch.stack(output), h, c  # h, c: after the last position read (t = 0 in reverse)
# --8<-- [end:run_direction]
