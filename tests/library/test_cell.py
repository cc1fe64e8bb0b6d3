"""The single-step cells: LSTMCell, GRUCell and RNNCell compute torch.nn's cells, and the LSTM cell's math
is Eqs. (4)–(9) and differentiable (the GRU's: tests/library/test_gru.py)."""

from __future__ import annotations

import itertools
import math

import pytest
import torch
from torch.testing import assert_close

from lstm_book import GRUCell, LSTMCell, RNNCell, lstm_step
from tests.helpers import EXACT, randn, twin

CELLS = {  # ours, torch.nn's, extra constructor arguments
    "LSTMCell": (LSTMCell, torch.nn.LSTMCell, {}),
    "GRUCell": (GRUCell, torch.nn.GRUCell, {}),
    "RNNCell-tanh": (RNNCell, torch.nn.RNNCell, {"nonlinearity": "tanh"}),
    "RNNCell-relu": (RNNCell, torch.nn.RNNCell, {"nonlinearity": "relu"}),
}


@pytest.mark.parametrize("name,bias,batched,initial_state",
                         list(itertools.product(CELLS, [True, False], [True, False], [True, False])))
def test_each_cell_computes_torch_nn_cell_outputs_and_every_gradient(name, bias, batched, initial_state):
    """Our cell holds torch.nn's weights (load_state_dict) and gives its h_t (and c_t) and the gradients of
    the input, the state and every parameter to 1e-10 in float64, on a batch (B, I) or one input (I,)."""
    ours_cls, ref_cls, kw = CELLS[name]
    ours, ref = twin(ours_cls, ref_cls, 5, 7, bias=bias, **kw)
    n_states = 2 if name == "LSTMCell" else 1
    batch = (3,) if batched else ()
    x = randn(*batch, 5, requires_grad=True)
    state = tuple(randn(*batch, 7, requires_grad=True) for _ in range(n_states)) if initial_state else None
    weights = [randn(*batch, 7) for _ in range(n_states)]  # a random loss on h_t (and c_t)
    results = []
    for module in (ours, ref):
        out = module(x, None if state is None else state if n_states == 2 else state[0])
        out = out if isinstance(out, tuple) else (out,)
        loss = sum((v * w).sum() for v, w in zip(out, weights))
        results.append((out, torch.autograd.grad(loss, [x, *module.parameters(), *(state or ())])))
    assert_close(results[0], results[1], **EXACT)


@pytest.mark.parametrize("name", CELLS)
def test_each_cell_state_dict_equals_torch_and_loads_both_ways(name):
    ours_cls, ref_cls, kw = CELLS[name]
    ours, ref = ours_cls(3, 5, **kw), ref_cls(3, 5, **kw)
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == \
           [(k, tuple(v.shape)) for k, v in ref.state_dict().items()]
    ref.load_state_dict(ours.state_dict())
    for p in ref.parameters():
        torch.nn.init.normal_(p)
    ours.load_state_dict(ref.state_dict())
    assert all(torch.equal(a, b) for a, b in zip(ours.parameters(), ref.parameters()))


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
    xw, h_prev, c_prev, W_hh = randn(2, 4 * H), randn(2, H), randn(2, H), randn(4 * H, H)
    a = xw + h_prev @ W_hh.T
    sig = lambda z: 1 / (1 + torch.exp(-z))  # noqa: E731
    i, f, g, o = sig(a[:, :H]), sig(a[:, H:2 * H]), torch.tanh(a[:, 2 * H:3 * H]), sig(a[:, 3 * H:])
    c = f * c_prev + i * g
    h = o * torch.tanh(c)
    h_t, c_t, gates = lstm_step(xw, h_prev, c_prev, W_hh)
    assert_close((h_t, c_t, *gates), (h, c, i, f, g, o), **EXACT)


@pytest.mark.parametrize("value", [1.0, 2.0, -0.5])
def test_forget_bias_sets_the_effective_forget_gate_bias_and_opens_the_gate_to_sigma_of_it(value):
    cell = LSTMCell(4, 5, forget_bias=value)
    H = 5
    effective = cell.bias_ih[H:2 * H] + cell.bias_hh[H:2 * H]
    assert_close(effective, torch.full((H,), value), rtol=0, atol=1e-6)  # float32
    # the other gates keep PyTorch's init
    assert not torch.allclose(cell.bias_ih[:H], torch.zeros(H))
    # with zero input and state, the forget gate opens to exactly σ(value)
    _, _, (_, f_t, _, _) = lstm_step(effective.new_zeros(1, 4 * H) + cell.bias_ih + cell.bias_hh,
                                     torch.zeros(1, H), torch.zeros(1, H), cell.weight_hh)
    assert_close(f_t, torch.full((1, H), 1 / (1 + math.exp(-value))), rtol=0, atol=1e-6)


def test_sigma_of_one_is_the_number_the_book_quotes():
    assert round(torch.sigmoid(torch.tensor(1.0)).item(), 3) == 0.731
