"""Shared by every test: one torch thread and a fixed seed.

Helpers the tests import (float64 twins, random tensors, the twin table) are in tests/helpers.py; the
browser tests' fixtures (one site build, one server, one Chromium) are in tests/site/conftest.py."""

from __future__ import annotations

import pytest
import torch

# The models under test are small: per-op work is microseconds, so intra-op threads only add
# synchronisation, and on a loaded 2-core machine oversubscription slowed training ~15x. One
# thread also makes timings and float reductions independent of the machine's core count.
torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def _seed() -> None:
    """Every test starts from the same global RNG state, so failures reproduce.

    The CPU generator is seeded directly: torch.manual_seed also queues a seed for every accelerator
    that torch was built for and has not started, formatting a stack trace for each (about 1 ms a test)."""
    torch.default_generator.manual_seed(0)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(0)
