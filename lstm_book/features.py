"""What a reader of Python keeps track of, character by character: the features the cells are compared with.

Defined here, in code, before any model was trained, and never tuned to a result. Every feature
describes the state *after reading* character ``t`` (the state ``c_t`` is in, having read ``x_t``):

* ``in_string`` — 1 while a string literal is open: from the first character of its opening quote
  up to, not including, the last character of its closing quote (a prefix such as ``f`` or ``rb``
  is not yet inside). Strings come from Python's :mod:`tokenize`, so a quote inside a comment, or
  an escaped quote, opens nothing; a triple-quoted string spans its lines.
* ``in_comment`` — 1 from a comment's ``#`` to its last character (the newline ends it).
* ``bracket_depth`` — how many of ``(``, ``[``, ``{`` are open: an opening bracket counts from its
  own character on, a closing one stops counting at its own character. Only :mod:`tokenize`'s
  operators count, so brackets inside strings and comments do not.
* ``indentation`` — how many spaces the current line starts with, counted as they are read: within
  the leading spaces it is the number read so far, after them the line's full indentation, and 0
  after a newline.
* ``column`` — how many characters of the current line have been read: 1 after its first, 0 after
  the newline that ends it.

:func:`closers` lists the closing brackets and quotes with the distance back to their openers, for
the comparison of how well each model predicts them.
"""

from __future__ import annotations

import io
import token
import tokenize
from dataclasses import dataclass

import numpy as np

# --8<-- [start:features]
FEATURES = ("in_string", "in_comment", "bracket_depth", "indentation", "column")
OPENERS, CLOSERS = "([{", ")]}"


def _string_spans(tokens: list[tokenize.TokenInfo], offset) -> list[tuple[int, int]]:
    """``[start, end)`` character spans of the string literals (an f-string of Python ≥ 3.12, which
    tokenize splits into FSTRING_START … FSTRING_END, as one span)."""
    spans, depth, start = [], 0, 0
    fstring_start, fstring_end = getattr(token, "FSTRING_START", None), getattr(token, "FSTRING_END", None)
    for tok in tokens:
        if tok.type == token.STRING and depth == 0:
            spans.append((offset(tok.start), offset(tok.end)))
        elif fstring_start is not None and tok.type == fstring_start:
            depth, start = depth + 1, start if depth else offset(tok.start)
        elif fstring_end is not None and tok.type == fstring_end:
            depth -= 1
            if depth == 0:
                spans.append((start, offset(tok.end)))
    return spans


def _quote(literal: str) -> tuple[int, str]:
    """Where the opening quote of a string literal starts (after its prefix), and the quote itself."""
    k = min(i for i in (literal.find("'"), literal.find('"')) if i >= 0)
    q = literal[k]
    return k, q * 3 if literal.startswith(q * 3, k) else q


def python_features(text: str) -> dict[str, np.ndarray]:
    """The five :data:`FEATURES` of every character of a Python source ``text``: ``{name: (len(text),) float32}``."""
    line_starts = np.concatenate([[0], np.flatnonzero(np.frombuffer(text.encode("utf-32-le"), np.uint32) == 10) + 1])
    tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))

    def offset(pos: tuple[int, int]) -> int:  # tokenize's (row from 1, column) → index into text
        return int(line_starts[pos[0] - 1]) + pos[1]

    n = len(text)
    in_string, in_comment, depth_step = np.zeros(n), np.zeros(n), np.zeros(n + 1)
    strings = _string_spans(tokens, offset)
    for s, e in strings:
        k, _ = _quote(text[s:e])
        in_string[s + k : e - 1] = 1  # opening quote … the character before the last closing one
    inside = np.zeros(n + 1)
    for s, e in strings:
        inside[s], inside[e] = inside[s] + 1, inside[e] - 1
    inside = np.cumsum(inside)[:n] > 0  # a bracket in an f-string's expression (Python ≥ 3.12) does not count
    for tok in tokens:
        if tok.type == token.COMMENT:
            in_comment[offset(tok.start) : offset(tok.end)] = 1
        elif tok.type == token.OP and tok.string in OPENERS + CLOSERS and not inside[offset(tok.start)]:
            depth_step[offset(tok.start)] += 1 if tok.string in OPENERS else -1
    newline = np.array([ch == "\n" for ch in text])
    index = np.arange(n)
    line_of = np.searchsorted(line_starts, index, side="right") - 1  # the line each character belongs to
    column = np.where(newline, 0, index - line_starts[line_of] + 1)
    is_space = np.array([ch == " " for ch in text])
    leading = is_space.copy()  # a space before the first other character of its line
    for start, end in zip(line_starts, list(line_starts[1:]) + [n]):
        others = np.flatnonzero(~is_space[start:end])
        leading[start + (others[0] if len(others) else end - start) : end] = False
    lead_count = np.zeros(len(line_starts))
    np.add.at(lead_count, line_of[leading], 1)
    indentation = np.where(newline, 0, np.minimum(column, lead_count[line_of]))
    values = {"in_string": in_string, "in_comment": in_comment, "bracket_depth": np.cumsum(depth_step)[:n],
              "indentation": indentation, "column": column}
    return {name: values[name].astype(np.float32) for name in FEATURES}
# --8<-- [end:features]


@dataclass(frozen=True)
class Closer:
    """A closing bracket or the first character of a closing quote, and the distance back to its opener."""

    position: int  # index of the closing character in the text
    distance: int  # position − the opener's position (≥ 1)
    kind: str  # "bracket" or "quote"


def closers(text: str) -> list[Closer]:
    """Every closing bracket (matched to its opener by :mod:`tokenize`'s operators) and every closing
    quote of a string literal (the first character of the closing delimiter, e.g. the first ``"``
    of ``\"\"\"``), with the distance from the opener's first character, in text order."""
    line_starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
    tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))

    def offset(pos: tuple[int, int]) -> int:
        return line_starts[pos[0] - 1] + pos[1]

    found, stack = [], []
    strings = _string_spans(tokens, offset)
    inside = np.zeros(len(text) + 1, dtype=int)
    for s, e in strings:
        inside[s] += 1
        inside[e] -= 1
        k, quote = _quote(text[s:e])
        found.append(Closer(e - len(quote), e - len(quote) - (s + k), "quote"))
    inside = np.cumsum(inside) > 0
    for tok in tokens:
        if tok.type == token.OP and tok.string in OPENERS + CLOSERS and not inside[offset(tok.start)]:
            at = offset(tok.start)
            if tok.string in OPENERS:
                stack.append(at)
            elif stack:
                opened = stack.pop()
                found.append(Closer(at, at - opened, "bracket"))
    return sorted(found, key=lambda c: c.position)
