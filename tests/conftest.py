"""Shared by every test: one torch thread, a fixed seed, float64 twins of torch.nn modules with identical weights.

The browser tests' fixtures (one site build, one server, one Chromium) are in tests/site/conftest.py."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch



# The models under test are small: per-op work is microseconds, so intra-op threads only add
# synchronisation, and on a loaded 2-core machine oversubscription slowed training ~15x. One
# thread also makes timings and float reductions independent of the machine's core count.
torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def _seed() -> None:
    """Every test starts from the same global RNG state, so failures reproduce."""
    torch.manual_seed(0)


def twin(ours_cls, ref_cls, *args, **kwargs):
    """``(ours, ref)`` built with the same arguments, in float64, ours holding ref's weights."""
    ref = ref_cls(*args, **kwargs).double()
    ours = ours_cls(*args, **kwargs).double()
    ours.load_state_dict(ref.state_dict())
    return ours, ref


def max_abs_diff(a: torch.Tensor, b: torch.Tensor) -> float:
    assert a.shape == b.shape, f"shapes differ: {tuple(a.shape)} vs {tuple(b.shape)}"
    return (a - b).abs().max().item() if a.numel() else 0.0
