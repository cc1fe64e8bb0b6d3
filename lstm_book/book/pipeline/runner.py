"""Run experiments: train their runs in parallel, measure, render, and write everything with provenance.

The runner knows no experiment: it asks each experiment of the registry for its runs (``specs``,
``follow_up``), its ``results.json`` sections (``measure``) and its outputs (``render``). Results
of earlier invocations are kept: a section is replaced only by a new measurement of it, runs are
merged by name.
"""

from __future__ import annotations

import os
import platform
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from lstm_book import training
from lstm_book.matmul import cpu_model
from lstm_book.files import atomic_write_text
from lstm_book.book.pipeline.registry import DEFAULT, EXPERIMENTS
from lstm_book.book.pipeline.cache import Runs
from lstm_book.book.pipeline.interface import Fragment, Setting, UserError
from lstm_book.book.pipeline.outputs import git_commit, read_results, write_outputs, write_results
from lstm_book.book.pipeline.tables import machine


@dataclass(frozen=True)
class Options:
    """How to run: what the command line says besides which experiments."""

    out: Path
    quick: bool = False
    seed: int = 0
    device: str = "auto"
    force: bool = False
    jobs: int = 1
    threads: int = 1
    progress: bool = True
    redraw: bool = False  # render from the existing results.json only: no training, no measuring


def check_out_dir(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UserError(f"cannot create output folder {out}: {err.strerror}") from None
    if not out.is_dir():
        raise UserError(f"--out {out} is not a folder")
    try:
        fd, probe = tempfile.mkstemp(dir=out, prefix=".write-test.")
        os.close(fd)
        os.unlink(probe)
    except OSError as err:
        raise UserError(f"output folder {out} is not writable: {err.strerror}") from None


def resolve_device(choice: str) -> torch.device:
    if choice == "cuda" and not torch.cuda.is_available():
        raise UserError("--device cuda was requested but no CUDA device is available (use --device cpu or auto)")
    return training.resolve_device(choice)


def select(names: list[str] | None) -> list[str]:
    """The experiments to run, in the registry's (the book's) order; ``None``: the default ones."""
    names = DEFAULT if names is None else names
    unknown = [n for n in names if n not in EXPERIMENTS]
    if unknown:
        raise UserError(f"unknown experiment(s) {', '.join(unknown)}; valid names are: {', '.join(EXPERIMENTS)}")
    return [n for n in EXPERIMENTS if n in names]


def run(names: list[str] | None, opt: Options) -> dict:
    """Run the experiments ``names`` (``None``: the default set) and return the new ``results.json``."""
    selected = select(names)
    device = resolve_device(opt.device)
    check_out_dir(opt.out)
    torch.set_num_threads(opt.threads)
    started, commit = time.time(), git_commit()
    setting = Setting(quick=opt.quick, seed=opt.seed)
    results_path = opt.out / "results.json"
    results = read_results(results_path)
    provenance = {"seed": opt.seed, "quick": opt.quick, "torch": torch.__version__, "git_commit": commit,
                  "device": str(device), "cpu_model": cpu_model()}
    if opt.redraw:
        return redraw(selected, results, opt.out, provenance)
    cache = opt.out / ".cache"
    cache.mkdir(parents=True, exist_ok=True)
    atomic_write_text(cache / ".gitignore", "# training-run cache of regenerate_figures.py\n*\n")
    runs = Runs(cache, device, opt.force, opt.progress, opt.jobs, opt.threads)
    timings = {}
    t0 = time.time()
    follow = [EXPERIMENTS[n].follow_up(setting) for n in selected]
    runs.prefetch([s for n in selected for s in EXPERIMENTS[n].specs(setting)],
                  follow_up=lambda spec, history: [s for f in follow for s in f(spec, history)])
    if time.time() - t0 > 1:
        timings["parallel training"] = round(time.time() - t0, 1)
    for name in selected:
        experiment, t0 = EXPERIMENTS[name], time.time()
        print(f"== {name}", flush=True)
        runs.clear_used()
        results.update(experiment.measure(setting, runs, results))
        exported = experiment.exports(setting, runs, results)
        _record_tier(name, runs.clear_used(), runs, results, selected, opt, started)
        write_outputs(exported + experiment.render(results), opt.out,
                      {**provenance, "wall_seconds": round(time.time() - t0, 2)})
        timings[name] = round(time.time() - t0, 1)
        print(f"   {name} done in {timings[name]:.1f} s", flush=True)
    previous = {r["name"]: r for r in results.get("runs", [])}
    results["runs"] = sorted({**previous, **runs.records}.values(), key=lambda r: r["name"])
    results["timings"] = {**results.get("timings", {}), **timings}
    total = time.time() - started
    results["environment"] = {
        "torch": torch.__version__, "python": platform.python_version(), "threads": torch.get_num_threads(),
        "device": str(device), "git_commit": commit, "wall_seconds": round(total, 1), "quick": opt.quick,
        "seed": opt.seed, "experiments": selected, "machine": platform.machine(), "cpu_count": os.cpu_count(),
        "cpu_model": cpu_model()}
    if names is None and runs.trained:  # a complete run that trained: record its time, for the pages
        results["full_run"] = {"wall_seconds": round(total, 1), "quick": opt.quick, "jobs": opt.jobs,
                               "threads": opt.threads, "timings": timings, "forced": opt.force,
                               "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
                               "cpu_count": os.cpu_count(), "cpu_model": cpu_model()}
        write_outputs(run_timing(results), opt.out, {})
    write_results(results_path, results)
    print(f"Wrote {opt.out} ({'quick' if opt.quick else 'full'} run, {total:.1f} s: "
          + ", ".join(f"{k} {v:.0f} s" for k, v in timings.items()) + ")")
    return results


def run_timing(results: dict) -> list[Fragment]:
    """How long the last full run took (the runner's own fragment, shown on Part 3's index)."""
    r = results.get("full_run")
    if not r:
        return []
    per = ", ".join(f"{k} {v:.0f} s" for k, v in r["timings"].items())
    return [Fragment("run_timing", (
        f"{r['wall_seconds'] / 60:.1f} minutes of wall time for the {'quick' if r['quick'] else 'full'} run"
        f"{' from scratch (--force)' if r['forced'] else ''}, with {r['jobs']} worker process(es) of "
        f"{r['threads']} thread(s) each, on a {machine(r)}. Its 1-minute load average at the end was "
        f"{r['load_average_at_end'][0]:.1f}: the machine was shared, so these times are pessimistic. "
        f"Per stage: {per}."))]


def redraw(selected: list[str], results: dict, out: Path, provenance: dict) -> dict:
    """Render the experiments from ``results.json`` alone (``--redraw``): every output, or nothing."""
    outputs = []
    for name in selected:
        try:
            outputs += EXPERIMENTS[name].render(results)
        except KeyError as missing:
            raise UserError(f"--redraw needs the {missing} section of {out / 'results.json'} for {name}; "
                            f"run `--only {name}` first") from None
    write_outputs(outputs + run_timing(results), out, {**provenance, "redrawn": True})
    print(f"Redrew {len(outputs)} figures and fragments of {', '.join(selected)} from {out / 'results.json'}")
    return results


def _record_tier(name: str, used: set[str], runs: Runs, results: dict, selected: list[str], opt: Options,
                 started: float) -> None:
    """An experiment outside the default run records its own invocation (``<name>_run``) when it trained."""
    if EXPERIMENTS[name].default or not used & runs.trained:
        return
    records = [runs.records[n] for n in used if n in runs.records]
    results[f"{name}_run"] = {
        "wall_seconds": round(time.time() - started, 1), "experiments": selected, "jobs": opt.jobs,
        "cpu_count": os.cpu_count(), "cpu_model": cpu_model(), "runs": len(used), "reused": len(used - runs.trained),
        "train_seconds": round(sum(sum(r["history"]["seconds"]) for r in records), 1), "quick": opt.quick}
