"""Preview: ``python -m lstm_book.diagrams OUTDIR`` writes every diagram into OUTDIR (atomically).

The temporal-order strip draws the example sequence of the gates page: sequence
``results["gates"]["example_index"]`` of the test set ``temporal_order(500, seq_len=100,
seed=7_777_777 + 100)``, read from ``docs/figures/results.json`` (``--results`` to use another file).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..files import atomic_write_text
from ..tasks import temporal_order
from . import example_from, render_all

TEST_SEED = 7_777_777  # the held-out set's seed in scripts/regenerate_figures.py (test_set(T, n): TEST_SEED + T)


def gates_example(results_path: str | Path) -> dict:
    """The gates page's example sequence, as the ``example`` of :func:`render_all`."""
    k = json.loads(Path(results_path).read_text(encoding="utf-8"))["gates"]["example_index"]
    return example_from(temporal_order(500, seq_len=100, seed=TEST_SEED + 100), k)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lstm_book.diagrams", description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder to write the SVG files into")
    parser.add_argument("--results", type=Path, default=Path("docs/figures/results.json"))
    args = parser.parse_args(argv)
    files = render_all(gates_example(args.results))
    for name, text in files.items():
        atomic_write_text(args.out / name, text)
    print(f"wrote {len(files)} files to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
