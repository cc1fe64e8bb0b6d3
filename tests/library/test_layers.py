"""lstm_book.LSTM / RNN are torch.nn.LSTM / RNN's twins: same keys, shapes, values and gradients."""

from __future__ import annotations

import itertools
import math

import pytest
import torch

from conftest import max_abs_diff, twin
from lstm_book import LSTM, RNN, SequenceClassifier

TOL = 1e-10
T, B, I, H = 5, 3, 4, 6

# --8<-- [start:configs]
CONFIGS = list(itertools.product(
    [1, 2, 3],        # num_layers
    [False, True],    # bidirectional
    [False, True],    # batch_first
    [True, False],    # bias
    [False, True],    # initial state given
    [True, False],    # batched
))
# --8<-- [end:configs]


def _input(batch_first: bool, batched: bool) -> torch.Tensor:
    if not batched:
        return torch.randn(T, I, dtype=torch.double, requires_grad=True)
    shape = (B, T, I) if batch_first else (T, B, I)
    return torch.randn(shape, dtype=torch.double, requires_grad=True)


def _state(n: int, num_layers: int, bidirectional: bool, batched: bool) -> tuple[torch.Tensor, ...]:
    LD = num_layers * (2 if bidirectional else 1)
    shape = (LD, B, H) if batched else (LD, H)
    return tuple(torch.randn(shape, dtype=torch.double, requires_grad=True) for _ in range(n))


def _loss(output: torch.Tensor, finals: tuple[torch.Tensor, ...]) -> torch.Tensor:
    """A loss that reaches every output position and every final state with distinct weights."""
    w = torch.linspace(-1, 1, output.numel(), dtype=torch.double).view_as(output)
    return (output * w).sum() + sum((s ** 2).sum() * (k + 1) for k, s in enumerate(finals))


# --8<-- [start:compare]
def _compare(ours, ref, x, state, n_states):
    results = []
    given = None if state is None else (state if n_states > 1 else state[0])
    for module in (ours, ref):
        out = module(x, given)
        output, finals = out[0], (out[1] if n_states > 1 else (out[1],))
        leaves = [x, *module.parameters()] + (list(state) if state is not None else [])
        results.append((output, finals, torch.autograd.grad(_loss(output, finals), leaves)))
    (o1, f1, g1), (o2, f2, g2) = results
    assert max_abs_diff(o1, o2) <= TOL
    for a, b in zip(f1, f2):
        assert max_abs_diff(a, b) <= TOL
    assert len(g1) == len(g2)
    for a, b in zip(g1, g2):
        assert max_abs_diff(a, b) <= TOL
    with torch.no_grad():  # inference takes its own path (nothing kept for a backward pass): same values
        out = ours(x, given)
    for a, b in zip((out[0], *(out[1] if n_states > 1 else (out[1],))), (o2, *f2)):
        assert max_abs_diff(a, b) <= TOL


@pytest.mark.parametrize("num_layers,bidirectional,batch_first,bias,given,batched", CONFIGS)
def test_lstm_matches_torch_outputs_states_and_all_gradients(num_layers, bidirectional, batch_first, bias, given, batched):
    ours, ref = twin(LSTM, torch.nn.LSTM, I, H, num_layers, bias=bias, batch_first=batch_first,
                     bidirectional=bidirectional)
    state = _state(2, num_layers, bidirectional, batched) if given else None
    _compare(ours, ref, _input(batch_first, batched), state, n_states=2)
# --8<-- [end:compare]


@pytest.mark.parametrize("num_layers,bidirectional,batch_first,bias,given,batched", CONFIGS[::3])
@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_rnn_matches_torch_outputs_states_and_all_gradients(num_layers, bidirectional, batch_first, bias, given, batched, nonlinearity):
    ours, ref = twin(RNN, torch.nn.RNN, I, H, num_layers, nonlinearity=nonlinearity, bias=bias,
                     batch_first=batch_first, bidirectional=bidirectional)
    state = _state(1, num_layers, bidirectional, batched) if given else None
    _compare(ours, ref, _input(batch_first, batched), state, n_states=1)


@pytest.mark.parametrize("cls,ref_cls", [(LSTM, torch.nn.LSTM), (RNN, torch.nn.RNN)])
def test_state_dict_keys_shapes_and_order_equal_torch(cls, ref_cls):
    ours, ref = cls(3, 5, num_layers=2, bidirectional=True), ref_cls(3, 5, num_layers=2, bidirectional=True)
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == \
           [(k, tuple(v.shape)) for k, v in ref.state_dict().items()]
    ref.load_state_dict(ours.state_dict())  # and the other way round
    x = torch.randn(4, 2, 3)
    assert max_abs_diff(ours(x)[0], ref(x)[0]) <= 1e-6


def test_dropout_between_layers_only_in_training_mode():
    ours, ref = twin(LSTM, torch.nn.LSTM, I, H, 2, dropout=0.5)
    x = torch.randn(T, B, I, dtype=torch.double)
    ours.eval(), ref.eval()
    assert max_abs_diff(ours(x)[0], ref(x)[0]) <= TOL
    ours.train()
    a, b = ours(x)[0], ours(x)[0]
    assert max_abs_diff(a, b) > 1e-3  # a fresh mask each call
    torch.manual_seed(1)
    a = ours(x)[0]
    torch.manual_seed(1)
    assert max_abs_diff(a, ours(x)[0]) == 0.0  # masks follow the seed


# --8<-- [start:training_curves]
def test_identical_training_curves_over_50_adam_steps():
    """Same seed and data: our LSTM and torch.nn.LSTM trace the same loss curve."""
    data = torch.randint(0, 6, (64, 12))
    labels = (data[:, -1] >= 3).long()

    def curve(use_torch: bool) -> list[float]:
        torch.manual_seed(3)
        model = SequenceClassifier(6, 5, 16, 2, num_layers=2, forget_bias=1.0).double()
        if use_torch:
            ref = torch.nn.LSTM(5, 16, 2, batch_first=True).double()
            ref.load_state_dict(model.rnn.state_dict())
            model.rnn = ref
            model.cell = "lstm"
        opt = torch.optim.Adam(model.parameters(), lr=1e-2)
        losses = []
        for step in range(50):
            idx = torch.arange(step % 4 * 16, step % 4 * 16 + 16)
            loss = torch.nn.functional.cross_entropy(model(data[idx]), labels[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        return losses

    ours, ref = curve(False), curve(True)
    assert ours[-1] < 0.5 * ours[0]  # it actually learned something
    assert max(abs(a - b) for a, b in zip(ours, ref)) <= 1e-9
# --8<-- [end:training_curves]


class TestGateRecording:
    def test_shapes_are_layer_direction_time_batch_hidden(self):
        lstm = LSTM(I, H, num_layers=2, bidirectional=True, batch_first=True)
        _, _, gates = lstm(torch.randn(B, T, I), return_gates=True)
        assert set(gates) == {"i", "f", "g", "o", "c", "h"}
        for g in gates.values():
            assert g.shape == (4, T, B, H)
        _, _, gates = lstm(torch.randn(T, I), return_gates=True)
        assert gates["f"].shape == (4, T, H)

    def test_recorded_values_are_consistent_with_outputs_and_equations(self):
        lstm = LSTM(I, H, num_layers=2, bidirectional=True).double()
        x = torch.randn(T, B, I, dtype=torch.double)
        output, (h_n, c_n), g = lstm(x, return_gates=True)
        assert max_abs_diff(lstm(x)[0], output) <= TOL  # recording (the readable cell) gives the same result
        top_fwd, top_bwd = g["h"][2], g["h"][3]  # layer 1, directions 0 and 1
        assert max_abs_diff(torch.cat([top_fwd, top_bwd], dim=-1), output) <= TOL
        assert max_abs_diff(g["c"][2, -1], c_n[2]) <= TOL  # forward ends at t = T-1
        assert max_abs_diff(g["c"][3, 0], c_n[3]) <= TOL  # reverse ends at t = 0
        # Eq. (7) forward in time for direction 0, backward in time for direction 1
        assert max_abs_diff(g["c"][0, 1:], g["f"][0, 1:] * g["c"][0, :-1] + g["i"][0, 1:] * g["g"][0, 1:]) <= TOL
        assert max_abs_diff(g["c"][1, :-1], g["f"][1, :-1] * g["c"][1, 1:] + g["i"][1, :-1] * g["g"][1, :-1]) <= TOL
        assert max_abs_diff(g["h"], g["o"] * torch.tanh(g["c"])) <= TOL  # Eq. (9)
        assert ((g["f"] > 0) & (g["f"] < 1)).all()

    def test_recorded_cell_states_are_differentiable(self):
        lstm = LSTM(I, H)
        x = torch.randn(T, B, I, requires_grad=True)
        _, _, g = lstm(x, return_gates=True)
        (grad,) = torch.autograd.grad(g["c"][0, 0].sum(), x)
        assert grad[0].abs().sum() > 0 and grad[1:].abs().sum() == 0  # c_0 depends on x_0 only


class TestInitialisation:
    def test_forget_bias_applies_to_every_layer_and_direction(self):
        lstm = LSTM(I, H, num_layers=3, bidirectional=True, forget_bias=1.0)
        for layer in range(3):
            for direction in range(2):
                _, _, b_ih, b_hh = lstm.weights(layer, direction)
                assert torch.equal(b_ih[H:2 * H] + b_hh[H:2 * H], torch.ones(H))
        assert round(torch.sigmoid(b_ih[H:2 * H] + b_hh[H:2 * H]).mean().item(), 3) == 0.731

    def test_default_keeps_torch_init_effective_forget_bias_near_zero(self):
        lstm = LSTM(I, 64)
        _, _, b_ih, b_hh = lstm.weights(0)
        b_f = b_ih[64:128] + b_hh[64:128]
        assert b_f.abs().max() <= 2 / math.sqrt(64) and b_f.std() > 0

    def test_chrono_draws_log_uniform_forget_bias_and_opposite_input_bias(self):
        lstm = LSTM(I, 512, init="chrono", t_max=500)
        _, _, b_ih, b_hh = lstm.weights(0)
        b_i, b_f = b_ih[:512] + b_hh[:512], b_ih[512:1024] + b_hh[512:1024]
        assert torch.equal(b_i, -b_f)
        assert b_f.min() >= 0 and b_f.max() <= math.log(499)
        u = torch.exp(b_f)  # should be uniform on [1, 499]
        assert abs(u.mean().item() - 250) < 25 and abs(u.median().item() - 250) < 40
