"""The pages and the outputs agree, both ways: what the experiments write is shown, and what pages include exists.

The outputs are derived from the registry — every experiment's ``render`` applied to the committed
``docs/figures/results.json`` — not listed by hand, so a new experiment is covered the day it lands.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from lstm_book.book.pipeline.registry import EXPERIMENTS
from lstm_book.book.pipeline.interface import Fragment
from lstm_book.book.pipeline.runner import run_timing

ROOT = Path(__file__).resolve().parents[2]
DOCS, FIGURES = ROOT / "docs", ROOT / "docs" / "figures"
INCLUDE = re.compile(r'^\s*--8<--\s+"([^"]+)"\s*$', re.M)
MARKER = re.compile(r"#\s*--8<--\s*\[start:([\w-]+)\]")
IMAGE = re.compile(r"\]\((?:\.\./)+figures/([^)#\s]+)")


def pages() -> dict[Path, str]:
    found = {p: p.read_text(encoding="utf-8") for p in DOCS.rglob("*.md") if FIGURES not in p.parents}
    found.update({p: p.read_text(encoding="utf-8") for p in (DOCS / "notebooks").glob("*.py")})
    return found


def includes() -> list[tuple[Path, str]]:
    return [(page, target) for page, text in pages().items() for target in INCLUDE.findall(text)]


@pytest.fixture(scope="module")
def outputs() -> dict[str, str]:
    """File name in docs/figures/ → the experiment (or tool) that writes it."""
    results = json.loads((FIGURES / "results.json").read_text(encoding="utf-8"))
    written = {}
    for name, module in EXPERIMENTS.items():
        for o in module.render(results):
            written[f"{o.name}.md" if isinstance(o, Fragment) else o.name] = name
        written.update({export: name for export in module.export_names})  # made from a model
    written.update({f"{o.name}.md": "runner" for o in run_timing(results)})
    return written


def test_every_include_resolves_to_a_file_and_a_section():
    missing = []
    for page, target in includes():
        path, _, section = target.partition(":")
        file = ROOT / path
        if not file.is_file():
            missing.append(f"{page.relative_to(ROOT)}: {path} does not exist")
        elif section and f"[start:{section}]" not in file.read_text(encoding="utf-8"):
            missing.append(f"{page.relative_to(ROOT)}: no section {section!r} in {path}")
    assert includes(), "no --8<-- includes found: the pattern is wrong"
    assert not missing, "\n".join(missing)


def test_every_fragment_and_figure_an_experiment_writes_is_shown_by_some_page(outputs):
    included = {Path(target).name for _, target in includes() if target.startswith("docs/figures/")}
    shown = {name for text in pages().values() for name in IMAGE.findall(text)}
    orphans = [f"{name} (from {who})" for name, who in outputs.items()
               if (name.endswith(".md") and name not in included) or (not name.endswith(".md") and name not in shown)]
    assert not orphans, f"outputs no page shows: {orphans}"


def generated_files(suffixes: tuple[str, ...]) -> list[str]:
    """Files in docs/figures/ (and its folders, but not the run cache), relative to it."""
    return sorted(p.relative_to(FIGURES).as_posix() for p in FIGURES.rglob("*")
                  if p.suffix in suffixes and ".cache" not in p.parts)


def test_every_figure_and_fragment_in_docs_figures_is_written_by_something(outputs):
    stale = [name for name in generated_files((".md", ".svg")) if name not in outputs]
    assert not stale, f"files in docs/figures that nothing regenerates: {stale}"
    sidecars = [name for name in generated_files((".json",)) if name != "results.json"
                and name not in outputs and name.removesuffix(".json") + ".svg" not in outputs
                and name.replace(".provenance.json", ".json") not in outputs]
    assert not sidecars, f"sidecars without a figure: {sidecars}"


def test_every_snippet_section_marked_in_the_package_appears_on_a_page():
    used = set(target for _, target in includes())
    orphans = []
    for source in sorted((ROOT / "lstm_book").rglob("*.py")):
        rel = source.relative_to(ROOT).as_posix()
        for section in MARKER.findall(source.read_text(encoding="utf-8")):
            if f"{rel}:{section}" not in used:
                orphans.append(f"{rel}:{section}")
    assert not orphans, f"snippet sections no page includes: {orphans}"
