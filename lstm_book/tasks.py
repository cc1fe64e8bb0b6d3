"""Synthetic sequence tasks: seeded, documented generators.

Every generator takes an explicit ``seed`` and builds its own ``torch.Generator``, so the same
seed gives the same data on every machine and never disturbs the global RNG.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

# --8<-- [start:digit_vocab]
PAD, BOS, EOS = 0, 1, 2  # special tokens of the digit-string tasks
DIGIT_OFFSET = 3  # digit d is token d + 3, so the vocabulary has 13 tokens
DIGIT_VOCAB_SIZE = DIGIT_OFFSET + 10
# --8<-- [end:digit_vocab]


@dataclass(frozen=True)
class DigitStrings:
    """A batch of (source, target) digit strings for a Seq2Seq model.

    Attributes:
        src: ``(N, max_len)`` source tokens, right-padded with ``PAD``.
        tgt: ``(N, max_len + 1)`` target tokens followed by one ``EOS``, right-padded with ``PAD``.
        lengths: ``(N,)`` number of digits in each string.
    """

    src: Tensor
    tgt: Tensor
    lengths: Tensor


def digit_reversal(n: int, min_len: int, max_len: int, seed: int) -> DigitStrings:
    """``n`` random digit strings and their reversals: the classic Seq2Seq toy task.

    Sutskever, Vinyals & Le (2014) noticed that reversing the source makes translation easier by
    shortening the distance between related tokens; here reversing *is* the task, so the decoder
    must carry the whole string through the encoder's final state.

    Args:
        n: number of strings.
        min_len: shortest string; each length is uniform in ``[min_len, max_len]``.
        max_len: longest string.
        seed: seed of the generator; different seeds give independent sets.
    """
    if not 1 <= min_len <= max_len:
        raise ValueError(f"need 1 <= min_len <= max_len, got min_len={min_len}, max_len={max_len}")
    gen = torch.Generator().manual_seed(seed)
    lengths = torch.randint(min_len, max_len + 1, (n,), generator=gen)
    digits = torch.randint(0, 10, (n, max_len), generator=gen) + DIGIT_OFFSET
    positions = torch.arange(max_len).expand(n, max_len)
    valid = positions < lengths[:, None]
    src = torch.where(valid, digits, torch.full_like(digits, PAD))
    # reversed index for each valid position: j -> length - 1 - j
    rev_index = (lengths[:, None] - 1 - positions).clamp(min=0)
    reversed_digits = torch.where(valid, src.gather(1, rev_index), torch.full_like(digits, PAD))
    tgt = torch.cat([reversed_digits, torch.full((n, 1), PAD, dtype=src.dtype)], dim=1)
    tgt[torch.arange(n), lengths] = EOS
    return DigitStrings(src=src, tgt=tgt, lengths=lengths)


# ----------------------------------------------------------------------------------------------
# The temporal-order problem (Hochreiter & Schmidhuber 1997, experiments 6a and 6b)
# ----------------------------------------------------------------------------------------------

# --8<-- [start:temporal_order_vocab]
TEMPORAL_ORDER_SYMBOLS = ("a", "b", "c", "d", "X", "Y", "B", "E")  # token id = index in this tuple
DISTRACTORS = (0, 1, 2, 3)  # a, b, c, d: noise everywhere except the marked positions
X, Y, BEGIN, END = 4, 5, 6, 7
TEMPORAL_ORDER_VOCAB_SIZE = len(TEMPORAL_ORDER_SYMBOLS)
# Where the informative symbols may appear, as fractions of the sequence length T.
# At T = 100 these are exactly Hochreiter & Schmidhuber's windows: 6a puts X/Y at t1 ∈ [10, 20] and
# t2 ∈ [50, 60]; 6b (three symbols) at [10, 20], [33, 43], [66, 76].
WINDOWS_6A = ((0.10, 0.20), (0.50, 0.60))
WINDOWS_6B = ((0.10, 0.20), (0.33, 0.43), (0.66, 0.76))
# 6a's classes: the order of its two symbols (X = 0, Y = 1, first symbol most significant), all equally likely.
TEMPORAL_ORDER_CLASSES = 2 ** len(WINDOWS_6A)  # 4
TEMPORAL_ORDER_CHANCE = 1 / TEMPORAL_ORDER_CLASSES  # 25%: the accuracy of a guess
# --8<-- [end:temporal_order_vocab]


def temporal_order_class_names(num_symbols: int = 2) -> tuple[str, ...]:
    """The name of every class, in label order: ``("XX", "XY", "YX", "YY")`` for 6a."""
    names = [""]
    for _ in range(num_symbols):
        names = [n + s for n in names for s in (TEMPORAL_ORDER_SYMBOLS[X], TEMPORAL_ORDER_SYMBOLS[Y])]
    return tuple(names)


@dataclass(frozen=True)
class TemporalOrder:
    """A labelled set of temporal-order sequences.

    Attributes:
        tokens: ``(N, T)`` token ids (see ``TEMPORAL_ORDER_SYMBOLS``).
        labels: ``(N,)`` class ids in ``[0, 2**K)`` for ``K`` informative symbols: the X/Y sequence read
            as a binary number with X = 0, Y = 1, first symbol most significant (6a: XX=0, XY=1, YX=2, YY=3).
        positions: ``(N, K)`` where the informative symbols are, in increasing order.
        windows: the inclusive position range ``(lo, hi)`` of each informative symbol at this ``T``.
    """

    tokens: Tensor
    labels: Tensor
    positions: Tensor
    windows: tuple[tuple[int, int], ...]

    @property
    def num_classes(self) -> int:
        return 2 ** self.positions.shape[1]

    @property
    def chance(self) -> float:
        """Accuracy of guessing: every class is equally likely, so 1 / num_classes (25% for 6a)."""
        return 1.0 / self.num_classes


def temporal_order_windows(seq_len: int, num_symbols: int = 2) -> tuple[tuple[int, int], ...]:
    """Inclusive position windows of the informative symbols for sequences of length ``seq_len``.

    A fraction ``(lo, hi)`` of ``WINDOWS_6A`` (``num_symbols=2``) or ``WINDOWS_6B`` (``num_symbols=3``)
    becomes positions ``[floor(lo·T), floor(hi·T)]``, so T = 100 gives the paper's windows and other
    lengths keep the same shape: T = 200 gives [20, 40] and [100, 120]; T = 25 gives [2, 5] and [12, 15].
    """
    fractions = {2: WINDOWS_6A, 3: WINDOWS_6B}.get(num_symbols)
    if fractions is None:
        raise ValueError(f"num_symbols must be 2 (experiment 6a) or 3 (6b), got {num_symbols}")
    if seq_len < 10 * num_symbols:
        raise ValueError(f"seq_len must be at least {10 * num_symbols} for {num_symbols} informative symbols, got {seq_len}")
    return tuple((int(lo * seq_len + 1e-9), int(hi * seq_len + 1e-9)) for lo, hi in fractions)


# --8<-- [start:temporal_order]
def temporal_order(n: int, seq_len: int = 100, seed: int = 0, num_symbols: int = 2) -> TemporalOrder:
    """``n`` sequences of the temporal-order problem (Hochreiter & Schmidhuber 1997, experiment 6a/6b).

    Recipe, for each sequence of length ``T = seq_len``:

    1. every position holds a random distractor from {a, b, c, d};
    2. position 0 is ``B`` (begin) and position T−1 is ``E`` (end);
    3. ``num_symbols`` informative symbols, each X or Y with probability 1/2, are placed at a uniformly
       random position inside their window (``temporal_order_windows``: [10, 20] and [50, 60] at T = 100);
    4. the label is the order of X and Y: XX, XY, YX, YY for 6a (4 classes), 8 classes for 6b.

    Only two (or three) of the T symbols matter and the answer is only asked for at the end, so the
    network must keep what it saw around t ≈ 15 for 85 steps while ignoring everything else. All
    classes are equally likely: chance accuracy is 25% (6a) or 12.5% (6b).

    Args:
        n: number of sequences.
        seq_len: T, the sequence length (at least 20 for 6a, 30 for 6b).
        seed: seed of a private ``torch.Generator``; use different seeds for train and test sets.
        num_symbols: 2 (experiment 6a) or 3 (experiment 6b).
    """
    windows = temporal_order_windows(seq_len, num_symbols)
    gen = torch.Generator().manual_seed(seed)
    tokens = torch.randint(0, len(DISTRACTORS), (n, seq_len), generator=gen)
    tokens[:, 0] = BEGIN
    tokens[:, -1] = END
    rows = torch.arange(n)
    positions = torch.stack([torch.randint(lo, hi + 1, (n,), generator=gen) for lo, hi in windows], dim=1)
    values = torch.randint(0, 2, (n, num_symbols), generator=gen)  # 0 = X, 1 = Y
    for k in range(num_symbols):
        tokens[rows, positions[:, k]] = X + values[:, k]
    weights = 2 ** torch.arange(num_symbols - 1, -1, -1)  # first symbol is the most significant bit
    labels = (values * weights).sum(dim=1)
    return TemporalOrder(tokens=tokens, labels=labels, positions=positions, windows=windows)
# --8<-- [end:temporal_order]


def decode_temporal_order(tokens: Tensor) -> str:
    """The symbols of one ``(T,)`` sequence as a string, e.g. ``"BacdXab…YdcE"``."""
    return "".join(TEMPORAL_ORDER_SYMBOLS[int(t)] for t in tokens)
