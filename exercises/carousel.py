"""Exercise: measure the constant error carousel of Eq. (12) in a network's recorded gates.

Eq. (12) says that, when the indirect routes through the gates are negligible, the gradient that
reaches the cell state c_k from the last cell state c_{T−1} is, unit by unit, the product of the forget
gates in between:

    (∂c_{T−1} / ∂c_k)_jj ≈ f_{k+1, j} ⊙ f_{k+2, j} ⊙ … ⊙ f_{T−1, j}.

Part 3's gate recordings make that a probe: ``lstm(x, return_gates=True)`` returns every forget gate
of every step (``gates["f"]``, shaped ``(layers · directions, T, B, H)``). Write ``carousel_factors``
below: for each sequence, the product of one layer's forget gates after a step ``k`` of that
sequence's own (e.g. where its first informative symbol was). Then run, from the repository's root:

    pytest exercises/test_carousel.py

The tests check it on gates whose products are known, and against the true gradient, computed by
autograd, of an LSTM whose gates are saturated (the case in which Eq. 12 holds).
"""

from __future__ import annotations

from torch import Tensor


def carousel_factors(f: Tensor, k: Tensor) -> Tensor:
    """Eq. (12) for every sequence and unit: ``∏_{t = k_b + 1}^{T − 1} f[t, b, j]``.

    Args:
        f: ``(T, B, H)`` — the forget gates of one layer (``gates["f"][layer]``).
        k: ``(B,)`` integer tensor — a step of each sequence, ``0 ≤ k_b ≤ T − 1``.

    Returns:
        ``(B, H)``; 1 where ``k_b = T − 1`` (an empty product).
    """
    raise NotImplementedError("exercise: write carousel_factors (see the docstring of exercises/carousel.py)")
