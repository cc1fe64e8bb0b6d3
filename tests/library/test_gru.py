"""lstm_book.GRU / GRUCell are torch.nn.GRU / GRUCell's twins (Eqs. 17–20), and the hand-written GRU backward is exact."""

from __future__ import annotations

import itertools
import math

import pytest
import torch

from conftest import max_abs_diff, twin
from lstm_book import GRU, GRUCell, gru_step
from lstm_book.bptt_gru import GRULayerFunction, gru_layer
from test_layers import CONFIGS, _compare, _input, _state

TOL = 1e-10
DT = torch.float64
T, B, I, H = 5, 3, 4, 6  # as in test_layers


@pytest.mark.parametrize("num_layers,bidirectional,batch_first,bias,given,batched", CONFIGS)
@pytest.mark.parametrize("backward", ["manual", "autograd"])
def test_gru_matches_torch_outputs_states_and_all_gradients(num_layers, bidirectional, batch_first, bias, given, batched,
                                                            backward):
    """The LSTM's twin sweep, for the GRU on both backward paths: outputs, h_n, gradients of input,
    h_0 and every parameter to 1e-10 in float64, and the same values under no_grad."""
    ref = torch.nn.GRU(I, H, num_layers, bias=bias, batch_first=batch_first, bidirectional=bidirectional).double()
    ours = GRU(I, H, num_layers, bias=bias, batch_first=batch_first, bidirectional=bidirectional,
               backward=backward).double()
    ours.load_state_dict(ref.state_dict())
    state = _state(1, num_layers, bidirectional, batched) if given else None
    _compare(ours, ref, _input(batch_first, batched), state, n_states=1)


@pytest.mark.parametrize("bias,batched,given_state", list(itertools.product([True, False], repeat=3)))
def test_matches_torch_gru_cell_outputs_and_grads(bias, batched, given_state):
    ours, ref = twin(GRUCell, torch.nn.GRUCell, 5, 7, bias=bias)
    x = torch.randn((3, 5) if batched else (5,), dtype=DT, requires_grad=True)
    h = torch.randn((3, 7) if batched else (7,), dtype=DT, requires_grad=True) if given_state else None
    results = []
    for module in (ours, ref):
        h_t = module(x, h)
        loss = (h_t * torch.linspace(-1, 1, h_t.numel(), dtype=DT).view_as(h_t)).sum() + (h_t ** 2).sum()
        results.append((h_t, torch.autograd.grad(loss, [x, *module.parameters()] + ([h] if given_state else []))))
    (h1, g1), (h2, g2) = results
    assert max_abs_diff(h1, h2) <= TOL
    for a, b in zip(g1, g2):
        assert max_abs_diff(a, b) <= TOL


def test_gradcheck_gru_cell_in_float64():
    cell = GRUCell(3, 4).double()
    x = torch.randn(2, 3, dtype=DT, requires_grad=True)
    h = torch.randn(2, 4, dtype=DT, requires_grad=True)

    def f(x, h, w_ih, w_hh, b_ih, b_hh):
        return gru_step(torch.nn.functional.linear(x, w_ih, b_ih), h, w_hh, b_hh)[0]

    assert torch.autograd.gradcheck(f, (x, h, *cell.parameters()))


def test_gru_step_implements_the_gate_equations():
    """Eqs. (17)–(20) written out independently of gru_step, with PyTorch's placement of the reset gate."""
    xw = torch.randn(2, 3 * H, dtype=DT)
    h_prev = torch.randn(2, H, dtype=DT)
    W_hh, b_hh = torch.randn(3 * H, H, dtype=DT), torch.randn(3 * H, dtype=DT)
    sig = lambda a: 1 / (1 + torch.exp(-a))  # noqa: E731
    gh = h_prev @ W_hh.T + b_hh
    r = sig(xw[:, :H] + gh[:, :H])  # Eq. (17)
    z = sig(xw[:, H:2 * H] + gh[:, H:2 * H])  # Eq. (18)
    n = torch.tanh(xw[:, 2 * H:] + r * gh[:, 2 * H:])  # Eq. (19): r multiplies W_hn h + b_hn
    h = (1 - z) * n + z * h_prev  # Eq. (20)
    h_t, gates = gru_step(xw, h_prev, W_hh, b_hh)
    assert max_abs_diff(h_t, h) <= TOL
    for got, want in zip(gates, (r, z, n)):
        assert max_abs_diff(got, want) <= TOL


# --8<-- [start:gru_gradcheck]
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("bias", [True, False])
def test_gradcheck_gru_layer_function_float64(reverse, bias):
    """Finite differences agree with the hand-written GRU backward for every input, through output and h_n."""
    g = torch.Generator().manual_seed(int(reverse) + 2 * int(bias))

    def r(*shape):
        return (torch.rand(*shape, generator=g, dtype=DT) * 2 - 1).requires_grad_()
    inputs = (r(5, 3, 4), r(3, 3), r(9, 4), r(9, 3)) + ((r(9), r(9)) if bias else (None, None))
    assert torch.autograd.gradcheck(
        lambda *a: GRULayerFunction.apply(*a, reverse), inputs, eps=1e-6, atol=1e-7, rtol=1e-5)
# --8<-- [end:gru_gradcheck]


@pytest.mark.parametrize("T_", [1, 15, 16, 17, 35])
@pytest.mark.parametrize("reverse", [False, True])
def test_gru_inference_path_equals_the_training_path(T_, reverse):
    """Without gradients the GRU layer streams its input projection in chunks and keeps nothing."""
    torch.manual_seed(T_)
    inputs = [torch.randn(T_, 2, 3, dtype=DT), torch.randn(2, 4, dtype=DT)] + \
             [torch.randn(s, dtype=DT, requires_grad=True) for s in ((12, 3), (12, 4), (12,), (12,))]
    trained = gru_layer(*inputs, reverse=reverse)
    with torch.no_grad():
        inferred = gru_layer(*inputs, reverse=reverse)
    for a, b in zip(inferred, trained):
        assert a.grad_fn is None and (a - b.detach()).abs().max().item() <= 1e-12


def test_state_dict_round_trips_with_torch_in_both_directions():
    for kw in ({"num_layers": 2, "bidirectional": True}, {"bias": False}):
        ours, ref = GRU(3, 5, **kw), torch.nn.GRU(3, 5, **kw)
        assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == \
               [(k, tuple(v.shape)) for k, v in ref.state_dict().items()]
        ref.load_state_dict(ours.state_dict())
        x = torch.randn(4, 2, 3)
        assert max_abs_diff(ours(x)[0], ref(x)[0]) <= 1e-6
        torch.nn.init.normal_(ref.weight_hh_l0)
        ours.load_state_dict(ref.state_dict())
        assert max_abs_diff(ours(x)[1], ref(x)[1]) <= 1e-6
    cell, ref_cell = GRUCell(3, 5), torch.nn.GRUCell(3, 5)
    cell.load_state_dict(ref_cell.state_dict())
    ref_cell.load_state_dict(cell.state_dict())
    assert list(cell.state_dict()) == list(ref_cell.state_dict())


def test_dropout_masks_follow_the_seed_on_both_paths():
    manual = GRU(3, 4, num_layers=3, dropout=0.4).to(DT)
    autograd = GRU(3, 4, num_layers=3, dropout=0.4, backward="autograd").to(DT)
    autograd.load_state_dict(manual.state_dict())
    x = torch.randn(6, 2, 3, dtype=DT)
    results = []
    for model in (manual, autograd):
        torch.manual_seed(42)
        output, h_n = model(x)
        (output.square().sum() + h_n.sum()).backward()
        results.append((output.detach(), [p.grad for p in model.parameters()]))
    (out_m, g_m), (out_a, g_a) = results
    assert max_abs_diff(out_m, out_a) <= TOL and all(max_abs_diff(a, b) <= TOL for a, b in zip(g_m, g_a))
    assert max_abs_diff(manual.eval()(x)[0], out_m) > 1e-3  # dropout really acted


def test_gate_recording_holds_r_z_n_h_consistent_with_eq_20():
    gru = GRU(3, 4, num_layers=2, bidirectional=True).to(DT)
    x = torch.randn(5, 2, 3, dtype=DT)
    output, h_n, g = gru(x, return_gates=True)
    assert set(g) == {"r", "z", "n", "h"} and g["z"].shape == (4, 5, 2, 4)
    assert max_abs_diff(output, gru(x)[0]) <= TOL
    assert max_abs_diff(torch.cat([g["h"][2], g["h"][3]], dim=-1), output) <= TOL
    # Eq. (20) going forward in time (direction 0 of layer 0) and backward (direction 1)
    h, z, n = g["h"][0], g["z"][0], g["n"][0]
    assert max_abs_diff(h[1:], (1 - z[1:]) * n[1:] + z[1:] * h[:-1]) <= TOL
    h, z, n = g["h"][1], g["z"][1], g["n"][1]
    assert max_abs_diff(h[:-1], (1 - z[:-1]) * n[:-1] + z[:-1] * h[1:]) <= TOL


def test_second_derivative_of_the_manual_path_raises_and_autograd_supports_it():
    x = torch.randn(4, 2, 3, dtype=DT)
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
    assert torch.allclose(1 / (1 - z), 1 + torch.exp(b_z), rtol=1e-4)
    assert (1 / (1 - z)).min() >= 2 - 1e-3 and (1 / (1 - z)).max() <= 500 + 1e-1


def test_gru_training_curve_equals_torch_over_30_adam_steps():
    torch.manual_seed(3)
    ours = GRU(4, 8, num_layers=2, batch_first=True).to(DT)
    ref = torch.nn.GRU(4, 8, num_layers=2, batch_first=True).to(DT)
    ref.load_state_dict(ours.state_dict())
    data = torch.randn(8, 10, 4, dtype=DT)
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
    assert max(abs(a - b) for a, b in zip(*curves)) <= 1e-9
