"""The baseline: a character n-gram model with interpolated Kneser–Ney smoothing, in numpy.

An n-gram model predicts a character from the ``n − 1`` before it and nothing else, so whatever it
knows about an open bracket further back is lost: the comparison the LSTM is measured against.
Interpolated Kneser–Ney (Kneser & Ney 1995; Chen & Goodman 1999, Eq. 26 with one discount per
order) is the standard way to smooth it. For a context ``h`` of ``k − 1`` characters and its
shortening ``h'`` (the first character dropped),

    P_k(w | h) = max(c_k(h w) − D_k, 0) / c_k(h) + D_k · N_k(h) / c_k(h) · P_{k−1}(w | h'),

where ``c_k(h) = Σ_w c_k(h w)``, ``N_k(h)`` is the number of distinct ``w`` with ``c_k(h w) > 0``,
``D_k = n_1 / (n_1 + 2 n_2)`` (``n_r``: how many ``k``-grams have count ``r``), ``P_0(w) = 1/V``,
and ``P_k(w | h) = P_{k−1}(w | h')`` when ``h`` was never seen. At the highest order ``c_n`` is the
plain count of the n-gram in the training text; below it, ``c_k(g)`` is the *continuation* count,
the number of distinct characters seen before ``g`` — a lower order only speaks when the higher one
backs off, so what matters is in how many contexts ``g`` occurs, not how often. Every ``P_k`` sums
to 1 over the vocabulary.

A ``k``-gram is stored as one integer, its symbols as the digits of a base-``V`` number (``V = 97``
fits 9 characters in an int64), and the counts as sorted arrays searched with ``np.searchsorted``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class _Level:
    """The counts of one order: sorted k-gram codes with their counts, and per context its total and types."""

    keys: np.ndarray
    counts: np.ndarray
    contexts: np.ndarray
    totals: np.ndarray
    types: np.ndarray
    discount: float

    @classmethod
    def of(cls, keys: np.ndarray, counts: np.ndarray, V: int) -> _Level:
        contexts, first, types = np.unique(keys // V, return_index=True, return_counts=True)  # keys are sorted
        totals = np.add.reduceat(counts, first) if len(counts) else counts
        n1, n2 = int((counts == 1).sum()), int((counts == 2).sum())
        discount = n1 / (n1 + 2 * n2) if n1 else 0.5
        return cls(keys, counts.astype(np.float64), contexts, totals.astype(np.float64), types.astype(np.float64),
                   min(max(discount, 0.05), 0.95))

    @staticmethod
    def _lookup(keys: np.ndarray, values: np.ndarray, codes: np.ndarray) -> np.ndarray:
        at = np.minimum(np.searchsorted(keys, codes), max(len(keys) - 1, 0))
        found = keys[at] == codes if len(keys) else np.zeros(len(codes), dtype=bool)
        return np.where(found, values[at] if len(keys) else 0.0, 0.0)

    # --8<-- [start:interpolate]
    def interpolate(self, codes: np.ndarray, lower: np.ndarray, V: int) -> np.ndarray:
        """``P_k(w | h)`` for k-gram codes ``h w``, given ``lower = P_{k−1}(w | h')`` for each."""
        count = self._lookup(self.keys, self.counts, codes)
        total = self._lookup(self.contexts, self.totals, codes // V)
        types = self._lookup(self.contexts, self.types, codes // V)
        seen = total > 0
        safe = np.where(seen, total, 1.0)
        p = np.maximum(count - self.discount, 0) / safe + self.discount * types / safe * lower
        return np.where(seen, p, lower)  # an unseen context backs off entirely
    # --8<-- [end:interpolate]


def _codes(ids: np.ndarray, k: int, V: int) -> np.ndarray:
    """The code of the k-gram ending at every position ``t ≥ k − 1`` of ``ids``: ``(len(ids) − k + 1,)`` int64."""
    ids = ids.astype(np.int64)
    code = ids[: len(ids) - k + 1].copy()
    for j in range(1, k):
        code = code * V + ids[j : len(ids) - k + 1 + j]
    return code


class KneserNey:
    """Interpolated Kneser–Ney character models of every order up to ``max_order``, from one training text.

    Args:
        ids: ``(N,)`` symbol ids of the training text.
        max_order: the largest ``n`` (at most 9 for ``V ≤ 97``).
        vocab_size: ``V``.
    """

    def __init__(self, ids: np.ndarray, max_order: int, vocab_size: int) -> None:
        if not 1 <= max_order or vocab_size ** max_order >= 2**63:
            raise ValueError(f"KneserNey: max_order must be ≥ 1 and V^n must fit in an int64, got n = {max_order}")
        self.max_order, self.V = max_order, vocab_size
        V = vocab_size
        raw = [np.unique(_codes(ids, k, V), return_counts=True) for k in range(1, max_order + 1)]
        self.raw = [_Level.of(keys, counts, V) for keys, counts in raw]  # plain counts: the highest order
        # continuation counts of the k-grams: how many distinct symbols precede them (from the (k+1)-grams)
        self.low = [_Level.of(*np.unique(raw[k][0] % V**k, return_counts=True), V) for k in range(1, max_order)]

    def _levels(self, n: int) -> list[_Level]:
        return self.low[: n - 1] + [self.raw[n - 1]]

    def probs(self, ids: np.ndarray, order: int) -> np.ndarray:
        """``P(ids[t] | ids[t − order + 1 : t])`` at every position ``t`` of a text (fewer characters of
        context at the first ``order − 1`` positions, where the text has fewer): ``(len(ids),)`` float64."""
        if not 1 <= order <= self.max_order:
            raise ValueError(f"KneserNey: order must be in 1 … {self.max_order}, got {order}")
        n = len(ids)
        out = np.empty(n)
        start = min(order - 1, n)
        for t in range(start):  # the first positions, each with the context it has
            out[t] = self.prob(ids[:t], int(ids[t]), order)
        p = np.full(n - start, 1.0 / self.V)
        for k, level in enumerate(self._levels(order), start=1):
            codes = _codes(ids, k, self.V)[start - k + 1 :]
            p = level.interpolate(codes, p, self.V)
        out[start:] = p
        return out

    def prob(self, context, symbol: int, order: int | None = None) -> float:
        """``P(symbol | context)`` for one context (its last ``order − 1`` symbols are used)."""
        context = [int(c) for c in context]
        n = min(order or self.max_order, len(context) + 1)
        p = np.array([1.0 / self.V])
        for k, level in enumerate(self._levels(n), start=1):
            code = 0
            for s in context[len(context) - (k - 1) :] + [symbol] if k > 1 else [symbol]:
                code = code * self.V + s
            p = level.interpolate(np.array([code], dtype=np.int64), p, self.V)
        return float(p[0])
