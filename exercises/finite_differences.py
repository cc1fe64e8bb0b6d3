"""Exercise: a gradient check by hand (Part 2, *Checking against torch.nn.LSTM*).

``torch.autograd.gradcheck`` compares a function's analytic gradient with finite differences. Its core
is a few lines: nudge one entry ``x_i`` of the input by ``±ε``, see how much the output moves, and
divide,

    ∂f/∂x_i ≈ (f(x⁺) − f(x⁻)) / (2ε),    x^± = x with x_i moved to x_i ± ε.

This *central* difference is off by a multiple of ``ε²``; the one-sided ``(f(x⁺) − f(x)) / ε`` by a
multiple of ``ε``, a million times more at ``ε = 10⁻⁶``.

Write ``numerical_gradient``, leaving the caller's ``x`` unchanged. Then run, from the repository's root:

    pytest exercises/test_finite_differences.py

The tests compare it with autograd through ``lstm_book.cell.lstm_step``, to a tolerance that only a
central difference meets.
"""

from __future__ import annotations

from collections.abc import Callable

from torch import Tensor


def numerical_gradient(f: Callable[[Tensor], Tensor], x: Tensor, eps: float = 1e-6) -> Tensor:
    """The gradient of a scalar function by central differences.

    Args:
        f: takes a tensor shaped like ``x`` and returns a scalar tensor.
        x: float64, any shape — the point; not modified.
        eps: the step ``ε``.

    Returns:
        ``∂f/∂x``, shaped like ``x``.
    """
    raise NotImplementedError("exercise: write numerical_gradient (see the docstring of exercises/finite_differences.py)")
