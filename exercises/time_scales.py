"""Exercise: the two time scales of a forget gate (Part 1, *The LSTM cell*).

With nothing written (i_t = 0) and the weights' contribution switched off, Eq. (7) multiplies a memory
by ``f = σ(b_f)`` at every step, so a distance of ``d`` steps later a fraction ``f^d`` of it is left.
Two numbers summarise that decay:

    the mean lifetime    τ = Σ_{d ≥ 0} f^d = 1 / (1 − f),
    the e-folding time   the distance d at which f^d = 1/e.

Write ``time_scales``: both, in steps, for a tensor of effective forget biases. For large ``b_f``,
``f`` rounds towards 1 and ``1 − f`` loses its digits; write both so that they keep them (how does
``1 − σ(b)`` simplify? and ``ln σ(b)``?). Then run, from the repository's root:

    pytest exercises/test_time_scales.py
"""

from __future__ import annotations

from torch import Tensor


def time_scales(b_f: Tensor) -> tuple[Tensor, Tensor]:
    """The mean lifetime and the e-folding time of a forget gate ``σ(b_f)``, in steps.

    Args:
        b_f: any shape, float64 — effective forget biases.

    Returns:
        ``(tau, e_folding)``, each shaped like ``b_f``.
    """
    raise NotImplementedError("exercise: write time_scales (see the docstring of exercises/time_scales.py)")
