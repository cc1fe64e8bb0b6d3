"""The GRU (Eqs. 17–20): its step is the equations with torch's placement of the reset gate, its hand-written
backward passes gradcheck, its inference path, dropout, recording and chrono initialisation behave as
the LSTM's, and it trains as torch.nn.GRU does. Its twin tests against torch.nn.GRU and torch.nn.GRUCell
(values, gradients, state_dict) are in tests/library/test_twins.py, test_layers.py and test_cell.py."""

from __future__ import annotations

import math
from functools import partial

import pytest
import torch
from torch.testing import assert_close

from lstm_book import GRU, GRUCell, gru_step
from lstm_book.bptt_gru import GRULayerFunction, gru_layer
from tests.helpers import DT, EXACT, randn, uniform

H = 6


def test_gradcheck_gru_cell_in_float64():
    cell = GRUCell(3, 4).to(DT)
    x, h = randn(2, 3, requires_grad=True), randn(2, 4, requires_grad=True)

    def f(x, h, w_ih, w_hh, b_ih, b_hh):
        return gru_step(torch.nn.functional.linear(x, w_ih, b_ih), h, w_hh, b_hh)[0]

    assert torch.autograd.gradcheck(f, (x, h, *cell.parameters()))


def test_gru_step_implements_the_gate_equations():
    """Eqs. (17)–(20) written out independently of gru_step, with PyTorch's placement of the reset gate."""
    xw, h_prev, W_hh, b_hh = randn(2, 3 * H), randn(2, H), randn(3 * H, H), randn(3 * H)
    sig = lambda a: 1 / (1 + torch.exp(-a))  # noqa: E731
    gh = h_prev @ W_hh.T + b_hh
    r = sig(xw[:, :H] + gh[:, :H])  # Eq. (17)
    z = sig(xw[:, H:2 * H] + gh[:, H:2 * H])  # Eq. (18)
    n = torch.tanh(xw[:, 2 * H:] + r * gh[:, 2 * H:])  # Eq. (19): r multiplies W_hn h + b_hn
    h = (1 - z) * n + z * h_prev  # Eq. (20)
    h_t, gates = gru_step(xw, h_prev, W_hh, b_hh)
    assert_close((h_t, *gates), (h, r, z, n), **EXACT)


# --8<-- [start:gru_gradcheck]
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("bias", [True, False])
def test_gradcheck_gru_layer_function_float64(reverse, bias):
    """Finite differences agree with the hand-written GRU backward for every input, through output and h_n."""
    r = partial(uniform, generator=torch.Generator().manual_seed(int(reverse) + 2 * int(bias)))
    inputs = (r(5, 3, 4), r(3, 3), r(9, 4), r(9, 3)) + ((r(9), r(9)) if bias else (None, None))
    assert torch.autograd.gradcheck(
        lambda *a: GRULayerFunction.apply(*a, reverse), inputs, eps=1e-6, atol=1e-7, rtol=1e-5)
# --8<-- [end:gru_gradcheck]


@pytest.mark.parametrize("T_", [1, 15, 16, 17, 35])
@pytest.mark.parametrize("reverse", [False, True])
def test_gru_inference_path_equals_the_training_path(T_, reverse):
    """Without gradients the GRU layer streams its input projection in chunks and keeps nothing."""
    torch.manual_seed(T_)
    inputs = [randn(T_, 2, 3), randn(2, 4)] + [randn(*s, requires_grad=True) for s in ((12, 3), (12, 4), (12,), (12,))]
    trained = gru_layer(*inputs, reverse=reverse)
    with torch.no_grad():
        inferred = gru_layer(*inputs, reverse=reverse)
    assert all(a.grad_fn is None for a in inferred)
    assert_close(inferred, tuple(b.detach() for b in trained), rtol=0, atol=1e-12)


def test_dropout_masks_follow_the_seed_so_both_backward_paths_train_the_same():
    manual = GRU(3, 4, num_layers=3, dropout=0.4).to(DT)
    autograd = GRU(3, 4, num_layers=3, dropout=0.4, backward="autograd").to(DT)
    autograd.load_state_dict(manual.state_dict())
    x = randn(6, 2, 3)
    results = []
    for model in (manual, autograd):
        torch.manual_seed(42)
        output, h_n = model(x)
        (output.square().sum() + h_n.sum()).backward()
        results.append((output.detach(), [p.grad for p in model.parameters()]))
    (out_m, g_m), (out_a, g_a) = results
    assert_close((out_m, g_m), (out_a, g_a), **EXACT)
    assert (manual.eval()(x)[0] - out_m).abs().max() > 1e-3  # dropout really acted


def test_gate_recording_holds_r_z_n_h_consistent_with_eq_20():
    gru = GRU(3, 4, num_layers=2, bidirectional=True).to(DT)
    x = randn(5, 2, 3)
    output, h_n, g = gru(x, return_gates=True)
    assert set(g) == {"r", "z", "n", "h"} and g["z"].shape == (4, 5, 2, 4)
    assert_close(output, gru(x)[0], **EXACT)
    assert_close(torch.cat([g["h"][2], g["h"][3]], dim=-1), output, **EXACT)
    # Eq. (20) going forward in time (direction 0 of layer 0) and backward (direction 1)
    h, z, n = g["h"][0], g["z"][0], g["n"][0]
    assert_close(h[1:], (1 - z[1:]) * n[1:] + z[1:] * h[:-1], **EXACT)
    h, z, n = g["h"][1], g["z"][1], g["n"][1]
    assert_close(h[:-1], (1 - z[:-1]) * n[:-1] + z[:-1] * h[1:], **EXACT)


def test_second_derivative_of_the_manual_path_raises_and_autograd_supports_it():
    x = randn(4, 2, 3)
    manual = GRU(3, 4).to(DT)
    with pytest.raises(RuntimeError, match="second derivatives are not supported.*backward='autograd'"):
        torch.autograd.grad(manual(x)[0].square().sum(), manual.weight_hh_l0, create_graph=True)
    readable = GRU(3, 4, backward="autograd").to(DT)
    (g,) = torch.autograd.grad(readable(x)[0].square().sum(), readable.weight_hh_l0, create_graph=True)
    g.sum().backward()
    assert readable.weight_hh_l0.grad.abs().max() > 0


def test_chrono_init_draws_a_log_uniform_update_gate_bias():
    """b_z ~ log U(1, t_max − 1) as an effective bias (bias_hh's z slice zero); r and n keep torch's init."""
    gru = GRU(3, 512, num_layers=2, bidirectional=True, init="chrono", t_max=500)
    bound = 1 / math.sqrt(512)
    for layer in range(2):
        for direction in range(2):
            _, _, b_ih, b_hh = gru.weights(layer, direction)
            b_z = b_ih[512:1024] + b_hh[512:1024]
            assert torch.equal(b_hh[512:1024], torch.zeros(512))
            assert b_z.min() >= 0 and b_z.max() <= math.log(499)
            u = torch.exp(b_z)  # uniform on [1, 499]
            assert abs(u.mean().item() - 250) < 25 and abs(u.median().item() - 250) < 40
            for block in (slice(0, 512), slice(1024, 1536)):
                assert b_ih[block].abs().max() <= bound and b_hh[block].abs().max() <= bound
    # the memory each unit starts with: 1 / (1 − z) = 1 + e^{b_z} steps, between 2 and t_max
    z = torch.sigmoid(b_z)
    assert_close(1 / (1 - z), 1 + torch.exp(b_z), rtol=1e-4, atol=0)  # float32
    assert (1 / (1 - z)).min() >= 2 - 1e-3 and (1 / (1 - z)).max() <= 500 + 1e-1


def test_gru_training_curve_equals_torch_over_30_adam_steps():
    torch.manual_seed(3)
    ours = GRU(4, 8, num_layers=2, batch_first=True).to(DT)
    ref = torch.nn.GRU(4, 8, num_layers=2, batch_first=True).to(DT)
    ref.load_state_dict(ours.state_dict())
    data = randn(8, 10, 4)
    curves = []
    for model in (ours, ref):
        opt = torch.optim.Adam(model.parameters(), lr=1e-2)
        losses = []
        for _ in range(30):
            output, h_n = model(data)
            loss = (output[:, -1].sum(dim=1) - data[:, 0, 0]).square().mean() + h_n.square().mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        curves.append(losses)
    assert curves[0][-1] < 0.5 * curves[0][0]
    assert_close(curves[0], curves[1], rtol=0, atol=1e-9)
