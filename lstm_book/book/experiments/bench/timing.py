"""Timing our LSTM and GRU against torch's, interleaved, at one shape: training steps, forwards, gate
recording, the recurrent product's kernels, and a profile of the forward pass (see the bench's docstring)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch


VARIANTS = ("torch", "autograd", "manual")
LABELS = {"torch": "torch.nn.LSTM", "autograd": "ours, autograd cell", "manual": "ours, hand-written BPTT"}


@dataclass(frozen=True)
class Shape:
    T: int
    hidden: int
    batch: int = 64
    input_size: int = 16
    layers: int = 2


def time_products(shape: Shape, repeats: int, seed: int, calls: int = 200) -> dict:
    """One step's recurrent product ``h (B, H) → (B, 4H)`` with the weight reordered once
    (``lstm_book.matmul.Linear``), forced into each kernel in turn: ``torch.mm`` (the BLAS, MKL) and
    oneDNN, interleaved; microseconds per product, and the kernel the calibration chose on this CPU."""
    from lstm_book import matmul

    g = torch.Generator().manual_seed(seed)
    h, w = torch.randn(shape.batch, shape.hidden, generator=g), torch.randn(4 * shape.hidden, shape.hidden, generator=g)
    names = {"mkl": "blas", "onednn": "onednn"}
    with torch.no_grad():
        layers = {}
        for k, name in names.items():
            with matmul.force_kernel(name):
                layers[k] = matmul.Linear(w, reorder=True)
                layers[k](h)  # warm-up: the kernel is fixed for these rows from here on
        times = {k: [] for k in names}
        for rep in range(repeats):
            for k in (("mkl", "onednn") if rep % 2 == 0 else ("onednn", "mkl")):
                start = time.perf_counter()
                for _ in range(calls):
                    layers[k](h)
                times[k].append(1e6 * (time.perf_counter() - start) / calls)
        chosen = matmul.Linear(w, reorder=True).kernel(shape.batch)
    return {"batch": shape.batch, "hidden": shape.hidden, "onednn_used": layers["onednn"].kernel(shape.batch) == "onednn",
            "chosen": chosen, "calls": calls,
            "mkl_us": statistics.median(times["mkl"]), "onednn_us": statistics.median(times["onednn"]),
            "ratio": statistics.median(a / b for a, b in zip(times["mkl"], times["onednn"]))}


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
    times, cpu = _interleaved(VARIANTS, lambda v, fn: fn(models[v], x), repeats)
    result = {"T": shape.T, "hidden": shape.hidden, "batch": shape.batch, "input_size": shape.input_size,
              "layers": shape.layers, "repeats": repeats}
    for kind in ("train", "forward"):
        result |= _summary(kind, "torch", ("autograd", "manual"), times, cpu)
    return result


KERNEL_CHOICES = {"measured": None, "blas": "blas", "onednn": "onednn"}  # name → lstm_book.matmul.force_kernel


def time_kernels(shape: Shape, repeats: int, seed: int) -> dict:
    """The hand-written LSTM with its products' kernels as calibrated (``measured``, what every run uses) and
    with each kernel forced (``blas``: ``torch.mm``; ``onednn``), against ``torch.nn.LSTM``, all four
    interleaved: ratios as in :func:`time_shape`, keys ``{kind}_{choice}_ratio`` …, and the thread count."""
    from lstm_book import matmul

    models = {"torch": build("torch", shape, seed), "ours": build("manual", shape, seed)}
    x = torch.randn(shape.T, shape.batch, shape.input_size, generator=torch.Generator().manual_seed(seed))

    def call(name: str, fn) -> None:
        with matmul.force_kernel(KERNEL_CHOICES.get(name)):
            fn(models["torch" if name == "torch" else "ours"], x)

    times, cpu = _interleaved(("torch", *KERNEL_CHOICES), call, repeats)
    result = {"T": shape.T, "hidden": shape.hidden, "batch": shape.batch, "input_size": shape.input_size,
              "layers": shape.layers, "repeats": repeats, "threads": torch.get_num_threads()}
    for kind in ("train", "forward"):
        result |= _summary(kind, "torch", KERNEL_CHOICES, times, cpu)
    return result


def _interleaved(names: tuple[str, ...], call, repeats: int) -> tuple[dict, dict]:
    """``call(name, fn)`` for ``fn`` a training step and a forward, every name in each repeat, in an order that
    rotates from one repeat to the next (so none always runs first), after one warm-up call of each
    (allocator, thread pool, lazy initialisation, a kernel's calibration): seconds per (kind, name), in
    wall-clock and in this process's CPU time."""
    kinds = (("train", train_step), ("forward", forward))
    for name in names:
        for _, fn in kinds:
            call(name, fn)
    times = {(kind, n): [] for kind, _ in kinds for n in names}
    cpu = {(kind, n): [] for kind, _ in kinds for n in names}
    for rep in range(repeats):
        order = names[rep % len(names):] + names[: rep % len(names)]
        for kind, fn in kinds:
            for name in order:
                start, start_cpu = time.perf_counter(), time.process_time()
                call(name, fn)
                times[(kind, name)].append(time.perf_counter() - start)
                cpu[(kind, name)].append(time.process_time() - start_cpu)
    return times, cpu


def _summary(kind: str, base: str, variants, times: dict, cpu: dict) -> dict:
    """Medians over repeats of each variant's time over ``base``'s in the same repeat, with the middle half of
    those ratios, in wall-clock time (``{kind}_{v}_ratio``, ``_iqr``) and in this process's CPU time
    (``_cpu_ratio``, ``_cpu_iqr``: not inflated while other jobs hold the cores; with one thread the cleanest
    measure on a shared machine, with more it counts spinning too); and ``base``'s median time in ms."""
    out = {f"{kind}_{base}_ms": 1e3 * statistics.median(times[(kind, base)])}
    for v in variants:
        for suffix, clock in (("", times), ("_cpu", cpu)):
            ratios = [a / b for a, b in zip(clock[(kind, v)], clock[(kind, base)])]
            q = statistics.quantiles(ratios, n=4) if len(ratios) >= 4 else [min(ratios), 0, max(ratios)]
            out[f"{kind}_{v}{suffix}_ratio"], out[f"{kind}_{v}{suffix}_iqr"] = statistics.median(ratios), [q[0], q[2]]
    return out


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


PYTHON_ROW = "model(x)"  # the profiler row that wraps the profiled calls
PRODUCTS = frozenset({"aten::addmm", "aten::mm", "mkldnn::_linear_pointwise"})  # the matrix products' operators


def _operator_times(model: torch.nn.Module, fn: Callable[[torch.nn.Module, torch.Tensor], None], x: torch.Tensor,
                    calls: int, top: int) -> dict:
    """``torch.profiler``'s self CPU time per operator over ``calls`` calls of ``fn(model, x)`` after one
    warm-up call, per call: the total, the matrix products' share (:data:`PRODUCTS`) and every other
    operator's, with their numbers of calls, and the ``top`` largest operators."""
    from torch.profiler import ProfilerActivity, profile, record_function

    fn(model, x)  # warm-up
    with profile(activities=[ProfilerActivity.CPU]) as prof, record_function(PYTHON_ROW):
        for _ in range(calls):
            fn(model, x)  # PYTHON_ROW's self time: what runs between the operators
    rows = sorted(prof.key_averages(), key=lambda e: e.self_cpu_time_total, reverse=True)
    products = [e for e in rows if e.key in PRODUCTS]
    others = [e for e in rows if e.key not in PRODUCTS and e.key != PYTHON_ROW]
    return {"total_ms": sum(e.self_cpu_time_total for e in rows) / 1e3 / calls,
            "products_ms": sum(e.self_cpu_time_total for e in products) / 1e3 / calls,
            "product_calls": sum(e.count for e in products) / calls,
            "other_calls": sum(e.count for e in others) / calls,
            "ops": [{"name": e.key, "calls": e.count / calls, "ms": e.self_cpu_time_total / 1e3 / calls,
                     "us_per_call": e.self_cpu_time_total / max(1, e.count)} for e in rows[:top]]}


def profile_forward(shape: Shape, seed: int, top: int = 8) -> dict:
    """Where a forward pass spends its time: ``torch.profiler`` self CPU time per operator, for our
    default path and for ``torch.nn.LSTM``, plus the per-element cost of the two nonlinearities."""
    x = torch.randn(shape.T, shape.batch, shape.input_size, generator=torch.Generator().manual_seed(seed))
    ops = {v: _operator_times(build(v, shape, seed), forward, x, 1, top) for v in ("manual", "torch")}
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


def profile_train(shape: Shape, seed: int, calls: int = 5, top: int = 8) -> dict:
    """Where a training step spends its time, as :func:`profile_forward` but per training step (mean of
    ``calls``): how much of ours is matrix products, against ``torch.nn.LSTM``'s whole step."""
    x = torch.randn(shape.T, shape.batch, shape.input_size, generator=torch.Generator().manual_seed(seed))
    ops = {v: _operator_times(build(v, shape, seed), train_step, x, calls, top) for v in ("manual", "torch")}
    return {"T": shape.T, "hidden": shape.hidden, "calls": calls, "threads": torch.get_num_threads(), "ops": ops}
