"""The layers beyond the twin table (tests/library/test_twins.py): LSTM, GRU and RNN checkpoints load into
torch.nn's and back; the LSTM's dropout and training curve are torch.nn.LSTM's; its gate recording holds
Eqs. (7) and (9) and its initialisations set the forget-gate bias as documented."""

from __future__ import annotations

import math

import pytest
import torch
from torch.testing import assert_close

from lstm_book import LSTM, SequenceClassifier
from tests.helpers import CLASSES, DT, EXACT, randn, twin

T, B, I, H = 5, 3, 4, 6


@pytest.mark.filterwarnings("ignore:LSTM with projections is not supported with oneDNN")  # torch's float32 note
@pytest.mark.parametrize("cell,kw", [
    ("LSTM", {"num_layers": 2, "bidirectional": True}),
    ("LSTM", {"num_layers": 2, "bidirectional": True, "proj_size": 2}),
    ("LSTM", {"num_layers": 3, "proj_size": 2}),
    ("LSTM", {"bias": False, "proj_size": 2}),
    ("GRU", {"num_layers": 2, "bidirectional": True}),
    ("GRU", {"bias": False}),
    ("RNN_TANH", {"num_layers": 2, "bidirectional": True}),
], ids=lambda v: v if isinstance(v, str) else ",".join(f"{k}={x}" for k, x in v.items()))
def test_state_dict_keys_shapes_and_parameter_order_equal_torch_and_load_both_ways(cell, kw):
    """A checkpoint saved from either module loads into the other and gives the same outputs (float32)."""
    ours_cls, ref_cls = CLASSES[cell]
    ours, ref = ours_cls(3, 5, **kw), ref_cls(3, 5, **kw)
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == \
           [(k, tuple(v.shape)) for k, v in ref.state_dict().items()]
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in ref.named_parameters()]
    x = torch.randn(4, 2, 3)
    ref.load_state_dict(ours.state_dict())  # ours → torch
    assert_close(ours(x), ref(x), rtol=0, atol=1e-6)
    for p in ref.parameters():  # torch → ours, with new values
        torch.nn.init.normal_(p)
    ours.load_state_dict(ref.state_dict())
    assert_close(ours(x), ref(x), rtol=0, atol=1e-6)


def test_dropout_acts_between_layers_in_training_mode_only_with_a_fresh_mask_that_follows_the_seed():
    ours, ref = twin(LSTM, torch.nn.LSTM, I, H, 2, dropout=0.5)
    x = randn(T, B, I)
    ours.eval(), ref.eval()
    assert_close(ours(x)[0], ref(x)[0], **EXACT)
    ours.train()
    a, b = ours(x)[0], ours(x)[0]
    assert (a - b).abs().max() > 1e-3  # a fresh mask each call
    torch.manual_seed(1)
    a = ours(x)[0]
    torch.manual_seed(1)
    assert torch.equal(a, ours(x)[0])  # masks follow the seed


# --8<-- [start:training_curves]
def test_training_curve_equals_torch_over_50_adam_steps():
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
    assert_close(ours, ref, rtol=0, atol=1e-9)
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
        lstm = LSTM(I, H, num_layers=2, bidirectional=True).to(DT)
        x = randn(T, B, I)
        output, (h_n, c_n), g = lstm(x, return_gates=True)
        assert_close(lstm(x)[0], output, **EXACT)  # recording (the readable cell) gives the same result
        top_fwd, top_bwd = g["h"][2], g["h"][3]  # layer 1, directions 0 and 1
        assert_close(torch.cat([top_fwd, top_bwd], dim=-1), output, **EXACT)
        assert_close(g["c"][2, -1], c_n[2], **EXACT)  # forward ends at t = T-1
        assert_close(g["c"][3, 0], c_n[3], **EXACT)  # reverse ends at t = 0
        # Eq. (7) forward in time for direction 0, backward in time for direction 1
        assert_close(g["c"][0, 1:], g["f"][0, 1:] * g["c"][0, :-1] + g["i"][0, 1:] * g["g"][0, 1:], **EXACT)
        assert_close(g["c"][1, :-1], g["f"][1, :-1] * g["c"][1, 1:] + g["i"][1, :-1] * g["g"][1, :-1], **EXACT)
        assert_close(g["h"], g["o"] * torch.tanh(g["c"]), **EXACT)  # Eq. (9)
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
