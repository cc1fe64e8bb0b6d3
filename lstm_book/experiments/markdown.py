"""Markdown helpers for the fragments the pages include: percentages and tables."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

_ALIGN = {"l": "---", "r": "---:", "c": ":-:"}


def pct(x: float) -> str:
    """A fraction as a percentage with one decimal: ``0.9876`` → ``98.8%``."""
    return f"{100 * x:.1f}%"


def percent(x: float) -> str:
    """A round fraction as a percentage without trailing zeros: ``0.25`` → ``25%`` (for bars and chance)."""
    return f"{100 * x:g}%"


def table(headers: Sequence[str], rows: Iterable[Sequence], align: str) -> str:
    """A Markdown table; ``align`` has one letter per column: ``l`` (left), ``r`` (right), ``c`` (centre)."""
    if len(align) != len(headers):
        raise ValueError(f"table: {len(headers)} headers but {len(align)} alignment letters")
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(_ALIGN[a] for a in align) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def subscript(n: int) -> str:
    """``n`` in Unicode subscript digits, for positions in table headers: 15 → ``₁₅``."""
    return str(n).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))
