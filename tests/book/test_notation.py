"""One symbol, one meaning: the notation appendix defines the book's symbols, and the pages keep to it.

The appendix (``docs/appendix/notation.md``) states the rules these tests check: every Greek letter
of the book's math is listed there; ``k`` is a step, never a distance (a distance is ``d``); ``n``
appears only as the GRU's candidate ``n_t``; ``s`` only as the fast kernel's ``s_t``; the identity is
``Id``, never ``I`` (the input size); the RNN's page has no ``a_t`` (the LSTM's stacked
pre-activation, in R^{4H}); peephole weights are ``w_ci, w_cf, w_co``; and equation numbers cited
next to a gate's name, in pages and code comments alike, are that gate's equation.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
NOTATION = (DOCS / "appendix" / "notation.md").read_text(encoding="utf-8")

GREEK = re.compile(r"\\(alpha|beta|gamma|delta|epsilon|varepsilon|zeta|eta|theta|iota|kappa|lambda|mu|nu|xi|pi|rho|"
                   r"sigma|tau|upsilon|phi|varphi|chi|psi|omega|ell|Delta|Sigma|Gamma|Lambda|Omega|Theta|Phi|Psi)\b")
MATH = re.compile(r"\$\$.*?\$\$|\$[^$]+?\$", re.S)
# A TeX command (\tanh, \operatorname{diag}) or text inside \text{…}, \operatorname{…}, \mathrm{…}: not symbols.
NOT_SYMBOLS = re.compile(r"\\(?:text|operatorname|mathrm|mathbb|mathcal|mathdefault)\{[^}]*\}|\\[A-Za-z]+")


def pages() -> dict[str, str]:
    """Every page's text (not the generated fragments), code blocks removed, and the notebooks' sources."""
    found = {}
    for page in sorted(DOCS.rglob("*.md")):
        if "figures" not in page.parts:
            found[str(page.relative_to(DOCS))] = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)
    for notebook in sorted((DOCS / "notebooks").glob("*.py")):
        text = notebook.read_text(encoding="utf-8")
        found[str(notebook.relative_to(DOCS))] = "\n".join(line.lstrip("# ") for line in text.splitlines()
                                                           if line.startswith("#"))  # its Markdown cells
    return found


PAGES = pages()


def formulas(text: str) -> list[str]:
    """The formulas of a page with TeX commands and upright text taken out, so that letters are symbols."""
    return [NOT_SYMBOLS.sub(" ", m) for m in MATH.findall(text)]


def uses(pattern: str) -> dict[str, list[str]]:
    """Page → the formulas in which ``pattern`` (a regex over a formula's symbols) occurs."""
    found = {}
    for name, text in PAGES.items():
        hits = [f.strip() for f in formulas(text) if re.search(pattern, f)]
        if hits:
            found[name] = hits
    return found


def test_every_greek_symbol_used_in_the_books_math_is_in_the_notation_appendix():
    missing = {}
    for name, text in PAGES.items():
        for symbol in {g for m in MATH.findall(text) for g in GREEK.findall(m)}:
            if f"\\{symbol}" not in NOTATION:
                missing.setdefault(symbol, []).append(name)
    assert not missing, f"symbols the notation appendix does not list: {missing}"


@pytest.mark.parametrize("symbol, meaning", [
    (r"$b_f$", "effective forget"),
    (r"$\tau$", "mean lifetime"),
    (r"$H_{\text{prev}}$", "previous hidden states"),
    (r"$\delta m_t$", r"W_{hr}^{\top} \delta h_t"),
    (r"$d$", "distance in steps"),
    (r"$t'$", "a step between"),
    (r"$w_{ci}$, $w_{cf}$, $w_{co}$", "peephole"),
    (r"$\operatorname{Id}$", "identity"),
    (r"$\mu$", "per-step factor"),
    (r"$C$", "chunk"),
])
def test_the_appendix_defines_the_symbols_the_pages_use(symbol, meaning):
    rows = [line for line in NOTATION.splitlines() if line.startswith(f"| {symbol} |") or f" {symbol} " in line]
    assert any(meaning in row for row in rows), f"the notation appendix should define {symbol} ({meaning})"


def test_k_is_a_step_never_a_distance():
    """A distance in steps is d: no power of k (f^k, ρ^k, W_hh^k), no 'k steps'."""
    powers = uses(r"\^\s*\{?\s*k\b")
    assert not powers, f"k used as a number of steps (write d for a distance): {powers}"
    words = {name: m for name, text in PAGES.items() if (m := re.findall(r"\$k\$ steps", text))}
    assert not words, f"'$k$ steps' (write a distance as $d$): {words}"


def test_n_is_only_the_grus_candidate():
    stray = uses(r"(?<![\w\\])n(?!_)(?!\w)")
    assert not stray, f"n used for something else than the GRU's candidate n_t (a distance is d): {stray}"


def test_s_is_only_the_fast_kernels_candidate():
    stray = uses(r"(?<![\w\\])s(?!_t\b)(?!\w)")
    assert not stray, f"s used for something else than s_t = σ(2a_g) (a step between k and t is t'): {stray}"


def test_the_identity_is_id_and_I_is_the_input_size():
    scaled = uses(r"(?:\d|\\,)\s*I\b")
    assert not scaled, f"a multiple of I: the identity is \\operatorname{{Id}}, I the input size: {scaled}"


def test_a_t_is_the_lstms_stacked_pre_activation_only():
    rnn_page = uses(r"\ba_t\b").get("part1-math/why-rnns-forget.md")
    assert not rnn_page, f"the RNN's page names a pre-activation a_t (it is the LSTM's, in R^4H): {rnn_page}"
    assert r"$a_t$ | $\mathbb{R}^{4H}$" in NOTATION


def test_peepholes_are_w_ci_w_cf_w_co():
    stray = uses(r"\bp_[fio]\b")
    assert not stray, f"peephole weights are w_ci, w_cf, w_co: {stray}"


def test_r_is_only_the_grus_reset_gate_in_the_math():
    """Pearson's r of Part 3 is written out in the prose, and the per-step factor of a shrinking gradient is μ."""
    stray = uses(r"(?<![\w\\])r(?!_t\b)(?!\w)")
    assert not stray, f"r used for something else than r_t: {stray}"


# ----- equation numbers cited next to a gate's name, in pages and in code comments -----------------------

GATES = {"forget gate": 4, "input gate": 5, "output gate": 8, "reset gate": 17, "update gate": 18}
SYMBOLS = {"f_t": 4, "i_t": 5, "g_t": 6, "o_t": 8, "r_t": 17, "z_t": 18, "n_t": 19}
SOURCES = [*DOCS.rglob("*.md"), *(ROOT / "lstm_book").rglob("*.py"), *(DOCS / "javascripts").glob("*.js"),
           *(DOCS / "javascripts" / "playground").glob("*.js"), *(ROOT / "exercises").rglob("*.py")]


def citations() -> list[tuple[str, str, int, str]]:
    """``(file, what, cited number, line)`` for 'update gate (Eq. 20)', 'update gate, Eq. (20)' and "Eq. 20's z_t"."""
    found = []
    for path in SOURCES:
        if "figures" in path.parts:
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            for name in GATES:
                for m in re.finditer(rf"{name}s?,? \(?Eq\. \(?(\d+)\)?", line, re.I):
                    found.append((str(path.relative_to(ROOT)), name, int(m[1]), line.strip()))
            for m in re.finditer(r"Eq\. \(?(\d+)\)?'s (\w_t)", line):
                if m[2] in SYMBOLS:
                    found.append((str(path.relative_to(ROOT)), m[2], int(m[1]), line.strip()))
    return found


def test_a_gate_cited_with_an_equation_number_gets_its_own_equation():
    cited = citations()
    assert cited, "no citations found: the pattern is wrong"
    wrong = [f"{file}: {what} is Eq. ({GATES.get(what) or SYMBOLS[what]}), not ({n}): {line}"
             for file, what, n, line in cited if n != (GATES.get(what) or SYMBOLS[what])]
    assert not wrong, "\n".join(wrong)
