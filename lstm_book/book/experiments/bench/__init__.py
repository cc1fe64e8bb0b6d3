"""The ``bench`` experiment: speed and memory of our LSTM against torch.nn.LSTM (and our GRU against torch.nn.GRU), measured side by side in one run.

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

Not in the default run (it measures this machine, not the book's models): ``python
scripts/regenerate_figures.py --only bench`` (about 3½ minutes on 2 AMD EPYC cores; ``--quick`` for a smoke test in seconds)
records its report as ``results.json["bench"]`` and writes ``bench_lstm.md`` (the appendix's tables)
and ``bench_lstm.svg``, with sidecars, which ``--redraw`` rebuilds like every other output.

Threads. The main tables give every variant one torch thread: with batch 64 and hidden 64 each
operation of a step is small, and one thread is the comparison least disturbed by other jobs on a
shared machine. The kernels table adds a thread per core, so the report shows what a second core
gains each variant on the CPU it names.

Kernels and targets. At issue 23's two shapes (the flagship, and the 2 × 128 character model it was
measured at) the hand-written LSTM is timed once more against ``torch.nn.LSTM`` with its products'
kernels as calibrated (what every run uses) and with each kernel forced (``torch.mm``, oneDNN), all
interleaved (:func:`~lstm_book.book.experiments.bench.timing.time_kernels`), with one thread and
with a thread per core; the report keeps ``matmul.kernel_report()`` (every calibrated choice, both
kernels' times) and the CPU model.

Where the time goes. ``torch.profiler`` splits one forward pass at the flagship's shape by operator,
and a training step into the matrix products and everything else, against ``torch.nn.LSTM``'s whole
step in the same profile: how much room the products leave a training step held to 1.05× torch's.
"""

from __future__ import annotations

import os
import platform
import time
from dataclasses import dataclass

import torch

from lstm_book import matmul
from lstm_book.matmul import cpu_model
from lstm_book.book import figures
from lstm_book.book.palette import sequential
from lstm_book.book.experiments.bench.memory import measure_memory
from lstm_book.book.experiments.bench.report import bench_ratios, markdown
from lstm_book.book.experiments.bench.timing import (LABELS, VARIANTS, Shape, profile_forward, profile_train, time_kernels,
                                                     time_products, time_recording, time_shape)
from lstm_book.book.pipeline.interface import Experiment, FigureOutput, Fragment, Output, Setting, Tiers


@dataclass(frozen=True)
class Budget:
    t_sweep: tuple[Shape, ...]  # the flagship's width at several lengths (its second entry is the flagship)
    h_sweep: tuple[Shape, ...]  # the flagship's length at several widths
    gru: tuple[Shape, ...]  # the GRU against torch.nn.GRU
    chapter: Shape | None  # the character model's shape (None: read from its experiment's full budget)
    targets: tuple[Shape, ...]  # issue 23's shapes: each kernel choice, one thread and a thread per core
    memory_T: int
    repeats: int  # interleaved repeats per shape
    memory_runs: int  # subprocesses per variant


BUDGET = Tiers(
    quick=Budget(t_sweep=tuple(Shape(T, 16, batch=8, input_size=4) for T in (10, 20)),
                 h_sweep=tuple(Shape(20, H, batch=8, input_size=4) for H in (8, 16)),
                 gru=tuple(Shape(T, 16, batch=8, input_size=4) for T in (10, 20)),
                 chapter=Shape(16, 16, batch=8, input_size=8), targets=(Shape(20, 16, batch=8, input_size=4),),
                memory_T=50, repeats=3, memory_runs=1),
    full=Budget(t_sweep=tuple(Shape(T, 64) for T in (50, 100, 200, 500)), h_sweep=tuple(Shape(100, H) for H in (32, 64, 128)),
                gru=tuple(Shape(T, 64, batch=32) for T in (100, 300, 1000)), chapter=None,
                targets=(Shape(100, 64), Shape(128, 128, input_size=32)), memory_T=1000, repeats=15, memory_runs=3),
)


def chapter_shape(b: Budget) -> Shape:
    """The character model's training shape, read from its experiment (its chunk length, width, lanes, embedding)."""
    if b.chapter is not None:
        return b.chapter
    from lstm_book.book.experiments import charlm
    from lstm_book.book.experiments.charlm import lm_runs

    c, spec = charlm.BUDGET.full, lm_runs.LMSpec
    return Shape(c.bptt, c.hidden_size, batch=c.batch_size, input_size=spec.embed_dim, layers=c.num_layers)


def specs(setting: Setting) -> list:
    return []  # nothing is trained


def measure(setting: Setting, runs, results: dict) -> dict:
    b, seed, threads = BUDGET.of(setting), setting.seed, torch.get_num_threads()
    load_before, start = os.getloadavg()[0], time.perf_counter()
    # The allocator first: glibc serves a large block from fresh pages (mmap) until a block that size has been
    # freed, and then from its heap. A training loop reaches that state after its first steps; torch.nn.LSTM
    # measured before it paid page faults (its step took up to half as long again, ours, with its kept
    # workspace, did not), so every variant runs the budget's longest step once before anything is timed.
    time_shape(max(b.t_sweep, key=lambda shape: shape.T), 1, seed)
    timings = [time_shape(shape, b.repeats, seed) for shape in dict.fromkeys(b.t_sweep + b.h_sweep)]
    flagship = b.t_sweep[1] if len(b.t_sweep) > 1 else b.t_sweep[0]  # T = 100, hidden 64 in the full plan
    targets = []
    for n in dict.fromkeys((threads, os.cpu_count() or 1)):  # one thread, then a thread per core
        torch.set_num_threads(n)
        targets += [time_kernels(shape, b.repeats, seed) for shape in b.targets]
    torch.set_num_threads(threads)
    gru_timings = [time_shape(shape, b.repeats, seed, family="GRU") for shape in b.gru]
    chapter = chapter_shape(b)
    chapter_timing, products = time_shape(chapter, b.repeats, seed), time_products(chapter, b.repeats, seed)
    memory_shape = Shape(b.memory_T, flagship.hidden, flagship.batch, flagship.input_size, flagship.layers)
    report = {
        "meta": {
            "quick": setting.quick, "repeats": b.repeats, "threads": threads, "cpu_count": os.cpu_count(),
            "torch": torch.__version__, "python": platform.python_version(), "seed": seed,
            "batch": flagship.batch, "input_size": flagship.input_size, "layers": flagship.layers,
            "flagship_hidden": flagship.hidden, "memory_T": b.memory_T, "memory_runs": b.memory_runs,
            "memory_hidden": flagship.hidden, "cpu_model": cpu_model(), "load_before": load_before,
        },
        "timings": timings,
        "gru_timings": gru_timings,
        "chapter": {"timing": chapter_timing, "products": products},
        "targets": targets,
        "recording": time_recording(flagship, b.repeats, seed),
        "profile": profile_forward(flagship, seed),
        "train_profile": profile_train(flagship, seed),
        "memory": measure_memory(memory_shape, b.memory_runs, seed, threads),
        "kernels": matmul.kernel_report(),  # every product's kernel as calibrated on this CPU, with both times
    }
    report["meta"] |= {"load_after": os.getloadavg()[0], "wall_seconds": time.perf_counter() - start}
    for v in VARIANTS:
        print(f"   peak training memory at T={b.memory_T}: {LABELS[v]:24s} {report['memory'][v]['median_MiB']:7.1f} MiB")
    return {"bench": report}


def render(results: dict) -> list[Output]:
    report = results["bench"]
    rows = [r for r in report["timings"] if r["hidden"] == report["meta"]["flagship_hidden"]]
    variants = {"autograd": (LABELS["autograd"], sequential(0, 2)), "manual": (LABELS["manual"], figures.LSTM_COLOUR)}
    return [Fragment("bench_lstm", markdown(report)),
            FigureOutput("bench_lstm.svg", bench_ratios(rows, variants, reference=LABELS["torch"]),
                         {"cpu_model": report["meta"]["cpu_model"], "quick": report["meta"]["quick"]})]


EXPERIMENT = Experiment(name="bench", default=False, specs=specs, measure=measure, render=render, budget=BUDGET)
