"""LSTM with projections (proj_size > 0, LSTMP, Eq. 21): torch.nn.LSTM's shapes, keys, values and gradients."""

from __future__ import annotations

import pytest
import torch

from conftest import max_abs_diff
from lstm_book import LSTM
from lstm_book.bptt import LSTMLayerFunction, lstm_layer
from test_layers import B, CONFIGS, I, T, _input

TOL = 1e-10
DT = torch.float64
H, P = 6, 3


def _compare(ours, ref, x, state):
    results = []
    for module in (ours, ref):
        output, finals = module(x, state)
        w = torch.linspace(-1, 1, output.numel(), dtype=DT).view_as(output)
        loss = (output * w).sum() + (finals[0] ** 2).sum() + 2 * (finals[1] ** 2).sum()
        leaves = [x, *module.parameters()] + (list(state) if state is not None else [])
        results.append((output, finals, torch.autograd.grad(loss, leaves)))
    (o1, f1, g1), (o2, f2, g2) = results
    assert max_abs_diff(o1, o2) <= TOL and all(max_abs_diff(a, b) <= TOL for a, b in zip(f1, f2))
    assert len(g1) == len(g2) and all(max_abs_diff(a, b) <= TOL for a, b in zip(g1, g2))
    with torch.no_grad():
        output, finals = ours(x, state)
    assert max_abs_diff(output, o2) <= TOL and all(max_abs_diff(a, b) <= TOL for a, b in zip(finals, f2))


@pytest.mark.parametrize("num_layers,bidirectional,batch_first,bias,given,batched", CONFIGS[::2])
@pytest.mark.parametrize("backward", ["manual", "autograd"])
def test_projected_lstm_matches_torch_outputs_states_and_all_gradients(num_layers, bidirectional, batch_first, bias,
                                                                       given, batched, backward):
    ref = torch.nn.LSTM(I, H, num_layers, bias=bias, batch_first=batch_first, bidirectional=bidirectional,
                        proj_size=P).double()
    ours = LSTM(I, H, num_layers, bias=bias, batch_first=batch_first, bidirectional=bidirectional, proj_size=P,
                backward=backward).double()
    ours.load_state_dict(ref.state_dict())
    LD = num_layers * (2 if bidirectional else 1)
    state = None
    if given:
        shapes = ((LD, B, P), (LD, B, H)) if batched else ((LD, P), (LD, H))
        state = tuple(torch.randn(s, dtype=DT, requires_grad=True) for s in shapes)
    _compare(ours, ref, _input(batch_first, batched), state)


@pytest.mark.filterwarnings("ignore:LSTM with projections is not supported with oneDNN")  # torch's float32 note
def test_shapes_follow_torch_h_has_proj_size_c_keeps_hidden_size():
    ours = LSTM(I, H, num_layers=2, bidirectional=True, proj_size=P, batch_first=True)
    ref = torch.nn.LSTM(I, H, num_layers=2, bidirectional=True, proj_size=P, batch_first=True)
    x = torch.randn(B, T, I)
    (o1, (h1, c1)), (o2, (h2, c2)) = ours(x), ref(x)
    assert o1.shape == o2.shape == (B, T, 2 * P)
    assert h1.shape == h2.shape == (4, B, P) and c1.shape == c2.shape == (4, B, H)
    assert ours.weight_hh_l0.shape == (4 * H, P) and ours.weight_ih_l1.shape == (4 * H, 2 * P)
    assert ours.weight_hr_l1_reverse.shape == (P, H)
    assert ours.get_expected_hidden_size(x, None) == (4, B, P)


@pytest.mark.parametrize("kw", [{"num_layers": 2, "bidirectional": True}, {"bias": False}, {"num_layers": 3}])
def test_state_dict_keys_order_and_round_trips_equal_torch(kw):
    ours, ref = LSTM(3, 5, proj_size=2, **kw), torch.nn.LSTM(3, 5, proj_size=2, **kw)
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == \
           [(k, tuple(v.shape)) for k, v in ref.state_dict().items()]
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in ref.named_parameters()]
    x = torch.randn(4, 2, 3)
    ref.load_state_dict(ours.state_dict())  # ours → torch
    assert max_abs_diff(ours(x)[0], ref(x)[0]) <= 1e-6
    for p in ref.parameters():  # torch → ours, with new values
        torch.nn.init.normal_(p)
    ours.load_state_dict(ref.state_dict())
    assert max_abs_diff(ours(x)[1][1], ref(x)[1][1]) <= 1e-6


def test_recorded_hidden_state_is_the_projection_of_eq_21():
    lstm = LSTM(I, H, proj_size=P).double()
    x = torch.randn(T, B, I, dtype=DT)
    output, (h_n, _), g = lstm(x, return_gates=True)
    assert g["h"].shape == (1, T, B, P) and g["c"].shape == (1, T, B, H)
    assert max_abs_diff(g["h"], (g["o"] * torch.tanh(g["c"])) @ lstm.weight_hr_l0.T) <= TOL  # Eq. (21)
    assert max_abs_diff(g["h"][0], output) <= TOL


@pytest.mark.parametrize("reverse", [False, True])
def test_gradcheck_layer_function_with_projection(reverse):
    g = torch.Generator().manual_seed(7 + int(reverse))

    def r(*shape):
        return (torch.rand(*shape, generator=g, dtype=DT) * 2 - 1).requires_grad_()
    inputs = (r(4, 2, 3), r(2, 2), r(2, 3), r(12, 3), r(12, 2), r(12), r(12))
    w_hr = r(2, 3)
    assert torch.autograd.gradcheck(
        lambda *a: LSTMLayerFunction.apply(*a[:7], reverse, a[7]), (*inputs, w_hr), eps=1e-6, atol=1e-7, rtol=1e-5)
    with torch.no_grad():  # the inference path with a projection gives the training path's values
        inferred = lstm_layer(*inputs, reverse=reverse, weight_hr=w_hr)
    trained = lstm_layer(*inputs, reverse=reverse, weight_hr=w_hr)
    assert all((a - b.detach()).abs().max() <= 1e-12 for a, b in zip(inferred, trained))
