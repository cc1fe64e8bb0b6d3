#!/usr/bin/env python
"""Regenerate every figure, number and table of the book into docs/figures/.

    python scripts/regenerate_figures.py            # the default experiments, full budget (about 20 min on 2 CPU cores)
    python scripts/regenerate_figures.py --quick    # every experiment's code path on a tiny budget (tests, previews)
    python scripts/regenerate_figures.py --only part1 flagship --out /tmp/figs
    python scripts/regenerate_figures.py --only frontier claims   # the long-lag frontier (about 20 min on 2 cores)
    python scripts/regenerate_figures.py --redraw   # figures and fragments from the existing results.json alone

The experiments live in ``lstm_book/book/experiments/``, one module each, listed in book order by the
registry in ``lstm_book/book/pipeline/registry.py``; this script only parses the command line.
Each training run is cached under ``<out>/.cache/`` by a hash of its configuration: re-running loads
finished runs, and a killed run (Ctrl-C) resumes from its last finished epoch. ``--force`` retrains.
Every file is written atomically. Figures are SVG; numbers quoted by the site are written as small
Markdown fragments (``<out>/*.md``) that the pages include, and everything measured goes to
``<out>/results.json``. Each figure has a sidecar ``<figure>.json`` with the configuration, seed, torch
version, git commit and wall time that produced it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run from a checkout without `pip install -e .`
    sys.path.insert(0, str(ROOT))

from lstm_book.book.pipeline.registry import DEFAULT, EXPERIMENTS  # noqa: E402
from lstm_book.book.pipeline.interface import UserError  # noqa: E402
from lstm_book.book.pipeline.runner import Options, run  # noqa: E402


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    optional = [name for name in EXPERIMENTS if name not in DEFAULT]
    parser = argparse.ArgumentParser(
        prog="regenerate_figures.py",
        description="Retrain the book's models and write figures, results.json and Markdown fragments.",
    )
    parser.add_argument("--quick", action="store_true", help="tiny budget: every experiment in under a minute")
    parser.add_argument("--only", nargs="+", metavar="NAME", default=None,
                        help=f"only these experiments (valid: {', '.join(EXPERIMENTS)}; without --only: all but "
                             f"{', '.join(optional)}, which run only when named)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "figures",
                        help="output folder (default: docs/figures)")
    parser.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto",
                        help="where to train (default: auto)")
    parser.add_argument("--seed", type=int, default=0, help="base seed; seed k of a group is seed + k (default: 0)")
    parser.add_argument("--force", action="store_true", help="ignore cached runs and retrain")
    parser.add_argument("--redraw", action="store_true",
                        help="only redraw figures and fragments from the results.json in --out (no training)")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch CPU threads (default: 1 — these models are too small to gain from more, "
                             "and on a busy machine extra threads make training many times slower)")
    parser.add_argument("--jobs", type=int, default=None,
                        help="training runs in parallel worker processes (default: 2 — one per core of a 2-core CPU; "
                             "1 with --quick, where starting workers costs more than it saves)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        if args.threads < 1:
            raise UserError(f"--threads must be at least 1, got {args.threads}")
        jobs = (1 if args.quick else 2) if args.jobs is None else args.jobs
        if jobs < 1:
            raise UserError(f"--jobs must be at least 1, got {jobs}")
        if args.redraw and args.force:
            raise UserError("--redraw trains nothing, so --force has no meaning with it; use one or the other")
        run(args.only, Options(out=args.out, quick=args.quick, seed=args.seed, device=args.device, force=args.force,
                               jobs=jobs, threads=args.threads, progress=not args.no_progress, redraw=args.redraw))
        return 0
    except UserError as err:
        print(f"regenerate_figures.py: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nInterrupted. Finished epochs are cached; run the same command again to resume.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
