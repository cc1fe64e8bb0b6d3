"""What Karpathy, Johnson & Fei-Fei (2015) report about character LSTMs, against the charlm measurements.

The article ("Visualizing and understanding recurrent networks", arXiv:1506.02078) trains
character models on *War and Peace* and the Linux kernel's source. We trained on Python, with a
smaller model and budget, so the comparison is of the claims' direction, not of their numbers. The
rules that turn our measurements into verdicts are the functions between the ``rules`` markers
(the page "Reproducing the article" includes them); the fragment is ``charlm_claims.md``.
"""

from __future__ import annotations

from lstm_book.book.experiments.charlm.unit_search import LABELS
from lstm_book.book.pipeline.interface import Fragment
from lstm_book.book.pipeline.tables import table

STRONG, WEAK = 0.8, 0.5  # |r| of a unit that tracks a feature clearly, or only partly
GAIN = 0.1  # how much training must add to the untrained network's best |r| to count as learned


# --8<-- [start:rules]
def beats(ours: float, other: float) -> str:
    """Fewer held-out bits per character than the other model: supported; more: not supported."""
    return "supported" if ours < other else "not supported"


def single_cell(r: float, r_untrained: float) -> str:
    """A unit of c_t or h_t, chosen on the validation files, follows the feature on the test files with
    |r| ≥ 0.8: supported; 0.5 ≤ |r| < 0.8: partly; below: not found. Weighed against the same search in
    the untrained network: a trained unit less than 0.1 above the untrained network's best was not
    learned, and a verdict says so when the untrained network's best already reaches 0.5."""
    if abs(r) < WEAK:
        return "not found"
    if abs(r) - abs(r_untrained) < GAIN:
        return "not learned: the untrained network's best unit does as well"
    verdict = "supported" if abs(r) >= STRONG else "partly"
    if abs(r_untrained) >= WEAK:
        verdict += f", but before training the best unit already had r = {r_untrained:+.2f}"
    return verdict


def long_range(lstm: list, ngram: list, bins: list, order: int) -> str:
    """Beyond the n-gram's context (distance ≥ its order), the LSTM gives the right closer (bracket or quote) a
    higher mean probability than the n-gram in every distance bin with closers: supported; in some: partly."""
    far = [(a, g) for (lo, _), a, g in zip(bins, lstm, ngram) if lo >= order and a is not None and g is not None]
    wins = sum(a > g for a, g in far)
    return "supported" if far and wins == len(far) else "partly" if wins else "not supported"
# --8<-- [end:rules]


def far_text(cl: dict, kind: str, bins: list, order: int) -> str:
    """``9–16: 0.36 vs 0.10; …``: the LSTM's and the n-gram's mean probability of the right closer, per bin ≥ order."""
    far = [(lo, hi, a, g) for (lo, hi), a, g in zip(bins, cl["mean_p"]["lstm"][kind], cl["mean_p"]["ngram"][kind])
           if lo >= order and a is not None and g is not None]
    return "; ".join(f"{lo}–{hi}: {a:.2f} vs {g:.2f}" if hi else f"over {lo - 1}: {a:.2f} vs {g:.2f}"
                     for lo, hi, a, g in far) or "no closers that far"


def render(r: dict) -> list[Fragment]:
    bpc, order, cells, cl = r["bpc"]["test"], r["ngram"]["order"], r["cells"]["trained"], r["closers"]
    bins = [tuple(x) for x in cl["bins"]]
    width = {cell: r["config"][cell]["hidden_size"] for cell in ("lstm", "rnn", "rnn_width")}
    untrained = r["cells"]["untrained"]
    rows = [
        ("LSTMs model characters better than vanilla RNNs of the same size (Section 4.1).",
         f"Test bits per character: LSTM {bpc['lstm']:.3f} ({width['lstm']} units, {r['params']['lstm']:,} "
         f"parameters); vanilla RNN with as many parameters {bpc['rnn']:.3f} ({width['rnn']} units, "
         f"{r['params']['rnn']:,}), as wide {bpc['rnn_width']:.3f}.",
         f"**{beats(bpc['lstm'], min(bpc['rnn'], bpc['rnn_width']))}**"),
        ("The LSTM predicts better than finite-horizon n-gram models (Section 4.3).",
         f"LSTM {bpc['lstm']:.3f} vs the best Kneser–Ney n-gram, order {order} of 1–"
         f"{len(r['ngram']['validation_bpc_by_order'])} chosen on the validation files, {bpc['ngram']:.3f}.",
         f"**{beats(bpc['lstm'], bpc['ngram'])}**"),
    ]
    for feature, claim in (("column", "A single cell tracks the position in the line (Section 4.2)."),
                           ("in_string", "A single cell turns on inside quotes (Section 4.2)."),
                           ("in_comment", "A single cell turns on inside comments (Section 4.2)."),
                           ("bracket_depth", "A single cell is sensitive to the depth of an expression (Section 4.2).")):
        e, u = cells[feature], untrained[feature]
        rows.append((claim, f"Best unit for *{LABELS[feature]}*: r = {e['r_test']:+.2f} on the test files "
                            f"({e['units_ge_0.8']} unit{'' if e['units_ge_0.8'] == 1 else 's'} with \\|r\\| ≥ 0.8); before training "
                            f"{u['r_test']:+.2f}.",
                     f"**{single_cell(e['r_test'], u['r_test'])}**"))
    rows.append(("The LSTM's edge over n-grams is long-range structure: it predicts closing braces better than "
                 "their 20-gram up to distances of about 60 characters from the opener (Section 4.3).",
                 f"Mean probability of the right closing bracket, LSTM vs {order}-gram, at distances ≥ {order}: "
                 f"{far_text(cl, 'bracket', bins, order)}.",
                 f"**{long_range(cl['mean_p']['lstm']['bracket'], cl['mean_p']['ngram']['bracket'], bins, order)}**"))
    rows.append(("The same for closing quotes (our test of Section 4.3's claim on Python's strings).",
                 f"Mean probability of the right closing quote, LSTM vs {order}-gram, at distances ≥ {order}: "
                 f"{far_text(cl, 'quote', bins, order)}.",
                 f"**{long_range(cl['mean_p']['lstm']['quote'], cl['mean_p']['ngram']['quote'], bins, order)}**"))
    return [Fragment("charlm_claims", table(["claim (Karpathy et al., 2015)", "what we measured", "verdict"],
                                            rows, "lll"))]
