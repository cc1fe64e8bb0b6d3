"""Exercise: the GRU's one-step Jacobian (Part 1, *The GRU and other variants*).

Write Eq. (20) as ``h_t = n_t + z_t ⊙ (h_{t−1} − n_t)`` and differentiate it with respect to ``h_{t−1}``,
which enters directly, through the update gate ``z_t`` (Eq. 18) and through the candidate ``n_t``
(Eq. 19: inside the reset gate's product and through ``r_t``, Eq. 17):

    ∂h_t/∂h_{t−1} = diag(z_t)
                   + diag((h_{t−1} − n_t) ⊙ z_t ⊙ (1 − z_t)) W_hz
                   + diag((1 − z_t) ⊙ (1 − n_t²)) [diag(r_t) W_hn + diag((W_hn h_{t−1} + b_hn) ⊙ r_t ⊙ (1 − r_t)) W_hr].

``W_hh`` stacks ``[W_hr; W_hz; W_hn]`` and ``b_hh`` stacks ``[b_hr; b_hz; b_hn]``, PyTorch's order r, z, n.
Write ``gru_state_jacobian`` for one sequence, then run, from the repository's root:

    pytest exercises/test_gru_jacobian.py

The tests compare it with the Jacobian autograd computes through ``lstm_book.cell.gru_step``.
"""

from __future__ import annotations

from torch import Tensor


def gru_state_jacobian(h_prev: Tensor, gates: tuple[Tensor, Tensor, Tensor], W_hh: Tensor, b_hh: Tensor) -> Tensor:
    """``∂h_t/∂h_{t−1}`` of the GRU, shape ``(H, H)``.

    Args:
        h_prev: ``(H,)`` — ``h_{t−1}``.
        gates: ``(r_t, z_t, n_t)``, each ``(H,)`` — the gates of step ``t``, as ``gru_step`` returns them.
        W_hh: ``(3H, H)`` — the recurrent weights, ``[W_hr; W_hz; W_hn]``.
        b_hh: ``(3H,)`` — the recurrent biases, ``[b_hr; b_hz; b_hn]``.
    """
    raise NotImplementedError("exercise: write gru_state_jacobian (see the docstring of exercises/gru_jacobian.py)")
