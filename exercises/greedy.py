"""Exercise: greedy decoding (Part 2, *Encoder–decoder (Seq2Seq)*).

At inference there is no true previous token: the decoder starts from ``BOS`` and feeds back its own
most likely token, one step at a time. A batch is decoded together, so a string that has written
``EOS`` keeps being computed; every token after its ``EOS`` is replaced by ``PAD``, and decoding
stops when every string has written ``EOS`` (or after ``max_len`` steps).

Write ``greedy_decode`` for any decoder given as a step function. Then run, from the repository's
root:

    pytest exercises/test_greedy.py

The tests decode with a decoder whose outputs are known, and with a ``Seq2Seq`` model, whose own
``greedy_decode`` your function must match token for token.
"""

from __future__ import annotations

from collections.abc import Callable

from torch import Tensor


def greedy_decode(step: Callable, state, batch_size: int, bos: int, eos: int, pad: int, max_len: int) -> Tensor:
    """Feed back the most likely token until every string has written ``eos`` or ``max_len`` steps.

    Args:
        step: ``step(token, state) -> (logits, state)``; ``token`` is ``(B, 1)`` int64, ``logits``
            ``(B, 1, V)``. It runs one step of the decoder.
        state: the decoder's initial state (whatever ``step`` takes: the encoder's ``(h, c)``).
        batch_size: ``B``.
        bos, eos, pad: the special tokens.
        max_len: the most tokens to write per string.

    Returns:
        ``(B, n)`` int64, ``n ≤ max_len``: the tokens written, ``pad`` after each string's ``eos``.
    """
    raise NotImplementedError("exercise: write greedy_decode (see the docstring of exercises/greedy.py)")
