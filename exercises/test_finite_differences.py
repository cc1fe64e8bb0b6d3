"""Finite differences of exercises/finite_differences.py: ``pytest exercises/test_finite_differences.py``."""

from __future__ import annotations

import torch

from lstm_book.cell import lstm_step

EXERCISE = "finite_differences"
B, H = 2, 3
f64 = torch.float64


def lstm_loss(seed: int = 0):
    """A scalar loss of one LSTM step, as a function of W_hh (4H, H), and the point to differentiate at."""
    gen = torch.Generator().manual_seed(seed)
    randn = lambda *shape: torch.randn(*shape, generator=gen, dtype=f64)  # noqa: E731
    xw, h, c, w_h, w_c = randn(B, 4 * H), randn(B, H), randn(B, H), randn(B, H), randn(B, H)

    def loss(W_hh):
        h_t, c_t, _ = lstm_step(xw, h, c, W_hh)
        return (w_h * h_t).sum() + (w_c * c_t).sum()
    return loss, randn(4 * H, H) / H**0.5


def test_a_cubic_is_differentiated_to_within_eps_squared(exercise):
    x = torch.tensor([0.5, -1.0, 2.0], dtype=f64)
    got = exercise.numerical_gradient(lambda v: (v**3).sum(), x)
    torch.testing.assert_close(got, 3 * x**2, rtol=0, atol=1e-8, msg=lambda report: (
        f"d(x³)/dx = 3x²; a one-sided difference is off by about 3xε, a central one by ε² \n{report}"))


def test_the_lstm_step_against_autograd(exercise):
    loss, W_hh = lstm_loss()
    true = torch.autograd.grad(loss(W_hh.requires_grad_()), W_hh)[0]
    got = exercise.numerical_gradient(loss, W_hh.detach())
    assert got.shape == W_hh.shape, f"the gradient is shaped like x, {tuple(W_hh.shape)}; got {tuple(got.shape)}"
    torch.testing.assert_close(got, true, rtol=0, atol=1e-8)


def test_the_callers_x_is_left_unchanged(exercise):
    loss, W_hh = lstm_loss(seed=1)
    before = W_hh.clone()
    exercise.numerical_gradient(loss, W_hh)
    assert torch.equal(W_hh, before), "numerical_gradient changed the caller's x"
