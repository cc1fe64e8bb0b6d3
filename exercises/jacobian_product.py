"""Exercise: the product of a vanilla RNN's one-step Jacobians, Eq. (3).

Eq. (2) gives the RNN's one-step Jacobian, ``J_t = ∂h_t/∂h_{t−1} = diag(1 − h_t²) W_hh``, and Eq. (3)
the Jacobian across many steps as their product, the latest step on the left:

    ∂h_t/∂h_k = J_t J_{t−1} ⋯ J_{k+1}.

Write ``jacobian_product``: given ``W_hh`` and the hidden states ``h_{k+1}, …, h_t`` that a forward
pass produced, return ``∂h_t/∂h_k``. Then run, from the repository's root:

    pytest exercises/test_jacobian_product.py

The tests compare your product with the Jacobian autograd computes through the unrolled RNN
(``lstm_book.cell.rnn_step``), at distances of one step and of many, and check the bound of Eq. (3).
"""

from __future__ import annotations

from torch import Tensor


def jacobian_product(W_hh: Tensor, h: Tensor) -> Tensor:
    """Eq. (3): ``∂h_t/∂h_k``, shape ``(H, H)``.

    Args:
        W_hh: ``(H, H)`` — the recurrent weights.
        h: ``(d, H)`` — the hidden states ``h_{k+1}, …, h_t`` of one sequence, in time order, a
            distance of ``d = t − k`` steps (``d = 0``: none).

    Returns:
        ``(H, H)``; the identity when ``d = 0`` (an empty product).
    """
    raise NotImplementedError("exercise: write jacobian_product (see the docstring of exercises/jacobian_product.py)")
