"""A solution of exercises/weight_grads.py: Eq. (16) in one matrix product per weight."""

from __future__ import annotations

from torch import Tensor


# --8<-- [start:weight_gradients]
def weight_gradients(delta_a: Tensor, x: Tensor, h: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    T, B, G = delta_a.shape
    dA = delta_a.reshape(T * B, G)  # ΔA: every step's δa_t, stacked
    H_prev = h[:-1].reshape(T * B, -1)  # h_0 … h_{T-1}: the h_{t-1} beside each δa_t
    return dA.T @ x.reshape(T * B, -1), dA.T @ H_prev, dA.sum(dim=0)  # Σ over steps and batch at once
# --8<-- [end:weight_gradients]
