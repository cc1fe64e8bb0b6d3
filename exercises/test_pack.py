"""The packed batch of exercises/pack.py against PyTorch's: ``pytest exercises/test_pack.py``."""

from __future__ import annotations

import torch
from torch.nn.utils.rnn import pack_sequence

EXERCISE = "pack"


def sequences(lengths: list[int], features: int = 2, seed: int = 0) -> list[torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    return [torch.randn(n, features, generator=gen) for n in lengths]


def check_against_torch(exercise, seqs) -> None:
    data, batch_sizes, sorted_indices, unsorted_indices = exercise.pack_sequences(seqs)
    ref = pack_sequence(seqs, enforce_sorted=False)
    torch.testing.assert_close(batch_sizes, ref.batch_sizes, msg=lambda r: f"batch_sizes[t] counts the sequences with a step t\n{r}")
    torch.testing.assert_close(sorted_indices, ref.sorted_indices, msg=lambda r: f"sorted_indices: longest first\n{r}")
    torch.testing.assert_close(unsorted_indices, ref.unsorted_indices, msg=lambda r: f"unsorted_indices: the inverse\n{r}")
    torch.testing.assert_close(data, ref.data, msg=lambda r: f"data: step 0 of every sequence, then step 1, …\n{r}")


def test_an_already_sorted_batch(exercise):
    check_against_torch(exercise, sequences([4, 2, 1]))


def test_an_unsorted_batch(exercise):
    check_against_torch(exercise, sequences([2, 5, 1, 3], seed=1))


def test_one_sequence(exercise):
    check_against_torch(exercise, sequences([3], seed=2))


def test_equal_lengths_keep_a_valid_order(exercise):
    """With ties any longest-first order is a valid packing: check the rows, whatever order was chosen."""
    seqs = sequences([3, 1, 3, 2], features=1, seed=3)
    data, batch_sizes, sorted_indices, unsorted_indices = exercise.pack_sequences(seqs)
    assert batch_sizes.tolist() == [4, 3, 2]
    assert [len(seqs[b]) for b in sorted_indices] == [3, 3, 2, 1]
    assert (sorted_indices[unsorted_indices] == torch.arange(4)).all()
    row = 0
    for t, n in enumerate(batch_sizes.tolist()):
        for b in sorted_indices[:n].tolist():
            torch.testing.assert_close(data[row], seqs[b][t])
            row += 1
