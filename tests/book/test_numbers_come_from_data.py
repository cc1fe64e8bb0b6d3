"""No hand-typed measurement in the prose of Home and Parts 2–3: every number that was measured or counted
(percentages, ratios, durations, counts of seeds, runs, tests, sequences, configurations, …) comes from a
generated fragment (``--8<-- "docs/figures/…"``) or from code included into the page.

The scan removes what may hold numbers — math, code, includes, links' targets, HTML attributes, equation
and figure references, citations' years — and fails on what is left that looks like a measurement. Numbers
that define the setup (T = 100, a 2-layer network) are not measurements and may stay.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGES = [DOCS / "index.md", *sorted((DOCS / "part2-code").glob("*.md")), *sorted((DOCS / "part3-experiments").glob("*.md"))]

NUMBER = r"(?:\d[\d,]*(?:\.\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|forty|dozens?)"
COUNTED = (r"seeds?|runs?|tests?|sequences|strings|configurations|cases|shapes|epochs|steps per second|"
           r"parameters|units|repeats|sweeps?|tables?|figures?|times (?:faster|slower)")
MEASUREMENT = re.compile("|".join([
    r"\d+(?:\.\d+)?\s?%",  # a percentage
    r"\d+(?:\.\d+)?\s?×",  # a ratio
    r"\d+(?:\.\d+)?\s?(?:ms|µs|ns|s|seconds?|minutes?|min|hours?|MiB|MB|kB|GB)\b",  # a duration or a size
    rf"\b{NUMBER}\s+(?:of\s+(?:the\s+)?{NUMBER}\s+)?(?:{COUNTED})\b",  # a count: "3 seeds", "two of three runs"
    r"\b\d+\.\d+\b",  # a decimal: a measured value
    r"\b\d+\s+(?:of|out of)\s+\d+\b",  # "2 of 3"
]), re.I)

STRIP = [
    (re.compile(r"```.*?```", re.S), " "),  # code blocks
    (re.compile(r"^\s*--8<--.*$", re.M), " "),  # includes (the generated fragments and the package's code)
    (re.compile(r"\$\$.*?\$\$", re.S), " "),  # display math
    (re.compile(r"\$[^$]+?\$"), " "),  # inline math (it may wrap onto the next line)
    (re.compile(r"`[^`\n]*`"), " "),  # inline code
    (re.compile(r"\]\([^)]*\)"), "]"),  # link targets
    (re.compile(r"<[^>]+>"), " "),  # HTML tags and their attributes
    (re.compile(r"\{[^}\n]*\}"), " "),  # attribute lists { .class }
    (re.compile(r"Eqs?\.\s*\(?\d+\)?(?:\s*[–-]\s*\(?\d+\)?)?(?:\s*(?:,|and)\s*\(?\d+\)?)*"), " "),  # equations
    (re.compile(r"\b(?:19|20)\d\d[a-z]?\b"), " "),  # years, in citations
    (re.compile(r'"[^"]*"|“[^”]*”'), " "),  # quotations (the article's words, not our measurements)
]


def prose(text: str) -> str:
    for pattern, replacement in STRIP:
        text = pattern.sub(replacement, text)
    return text


def hand_typed(page: Path) -> list[str]:
    found = []
    for line in prose(page.read_text(encoding="utf-8")).splitlines():
        for match in MEASUREMENT.finditer(line):
            found.append(f"{page.name}: {match.group(0)!r} in “{line.strip()[:100]}”")
    return found


def test_the_scan_catches_hand_typed_measurements_and_spares_math_code_and_includes(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("The LSTM reached 98.8% in 3 of 3 seeds, 1.3× slower, after 7 minutes.\n"
                    "It solved two of three runs.\n"
                    "$$0.5^{20} = 9.5 \\times 10^{-7}$$ and `run(0.25)` and Eq. (13)–(16), Hochreiter (1997).\n"
                    "```python\nx = 0.731  # 100%\n```\n--8<-- \"docs/figures/claims.md\"\n", encoding="utf-8")
    found = hand_typed(page)
    assert any("98.8%" in f for f in found) and any("3 of 3" in f for f in found)
    assert any("1.3×" in f for f in found) and any("7 minutes" in f for f in found)
    assert any("two of three runs" in f for f in found)
    assert not any(s in "".join(found) for s in ("0.5", "0.25", "0.731", "100%", "1997", "(12)"))


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(DOCS)))
def test_no_hand_typed_measurement_in_the_prose(page):
    found = hand_typed(page)
    assert not found, "measurements typed by hand (generate a fragment, or include the code):\n" + "\n".join(found)

