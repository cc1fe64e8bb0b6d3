"""The GRU's Jacobian of exercises/gru_jacobian.py against autograd: ``pytest exercises/test_gru_jacobian.py``."""

from __future__ import annotations

import torch
from torch.autograd.functional import jacobian

from lstm_book.cell import gru_step

EXERCISE = "gru_jacobian"
I, H = 3, 5
f64 = torch.float64


def step(seed: int, z_bias: float = 0.0):
    """A random GRU step: ``(h_{t−1}, gates, W_hh, b_hh)`` and autograd's ∂h_t/∂h_{t−1}."""
    gen = torch.Generator().manual_seed(seed)
    randn = lambda *shape: torch.randn(*shape, generator=gen, dtype=f64)  # noqa: E731
    W_ih, W_hh, b_ih, b_hh = randn(3 * H, I) / I**0.5, randn(3 * H, H) / H**0.5, randn(3 * H) / 2, randn(3 * H) / 2
    b_ih[H : 2 * H] = z_bias
    xw_t, h_prev = randn(1, I) @ W_ih.T + b_ih, randn(1, H).tanh()
    true = jacobian(lambda h: gru_step(xw_t, h, W_hh, b_hh)[0], h_prev)[0, :, 0, :]
    _, gates = gru_step(xw_t, h_prev, W_hh, b_hh)
    return h_prev[0], tuple(g[0] for g in gates), W_hh, b_hh, true


def check(exercise, seed: int, z_bias: float = 0.0):
    h_prev, gates, W_hh, b_hh, true = step(seed, z_bias)
    got = exercise.gru_state_jacobian(h_prev, gates, W_hh, b_hh)
    assert got.shape == (H, H), f"∂h_t/∂h_(t−1) is (H, H) = {(H, H)}, got {tuple(got.shape)}"
    torch.testing.assert_close(got, true, rtol=1e-10, atol=1e-12, msg=lambda report: (
        f"the GRU's ∂h_t/∂h_(t−1) differs from autograd's (PyTorch's placement of the reset gate: it multiplies "
        f"W_hn h_(t−1) + b_hn)\n{report}"))
    return got, gates


def test_a_random_step_against_autograd(exercise):
    check(exercise, seed=0)


def test_another_random_step_against_autograd(exercise):
    check(exercise, seed=1)


def test_in_remember_mode_it_is_nearly_diag_z(exercise):
    """z_t near 1: the terms through z_t and n_t vanish with z_t(1 − z_t) and 1 − z_t."""
    got, (_, z_t, _) = check(exercise, seed=2, z_bias=8.0)
    assert torch.linalg.matrix_norm(got - torch.diag(z_t), 2) < 0.01
