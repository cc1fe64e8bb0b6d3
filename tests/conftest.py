"""Shared test helpers: float64 twins of torch.nn modules with identical weights."""

from __future__ import annotations

import pytest
import torch


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
