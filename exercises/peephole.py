"""Exercise: give the LSTM cell peepholes (Gers & Schmidhuber, 2000).

In the book's cell the gates read only x_t and h_{t−1}. Gers & Schmidhuber let them look at the
cell state as well, through "peephole" connections with diagonal weights, one number per unit:

    i_t = σ(a_i + w_ci ⊙ c_{t−1})        the input gate reads the previous cell state,
    f_t = σ(a_f + w_cf ⊙ c_{t−1})        so does the forget gate;
    g_t = tanh(a_g)
    c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t       Eq. (7), unchanged
    o_t = σ(a_o + w_co ⊙ c_t)             the output gate reads the *new* cell state;
    h_t = o_t ⊙ tanh(c_t)                 Eq. (9), unchanged.

Here [a_i; a_f; a_g; a_o] = x_t W_ih^T + b + h_{t−1} W_hh^T is the stacked pre-activation of
:func:`lstm_book.cell.lstm_step`, whose code is the place to start. Write ``peephole_lstm_step``
below, then run, from the repository's root:

    pytest exercises/test_peephole.py

The tests check that with all peephole weights zero your step is lstm_book's and torch.nn.LSTMCell's,
that each peephole reads the cell state it should, and that the gradients autograd computes through
your code agree with finite differences (``torch.autograd.gradcheck``).
"""

from __future__ import annotations

from torch import Tensor


def peephole_lstm_step(xw_t: Tensor, h_prev: Tensor, c_prev: Tensor, weight_hh: Tensor,
                       w_ci: Tensor, w_cf: Tensor, w_co: Tensor):
    """One step of the LSTM with peepholes.

    Args:
        xw_t: ``(B, 4H)`` — ``x_t W_ih^T + b_ih + b_hh``, as ``lstm_book.cell.lstm_step`` takes it.
        h_prev: ``(B, H)`` — ``h_{t−1}``.
        c_prev: ``(B, H)`` — ``c_{t−1}``.
        weight_hh: ``(4H, H)`` — the recurrent weights, gate order i, f, g, o.
        w_ci, w_cf, w_co: ``(H,)`` each — the peephole weights of the input, forget and output gates.

    Returns:
        ``h_t, c_t``, each ``(B, H)``, and the gates ``(i_t, f_t, g_t, o_t)``, each ``(B, H)``.
    """
    raise NotImplementedError("exercise: write peephole_lstm_step (see the docstring of exercises/peephole.py)")
