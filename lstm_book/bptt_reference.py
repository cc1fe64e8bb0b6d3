"""Backpropagation through time by hand, the reference: Eqs. (13)–(16) of Part 1, one line each.

One LSTM layer, one direction, a padded batch, step by step, nothing cached: the listing of the
page *BPTT by hand* (``docs/part2-code/bptt-by-hand.md``). ``lstm_book.bptt`` computes the same
gradients fast (it is what ``lstm_book.LSTM`` trains with); the tests prove the two equal to
``torch.nn.LSTM``'s autograd, and the appendix *Making it fast* explains the fast one.

Shapes: ``x (T, B, I)``; ``h_0, c_0 (B, H)``; ``W_ih (4H, I)``, ``W_hh (4H, H)``, ``b_ih, b_hh
(4H,)`` or ``None``; gate order ``i, f, g, o`` as in PyTorch. Index ``t`` of every list in the
tape is step ``t`` of the book (``t = 1 … T``); index 0 holds ``h_0`` and ``c_0`` (and no gates).
"""

from __future__ import annotations

import torch
from torch import Tensor

from lstm_book.cell import lstm_step


# --8<-- [start:forward]
Tape = dict[str, list[Tensor]]  # "i", "f", …, "h" → a (B, H) tensor per step


def forward(x: Tensor, h_0: Tensor, c_0: Tensor, W_ih: Tensor, W_hh: Tensor,
            b_ih: Tensor | None = None, b_hh: Tensor | None = None,
            ) -> tuple[Tensor, Tape]:
    """Eqs. (4)–(9) for t = 1 … T: returns the outputs (T, B, H) and the
    tape BPTT reads, i_t, f_t, g_t, o_t, c_t and h_t of every step."""
    b = 0 if b_ih is None else b_ih + b_hh  # the gates see the sum
    tape = {"i": [None], "f": [None], "g": [None], "o": [None],
            "c": [c_0], "h": [h_0]}  # step 0: the initial state, no gates
    h_t, c_t = h_0, c_0
    for x_t in x:  # t = 1 … T; lstm_step is Eqs. (4)–(9)
        xw_t = x_t @ W_ih.T + b  # the input half of a_t
        h_t, c_t, (i_t, f_t, g_t, o_t) = lstm_step(xw_t, h_t, c_t, W_hh)
        for name, value in zip("ifgoch", (i_t, f_t, g_t, o_t, c_t, h_t)):
            tape[name].append(value)  # what Eqs. (13)–(16) read
    return torch.stack(tape["h"][1:]), tape
# --8<-- [end:forward]


# --8<-- [start:backward]
def backward(d_output: Tensor, d_h_T: Tensor, d_c_T: Tensor, x: Tensor,
             W_ih: Tensor, W_hh: Tensor, tape: Tape) -> dict[str, Tensor]:
    """Eqs. (13)–(16) for t = T … 1, given ∂L/∂output (T, B, H) and what
    reaches the final state directly, ∂L/∂h_T and ∂L/∂c_T (B, H).

    Returns the gradients of x, W_ih, W_hh, b_ih, b_hh (one tensor: the
    gates see only the sum of the biases), h_0 and c_0, by those names.
    """
    i, f, g, o, c, h = (tape[name] for name in "ifgoch")
    d_x, d_W_ih, d_W_hh = map(torch.zeros_like, (x, W_ih, W_hh))
    d_b = W_ih.new_zeros(W_ih.shape[0])
    delta_h = d_h_T  # boundary: W_hh^T δa_{T+1} := 0, plus what h_n gets
    carry = d_c_T  # boundary: δc_{T+1} ⊙ f_{T+1} := 0, plus what c_n gets
    for t in range(x.shape[0], 0, -1):
        delta_h = delta_h + d_output[t - 1]  # Eq. (15): + ∂ℓ_t/∂h_t
        tanh_c = torch.tanh(c[t])
        delta_c = delta_h * o[t] * (1 - tanh_c**2) + carry  # Eq. (13)
        delta_a_i = delta_c * g[t] * i[t] * (1 - i[t])  # Eq. (14)
        delta_a_f = delta_c * c[t - 1] * f[t] * (1 - f[t])  # Eq. (14)
        delta_a_g = delta_c * i[t] * (1 - g[t] ** 2)  # Eq. (14)
        delta_a_o = delta_h * tanh_c * o[t] * (1 - o[t])  # Eq. (14)
        delta_a = torch.cat([delta_a_i, delta_a_f, delta_a_g, delta_a_o], 1)
        d_W_ih += delta_a.T @ x[t - 1]  # Eq. (16): Σ_t δa_t x_t^T
        d_W_hh += delta_a.T @ h[t - 1]  # Eq. (16): Σ_t δa_t h_{t-1}^T
        d_b += delta_a.sum(0)  # Eq. (16): Σ_t δa_t
        d_x[t - 1] = delta_a @ W_ih  # Eq. (15): δx_t = W_ih^T δa_t
        delta_h = delta_a @ W_hh  # Eq. (15): W_hh^T δa_t, part of δh_{t-1}
        carry = delta_c * f[t]  # Eq. (13)'s second term at t-1: δc_t ⊙ f_t
    return {"x": d_x, "W_ih": d_W_ih, "W_hh": d_W_hh, "b_ih": d_b,
            "b_hh": d_b, "h_0": delta_h, "c_0": carry}  # δh_0 and δc_0
# --8<-- [end:backward]
