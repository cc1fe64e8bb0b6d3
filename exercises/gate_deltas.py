"""Exercise: code the gate deltas of Eq. (14), the heart of backpropagation through an LSTM.

Part 1 derives, for one step t of an LSTM layer, the gradient of the loss with respect to the four
stacked pre-activations a_t = [a_i; a_f; a_g; a_o] (PyTorch's gate order), given the total
gradients δh_t = ∂L/∂h_t and δc_t = ∂L/∂c_t:

    δa_o = δh_t ⊙ tanh(c_t) ⊙ o_t ⊙ (1 − o_t)
    δa_f = δc_t ⊙ c_{t−1} ⊙ f_t ⊙ (1 − f_t)
    δa_i = δc_t ⊙ g_t ⊙ i_t ⊙ (1 − i_t)
    δa_g = δc_t ⊙ i_t ⊙ (1 − g_t²)

Write ``gate_deltas`` below, then run, from the repository's root:

    pytest exercises/test_gate_deltas.py

The tests compare your deltas with the ones autograd computes through ``lstm_book.cell.lstm_step``,
for one step and for every step of a sequence.
"""

from __future__ import annotations

from torch import Tensor


def gate_deltas(delta_h_t: Tensor, delta_c_t: Tensor, c_prev: Tensor, c_t: Tensor,
                gates: tuple[Tensor, Tensor, Tensor, Tensor]) -> Tensor:
    """Eq. (14): ``δa_t = [δa_i; δa_f; δa_g; δa_o]``, shape ``(B, 4H)``.

    Args:
        delta_h_t: ``(B, H)`` — ``δh_t``, the total gradient of the loss with respect to ``h_t``.
        delta_c_t: ``(B, H)`` — ``δc_t`` of Eq. (13), total: the part that comes back from step
            ``t + 1`` (``δc_{t+1} ⊙ f_{t+1}``) included.
        c_prev: ``(B, H)`` — ``c_{t−1}``.
        c_t: ``(B, H)`` — ``c_t``.
        gates: ``(i_t, f_t, g_t, o_t)``, each ``(B, H)``, as ``lstm_step`` returns them.
    """
    raise NotImplementedError("exercise: write gate_deltas (see the docstring of exercises/gate_deltas.py)")
