"""The book's notebooks, executed: ``docs/notebooks/NAME.py`` in, ``NAME.ipynb`` with its outputs out.

Each notebook is a jupytext "percent" script, ``docs/notebooks/NAME.py``: the source of truth, the
file to edit and review. This experiment runs every one of them top to bottom in a fresh Jupyter
kernel (nbclient) that imports this checkout's ``lstm_book``, and writes the result as
``NAME.ipynb`` in the notebooks folder beside the figures folder (``<out>/../notebooks/``, so
``docs/notebooks/`` by default). The site renders the ``.ipynb`` (mkdocs-jupyter with
``execute: false``), so every output a reader sees was produced by the current code at the
versions it ran with; the notebook's metadata records which (``metadata.lstm_book``).

* Budget: the full run executes the notebooks as written; ``--quick`` sets
  ``LSTM_BOOK_NOTEBOOK_TINY=1``, which the notebooks read to shrink what they train.
* Errors: a cell that raises stops the run (``allow_errors=False``), so no ``.ipynb`` with a
  traceback is ever written.
* Deterministic: the notebooks fix their seeds and run on one thread; cell ids are numbered, no
  execution timings are kept and consecutive stream outputs are merged, so the same code and
  versions write the same file.

Nothing here is measured into ``results.json``: the files are made by :func:`exports` (like the
explorer's weights), and :func:`render` has nothing to draw.
"""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass
from pathlib import Path

from lstm_book.book.pipeline.interface import Experiment, NotebookOutput, Setting, Tiers
from lstm_book.book.pipeline.outputs import ROOT, git_commit

SOURCES = ROOT / "docs" / "notebooks"  # NAME.py, the jupytext sources
TINY = "LSTM_BOOK_NOTEBOOK_TINY"  # the environment variable the notebooks read


@dataclass(frozen=True)
class Budget:
    tiny: bool  # run with LSTM_BOOK_NOTEBOOK_TINY=1
    timeout: int  # seconds allowed per cell


BUDGET = Tiers(quick=Budget(tiny=True, timeout=300), full=Budget(tiny=False, timeout=1200))


def sources() -> list[Path]:
    """Every notebook source, ``docs/notebooks/*.py``, by name."""
    return sorted(SOURCES.glob("*.py"))


def specs(setting: Setting) -> list:
    return []


def measure(setting: Setting, runs, results) -> dict:
    return {}


def kernel_environment(tiny: bool) -> dict[str, str]:
    """The kernel's environment: this checkout first on ``PYTHONPATH`` (an installed ``lstm_book`` elsewhere
    must not answer the import), one thread, and the budget switch set or removed (never inherited)."""
    env = {k: v for k, v in os.environ.items() if k != TINY}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
    env["OMP_NUM_THREADS"] = "1"
    if tiny:
        env[TINY] = "1"
    return env


def read(source: Path):
    """The notebook of a jupytext script, not executed (an ``nbformat.NotebookNode``)."""
    import jupytext

    return jupytext.read(source)


def run(nb, tiny: bool, timeout: int = BUDGET.full.timeout):
    """Execute ``nb`` in place in a fresh ``python3`` kernel started in the repository's root; return it.

    Raises ``nbclient.exceptions.CellExecutionError`` if a cell fails.
    """
    import nbclient

    client = nbclient.NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=False,
                                     record_timing=False, coalesce_streams=True,
                                     resources={"metadata": {"path": str(ROOT)}})
    client.execute(env=kernel_environment(tiny), cwd=str(ROOT))
    return nb


def finish(nb, source: Path, tiny: bool) -> str:
    """The executed notebook as ``.ipynb`` text: numbered cell ids, provenance in the metadata."""
    import matplotlib
    import nbformat
    import numpy
    import torch

    for index, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{index:02d}"
        cell.metadata.pop("execution", None)
    nb.metadata.pop("jupytext", None)  # the .py is the jupytext file; this one is its executed copy
    nb.metadata["lstm_book"] = {
        "source": source.relative_to(ROOT).as_posix(),
        "budget": "tiny" if tiny else "full",
        "torch": torch.__version__,  # the kernel runs this interpreter, so these are its versions
        "numpy": numpy.__version__,
        "matplotlib": matplotlib.__version__,
        "python": platform.python_version(),
        "git_commit": git_commit(),
        "made_by": "python scripts/regenerate_figures.py --only notebooks",
    }
    return nbformat.writes(nb) + "\n"


def exports(setting: Setting, runs, results) -> list[NotebookOutput]:
    b = BUDGET.of(setting)
    written = []
    for source in sources():
        print(f"   executing {source.relative_to(ROOT)} ({'tiny' if b.tiny else 'full'} budget)", flush=True)
        nb = run(read(source), b.tiny, b.timeout)
        written.append(NotebookOutput(f"{source.stem}.ipynb", finish(nb, source, b.tiny)))
    return written


def render(results: dict) -> list:
    return []


EXPERIMENT = Experiment(name="notebooks", default=True, specs=specs, measure=measure, render=render, exports=exports, budget=BUDGET)
