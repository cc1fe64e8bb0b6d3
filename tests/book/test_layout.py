"""The two houses: the library (lstm_book.*) never imports the book (lstm_book.book.*), and no two modules
of the package share a name. Read from the source's imports, so a lazy import inside a function counts too."""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "lstm_book"
BOOK = PACKAGE / "book"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, absolute (relative imports resolved against its package)."""
    name, found = module_name(path), set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def library_modules() -> list[Path]:
    return [p for p in PACKAGE.rglob("*.py") if BOOK not in p.parents]


def test_the_library_imports_nothing_of_the_book():
    offenders = {module_name(p): sorted(m for m in imported_modules(p) if m == "lstm_book.book" or m.startswith("lstm_book.book."))
                 for p in library_modules()}
    offenders = {k: v for k, v in offenders.items() if v}
    assert not offenders, f"library modules import the book: {offenders}"


def test_the_check_sees_relative_absolute_and_lazy_imports_of_the_book(tmp_path, monkeypatch):
    probe = tmp_path / "lstm_book" / "probe.py"
    probe.parent.mkdir()
    probe.write_text("from .book import figures\nimport lstm_book.book.palette\n\ndef f():\n    from .book.pipeline import tables\n")
    monkeypatch.setattr("test_layout.ROOT", tmp_path)
    found = imported_modules(probe)
    assert {"lstm_book.book.figures", "lstm_book.book.palette", "lstm_book.book.pipeline.tables"} <= found


def test_no_two_modules_of_the_package_share_a_name():
    names = Counter(p.stem if p.name != "__init__.py" else p.parent.name for p in PACKAGE.rglob("*.py"))
    shared = sorted(n for n, k in names.items() if k > 1 and n != "__init__")
    assert not shared, f"these names stand for two modules or packages each: {shared}"


def test_the_package_holds_no_python_file_outside_its_code():
    """The corpus is an archive: no .py file under lstm_book/data."""
    assert not list((PACKAGE / "data").rglob("*.py"))
