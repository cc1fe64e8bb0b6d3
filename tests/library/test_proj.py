"""LSTM with projections (proj_size > 0, LSTMP, Eq. 21): torch.nn.LSTM's shapes, the recorded h is the
projection, and the hand-written backward passes gradcheck. Its twin test (values and gradients on both
backward paths) and state_dict round trips are in tests/library/test_twins.py and test_layers.py."""

from __future__ import annotations

from functools import partial

import pytest
import torch
from torch.testing import assert_close

from lstm_book import LSTM
from lstm_book.bptt import LSTMLayerFunction, lstm_layer
from tests.helpers import EXACT, randn, uniform

T, B, I, H, P = 5, 3, 4, 6, 3


@pytest.mark.filterwarnings("ignore:LSTM with projections is not supported with oneDNN")  # torch's float32 note
def test_shapes_follow_torch_h_has_proj_size_and_c_keeps_hidden_size():
    ours = LSTM(I, H, num_layers=2, bidirectional=True, proj_size=P, batch_first=True)
    ref = torch.nn.LSTM(I, H, num_layers=2, bidirectional=True, proj_size=P, batch_first=True)
    x = torch.randn(B, T, I)
    (o1, (h1, c1)), (o2, (h2, c2)) = ours(x), ref(x)
    assert o1.shape == o2.shape == (B, T, 2 * P)
    assert h1.shape == h2.shape == (4, B, P) and c1.shape == c2.shape == (4, B, H)
    assert ours.weight_hh_l0.shape == (4 * H, P) and ours.weight_ih_l1.shape == (4 * H, 2 * P)
    assert ours.weight_hr_l1_reverse.shape == (P, H)
    assert ours.get_expected_hidden_size(x, None) == (4, B, P)


def test_recorded_hidden_state_is_the_projection_of_eq_21():
    lstm = LSTM(I, H, proj_size=P).double()
    x = randn(T, B, I)
    output, (h_n, _), g = lstm(x, return_gates=True)
    assert g["h"].shape == (1, T, B, P) and g["c"].shape == (1, T, B, H)
    assert_close(g["h"], (g["o"] * torch.tanh(g["c"])) @ lstm.weight_hr_l0.T, **EXACT)  # Eq. (21)
    assert_close(g["h"][0], output, **EXACT)


@pytest.mark.parametrize("reverse", [False, True])
def test_gradcheck_layer_function_with_projection_and_its_inference_path_agrees(reverse):
    r = partial(uniform, generator=torch.Generator().manual_seed(7 + int(reverse)))
    inputs = (r(4, 2, 3), r(2, 2), r(2, 3), r(12, 3), r(12, 2), r(12), r(12))
    w_hr = r(2, 3)
    assert torch.autograd.gradcheck(
        lambda *a: LSTMLayerFunction.apply(*a[:7], reverse, a[7]), (*inputs, w_hr), eps=1e-6, atol=1e-7, rtol=1e-5)
    with torch.no_grad():  # the inference path with a projection gives the training path's values
        inferred = lstm_layer(*inputs, reverse=reverse, weight_hr=w_hr)
    trained = lstm_layer(*inputs, reverse=reverse, weight_hr=w_hr)
    assert_close(inferred, tuple(b.detach() for b in trained), rtol=0, atol=1e-12)
