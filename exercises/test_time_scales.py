"""The forget gate's time scales of exercises/time_scales.py: ``pytest exercises/test_time_scales.py``."""

from __future__ import annotations

import torch

EXERCISE = "time_scales"
f64 = torch.float64
BIASES = torch.tensor([-2.0, 0.0, 1.0, 3.0, 5.0], dtype=f64)


def test_the_page_s_values(exercise):
    """b_f = 0, 1, 3: mean lifetimes 2, 3.72 and 21.1 steps, e-folding times 1.44, 3.19 and 20.6."""
    tau, e_folding = exercise.time_scales(torch.tensor([0.0, 1.0, 3.0], dtype=f64))
    torch.testing.assert_close(tau, torch.tensor([2.0, 3.718282, 21.085537], dtype=f64), rtol=1e-6, atol=0)
    torch.testing.assert_close(e_folding, torch.tensor([1.442695, 3.192219, 20.581488], dtype=f64), rtol=1e-6, atol=0)


def test_the_mean_lifetime_is_the_area_under_the_decay(exercise):
    tau, _ = exercise.time_scales(BIASES)
    f = torch.sigmoid(BIASES)
    area = (f[:, None] ** torch.arange(20_000, dtype=f64)).sum(dim=1)  # Σ_{d ≥ 0} f^d, to far past the decay
    torch.testing.assert_close(tau, area, rtol=1e-9, atol=0,
                               msg=lambda report: f"τ should be Σ_d f^d = 1/(1 − f)\n{report}")


def test_after_the_e_folding_time_a_fraction_1_over_e_is_left(exercise):
    _, e_folding = exercise.time_scales(BIASES)
    left = torch.sigmoid(BIASES) ** e_folding
    torch.testing.assert_close(left, torch.full_like(left, torch.e**-1), rtol=1e-9, atol=0,
                               msg=lambda report: f"f^d at the e-folding time should be 1/e\n{report}")


def test_the_e_folding_time_is_about_half_a_step_shorter_for_long_memories(exercise):
    tau, e_folding = exercise.time_scales(torch.tensor([4.0, 6.0, 8.0], dtype=f64))
    gap = tau - e_folding
    assert ((gap > 0.49) & (gap < 0.51)).all(), f"τ − e-folding time should approach 1/2 as f → 1, got {gap.tolist()}"


def test_large_biases_keep_their_digits(exercise):
    """At b_f = 20, 1 − σ(b_f) ≈ 2e−9 is computed from a number that rounds near 1: write it without that."""
    b = torch.tensor([20.0, 30.0], dtype=f64)
    tau, e_folding = exercise.time_scales(b)
    torch.testing.assert_close(tau, 1 + torch.exp(b), rtol=1e-12, atol=0)
    torch.testing.assert_close(e_folding, 1 / torch.log1p(torch.exp(-b)), rtol=1e-12, atol=0)
