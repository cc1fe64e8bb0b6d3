"""Exercise: the state a classifier reads, from a padded output (Part 2, *Sequence classification*).

The classifier's head reads the top layer's final hidden state: for the forward direction the state
after each sequence's *own* last token, for the reverse direction the state after it has read back
to ``t = 0``. A model that runs a packed batch gets both from ``h_n``; a model handed only the
padded output (``pad_packed_sequence``, zeros after each sequence's end) has to pick them out.

Write ``final_states``: from that padded output and the sequences' lengths, the head's input. Then
run, from the repository's root:

    pytest exercises/test_final_states.py

The tests run packed batches through ``torch.nn.LSTM`` and compare your states with its ``h_n``.
"""

from __future__ import annotations

from torch import Tensor


def final_states(output: Tensor, lengths: Tensor, bidirectional: bool) -> Tensor:
    """The top layer's final hidden state of every sequence, as the head reads it.

    Args:
        output: ``(T, B, D·H)`` — a layer's output, padded with zeros after each sequence's end
            (``D = 2`` if bidirectional: the forward direction's ``H`` columns first).
        lengths: ``(B,)`` integer tensor — each sequence's number of real steps, ``1 ≤ T_b ≤ T``.
        bidirectional: whether ``output`` holds two directions.

    Returns:
        ``(B, D·H)``: the forward state at step ``T_b − 1`` (and, if bidirectional, the reverse state
        at step 0 beside it).
    """
    raise NotImplementedError("exercise: write final_states (see the docstring of exercises/final_states.py)")
