"""Peak training memory of one step, measured in a fresh subprocess per variant (PyTorch's CPU allocations
are invisible to ``tracemalloc``): ``python -m lstm_book.book.experiments.bench.memory VARIANT T SEED THREADS
HIDDEN BATCH INPUT LAYERS`` prints one JSON line."""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
from pathlib import Path

import torch

from lstm_book.book.experiments.bench.timing import VARIANTS, Shape, build, train_step

ROOT = Path(__file__).resolve().parents[4]


def _status_bytes(field: str) -> int:
    """``VmRSS`` (resident now) or ``VmHWM`` (resident high-water mark) of this process, in bytes."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024  # the kernel reports kB
    raise RuntimeError(f"/proc/self/status has no {field}; the memory measurement needs Linux")


def memory_child(variant: str, shape: Shape, seed: int) -> dict:
    """Runs inside the subprocess: peak extra resident memory of one training step at ``shape``."""
    T = shape.T
    model = build(variant, shape, seed)
    g = torch.Generator().manual_seed(seed)
    train_step(model, torch.randn(10, shape.batch, shape.input_size, generator=g))  # warm-up
    x = torch.randn(T, shape.batch, shape.input_size, generator=g)
    model.zero_grad(set_to_none=True)
    before = _status_bytes("VmRSS")
    try:  # reset the high-water mark to the current RSS (Linux >= 4.0), so only the step counts
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        method = "VmHWM after clear_refs"
    except OSError:  # fall back to the process-lifetime peak, which the step must exceed
        method = "ru_maxrss"
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    train_step(model, x)
    if method == "ru_maxrss":
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: KiB
        if peak <= peak_before:
            raise RuntimeError("the step did not raise the lifetime peak RSS, so its own peak is unknown")
    else:
        peak = _status_bytes("VmHWM")
    return {"variant": variant, "T": T, "hidden": shape.hidden, "batch": shape.batch, "layers": shape.layers,
            "peak_extra_bytes": peak - before, "method": method}


def measure_memory(shape: Shape, runs: int, seed: int, threads: int) -> dict:
    """The median over ``runs`` subprocesses of each variant's peak extra memory in one training step."""
    out = {}
    for v in VARIANTS:
        values = []
        for _ in range(runs):
            cmd = [sys.executable, "-m", __name__, v, *map(str, (shape.T, seed, threads, shape.hidden, shape.batch,
                                                                   shape.input_size, shape.layers))]
            env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
            proc = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=ROOT, env=env)
            if proc.returncode != 0:
                raise RuntimeError(f"memory measurement of {v!r} failed:\n{proc.stderr}")
            rec = json.loads(proc.stdout.strip().splitlines()[-1])
            values.append(rec["peak_extra_bytes"])
        out[v] = {"median_MiB": statistics.median(values) / 2**20, "runs_MiB": [b / 2**20 for b in values],
                  "method": rec["method"]}
    return out


if __name__ == "__main__":
    variant, *numbers = sys.argv[1:]
    T, seed, threads, hidden, batch, input_size, layers = map(int, numbers)
    torch.set_num_threads(threads)
    print(json.dumps(memory_child(variant, Shape(T, hidden, batch, input_size, layers), seed)))
