"""Every seed the book derives from a run's seed, in one place, so that no two data sets share one.

A run's own seed (``--seed`` plus its index in a group, :meth:`Setting.seeds`) fixes its initial
weights. The data it reads come from seeds derived here:

* training sets: ``TRAINING_OFFSET + seed`` (plus ``FRESH_DATA_STRIDE · epoch`` when every epoch
  draws fresh sequences);
* held-out sets: ``TEST_SEED`` (plus the sequence length for the temporal-order task, so each length
  has its own test set); far above every training seed, so the two never coincide.
"""

from __future__ import annotations

TRAINING_OFFSET = 1000
FRESH_DATA_STRIDE = 10_000
TEST_SEED = 7_777_777


def training_seed(seed: int, epoch: int | None = None) -> int:
    """The seed of run ``seed``'s training set (of epoch ``epoch`` when every epoch draws fresh data)."""
    return TRAINING_OFFSET + seed + (FRESH_DATA_STRIDE * epoch if epoch is not None else 0)


def held_out_seed(seq_len: int | None = None) -> int:
    """The seed of the held-out set (of sequence length ``seq_len`` for the temporal-order task)."""
    return TEST_SEED + (seq_len or 0)
