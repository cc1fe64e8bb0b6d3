"""The gate deltas of exercises/gate_deltas.py against autograd: ``pytest exercises/test_gate_deltas.py``."""

from __future__ import annotations

import torch

from lstm_book.cell import lstm_step

EXERCISE = "gate_deltas"
B, H = 3, 5
f64 = torch.float64


def unrolled(T: int, seed: int = 0):
    """A random LSTM layer run for ``T`` steps through ``lstm_step``, and a loss that reads every h_t and c_T.

    Returns the per-step tensors (``xw`` — the input half of each pre-activation, a node of the graph, so
    that ∂L/∂xw_t = ∂L/∂a_t = δa_t — ``h``, ``c``, ``gates``) and the loss.
    """
    gen = torch.Generator().manual_seed(seed)
    randn = lambda *shape: torch.randn(*shape, generator=gen, dtype=f64)  # noqa: E731
    W_hh = randn(4 * H, H) / H**0.5
    xw = [randn(B, 4 * H).requires_grad_() for _ in range(T)]
    h, c, gates = [randn(B, H)], [randn(B, H)], []
    for t in range(T):
        h_t, c_t, g = lstm_step(xw[t], h[-1], c[-1], W_hh)
        h.append(h_t), c.append(c_t), gates.append(g)
    loss = sum((randn(B, H) * h_t).sum() for h_t in h[1:]) + (randn(B, H) * c[-1]).sum()
    return xw, h, c, gates, loss


def check(exercise, T: int) -> None:
    xw, h, c, gates, loss = unrolled(T)
    grads = torch.autograd.grad(loss, [*xw, *h[1:], *c[1:]])
    d_a, d_h, d_c = grads[:T], grads[T : 2 * T], grads[2 * T :]  # autograd's δa_t, δh_t, δc_t (total)
    for t in range(T):
        ours = exercise.gate_deltas(d_h[t], d_c[t], c[t].detach(), c[t + 1].detach(),
                                    tuple(g.detach() for g in gates[t]))
        assert ours.shape == (B, 4 * H), f"δa_t should be (B, 4H) = {(B, 4 * H)}, got {tuple(ours.shape)}"
        for k, name in enumerate("ifgo"):
            torch.testing.assert_close(
                ours[:, k * H : (k + 1) * H], d_a[t][:, k * H : (k + 1) * H],
                msg=lambda report, name=name, t=t: f"δa_{name} at step {t + 1} of {T} (block {name} of "
                                                   f"[δa_i; δa_f; δa_g; δa_o]) differs from autograd's\n{report}")


def test_one_step_against_autograd(exercise):
    check(exercise, T=1)


def test_every_step_of_a_sequence_against_autograd(exercise):
    """δh_t and δc_t now also carry the gradient that comes back from later steps."""
    check(exercise, T=6)
