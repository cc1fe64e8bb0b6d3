"""The Jacobian product of exercises/jacobian_product.py: ``pytest exercises/test_jacobian_product.py``."""

from __future__ import annotations

import torch
from torch.autograd.functional import jacobian

from lstm_book.cell import rnn_step

EXERCISE = "jacobian_product"
H = 5
f64 = torch.float64


def trajectory(d: int, seed: int = 0, scale: float = 1.5):
    """A random RNN run for ``d`` steps from ``h_k``: its W_hh, inputs, ``h_k`` and the states ``h_{k+1} … h_t``."""
    gen = torch.Generator().manual_seed(seed)
    W_hh = scale * torch.randn(H, H, generator=gen, dtype=f64) / H**0.5  # not symmetric: the order matters
    xw = torch.randn(d, 1, H, generator=gen, dtype=f64)
    h_k = torch.randn(1, H, generator=gen, dtype=f64)

    def unrolled(h):
        states = []
        for xw_t in xw:
            h = rnn_step(xw_t, h, W_hh)  # Eq. (1)
            states.append(h)
        return states

    with torch.no_grad():
        h = torch.cat(unrolled(h_k)) if d else torch.zeros(0, H, dtype=f64)
    true = jacobian(lambda h0: unrolled(h0)[-1], h_k)[0, :, 0, :] if d else torch.eye(H, dtype=f64)
    return W_hh, h, true


def check(exercise, d: int, seed: int = 0) -> None:
    W_hh, h, true = trajectory(d, seed)
    got = exercise.jacobian_product(W_hh, h)
    assert got.shape == (H, H), f"∂h_t/∂h_k is (H, H) = {(H, H)}, got {tuple(got.shape)}"
    torch.testing.assert_close(got, true, rtol=1e-9, atol=1e-12, msg=lambda report: (
        f"∂h_t/∂h_k over d = {d} steps differs from autograd's (each factor is diag(1 − h_t²) W_hh with the "
        f"h_t it produced, the latest on the left)\n{report}"))


def test_one_step_is_eq_2(exercise):
    check(exercise, d=1)


def test_two_steps_in_the_right_order(exercise):
    """diag(1 − h_{k+2}²) W_hh diag(1 − h_{k+1}²) W_hh, not the other way round."""
    check(exercise, d=2, seed=1)


def test_many_steps_against_autograd(exercise):
    check(exercise, d=12, seed=2)


def test_no_step_is_the_identity(exercise):
    check(exercise, d=0)


def test_the_product_obeys_the_bound_of_eq_3(exercise):
    """‖∂h_t/∂h_k‖₂ ≤ ∏ κ_{t'} σ_max(W_hh) ≤ σ_max(W_hh)^d."""
    W_hh, h, _ = trajectory(8, seed=3, scale=3.0)
    norm = torch.linalg.matrix_norm(exercise.jacobian_product(W_hh, h), 2)
    sigma_max = torch.linalg.matrix_norm(W_hh, 2)
    kappas = (1 - h**2).max(dim=1).values
    assert norm <= (kappas * sigma_max).prod() * (1 + 1e-9) <= sigma_max ** len(h) * (1 + 1e-9)
