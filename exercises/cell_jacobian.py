"""Exercise: the LSTM's one-step Jacobian of the cell state, Eq. (11).

Part 1 puts the two cells' one-step Jacobians side by side. The RNN's is one matrix term, Eq. (2);
the LSTM's has a direct term and an indirect one:

    ∂c_t/∂c_{t−1} = diag(f_t) + R_t D_{t−1},

    R_t     = diag(c_{t−1} ⊙ f_t ⊙ (1 − f_t)) W_hf + diag(g_t ⊙ i_t ⊙ (1 − i_t)) W_hi
              + diag(i_t ⊙ (1 − g_t²)) W_hg                       (= ∂c_t/∂h_{t−1}),
    D_{t−1} = diag(o_{t−1} ⊙ (1 − tanh² c_{t−1}))                  (= ∂h_{t−1}/∂c_{t−1}, o_{t−1} fixed).

W_hi, W_hf, W_hg, W_ho are the four row blocks of ``W_hh`` in PyTorch's gate order i, f, g, o. Write
``cell_state_jacobian`` for one sequence, then run, from the repository's root:

    pytest exercises/test_cell_jacobian.py

The tests compare it with the Jacobian autograd computes through ``lstm_book.cell.lstm_step``.
"""

from __future__ import annotations

from torch import Tensor


def cell_state_jacobian(c_prev: Tensor, o_prev: Tensor, gates: tuple[Tensor, Tensor, Tensor, Tensor],
                        W_hh: Tensor) -> Tensor:
    """Eq. (11): ``∂c_t/∂c_{t−1}``, shape ``(H, H)``.

    Args:
        c_prev: ``(H,)`` — ``c_{t−1}``.
        o_prev: ``(H,)`` — ``o_{t−1}``, the output gate of the step before (it made ``h_{t−1}``).
        gates: ``(i_t, f_t, g_t, o_t)``, each ``(H,)`` — the gates of step ``t``.
        W_hh: ``(4H, H)`` — the recurrent weights, gate order i, f, g, o.
    """
    raise NotImplementedError("exercise: write cell_state_jacobian (see the docstring of exercises/cell_jacobian.py)")
