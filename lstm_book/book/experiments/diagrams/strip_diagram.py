"""One temporal-order sequence as an annotated strip: every symbol, the windows, the class.

The sequence is wrapped into rows of 25 positions so that every symbol stays legible on a phone.
Each position shows its symbol in the text colour above a swatch in the task's colours: X blue,
Y vermillion, B and E grey, distractors a–d no fill. The two windows where X/Y may appear are
shaded. Symbols and windows come from ``lstm_book.tasks``.
"""

from __future__ import annotations

from collections.abc import Sequence

from lstm_book.tasks import TEMPORAL_ORDER_SYMBOLS, X, Y, temporal_order_windows
from lstm_book.book.palette import SYMBOL_ROLES
from lstm_book.book.experiments.diagrams.svg import Drawing

WIDTH = 440
PER_ROW = 25
CELL = 16  # width of one position
LEFT = 34  # room for the row's first position number
ROW_H = 52
TOP = 34


def class_name(label: int, num_symbols: int = 2) -> str:
    """The class of a label as its X/Y order, first symbol most significant (6a: 0 → XX, … 3 → YY)."""
    return "".join("XY"[(int(label) >> (num_symbols - 1 - k)) & 1] for k in range(num_symbols))


def alt_text(tokens: Sequence[int], positions: Sequence[int], label: int) -> str:
    syms = [TEMPORAL_ORDER_SYMBOLS[int(tokens[p])] for p in positions]
    windows = temporal_order_windows(len(tokens), len(positions))
    shown = " and ".join(f"{s} at position {p} (window [{lo}, {hi}])"
                         for s, p, (lo, hi) in zip(syms, positions, windows))
    return (f"One temporal-order sequence of length {len(tokens)}, wrapped into rows of {PER_ROW}: B at position 0, "
            f"then random distractors a–d, with {shown}, and E at position {len(tokens) - 1}. "
            f"The class is {class_name(label, len(positions))}.")


def strip(palette: dict, tokens: Sequence[int], positions: Sequence[int], label: int) -> str:
    """The annotated strip of one sequence as SVG text.

    Args:
        palette: ``palette.LIGHT`` or ``palette.DARK``.
        tokens: the ``T`` token ids of the sequence (see ``tasks.TEMPORAL_ORDER_SYMBOLS``).
        positions: where the informative symbols are (``TemporalOrder.positions[k]``).
        label: the class id (``TemporalOrder.labels[k]``).
    """
    tokens = [int(t) for t in tokens]
    positions = [int(p) for p in positions]
    if any(tokens[p] not in (X, Y) for p in positions):
        raise ValueError(f"positions {positions} do not all hold X or Y in this sequence")
    rows = -(-len(tokens) // PER_ROW)
    height = TOP + rows * ROW_H + 28
    d = Drawing(WIDTH, height, palette, alt_text(tokens, positions, label))
    windows = temporal_order_windows(len(tokens), len(positions))

    def xy(t: int) -> tuple[float, float]:
        return LEFT + (t % PER_ROW) * CELL, TOP + (t // PER_ROW) * ROW_H

    for lo, hi in windows:  # shade each window (a window never wraps at T = 100: rows of 25)
        for start in range(lo, hi + 1):
            if start == lo or start % PER_ROW == 0:
                end = min(hi, (start // PER_ROW + 1) * PER_ROW - 1)
                x, y = xy(start)
                d.rect(x, y - 4, (end - start + 1) * CELL, 40, None, "grey", rx=3, opacity=0.18)
                if start == lo:
                    d.text(x, y - 8, f"window [{lo}, {hi}]", 14, font="sans", anchor="start")
    for r in range(rows):
        d.text(LEFT - 6, TOP + r * ROW_H + 15, str(r * PER_ROW), 14, font="sans", anchor="end")
    for t, tok in enumerate(tokens):
        x, y = xy(t)
        informative = tok in (X, Y)
        d.text(x + CELL / 2, y + 15, TEMPORAL_ORDER_SYMBOLS[tok], 16 if informative else 14,
               weight="bold" if informative else None, font="mono")
        role = SYMBOL_ROLES.get(tok)
        if role is None:
            d.line([(x + 3, y + 28), (x + CELL - 3, y + 28)], "muted", 1)  # a distractor: no fill
        else:
            d.rect(x + 1.5, y + 21, CELL - 3, 10, None, role, rx=2)
    syms = "".join(TEMPORAL_ORDER_SYMBOLS[tokens[p]] for p in positions)
    where = " and ".join(str(p) for p in positions)
    d.text(LEFT, height - 10, f"{syms[0]} and {syms[1]} at positions {where}: class {class_name(label)}"
           if len(positions) == 2 else f"class {class_name(label, len(positions))}", 14, font="sans",
           weight="bold", anchor="start")
    return d.to_svg()
