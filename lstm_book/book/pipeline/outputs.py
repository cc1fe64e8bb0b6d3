"""Writing what experiments return: figures with provenance sidecars, fragments, and ``results.json``.

Every file is written atomically (:mod:`lstm_book.files`), so an interrupted run leaves each file
either as it was or complete. ``results.json`` keeps lists of numbers on one line each, which makes
it several times smaller than one number per line and keeps its diffs readable.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from lstm_book.book import figures
from lstm_book.files import atomic_write_text
from lstm_book.book.pipeline.interface import DataOutput, FigureOutput, Fragment, NotebookOutput, Output, SvgOutput

ROOT = Path(__file__).resolve().parents[3]  # the checkout: lstm_book/book/pipeline/outputs.py
CODE = ["lstm_book", "scripts", "pyproject.toml", "requirements.txt"]  # what makes the figures


def git_commit() -> str:
    """HEAD's hash, with ``+dirty`` when the code that makes the figures differs from HEAD."""
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10)
        if out.returncode != 0:
            return "unknown"
        dirty = subprocess.run(["git", "diff", "--quiet", "HEAD", "--", *CODE], cwd=ROOT, timeout=10).returncode
        return out.stdout.strip() + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def write_outputs(outputs: Iterable[Output], out: Path, provenance: dict) -> list[Path]:
    """Save figures (each with a sidecar ``<stem>.json``: its config plus ``provenance``), fragments, data
    files and executed notebooks (``<out>/../notebooks/``, beside their sources)."""
    written = []
    for item in outputs:
        if isinstance(item, (FigureOutput, SvgOutput)):
            path = out / item.name
            if isinstance(item, FigureOutput):
                figures.save_figure(item.figure, path)
            else:
                atomic_write_text(path, item.text)
            sidecar = {"figure": item.name, "config": item.config, **provenance}
            atomic_write_text(path.with_suffix(".json"), json.dumps(sidecar, indent=2) + "\n")
        elif isinstance(item, DataOutput):
            path = out / item.name
            atomic_write_text(path, json.dumps(item.data, indent=1) + "\n")
            sidecar = {"file": item.name, "config": item.config, **provenance}
            atomic_write_text(path.with_suffix(".provenance.json"), json.dumps(sidecar, indent=2) + "\n")
        elif isinstance(item, NotebookOutput):
            path = out.parent / "notebooks" / item.name
            atomic_write_text(path, item.text)
        elif isinstance(item, Fragment):
            path = out / f"{item.name}.md"
            atomic_write_text(path, item.text.rstrip() + "\n")
        else:
            raise TypeError(f"write_outputs: cannot write {type(item).__name__}")
        written.append(path)
    return written


def float32_list(values) -> list:
    """An array as nested lists of the shortest decimals that round-trip its float32 values exactly."""
    a = np.asarray(values, dtype=np.float32)
    shortest = [float(str(v)) for v in a.ravel()]  # str of a float32 scalar: its shortest round-trip decimal
    return np.array(shortest, dtype=object).reshape(a.shape).tolist()


def dumps(value, indent: int = 0) -> str:
    """JSON with one key per line, but every list of plain numbers or strings on a single line."""
    pad, inner = " " * indent, " " * (indent + 1)
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [f"{inner}{json.dumps(str(k), ensure_ascii=False)}: {dumps(v, indent + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(value, (list, tuple)):
        if all(not isinstance(v, (dict, list, tuple)) for v in value):
            return json.dumps(list(value), ensure_ascii=False)
        return "[\n" + ",\n".join(inner + dumps(v, indent + 1) for v in value) + "\n" + pad + "]"
    return json.dumps(value, ensure_ascii=False)


def read_results(path: Path) -> dict:
    """An existing ``results.json`` (empty if there is none or it cannot be read)."""
    try:
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    except (OSError, json.JSONDecodeError):
        return {}


def write_results(path: Path, results: dict) -> None:
    atomic_write_text(path, dumps(results) + "\n")
