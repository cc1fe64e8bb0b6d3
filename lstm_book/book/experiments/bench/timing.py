"""Timing our LSTM and GRU against torch's, interleaved, at one shape: training steps, forwards, gate
recording, the recurrent product's kernels, and a profile of the forward pass (see the bench's docstring)."""

from __future__ import annotations

import platform
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

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
    """The CPU's model name, printed beside every speed figure."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"
