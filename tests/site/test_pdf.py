"""The book as one PDF (scripts/build_pdf.py): printed from the built site by Chromium, every formula
typeset, every figure there, a table of contents that links to its chapters, widgets as still frames.

The test prints a slice of the book (Home, the LSTM cell page with its figures, diagrams and the
forget-gate widget, a notebook) and reads the PDF back with poppler-utils (`pdftotext`, `pdfinfo`;
`bash scripts/install_chromium.sh` installs them). The whole book is committed as
docs/lstm-from-first-principles.pdf and linked from Home and from the first page of each part.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest
from bs4 import BeautifulSoup

from site_server import INSTALL_HINT, REPO

sys.path.insert(0, str(REPO / "scripts"))
import build_pdf  # noqa: E402

SLICE = ["index.md", "part1-math/lstm-cell.md", "notebooks/check_the_math.ipynb"]
RAW_TEX = ("\\frac", "\\sigma", "\\odot", "$$", "\\begin{")


def poppler(tool: str, *args) -> str:
    if shutil.which(tool) is None:
        pytest.fail(f"{tool} (Debian's poppler-utils) is not installed; {INSTALL_HINT}.", pytrace=False)
    return subprocess.run([tool, *map(str, args)], check=True, capture_output=True, text=True).stdout


def pdf_pages(path) -> int:
    return int(re.search(r"^Pages:\s+(\d+)", poppler("pdfinfo", path), re.M).group(1))


@pytest.fixture(scope="module")
def slice_pdf(tmp_path_factory):
    """The slice printed by the script itself, in its own process: in the suite's process an asyncio loop
    left running by an earlier test made Playwright's sync API refuse to start."""
    out = tmp_path_factory.mktemp("pdf") / "slice.pdf"
    run = subprocess.run([sys.executable, str(REPO / "scripts" / "build_pdf.py"), "--out", str(out), "--pages", *SLICE],
                         capture_output=True, text=True, timeout=600, cwd=REPO)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-4000:]
    widgets = int(re.search(r"(\d+) widget stills", run.stdout).group(1))
    print(f"\n{run.stdout.strip().splitlines()[-1]}")
    return out, {"widgets": widgets}


@pytest.mark.slow
def test_the_slice_prints_with_every_formula_typeset(slice_pdf):
    path, _ = slice_pdf
    assert pdf_pages(path) > 5
    text = poppler("pdftotext", path, "-")
    assert "The LSTM cell" in text and "Check the math" in text
    leftovers = {tex: text.count(tex) for tex in RAW_TEX if tex in text}
    assert not leftovers, f"raw TeX in the PDF's text (formulas not typeset): {leftovers}"
    assert "\N{CIRCLED DOT OPERATOR}" in text and "\N{GREEK SMALL LETTER SIGMA}" in text, \
        "the typeset formulas' symbols are not in the PDF's text"


@pytest.mark.slow
def test_every_figure_of_the_slice_is_printed(slice_pdf, site):
    """Each figure's caption is in the PDF, next to its image (build_pdf refuses to print a page
    whose images did not load); the widget is a still frame that links to its live page."""
    path, result = slice_pdf
    text = " ".join(poppler("pdftotext", path, "-").split())
    captions = []
    for src in SLICE[:2]:
        page = site / src.replace(".md", "").replace("index", "") / "index.html"
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        for caption in soup.select("article figure figcaption"):
            # the first words of the caption that are plain text (TeX prints as typeset symbols)
            runs = re.split(r"\S*[$\\{}^_]\S*", caption.get_text(" "))
            captions.append(" ".join(next(r.split() for r in runs if len(r.split()) >= 2)[:4]))
    assert len(captions) >= 5, f"the slice has too few figures to look for: {captions}"
    missing = [c for c in captions if c not in text]
    assert not missing, f"figures missing from the PDF: {missing}"
    assert result["widgets"] == 1, "the forget-gate widget was not photographed"
    assert "A still of an interactive part of this page" in text
    assert "lstm-from-first-principles/part1-math/lstm-cell/" in text


@pytest.mark.slow
def test_the_contents_link_to_every_chapter(slice_pdf):
    path, _ = slice_pdf
    destinations = poppler("pdfinfo", "-dests", path)
    for key in ("index", "part1-math-lstm-cell", "notebooks-check_the_math"):
        assert re.search(rf'"{key}"', destinations), f"no link target for the chapter {key}"
    internal_links = path.read_bytes().count(b"/Dest /")
    assert internal_links >= 3, "the table of contents does not link to the chapters"


@pytest.mark.slow
def test_the_whole_book_is_committed_and_linked_from_home_and_each_part(site):
    book = REPO / "docs" / build_pdf.OUT.name
    assert book.is_file(), f"{book.relative_to(REPO)} is missing: run `python scripts/build_pdf.py`"
    assert pdf_pages(book) > 50
    assert book.stat().st_size < 6_000_000, f"the book's PDF is {book.stat().st_size / 1e6:.1f} MB"
    assert (site / book.name).is_file(), "the site does not serve the PDF"
    firsts = ["index.html", "part1-math/why-rnns-forget/index.html", "part2-code/index.html",
              "part3-experiments/index.html"]
    for first in firsts:
        soup = BeautifulSoup((site / first).read_text(encoding="utf-8"), "html.parser")
        link = soup.select_one("p.book-pdf a[href]")
        assert link is not None, f"{first}: no link to the book's PDF"
        assert (site / first).parent.joinpath(link["href"]).resolve() == (site / book.name).resolve()
