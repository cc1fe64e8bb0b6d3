"""The interactive examples printed in the book (```pycon blocks) still do what the page shows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import torch

import lstm_book

DOCS = Path(__file__).resolve().parents[2] / "docs"
BLOCK = re.compile(r"```pycon\n(.*?)```", re.S)


def _examples() -> list[tuple[str, str, str]]:
    """``(page, statement, expected error line)`` for every ``>>>`` line followed by an error."""
    found = []
    for page in sorted(DOCS.rglob("*.md")):
        for block in BLOCK.findall(page.read_text()):
            lines = block.strip().splitlines()
            for stmt, result in zip(lines, lines[1:] + [""]):
                if stmt.startswith(">>> ") and re.match(r"\w+Error: ", result):
                    found.append((str(page.relative_to(DOCS)), stmt[4:], result))
    return found


EXAMPLES = _examples()


def test_the_book_has_error_examples():
    assert len(EXAMPLES) >= 2, "the pages show error messages; this test should find them"


@pytest.mark.parametrize("page,statement,expected", EXAMPLES)
def test_printed_error_message_is_the_real_one(page, statement, expected):
    namespace = {"torch": torch, **{name: getattr(lstm_book, name) for name in lstm_book.__all__}}
    with pytest.raises(Exception) as err:
        exec(statement, namespace)  # noqa: S102 - statements come from our own docs
    assert f"{type(err.value).__name__}: {err.value}" == expected, f"{page}: example is stale"
