"""Both directions of exercises/directions.py against torch.nn.LSTM: ``pytest exercises/test_directions.py``."""

from __future__ import annotations

import torch
from torch import nn

EXERCISE = "directions"
T, B, I, H = 6, 3, 4, 5
f64 = torch.float64


def reference(seed: int = 0):
    """A bidirectional torch.nn.LSTM, its input and initial state, and what it computes."""
    torch.manual_seed(seed)
    lstm = nn.LSTM(I, H, bidirectional=True, dtype=f64)
    x, h_0, c_0 = torch.randn(T, B, I, dtype=f64), torch.randn(2, B, H, dtype=f64), torch.randn(2, B, H, dtype=f64)
    with torch.no_grad():
        output, (h_n, c_n) = lstm(x, (h_0, c_0))
    return lstm, x, h_0, c_0, output, h_n, c_n


def ours(exercise, lstm, x, h_0, c_0, direction: int):
    suffix = "_reverse" if direction else ""
    p = {name: getattr(lstm, f"{name}_l0{suffix}").detach() for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}
    xw = x @ p["weight_ih"].T + p["bias_ih"] + p["bias_hh"]
    return exercise.run_direction(xw, h_0[direction], c_0[direction], p["weight_hh"], reverse=bool(direction))


def test_forward_direction_is_torchs(exercise):
    lstm, x, h_0, c_0, output, h_n, c_n = reference()
    out, h, c = ours(exercise, lstm, x, h_0, c_0, 0)
    assert out.shape == (T, B, H), f"output is (T, B, H) = {(T, B, H)}, got {tuple(out.shape)}"
    torch.testing.assert_close(out, output[..., :H])
    torch.testing.assert_close(h, h_n[0])
    torch.testing.assert_close(c, c_n[0])


def test_reverse_direction_stores_each_output_at_its_position(exercise):
    lstm, x, h_0, c_0, output, _, _ = reference(1)
    out, _, _ = ours(exercise, lstm, x, h_0, c_0, 1)
    torch.testing.assert_close(out, output[..., H:], msg=lambda report: (
        "output[t] of the reverse direction is its state after reading position t (it reads T − 1 first)\n" + report))


def test_reverse_direction_ends_at_position_0(exercise):
    lstm, x, h_0, c_0, output, h_n, c_n = reference(2)
    _, h, c = ours(exercise, lstm, x, h_0, c_0, 1)
    torch.testing.assert_close(h, h_n[1], msg=lambda report: f"the reverse final state is the one at t = 0\n{report}")
    torch.testing.assert_close(c, c_n[1])
    torch.testing.assert_close(h, output[0, :, H:])
