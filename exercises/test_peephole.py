"""The peephole LSTM step of exercises/peephole.py: ``pytest exercises/test_peephole.py``."""

from __future__ import annotations

import torch
from torch import nn

from lstm_book.cell import lstm_step

EXERCISE = "peephole"
B, I, H = 3, 4, 5
f64 = torch.float64


def close(actual, expected, what: str = "") -> None:
    """``assert_close`` that says what was compared, above its own report of the numbers."""
    torch.testing.assert_close(actual, expected, msg=lambda report: f"{what}\n{report}" if what else report)


def random_step(seed: int = 0, peepholes: bool = True):
    """Arguments of one step: random inputs, weights and (unless ``peepholes=False``) peephole weights."""
    gen = torch.Generator().manual_seed(seed)
    randn = lambda *shape: torch.randn(*shape, generator=gen, dtype=f64)  # noqa: E731
    w = (randn(H), randn(H), randn(H)) if peepholes else tuple(torch.zeros(H, dtype=f64) for _ in range(3))
    return randn(B, 4 * H), randn(B, H), randn(B, H), randn(4 * H, H) / H**0.5, *w


def only(ci=0.0, cf=0.0, co=0.0, g_bias=0.0, seed=1):
    """A step where every pre-activation is 0 (g's is ``g_bias``), so only the chosen peepholes act."""
    gen = torch.Generator().manual_seed(seed)
    c_prev = 2 * torch.randn(B, H, generator=gen, dtype=f64)
    xw = torch.zeros(B, 4 * H, dtype=f64)
    xw[:, 2 * H : 3 * H] = g_bias
    w = [torch.full((H,), v, dtype=f64) * torch.linspace(0.5, 1.5, H, dtype=f64) for v in (ci, cf, co)]
    return xw, torch.zeros(B, H, dtype=f64), c_prev, torch.zeros(4 * H, H, dtype=f64), *w


def test_with_zero_peepholes_it_is_the_books_lstm_step(exercise):
    xw, h, c, W, *zeros = random_step(peepholes=False)
    h_t, c_t, gates = exercise.peephole_lstm_step(xw, h, c, W, *zeros)
    ref_h, ref_c, ref_gates = lstm_step(xw, h, c, W)
    close(h_t, ref_h)
    close(c_t, ref_c)
    for name, ours, ref in zip("ifgo", gates, ref_gates):
        close(ours, ref, f"gate {name} (return the gates in the order i, f, g, o)")


def test_with_zero_peepholes_it_is_torch_nn_lstm_cell(exercise):
    """The twin test of Part 2: the same weights in torch.nn.LSTMCell give the same h_t and c_t."""
    torch.manual_seed(0)
    ref = nn.LSTMCell(I, H, dtype=f64)
    x, h, c = torch.randn(B, I, dtype=f64), torch.randn(B, H, dtype=f64), torch.randn(B, H, dtype=f64)
    xw = x @ ref.weight_ih.T + ref.bias_ih + ref.bias_hh
    zero = torch.zeros(H, dtype=f64)
    h_t, c_t, _ = exercise.peephole_lstm_step(xw, h, c, ref.weight_hh, zero, zero, zero)
    ref_h, ref_c = ref(x, (h, c))
    close(h_t, ref_h)
    close(c_t, ref_c)


def test_the_forget_gate_reads_the_previous_cell_state(exercise):
    xw, h, c_prev, W, *w = only(cf=1.0)
    _, c_t, (i_t, f_t, g_t, o_t) = exercise.peephole_lstm_step(xw, h, c_prev, W, *w)
    close(f_t, torch.sigmoid(w[1] * c_prev), "f_t = σ(a_f + w_cf ⊙ c_{t−1})")
    close(i_t, torch.full_like(i_t, 0.5), "w_ci is zero: i_t = σ(0)")
    close(c_t, f_t * c_prev + i_t * g_t)


def test_the_input_gate_reads_the_previous_cell_state(exercise):
    xw, h, c_prev, W, *w = only(ci=1.0, g_bias=1.0)
    _, c_t, (i_t, f_t, g_t, o_t) = exercise.peephole_lstm_step(xw, h, c_prev, W, *w)
    close(i_t, torch.sigmoid(w[0] * c_prev), "i_t = σ(a_i + w_ci ⊙ c_{t−1})")
    close(f_t, torch.full_like(f_t, 0.5), "w_cf is zero: f_t = σ(0)")
    close(c_t, 0.5 * c_prev + i_t * torch.tanh(torch.tensor(1.0, dtype=f64)))


def test_the_output_gate_reads_the_new_cell_state(exercise):
    xw, h, c_prev, W, *w = only(co=1.0)
    h_t, c_t, (i_t, f_t, g_t, o_t) = exercise.peephole_lstm_step(xw, h, c_prev, W, *w)
    close(c_t, 0.5 * c_prev, "g_t = tanh(0) = 0 and f_t = 0.5: c_t = c_{t−1} / 2")
    close(o_t, torch.sigmoid(w[2] * c_t), "o_t = σ(a_o + w_co ⊙ c_t): the new cell state, not c_{t−1}")
    close(h_t, o_t * torch.tanh(c_t))


def test_autograd_through_it_agrees_with_finite_differences(exercise):
    """gradcheck: every input, the peephole weights included, gets the gradient its effect implies."""
    inputs = tuple(t.requires_grad_() for t in random_step(seed=2))

    def step(*args):
        h_t, c_t, _ = exercise.peephole_lstm_step(*args)
        return h_t, c_t

    assert torch.autograd.gradcheck(step, inputs)
