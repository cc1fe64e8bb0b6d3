"""Eq. (16) of exercises/weight_grads.py against autograd: ``pytest exercises/test_weight_grads.py``."""

from __future__ import annotations

import torch

from lstm_book.cell import lstm_step

EXERCISE = "weight_grads"
I, H = 3, 4
f64 = torch.float64


def check(exercise, T: int, B: int, seed: int = 0) -> None:
    gen = torch.Generator().manual_seed(seed)
    randn = lambda *shape: torch.randn(*shape, generator=gen, dtype=f64)  # noqa: E731
    W_ih, W_hh, b = (randn(4 * H, I) / 2).requires_grad_(), (randn(4 * H, H) / 2).requires_grad_(), randn(4 * H).requires_grad_()
    x, h = randn(T, B, I), [randn(B, H)]
    c, xw = randn(B, H), []
    for t in range(T):
        xw.append(x[t] @ W_ih.T + b)  # the input half of a_t, a node of the graph: ∂L/∂xw_t = δa_t
        h_t, c, _ = lstm_step(xw[-1], h[-1], c, W_hh)
        h.append(h_t)
    loss = sum((randn(B, H) * h_t).sum() for h_t in h[1:])
    *delta_a, d_W_ih, d_W_hh, d_b = torch.autograd.grad(loss, [*xw, W_ih, W_hh, b])
    got = exercise.weight_gradients(torch.stack(delta_a), x, torch.stack([v.detach() for v in h]))
    for name, ours, true in zip(("∂L/∂W_ih", "∂L/∂W_hh", "∂L/∂b"), got, (d_W_ih, d_W_hh, d_b)):
        assert ours.shape == true.shape, f"{name} is {tuple(true.shape)}, got {tuple(ours.shape)}"
        torch.testing.assert_close(ours, true, msg=lambda report, name=name: f"{name} differs from autograd's\n{report}")


def test_one_step_one_sequence(exercise):
    check(exercise, T=1, B=1)


def test_a_batch_over_many_steps(exercise):
    """Σ over steps and over the batch: every outer product δa_t h_{t−1}^T of every sequence."""
    check(exercise, T=7, B=3, seed=1)
