"""The single-step cells: equal to torch.nn.LSTMCell / RNNCell, and the cell math is differentiable."""

from __future__ import annotations

import itertools
import math

import pytest
import torch

from conftest import max_abs_diff, twin
from lstm_book import LSTMCell, RNNCell, lstm_step

TOL = 1e-10


@pytest.mark.parametrize("bias,batched,given_state", list(itertools.product([True, False], repeat=3)))
def test_matches_torch_lstm_cell_outputs_and_grads(bias, batched, given_state):
    ours, ref = twin(LSTMCell, torch.nn.LSTMCell, 5, 7, bias=bias)
    shape = (3, 5) if batched else (5,)
    x = torch.randn(shape, dtype=torch.double, requires_grad=True)
    state_shape = (3, 7) if batched else (7,)
    state = tuple(torch.randn(state_shape, dtype=torch.double, requires_grad=True) for _ in range(2)) if given_state else None
    results = []
    for module in (ours, ref):
        h, c = module(x, state)
        loss = (h * torch.linspace(-1, 1, h.numel(), dtype=torch.double).view_as(h)).sum() + (c ** 2).sum()
        inputs = [x, *module.parameters()] + (list(state) if given_state else [])
        results.append((h, c, torch.autograd.grad(loss, inputs)))
    (h1, c1, g1), (h2, c2, g2) = results
    assert max_abs_diff(h1, h2) <= TOL and max_abs_diff(c1, c2) <= TOL
    for a, b in zip(g1, g2):
        assert max_abs_diff(a, b) <= TOL


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_matches_torch_rnn_cell(nonlinearity):
    ours, ref = twin(RNNCell, torch.nn.RNNCell, 4, 6, nonlinearity=nonlinearity)
    x = torch.randn(2, 4, dtype=torch.double)
    h = torch.randn(2, 6, dtype=torch.double)
    assert max_abs_diff(ours(x, h), ref(x, h)) <= TOL
    assert max_abs_diff(ours(x[0]), ref(x[0])) <= TOL


# --8<-- [start:gradcheck]
def test_gradcheck_lstm_cell_in_float64():
    cell = LSTMCell(3, 4).double()
    x = torch.randn(2, 3, dtype=torch.double, requires_grad=True)
    h = torch.randn(2, 4, dtype=torch.double, requires_grad=True)
    c = torch.randn(2, 4, dtype=torch.double, requires_grad=True)
    params = tuple(cell.parameters())

    def f(x, h, c, *p):
        return lstm_step(torch.nn.functional.linear(x, p[0], p[2] + p[3]), h, c, p[1])[:2]

    assert torch.autograd.gradcheck(f, (x, h, c, *params))
# --8<-- [end:gradcheck]


def test_lstm_step_implements_the_gate_equations():
    """Eqs. (4)–(9) written out independently of lstm_step, on one example."""
    H = 3
    xw = torch.randn(2, 4 * H, dtype=torch.double)
    h_prev, c_prev = torch.randn(2, H, dtype=torch.double), torch.randn(2, H, dtype=torch.double)
    W_hh = torch.randn(4 * H, H, dtype=torch.double)
    a = xw + h_prev @ W_hh.T
    sig = lambda z: 1 / (1 + torch.exp(-z))  # noqa: E731
    i, f, g, o = sig(a[:, :H]), sig(a[:, H:2 * H]), torch.tanh(a[:, 2 * H:3 * H]), sig(a[:, 3 * H:])
    c = f * c_prev + i * g
    h = o * torch.tanh(c)
    h_t, c_t, gates = lstm_step(xw, h_prev, c_prev, W_hh)
    assert max_abs_diff(h_t, h) <= TOL and max_abs_diff(c_t, c) <= TOL
    for got, want in zip(gates, (i, f, g, o)):
        assert max_abs_diff(got, want) <= TOL


@pytest.mark.parametrize("value", [1.0, 2.0, -0.5])
def test_forget_bias_is_the_effective_bias(value):
    cell = LSTMCell(4, 5, forget_bias=value)
    H = 5
    effective = cell.bias_ih[H:2 * H] + cell.bias_hh[H:2 * H]
    assert torch.allclose(effective, torch.full((H,), value))
    # the other gates keep PyTorch's init
    assert not torch.allclose(cell.bias_ih[:H], torch.zeros(H))
    # with zero input and state, the forget gate opens to exactly σ(value)
    _, _, (_, f_t, _, _) = lstm_step(effective.new_zeros(1, 4 * H) + cell.bias_ih + cell.bias_hh,
                                     torch.zeros(1, H), torch.zeros(1, H), cell.weight_hh)
    assert torch.allclose(f_t, torch.full((1, H), 1 / (1 + math.exp(-value))))


def test_sigma_of_one_is_the_number_the_book_quotes():
    assert round(torch.sigmoid(torch.tensor(1.0)).item(), 3) == 0.731
