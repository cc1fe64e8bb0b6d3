"""The notebooks: every docs/notebooks/NAME.py has an executed NAME.ipynb that is not stale, and runs clean.

The .py (jupytext percent) is the source; ``python scripts/regenerate_figures.py --only notebooks``
executes it and writes the .ipynb that the site renders (lstm_book/book/experiments/notebooks.py).
These tests check the committed .ipynb against its source (same cells, outputs from a full run at
the pinned torch, no errors or warnings) and run every notebook again on its tiny budget, in a
kernel that imports this checkout's lstm_book.
"""

from __future__ import annotations

import copy
import re
import time
from pathlib import Path

import pytest

from lstm_book.book.experiments import notebooks

ROOT = Path(__file__).resolve().parents[2]
SOURCES = notebooks.sources()
NAMES = [p.stem for p in SOURCES]
REGENERATE = "run `python scripts/regenerate_figures.py --only notebooks`"
TINY_SECONDS = 30  # per notebook, kernel start included (about 5 s on an idle machine)

nbformat = pytest.importorskip("nbformat")


def repo_url() -> str:
    return re.search(r"^repo_url:\s*(\S+)", (ROOT / "mkdocs.yml").read_text(encoding="utf-8"), re.M).group(1)


def pinned(package: str) -> str:
    text = (ROOT / "requirements.txt").read_text(encoding="utf-8")
    return re.search(rf"^{package}==(\S+)", text, re.M).group(1)


def committed(name: str):
    path = ROOT / "docs" / "notebooks" / f"{name}.ipynb"
    assert path.is_file(), f"docs/notebooks/{name}.ipynb is missing: {REGENERATE}"
    return nbformat.read(path, as_version=4)


def outputs(nb) -> list:
    return [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]


def output_kinds(cell) -> list:
    """What a cell shows, without the values: ``stream:stdout``, ``display_data:image/png,text/plain``, …"""
    return [f"{o.output_type}:{o.get('name') or ','.join(sorted(o.get('data', {})))}" for o in cell.get("outputs", [])]


def test_there_is_a_notebook_per_part():
    assert {"check_the_math", "build_the_twin", "train_your_own"} <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_the_committed_notebook_is_its_source_executed(name):
    """Same cells as the .py, in order; produced from them by a full run at the pinned versions."""
    nb, source = committed(name), notebooks.read(ROOT / "docs" / "notebooks" / f"{name}.py")
    assert [(c.cell_type, c.source) for c in nb.cells] == [(c.cell_type, c.source) for c in source.cells], \
        f"docs/notebooks/{name}.ipynb no longer matches {name}.py: {REGENERATE}"
    meta = nb.metadata.get("lstm_book", {})
    assert meta.get("budget") == "full", f"{name}.ipynb holds a {meta.get('budget')} run: {REGENERATE}"
    for package in ("torch", "numpy", "matplotlib"):  # what computes and draws the outputs
        assert meta.get(package, "").split("+")[0] == pinned(package), \
            f"{name}.ipynb was executed with {package} {meta.get(package)}, the pin is {pinned(package)}"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1)), "not one top-to-bottom run"


@pytest.mark.parametrize("name", NAMES)
def test_the_committed_outputs_show_no_error_or_warning(name):
    shown = outputs(committed(name))
    assert shown, f"{name}.ipynb has no outputs"
    assert not [o for o in shown if o.output_type == "error"]
    stderr = [o.text for o in shown if o.output_type == "stream" and o.name == "stderr"]
    assert not stderr, f"{name}.ipynb prints to stderr (a warning?): {stderr[0][:300]}"
    text = "".join(o.get("text", "") for o in shown)
    assert "Traceback" not in text and not re.search(r"\bnan\b", text), f"{name}.ipynb prints an error or a nan"


@pytest.mark.parametrize("name", NAMES)
def test_the_first_code_cell_installs_the_package_only_when_it_is_missing(name):
    """For Colab: pip-installs the book from mkdocs.yml's repo_url, guarded by an import check."""
    first = next(c for c in notebooks.read(ROOT / "docs" / "notebooks" / f"{name}.py").cells if c.cell_type == "code")
    src = first.source
    assert f'REPO = "{repo_url()}"' in src and 'f"git+{REPO}"' in src and '"pip", "install"' in src
    assert 'if importlib.util.find_spec("lstm_book") is None:' in src


@pytest.fixture(scope="module")
def tiny_runs() -> dict:
    """Every notebook executed once on its tiny budget, with a last cell that prints where ``lstm_book``
    came from; and how long each took."""
    runs = {}
    for source in SOURCES:
        nb = notebooks.read(source)
        nb.cells.append(nbformat.v4.new_code_cell("import lstm_book\nprint(lstm_book.__file__)"))
        start = time.perf_counter()
        notebooks.run(nb, tiny=True, timeout=notebooks.BUDGET.quick.timeout)  # raises CellExecutionError on any error
        runs[source.stem] = (nb, time.perf_counter() - start)
    return runs


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_the_notebook_runs_clean_on_its_tiny_budget_with_this_checkouts_package(name, tiny_runs):
    """Executed again (LSTM_BOOK_NOTEBOOK_TINY=1) in a fresh kernel: no error, the same kinds of output in
    every cell as the committed run, and ``lstm_book`` imported from this checkout, not from elsewhere."""
    nb, seconds = tiny_runs[name]
    where = Path(nb.cells[-1].outputs[0].text.strip()).resolve()
    assert where == ROOT / "lstm_book" / "__init__.py", f"the kernel imported lstm_book from {where}"
    assert [output_kinds(c) for c in nb.cells[:-1]] == [output_kinds(c) for c in committed(name).cells], \
        f"{name}: the cells' outputs differ in kind from the committed notebook's: {REGENERATE}"
    assert seconds < TINY_SECONDS, f"{name} took {seconds:.0f} s on its tiny budget"
    print(f"\n{name}: {seconds:.1f} s")


@pytest.mark.slow
def test_the_notebooks_are_written_deterministically(tiny_runs):
    """The same notebook run twice gives the same file: numbered ids, no timings, merged streams."""
    name = "build_the_twin"
    source = ROOT / "docs" / "notebooks" / f"{name}.py"
    first = copy.deepcopy(tiny_runs[name][0])
    first.cells.pop()  # the where-is-lstm_book cell
    again = notebooks.run(notebooks.read(source), tiny=True, timeout=notebooks.BUDGET.quick.timeout)
    texts = [notebooks.finish(nb, source, tiny=True) for nb in (first, again)]
    assert texts[0] == texts[1]
    nb = nbformat.reads(texts[0], as_version=4)
    assert [c.id for c in nb.cells] == [f"cell-{k:02d}" for k in range(len(nb.cells))]
    assert not any("execution" in c.metadata for c in nb.cells)
    for cell in nb.cells:  # consecutive stream outputs are merged
        kinds = output_kinds(cell)
        assert all(a != b or not a.startswith("stream") for a, b in zip(kinds, kinds[1:]))
