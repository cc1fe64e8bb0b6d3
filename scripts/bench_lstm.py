"""Speed and memory of our LSTM against torch.nn.LSTM (and our GRU against torch.nn.GRU), measured side by side in one run.

Three variants with identical weights (float32, CPU):

* ``torch``    — ``torch.nn.LSTM`` (PyTorch's C++ implementation),
* ``autograd`` — ``lstm_book.LSTM(..., backward="autograd")``: the readable cell, differentiated by autograd,
* ``manual``   — ``lstm_book.LSTM(...)`` (default): the hand-written BPTT of ``lstm_book.bptt``.

A second table times ``lstm_book.GRU`` (``autograd`` and ``manual``, the hand-written BPTT of
``lstm_book.bptt_gru``) against ``torch.nn.GRU`` the same way, at the long-lag frontier's shapes
(batch 32, hidden 64, T = 100 … 1000). One more row times the LSTM at the shape the character
model of "An LSTM reads Python" trains at (``lstm_book.book.experiments.charlm``'s full budget: its
chunk length, width, lanes and embedding), with the spread of the ratio over the repeats; and the
per-step matrix product of that shape is timed in PyTorch's BLAS (``torch.mm``, MKL) and in
oneDNN with a reordered weight (``lstm_book.matmul.Linear``), which the hand-written BPTT uses.

Timing. For every shape, each repeat times one *training step* (zero the gradients, forward,
``loss = mean(output²) + mean(h_n²)``, backward; no optimiser) and one *forward* (under
``torch.no_grad()``, i.e. inference) of every variant, interleaved, in an order that rotates from one
repeat to the next. Each repeat gives the ratio ``ours / torch`` measured seconds apart under the
same load; the table reports the median of those ratios (robust to other jobs on a shared machine)
and the median of torch's absolute time.

Memory. The peak extra memory of one training step at T=1000 is measured in a fresh subprocess per
variant, because PyTorch's CPU allocations are invisible to ``tracemalloc``: after a warm-up step
at T=10 the child reads its resident set size (``VmRSS`` in ``/proc/self/status``), resets the
kernel's high-water mark (``echo 5 > /proc/self/clear_refs``), runs the step, and reports
``VmHWM − VmRSS before`` (if the reset is not allowed, ``getrusage``'s lifetime peak, which the step
must then exceed). Large tensors are ``mmap``-ed and returned to the OS when freed, so this is the
step's high-water mark of live tensors: saved activations, gradients and temporaries. The median
over ``--memory-runs`` children is reported.

Usage::

    python scripts/bench_lstm.py            # full run, writes docs/figures/bench_lstm.{md,svg}
    python scripts/bench_lstm.py --quick    # small shapes, few repeats: a smoke test in seconds
    python scripts/bench_lstm.py --out DIR --repeats 21 --threads 2

Threads. The default is one torch thread for every variant. With batch 64 and hidden 64 each
operation of a step is small, and on a machine shared with other jobs two OpenMP threads spend much
of their time waiting for each other, which makes every variant several times slower and the
ratios meaningless. ``--threads 2`` measures that configuration when the machine is idle.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from lstm_book.files import atomic_write_text  # noqa: E402

VARIANTS = ("torch", "autograd", "manual")
LABELS = {"torch": "torch.nn.LSTM", "autograd": "ours, autograd cell", "manual": "ours, hand-written BPTT"}


@dataclass(frozen=True)
class Shape:
    T: int
    hidden: int
    batch: int = 64
    input_size: int = 16
    layers: int = 2


def full_plan() -> tuple[list[Shape], list[Shape], int]:
    """The shapes of issue 5: a T sweep at hidden 64, a hidden sweep at T=100, memory at T=1000."""
    t_sweep = [Shape(T, 64) for T in (50, 100, 200, 500)]
    h_sweep = [Shape(100, H) for H in (32, 64, 128)]
    return t_sweep, h_sweep, 1000


def quick_plan() -> tuple[list[Shape], list[Shape], int]:
    t_sweep = [Shape(T, 16, batch=8, input_size=4) for T in (10, 20)]
    h_sweep = [Shape(20, H, batch=8, input_size=4) for H in (8, 16)]
    return t_sweep, h_sweep, 50


def chapter_shape(quick: bool) -> Shape:
    """The character model's training shape, read from its experiment (tiny with ``--quick``)."""
    if quick:
        return Shape(16, 16, batch=8, input_size=8)
    from lstm_book.book.experiments import charlm
    from lstm_book.book.experiments.charlm import lm_runs

    b, spec = charlm.BUDGET.full, lm_runs.LMSpec
    return Shape(b.bptt, b.hidden_size, batch=b.batch_size, input_size=spec.embed_dim, layers=spec.num_layers)


def time_products(shape: Shape, repeats: int, seed: int, calls: int = 200) -> dict:
    """One step's recurrent product ``h (B, H) → (B, 4H)``: ``torch.mm`` (MKL) against oneDNN with the
    weight reordered once (``lstm_book.matmul.Linear``), interleaved; microseconds per product."""
    from lstm_book import matmul

    g = torch.Generator().manual_seed(seed)
    h, w = torch.randn(shape.batch, shape.hidden, generator=g), torch.randn(4 * shape.hidden, shape.hidden, generator=g)
    w_t = w.t()
    with torch.no_grad():
        ours = matmul.Linear(w, reorder=True)
        calls_of = {"mkl": lambda: torch.mm(h, w_t), "onednn": lambda: ours(h)}
        times = {k: [] for k in calls_of}
        for fn in calls_of.values():
            fn()
        for rep in range(repeats):
            for k in (("mkl", "onednn") if rep % 2 == 0 else ("onednn", "mkl")):
                start = time.perf_counter()
                for _ in range(calls):
                    calls_of[k]()
                times[k].append(1e6 * (time.perf_counter() - start) / calls)
    return {"batch": shape.batch, "hidden": shape.hidden, "onednn_used": ours.fast, "calls": calls,
            "mkl_us": statistics.median(times["mkl"]), "onednn_us": statistics.median(times["onednn"]),
            "ratio": statistics.median(a / b for a, b in zip(times["mkl"], times["onednn"]))}


def gru_plan(quick: bool) -> list[Shape]:
    """The GRU against ``torch.nn.GRU`` at the long-lag frontier's shapes: batch 32, hidden 64, T = 100 … 1000."""
    if quick:
        return [Shape(T, 16, batch=8, input_size=4) for T in (10, 20)]
    return [Shape(T, 64, batch=32) for T in (100, 300, 1000)]


def build(variant: str, shape: Shape, seed: int, family: str = "LSTM") -> torch.nn.Module:
    """A model of the given variant (of ``family`` "LSTM" or "GRU"); every variant gets torch's initial weights."""
    import lstm_book

    torch.manual_seed(seed)
    ref = getattr(torch.nn, family)(shape.input_size, shape.hidden, shape.layers)
    if variant == "torch":
        return ref
    model = getattr(lstm_book, family)(shape.input_size, shape.hidden, shape.layers, backward=variant)
    model.load_state_dict(ref.state_dict())
    return model


def train_step(model: torch.nn.Module, x: torch.Tensor) -> None:
    model.zero_grad(set_to_none=True)
    output, state = model(x)
    h_n = state[0] if isinstance(state, tuple) else state  # (h_n, c_n) of an LSTM, h_n of a GRU
    (output.square().mean() + h_n.square().mean()).backward()


def forward(model: torch.nn.Module, x: torch.Tensor) -> None:
    with torch.no_grad():
        model(x)


def time_shape(shape: Shape, repeats: int, seed: int, family: str = "LSTM") -> dict:
    """Interleaved timings of all variants at one shape; returns medians of ratios vs torch."""
    models = {v: build(v, shape, seed, family) for v in VARIANTS}
    x = torch.randn(shape.T, shape.batch, shape.input_size, generator=torch.Generator().manual_seed(seed))
    for model in models.values():  # warm-up: allocator, thread pool, lazy initialisation
        train_step(model, x)
        forward(model, x)
    times = {(kind, v): [] for kind in ("train", "forward") for v in VARIANTS}
    cpu = {(kind, v): [] for kind in ("train", "forward") for v in VARIANTS}
    for rep in range(repeats):
        order = VARIANTS[rep % 3:] + VARIANTS[: rep % 3]  # rotate, so no variant always runs first
        for kind, fn in (("train", train_step), ("forward", forward)):
            for v in order:
                start, start_cpu = time.perf_counter(), time.process_time()
                fn(models[v], x)
                times[(kind, v)].append(time.perf_counter() - start)
                cpu[(kind, v)].append(time.process_time() - start_cpu)
    result = {"T": shape.T, "hidden": shape.hidden, "batch": shape.batch, "input_size": shape.input_size,
              "layers": shape.layers, "repeats": repeats}
    for kind in ("train", "forward"):
        base = times[(kind, "torch")]
        result[f"{kind}_torch_ms"] = 1e3 * statistics.median(base)
        for v in ("autograd", "manual"):
            ratios = [a / b for a, b in zip(times[(kind, v)], base)]
            result[f"{kind}_{v}_ratio"] = statistics.median(ratios)
            q = statistics.quantiles(ratios, n=4) if len(ratios) >= 4 else [min(ratios), 0, max(ratios)]
            result[f"{kind}_{v}_iqr"] = [q[0], q[2]]
            # CPU time of this process: not inflated while other jobs hold the cores (with one
            # thread the cleanest measure on a shared machine; with more, it counts spinning too)
            cpu_ratios = [a / b for a, b in zip(cpu[(kind, v)], cpu[(kind, "torch")])]
            result[f"{kind}_{v}_cpu_ratio"] = statistics.median(cpu_ratios)
            q = statistics.quantiles(cpu_ratios, n=4) if len(cpu_ratios) >= 4 else [min(cpu_ratios), 0, max(cpu_ratios)]
            result[f"{kind}_{v}_cpu_iqr"] = [q[0], q[2]]
    return result


def time_recording(shape: Shape, repeats: int, seed: int) -> dict:
    """Cost of gate recording: ``model(x, return_gates=True)`` against the ordinary ``model(x)``.

    Both under ``torch.no_grad()``, interleaved, on the default model. The ordinary call is the
    ``manual`` forward of the table; recording runs the readable cell and stacks every gate.
    """
    model = build("manual", shape, seed)
    x = torch.randn(shape.T, shape.batch, shape.input_size, generator=torch.Generator().manual_seed(seed))
    calls = {"plain": lambda: model(x), "gates": lambda: model(x, return_gates=True)}
    times: dict[str, list[float]] = {k: [] for k in calls}
    with torch.no_grad():
        for fn in calls.values():  # warm-up
            fn()
        for rep in range(repeats):
            for k in (("plain", "gates") if rep % 2 == 0 else ("gates", "plain")):
                start = time.perf_counter()
                calls[k]()
                times[k].append(time.perf_counter() - start)
    return {"T": shape.T, "hidden": shape.hidden, "plain_ms": 1e3 * statistics.median(times["plain"]),
            "gates_ms": 1e3 * statistics.median(times["gates"]),
            "ratio": statistics.median(g / p for g, p in zip(times["gates"], times["plain"]))}


PYTHON_ROW = "model(x)"  # the profiler row that wraps one forward call


def profile_forward(shape: Shape, seed: int, top: int = 8) -> dict:
    """Where a forward pass spends its time: ``torch.profiler`` self CPU time per operator, for our
    default path and for ``torch.nn.LSTM``, plus the per-element cost of the two nonlinearities."""
    from torch.profiler import ProfilerActivity, profile, record_function

    x = torch.randn(shape.T, shape.batch, shape.input_size, generator=torch.Generator().manual_seed(seed))
    ops = {}
    for v in ("manual", "torch"):
        model = build(v, shape, seed)
        forward(model, x)  # warm-up
        with profile(activities=[ProfilerActivity.CPU]) as prof, record_function(PYTHON_ROW):
            forward(model, x)  # PYTHON_ROW's self time: what runs between the operators
        rows = sorted(prof.key_averages(), key=lambda e: e.self_cpu_time_total, reverse=True)
        total = sum(e.self_cpu_time_total for e in rows)
        ops[v] = {"total_ms": total / 1e3, "ops": [
            {"name": e.key, "calls": e.count, "ms": e.self_cpu_time_total / 1e3,
             "us_per_call": e.self_cpu_time_total / max(1, e.count)} for e in rows[:top]]}
    n = 1 << 20
    big = torch.randn(n, generator=torch.Generator().manual_seed(seed))
    out = torch.empty_like(big)
    per_element = {}
    for name, fn in (("tanh", torch.tanh), ("sigmoid", torch.sigmoid), ("mul", lambda t, out: torch.mul(t, t, out=out))):
        fn(big, out=out)
        runs = []
        for _ in range(5):
            start = time.perf_counter()
            fn(big, out=out)
            runs.append(time.perf_counter() - start)
        per_element[name] = 1e9 * statistics.median(runs) / n
    return {"T": shape.T, "hidden": shape.hidden, "ops": ops, "ns_per_element": per_element}


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


# ----- memory: one subprocess per variant ----------------------------------------------------
def _status_bytes(field: str) -> int:
    """``VmRSS`` (resident now) or ``VmHWM`` (resident high-water mark) of this process, in bytes."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024  # the kernel reports kB
    raise RuntimeError(f"/proc/self/status has no {field}; the memory measurement needs Linux")


def memory_child(variant: str, T: int, quick: bool, seed: int) -> dict:
    """Runs inside the subprocess: peak extra resident memory of one training step at length ``T``."""
    flagship = (quick_plan() if quick else full_plan())[0][0]  # batch, input, hidden, layers of the T sweep
    shape = Shape(T, flagship.hidden, flagship.batch, flagship.input_size, flagship.layers)
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


def measure_memory(T: int, runs: int, quick: bool, seed: int, threads: int) -> dict:
    out = {}
    for v in VARIANTS:
        values = []
        for _ in range(runs):
            cmd = [sys.executable, str(Path(__file__).resolve()), "--memory-child", v, "--memory-T", str(T),
                   "--seed", str(seed), "--threads", str(threads)] + (["--quick"] if quick else [])
            proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
            if proc.returncode != 0:
                raise RuntimeError(f"memory measurement of {v!r} failed:\n{proc.stderr}")
            rec = json.loads(proc.stdout.strip().splitlines()[-1])
            values.append(rec["peak_extra_bytes"])
        out[v] = {"median_MiB": statistics.median(values) / 2**20, "runs_MiB": [b / 2**20 for b in values],
                  "method": rec["method"]}
    return out


# ----- outputs ---------------------------------------------------------------------------------
def markdown(report: dict) -> str:
    m = report["meta"]
    lines = [
        f"<!-- generated by scripts/bench_lstm.py{' --quick' if m['quick'] else ''}; do not edit -->",
        "",
        f"Batch {m['batch']}, input {m['input_size']}, {m['layers']} layers, float32 on CPU, "
        f"{m['threads']} torch thread(s), {m['repeats']} interleaved repeats per shape; "
        f"torch {m['torch']}, {m['cpu_count']} CPU cores, load average {m['load_before']:.1f} → "
        f"{m['load_after']:.1f} (shared machine). Ratios are medians over repeats of "
        "(our time / `torch.nn.LSTM`'s time in the same repeat), wall-clock time first and "
        "process CPU time in brackets; below 1 is faster than PyTorch.",
        "",
        "| T | hidden | measured | `nn.LSTM` (ms) | autograd cell | hand-written BPTT |",
        "|---:|---:|---|---:|---:|---:|",
    ]
    def cell(r, kind, v, bold=False):
        s = f"{r[f'{kind}_{v}_ratio']:.2f}×"
        return (f"**{s}**" if bold else s) + f" ({r[f'{kind}_{v}_cpu_ratio']:.2f}×)"
    for r in report["timings"]:
        for kind, label in (("train", "training step"), ("forward", "forward")):
            lines.append(
                f"| {r['T']} | {r['hidden']} | {label} | {r[f'{kind}_torch_ms']:.1f} "
                f"| {cell(r, kind, 'autograd')} | {cell(r, kind, 'manual', True)} |"
            )
    more = report.get("all_cores")
    if more:
        one = next(r for r in report["timings"] if (r["T"], r["hidden"]) == (more["T"], more["hidden"]))
        lines += [
            "",
            f"With {more['threads']} torch threads per variant (a thread per core) at T = {more['T']}, hidden "
            f"{more['hidden']}: a training step takes **{more['train_manual_ratio']:.2f}×** `nn.LSTM`'s time "
            f"({more['train_torch_ms']:.1f} ms) and a forward **{more['forward_manual_ratio']:.2f}×** "
            f"({more['forward_torch_ms']:.1f} ms, against {one['forward_torch_ms']:.1f} ms with one thread).",
        ]
    rec = report["recording"]
    lines += [
        "",
        f"Gate recording at T = {rec['T']}, hidden {rec['hidden']}: `lstm(x, return_gates=True)` takes "
        f"{rec['gates_ms']:.1f} ms, {rec['ratio']:.2f}× the ordinary forward ({rec['plain_ms']:.1f} ms, no grad). "
        "The ordinary call records nothing: its time is the hand-written column above.",
    ]
    prof = report["profile"]
    ours, theirs = prof["ops"]["manual"], prof["ops"]["torch"]
    per = prof["ns_per_element"]
    lines += [
        "",
        f"Where the forward time goes at T = {prof['T']}, hidden {prof['hidden']} (`torch.profiler`, self CPU "
        f"time of one forward pass; the profiler's own overhead inflates both totals). Ours: "
        f"{ours['total_ms']:.1f} ms over all operators, the largest of them:",
        "",
        "| operator | calls | total (ms) | per call (µs) |",
        "|---|---:|---:|---:|",
    ] + [f"| `{o['name']}` | {o['calls']} | {o['ms']:.2f} | {o['us_per_call']:.1f} |" for o in ours["ops"]] + [
        "",
        f"`{PYTHON_ROW}` is the whole call; its self time is the Python around the kernels: the "
        "interpreter running the step loop, making the views and launching each operation.",
        "",
        f"`torch.nn.LSTM`: {theirs['total_ms']:.1f} ms, of which "
        + ", ".join(f"`{o['name']}` {o['ms']:.1f} ms in {o['calls']} call(s)" for o in theirs["ops"][:2])
        + f". On this CPU ({m['cpu_model']}), over 2²⁰ float32 values, `torch.tanh` costs "
        f"{per['tanh']:.2f} ns per element, `torch.sigmoid` {per['sigmoid']:.2f} ns and a multiplication "
        f"{per['mul']:.2f} ns.",
    ]
    gru = report.get("gru_timings")
    if gru:
        lines += [
            "",
            f"The GRU (`lstm_book.GRU`, Eqs. 17–20) against `torch.nn.GRU`, same protocol, batch {gru[0]['batch']}, "
            f"input {gru[0]['input_size']}, {gru[0]['layers']} layers ({m['threads']} torch thread(s)). "
            "PyTorch's CPU GRU has no oneDNN kernel: it runs its cell as separate ATen operations.",
            "",
            "| T | hidden | measured | `nn.GRU` (ms) | autograd cell | hand-written BPTT |",
            "|---:|---:|---|---:|---:|---:|",
        ]
        for r in gru:
            for kind, label in (("train", "training step"), ("forward", "forward")):
                lines.append(f"| {r['T']} | {r['hidden']} | {label} | {r[f'{kind}_torch_ms']:.1f} "
                             f"| {cell(r, kind, 'autograd')} | {cell(r, kind, 'manual', True)} |")
    ch = report.get("chapter")
    if ch:
        r, prod = ch["timing"], ch["products"]
        lines += [
            "",
            f"The character model of *An LSTM reads Python* trains at T = {r['T']}, hidden {r['hidden']}, batch "
            f"{r['batch']}, input {r['input_size']}, {r['layers']} layers. At that shape, same protocol "
            f"({r['repeats']} repeats; the median ratio, and in brackets the middle half of the repeats' ratios):",
            "",
            "| measured | `nn.LSTM` (ms) | autograd cell | hand-written BPTT, wall clock | hand-written BPTT, CPU time |",
            "|---|---:|---:|---:|---:|",
        ] + [f"| {label} | {r[f'{kind}_torch_ms']:.1f} | {r[f'{kind}_autograd_ratio']:.2f}× | "
             f"**{r[f'{kind}_manual_ratio']:.2f}×** ({r[f'{kind}_manual_iqr'][0]:.2f}–{r[f'{kind}_manual_iqr'][1]:.2f}) | "
             f"**{r[f'{kind}_manual_cpu_ratio']:.2f}×** ({r[f'{kind}_manual_cpu_iqr'][0]:.2f}–"
             f"{r[f'{kind}_manual_cpu_iqr'][1]:.2f}) |"
             for kind, label in (("train", "training step"), ("forward", "forward"))] + [
            "",
            f"One step's recurrent product at that shape, ({prod['batch']} × {prod['hidden']}) by "
            f"({prod['hidden']} × {4 * prod['hidden']}): {prod['mkl_us']:.0f} µs in `torch.mm` (PyTorch's BLAS, "
            f"MKL) and {prod['onednn_us']:.0f} µs in oneDNN with the weight reordered once"
            + ("" if prod["onednn_used"] else " (this PyTorch has no oneDNN linear op: both are `torch.mm`)")
            + f", which `lstm_book.bptt` uses (medians of {r['repeats']} interleaved repeats of {prod['calls']} products; "
            f"the median of the repeats' ratios is {prod['ratio']:.2f}).",
        ]
    mem = report["memory"]
    lines += [
        "",
        f"Peak extra memory of one training step at T = {m['memory_T']} (hidden {m['memory_hidden']}; "
        f"resident set size in a fresh process per variant, median of {m['memory_runs']}):",
        "",
        "| variant | peak training memory (MiB) | vs `nn.LSTM` |",
        "|---|---:|---:|",
    ]
    for v in VARIANTS:
        lines.append(f"| {LABELS[v]} | {mem[v]['median_MiB']:.1f} | "
                     f"{mem[v]['median_MiB'] / mem['torch']['median_MiB']:.2f}× |")
    return "\n".join(lines) + "\n"


def figure(report: dict, path: Path) -> None:
    """The ratios at the flagship's hidden size against T, drawn by :func:`lstm_book.book.figures.bench_ratios`."""
    from lstm_book.book import figures

    rows = [r for r in report["timings"] if r["hidden"] == report["meta"]["flagship_hidden"]]
    variants = {"autograd": (LABELS["autograd"], figures.VERMILLION), "manual": (LABELS["manual"], figures.BLUE)}
    figures.save_figure(figures.bench_ratios(rows, variants, reference=LABELS["torch"]), path)


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="small shapes and few repeats: a smoke test")
    p.add_argument("--out", type=Path, default=ROOT / "docs" / "figures",
                   help="folder for bench_lstm.md, bench_lstm.svg and bench_lstm.json (default docs/figures)")
    p.add_argument("--repeats", type=positive_int, default=None, help="interleaved repeats per shape (default 15, quick 3)")
    p.add_argument("--memory-runs", type=positive_int, default=None, help="subprocesses per variant (default 3, quick 1)")
    p.add_argument("--threads", type=positive_int, default=1,
                   help="torch.set_num_threads (default 1: each step's kernels are too small to gain from "
                        "threads, and on a shared machine multi-threaded timings measure threads waiting "
                        "for each other)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--memory-child", choices=VARIANTS, help=argparse.SUPPRESS)
    p.add_argument("--memory-T", type=positive_int, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.out.exists() and not args.out.is_dir():
        p.error(f"--out {args.out} exists and is not a directory")
    threads = args.threads
    torch.set_num_threads(threads)

    if args.memory_child:
        print(json.dumps(memory_child(args.memory_child, args.memory_T, args.quick, args.seed)))
        return 0

    t_sweep, h_sweep, memory_T = quick_plan() if args.quick else full_plan()
    repeats = args.repeats or (3 if args.quick else 15)
    memory_runs = args.memory_runs or (1 if args.quick else 3)
    shapes = list(dict.fromkeys(t_sweep + h_sweep))  # the flagship shape appears in both sweeps: time it once
    load_before = os.getloadavg()[0]
    start = time.perf_counter()
    timings = []
    for shape in shapes:
        r = time_shape(shape, repeats, args.seed)
        timings.append(r)
        print(f"T={r['T']:4d} H={r['hidden']:3d}  train: torch {r['train_torch_ms']:8.1f} ms  "
              f"autograd {r['train_autograd_ratio']:.2f}x  manual {r['train_manual_ratio']:.2f}x   "
              f"forward: torch {r['forward_torch_ms']:7.1f} ms  autograd {r['forward_autograd_ratio']:.2f}x  "
              f"manual {r['forward_manual_ratio']:.2f}x   (CPU-time ratios: train {r['train_autograd_cpu_ratio']:.2f}x/"
              f"{r['train_manual_cpu_ratio']:.2f}x, forward {r['forward_autograd_cpu_ratio']:.2f}x/"
              f"{r['forward_manual_cpu_ratio']:.2f}x)", flush=True)
    flagship = t_sweep[1] if len(t_sweep) > 1 else t_sweep[0]  # T = 100, hidden 64 in the full plan
    all_cores = None
    if (os.cpu_count() or 1) > threads:  # the same shape once more, with a thread per core
        torch.set_num_threads(os.cpu_count())
        all_cores = time_shape(flagship, repeats, args.seed) | {"threads": os.cpu_count()}
        torch.set_num_threads(threads)
        print(f"{all_cores['threads']} threads, T={all_cores['T']} H={all_cores['hidden']}: train "
              f"{all_cores['train_manual_ratio']:.2f}x, forward {all_cores['forward_manual_ratio']:.2f}x", flush=True)
    gru_timings = []
    for shape in gru_plan(args.quick):
        r = time_shape(shape, repeats, args.seed, family="GRU")
        gru_timings.append(r)
        print(f"GRU T={r['T']:4d} H={r['hidden']:3d} B={r['batch']}  train: torch {r['train_torch_ms']:8.1f} ms  "
              f"autograd {r['train_autograd_ratio']:.2f}x  manual {r['train_manual_ratio']:.2f}x   forward: torch "
              f"{r['forward_torch_ms']:7.1f} ms  autograd {r['forward_autograd_ratio']:.2f}x  manual "
              f"{r['forward_manual_ratio']:.2f}x", flush=True)
    chapter = chapter_shape(args.quick)
    chapter_timing = time_shape(chapter, repeats, args.seed)
    products = time_products(chapter, repeats, args.seed)
    print(f"chapter shape T={chapter.T} H={chapter.hidden} B={chapter.batch} I={chapter.input_size}: train manual "
          f"{chapter_timing['train_manual_ratio']:.2f}x (IQR {chapter_timing['train_manual_iqr'][0]:.2f}-"
          f"{chapter_timing['train_manual_iqr'][1]:.2f}), forward {chapter_timing['forward_manual_ratio']:.2f}x; "
          f"recurrent product MKL {products['mkl_us']:.0f} us, oneDNN {products['onednn_us']:.0f} us", flush=True)
    recording = time_recording(flagship, repeats, args.seed)
    print(f"gate recording at T={recording['T']}: {recording['gates_ms']:.1f} ms vs ordinary forward "
          f"{recording['plain_ms']:.1f} ms ({recording['ratio']:.2f}x)", flush=True)
    profiled = profile_forward(flagship, args.seed)
    print(f"forward profile: ours {profiled['ops']['manual']['total_ms']:.1f} ms, torch.nn.LSTM "
          f"{profiled['ops']['torch']['total_ms']:.1f} ms; ns per element: "
          + ", ".join(f"{k} {v:.2f}" for k, v in profiled["ns_per_element"].items()), flush=True)
    memory = measure_memory(memory_T, memory_runs, args.quick, args.seed, threads)
    for v in VARIANTS:
        print(f"peak training memory at T={memory_T}: {LABELS[v]:24s} {memory[v]['median_MiB']:7.1f} MiB "
              f"({memory[v]['median_MiB'] / memory['torch']['median_MiB']:.2f}x torch)")
    report = {
        "meta": {
            "quick": args.quick, "repeats": repeats, "threads": threads, "cpu_count": os.cpu_count(),
            "torch": torch.__version__, "python": platform.python_version(), "seed": args.seed,
            "batch": flagship.batch, "input_size": flagship.input_size, "layers": flagship.layers,
            "flagship_hidden": flagship.hidden, "memory_T": memory_T, "memory_runs": memory_runs,
            "memory_hidden": flagship.hidden, "cpu_model": cpu_model(),
            "load_before": load_before, "load_after": os.getloadavg()[0],
            "wall_seconds": time.perf_counter() - start,
        },
        "timings": timings,
        "gru_timings": gru_timings,
        "chapter": {"timing": chapter_timing, "products": products},
        "all_cores": all_cores,
        "recording": recording,
        "profile": profiled,
        "memory": memory,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(args.out / "bench_lstm.json", json.dumps(report, indent=2) + "\n")
    atomic_write_text(args.out / "bench_lstm.md", markdown(report))
    figure(report, args.out / "bench_lstm.svg")
    print(f"wrote {args.out / 'bench_lstm.md'}, {args.out / 'bench_lstm.svg'}, {args.out / 'bench_lstm.json'} "
          f"in {report['meta']['wall_seconds']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
