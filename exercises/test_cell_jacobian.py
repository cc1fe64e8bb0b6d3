"""Eq. (11) of exercises/cell_jacobian.py against autograd: ``pytest exercises/test_cell_jacobian.py``."""

from __future__ import annotations

import torch
from torch.autograd.functional import jacobian

from lstm_book.cell import lstm_step

EXERCISE = "cell_jacobian"
I, H = 3, 5
f64 = torch.float64


def step_pair(seed: int, biases: dict[str, float] | None = None):
    """Steps t−1 and t of a random cell: ``(c_{t−1}, o_{t−1}, gates of step t, W_hh)`` and autograd's ∂c_t/∂c_{t−1}."""
    gen = torch.Generator().manual_seed(seed)
    randn = lambda *shape: torch.randn(*shape, generator=gen, dtype=f64)  # noqa: E731
    W_ih, W_hh, bias = randn(4 * H, I) / I**0.5, randn(4 * H, H) / H**0.5, randn(4 * H) / 2
    for gate, value in (biases or {}).items():
        k = "ifgo".index(gate)
        bias[k * H : (k + 1) * H] = value
    x_prev, x_t, h_prev2, c_prev2 = randn(1, I), randn(1, I), randn(1, H), 2 * randn(1, H)
    _, c_prev, (_, _, _, o_prev) = lstm_step(x_prev @ W_ih.T + bias, h_prev2, c_prev2, W_hh)  # step t − 1
    xw_t = x_t @ W_ih.T + bias

    def c_t_of(c):  # step t as a function of c_{t−1} alone: h_{t−1} = o_{t−1} ⊙ tanh(c_{t−1}), o_{t−1} fixed
        return lstm_step(xw_t, o_prev * torch.tanh(c), c, W_hh)[1]

    true = jacobian(c_t_of, c_prev)[0, :, 0, :]
    _, _, gates = lstm_step(xw_t, o_prev * torch.tanh(c_prev), c_prev, W_hh)
    return c_prev[0], o_prev[0], tuple(g[0] for g in gates), W_hh, true


def check(exercise, seed: int, biases: dict[str, float] | None = None) -> None:
    c_prev, o_prev, gates, W_hh, true = step_pair(seed, biases)
    got = exercise.cell_state_jacobian(c_prev, o_prev, gates, W_hh)
    assert got.shape == (H, H), f"∂c_t/∂c_(t−1) is (H, H) = {(H, H)}, got {tuple(got.shape)}"
    torch.testing.assert_close(got, true, rtol=1e-10, atol=1e-12, msg=lambda report: (
        f"Eq. (11) differs from autograd's ∂c_t/∂c_(t−1)\n{report}"))


def test_a_random_cell_against_autograd(exercise):
    check(exercise, seed=0)


def test_another_random_cell_against_autograd(exercise):
    check(exercise, seed=1)


def test_in_remember_mode_it_is_nearly_the_direct_term(exercise):
    """b_f = 6, b_i = −6: the bracket's gate slopes are about σ'(6) ≈ 0.0025, so Eq. (11) ≈ diag(f_t)."""
    check(exercise, seed=2, biases={"f": 6.0, "i": -6.0})
    c_prev, o_prev, gates, W_hh, _ = step_pair(2, {"f": 6.0, "i": -6.0})
    got = exercise.cell_state_jacobian(c_prev, o_prev, gates, W_hh)
    assert torch.linalg.matrix_norm(got - torch.diag(gates[1]), 2) < 0.05
