"""Exercise: Eq. (16) after the loop, one matrix product per weight (Part 2, *BPTT by hand*).

The weight gradients of Eq. (16) are sums over steps of outer products,

    ∂L/∂W_ih = Σ_t δa_t x_t^T,    ∂L/∂W_hh = Σ_t δa_t h_{t−1}^T,    ∂L/∂b = Σ_t δa_t,

and nothing in them feeds back into the backward loop. So the loop can store every ``δa_t`` and
leave the sums for after it: stacked over steps and batch, the ``δa_t`` form a ``(T·B, 4H)`` matrix
``ΔA`` and the previous hidden states a ``(T·B, H)`` matrix ``H_prev``, and ``ΔA^T H_prev`` is all the
outer products, summed, in one call.

Write ``weight_gradients``. Then run, from the repository's root:

    pytest exercises/test_weight_grads.py

The tests compare your gradients with autograd's through ``lstm_book.cell.lstm_step``.
"""

from __future__ import annotations

from torch import Tensor


def weight_gradients(delta_a: Tensor, x: Tensor, h: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """Eq. (16) for a batch, one product per weight.

    Args:
        delta_a: ``(T, B, 4H)`` — ``δa_t`` of steps ``t = 1 … T`` (row ``t − 1``).
        x: ``(T, B, I)`` — ``x_t`` of the same steps.
        h: ``(T + 1, B, H)`` — ``h_0, h_1, …, h_T`` (row ``t`` is ``h_t``).

    Returns:
        ``∂L/∂W_ih (4H, I)``, ``∂L/∂W_hh (4H, H)`` and ``∂L/∂b (4H,)`` (each bias vector's gradient).
    """
    raise NotImplementedError("exercise: write weight_gradients (see the docstring of exercises/weight_grads.py)")
