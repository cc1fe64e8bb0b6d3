"""Exercise: pack a batch of sequences by hand (Part 2, *Packed sequences and projections*).

``torch.nn.utils.rnn.pack_sequence(seqs, enforce_sorted=False)`` sorts the sequences longest first,
records the permutation, and stores them time-major without padding: first step 0 of every
sequence, then step 1 of every sequence that has one, and so on. ``batch_sizes[t]`` counts the
sequences that have a step ``t``; because they are sorted, those are the first ``batch_sizes[t]``.

Write ``pack_sequences``, returning the four tensors of a ``PackedSequence``. Then run, from the
repository's root:

    pytest exercises/test_pack.py

The tests compare your four tensors with PyTorch's, and check that the rows of step ``t`` are the
first ``batch_sizes[t]`` sequences in sorted order.
"""

from __future__ import annotations

from torch import Tensor


def pack_sequences(seqs: list[Tensor]) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """A batch of sequences as a packed batch.

    Args:
        seqs: ``B`` tensors of shapes ``(T_b, *)``, in the caller's order, each ``T_b ≥ 1``.

    Returns:
        ``data`` ``(Σ_b T_b, *)``; ``batch_sizes`` ``(max_b T_b,)``, int64; ``sorted_indices`` ``(B,)``,
        the caller's index of each sequence, longest first; ``unsorted_indices`` ``(B,)``, its inverse
        (where each of the caller's sequences went).
    """
    raise NotImplementedError("exercise: write pack_sequences (see the docstring of exercises/pack.py)")
