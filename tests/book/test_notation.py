"""The notation appendix lists every symbol the book's mathematics uses (here: every Greek letter)."""

from __future__ import annotations

import re
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs"

GREEK = re.compile(r"\\(alpha|beta|gamma|delta|epsilon|varepsilon|zeta|eta|theta|iota|kappa|lambda|mu|nu|xi|pi|rho|"
                   r"sigma|tau|upsilon|phi|varphi|chi|psi|omega|ell|Delta|Sigma|Gamma|Lambda|Omega|Theta|Phi|Psi)\b")
MATH = re.compile(r"\$\$.*?\$\$|\$[^$]+?\$", re.S)


def test_every_greek_symbol_used_in_the_books_math_is_in_the_notation_appendix():
    notation = (DOCS / "appendix" / "notation.md").read_text(encoding="utf-8")
    missing = {}
    for page in sorted(DOCS.rglob("*.md")):
        if "figures" in page.parts:
            continue
        text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)
        for symbol in {g for m in MATH.findall(text) for g in GREEK.findall(m)}:
            if f"\\{symbol}" not in notation:
                missing.setdefault(symbol, []).append(page.name)
    assert not missing, f"symbols the notation appendix does not list: {missing}"
