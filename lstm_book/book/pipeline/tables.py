"""Markdown helpers for the fragments the pages include: percentages, tables, the machine a time was measured on,
and text coloured by a value."""

from __future__ import annotations

import html
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


def machine(record: dict) -> str:
    """The machine of a timing record, for a sentence: ``"2-core AMD EPYC"``, or ``"2-core machine (CPU not
    recorded)"`` for a record written before the CPU model was kept."""
    cpu = record.get("cpu_model")
    return f"{record['cpu_count']}-core {cpu}" if cpu else f"{record['cpu_count']}-core machine (CPU not recorded)"


def subscript(n: int) -> str:
    """``n`` in Unicode subscript digits, for positions in table headers: 15 → ``₁₅``."""
    return str(n).translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


def coloured_text(text: str, values, levels: int = 5) -> str:
    """``text`` as HTML spans whose background shows ``values`` (one per character, in [-1, 1]).

    Each value is rounded to one of ``levels`` steps per sign; a run of characters on the same step
    is one ``<span class="p3">`` (positive, step 3) or ``<span class="n3">`` (negative); step 0 gets
    no span. Newlines become ``<br>``, so the result is one line of HTML (a raw HTML block in
    Markdown). The colours are in ``docs/stylesheets/extra.css`` (``.charlm-text``).
    """
    out, run, current = [], [], None
    for ch, v in zip(text, values):
        step = min(levels, int(round(abs(float(v)) * levels)))
        cls = None if step == 0 else f"{'p' if v > 0 else 'n'}{step}"
        if cls != current and run:
            out.append(_span(current, "".join(run)))
            run = []
        current = cls
        run.append(ch)
    if run:
        out.append(_span(current, "".join(run)))
    return "".join(out).replace("\n", "<br>")


def _span(cls: str | None, chars: str) -> str:
    body = html.escape(chars, quote=False)
    return body if cls is None else f'<span class="{cls}">{body}</span>'
