"""The matrix products of the hand-written BPTT, each run by the kernel that measures faster on this CPU.

PyTorch multiplies float32 matrices on the CPU in two libraries: its BLAS (``torch.mm``,
``torch.addmm``; Intel's MKL in the standard builds) and oneDNN, the library ``torch.nn.LSTM`` runs
its layers in, reached here through ``torch.ops.mkldnn._linear_pointwise`` (the operation PyTorch's
own compiler emits for a linear layer), with a weight that multiplies every step reordered once
into the blocked layout its kernels read. Which one is faster depends on the processor, the
PyTorch build and the shape, and no rule of thumb survived measurement: on an AMD EPYC with
PyTorch 2.13 a call into oneDNN costs about 12 µs more than one into BLAS, so BLAS wins the small
per-step products, while oneDNN is faster over a whole sequence; on an Intel Xeon oneDNN lost
25–35% of a training step (issue 23). So nothing here assumes a vendor. Every product asks
:func:`kernel`; the first product of each *shape class* (what it computes, its rows, the sizes of
its operands, the number of threads) times both kernels for a few milliseconds, and the faster one
serves that class for the rest of the process. :func:`kernel_report` lists every choice, with both
times and the CPU, for a benchmark or a run's provenance.

Rounding. Both kernels compute the same float32 products, but they may add a dot product's terms
in a different order, and then their results differ in the last bits. A calibration checks this
on its own operands (``same_bits``). Where the two agree, the choice changes only the speed.
Where they differ, the class keeps ``REFERENCE``, the kernel the book's results were computed
with, as long as ``KEEP_ROUNDING`` is true: then no number depends on a timing, and the same CPU
gives the same numbers bit for bit in every process. ``REFERENCE`` is ``torch.mm``: at the book's
shapes a training step in it was faster than in oneDNN, or level within the spread of the repeats,
on both CPUs measured, an AMD EPYC and an Intel Xeon (the appendix has the numbers). ``KEEP_ROUNDING = False`` takes the faster
kernel everywhere, with float32 results that may differ in the last bits.

Switches, for tests and reproducibility: ``ONEDNN = True`` or ``False`` forces one kernel wherever
oneDNN applies (``None``, the default, measures); :func:`force_kernel` does the same inside a
``with`` block. oneDNN applies to float32 tensors on the CPU outside autograd (the products run
inside an autograd ``Function`` or without gradients); everything else — float64 (the gradient
checks), a GPU, a PyTorch built without oneDNN — uses ``torch.mm``/``torch.addmm``.

* :class:`Linear` — ``x W^T (+ b)`` for many ``x`` with one weight;
* :func:`weight_grads` — ``δ^T x``, the sum over all steps that gives a weight's gradient (Eq. 16),
  for several inputs at once.
"""

from __future__ import annotations

import math
import platform
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass

import torch
from torch import Tensor

AVAILABLE = torch.backends.mkldnn.is_available() and hasattr(torch.ops.mkldnn, "_linear_pointwise")
ONEDNN: bool | None = None  # None: measure; True / False: force oneDNN / torch.mm wherever oneDNN applies
KEEP_ROUNDING = True  # where the kernels round differently, keep REFERENCE (numbers independent of timings)
REFERENCE = "blas"  # the kernel of the book's training runs: at the book's shapes, not slower than oneDNN on either CPU measured
KERNELS = ("blas", "onednn")
LARGE = 2048  # products of more rows are one class, timed at LARGE rows (fewer: one class per power of two)
ROUNDS = 5  # timing rounds per kernel, alternating; each kernel's fastest round counts
ROUND_S = 1e-4  # about how long one round of one kernel lasts (seconds)


@dataclass(frozen=True)
class Calibration:
    """Both kernels timed on one shape class: microseconds per product, and whether they agree bit for bit."""

    blas_us: float
    onednn_us: float
    same_bits: bool

    @property
    def fastest(self) -> str:
        return "blas" if self.blas_us <= self.onednn_us else "onednn"

    @property
    def kernel(self) -> str:
        """The kernel of this class: the faster one, unless the two round differently and ``KEEP_ROUNDING``."""
        return REFERENCE if KEEP_ROUNDING and not self.same_bits else self.fastest


_calibrations: dict[tuple, Calibration] = {}  # shape class → its calibration, for the life of the process
_lock = threading.Lock()


def _applies(t: Tensor) -> bool:
    """Whether oneDNN's float32 CPU kernels can run a product of ``t``."""
    return AVAILABLE and t.device.type == "cpu" and t.dtype == torch.float32 and not torch.is_grad_enabled()


def _rows_class(rows: int) -> int:
    """Rows as a shape class: exact up to 64, then the next power of two, capped at ``LARGE`` (the time per
    row of a product that does not fit in the caches is not the time per row of one that does)."""
    return rows if rows <= 64 else min(LARGE, 1 << (rows - 1).bit_length())


def kernel(op: str, rows: int, sizes: tuple, like: Tensor) -> str:
    """``"blas"`` or ``"onednn"`` for one product: ``op`` is ``"linear"``, ``"reordered"`` (a linear
    layer whose weight is reordered once) or ``"grad"`` (:func:`weight_grads`), ``rows`` its number of
    rows (summed over for ``"grad"``), ``sizes`` its other dimensions and whether it has a bias;
    ``like`` an operand (dtype, device)."""
    if not _applies(like):
        return "blas"
    if ONEDNN is not None:
        return "onednn" if ONEDNN else "blas"
    key = (op, _rows_class(rows), sizes, torch.get_num_threads())
    calibration = _calibrations.get(key)
    if calibration is None:
        calibration = _calibrate(key)
    return calibration.kernel


@contextmanager
def force_kernel(name: str | None):
    """Inside the block every product that oneDNN could run uses ``name`` (``"blas"`` or ``"onednn"``;
    ``None`` measures again). Not thread-safe: it sets the module's ``ONEDNN``."""
    global ONEDNN
    if name not in (None, *KERNELS):
        raise ValueError(f"force_kernel: expected one of {KERNELS} or None, got {name!r}")
    before, ONEDNN = ONEDNN, None if name is None else name == "onednn"
    try:
        yield
    finally:
        ONEDNN = before


def cpu_model() -> str:
    """The processor's model name (``/proc/cpuinfo`` on Linux, else what ``platform`` knows)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def kernel_report() -> dict:
    """The CPU, the switches and every shape class calibrated so far in this process, with both kernels'
    times, the faster one and the one used: for a benchmark's table or a run's provenance."""
    choices = [
        {"op": op, "rows": rows, "sizes": list(sizes), "threads": threads,
         "blas_us": round(c.blas_us, 2), "onednn_us": round(c.onednn_us, 2), "same_bits": c.same_bits,
         "fastest": c.fastest, "kernel": c.kernel}
        for (op, rows, sizes, threads), c in sorted(_calibrations.items(), key=lambda kv: repr(kv[0]))
    ]
    forced = None if ONEDNN is None else ("onednn" if ONEDNN else "blas")
    return {"cpu": cpu_model(), "torch": str(torch.__version__), "threads": torch.get_num_threads(),
            "onednn_available": AVAILABLE, "forced": forced, "keep_rounding": KEEP_ROUNDING,
            "reference": REFERENCE, "choices": choices}


def provenance() -> dict:
    """What a training run's float32 numbers depend on here, for its checkpoint (never for a cache key): the
    CPU, PyTorch, the threads, the switches, and each calibrated shape class's kernel. With ``KEEP_ROUNDING``
    on, the timed choices can change only classes whose kernels agree bit for bit, so the same CPU kind
    with the same PyTorch, ``REFERENCE`` and switches gives the same numbers."""
    report = kernel_report()
    kernels = [f"{c['op']} {c['rows']}×{tuple(c['sizes'])} t{c['threads']}: {c['kernel']}" for c in report.pop("choices")]
    return {**report, "kernels": kernels}


# --8<-- [start:linear]
class Linear:
    """``x ↦ x W^T + b`` for a fixed weight ``W (out, in)`` and optional bias ``b (out,)``.

    Args:
        weight: ``(out, in)``; may be a transposed view (``W_hh.t()`` serves ``δa ↦ δa W_hh``).
        bias: ``(out,)`` or ``None``.
        reorder: in oneDNN, reorder the weight once into its blocked layout, for a weight that
            multiplies every step of a sequence or many rows (each product is then cheaper; the
            reordering costs about one small product).

    Called without autograd (inside an autograd ``Function``'s forward or backward, or at inference).
    The kernel is chosen per number of rows, the first time each is seen.
    """

    def __init__(self, weight: Tensor, bias: Tensor | None = None, reorder: bool = False) -> None:
        self.weight, self.bias, self.weight_t = weight, bias, weight.t()
        self.op = "reordered" if reorder else "linear"
        self.packed: Tensor | None = None  # the weight as oneDNN reads it, made at its first oneDNN product
        self.kernels: dict[int, str] = {}  # rows → kernel

    def kernel(self, rows: int) -> str:
        """The kernel that multiplies ``rows`` rows: ``"blas"`` or ``"onednn"``."""
        name = self.kernels.get(rows)
        if name is None:
            sizes = (*self.weight.shape[::-1], self.bias is not None)
            name = self.kernels[rows] = kernel(self.op, rows, sizes, self.weight)
        return name

    def onednn_weight(self) -> Tensor:
        if self.packed is None:
            w = self.weight.contiguous()
            self.packed = torch.ops.mkldnn._reorder_linear_weight(w) if self.op == "reordered" else w
        return self.packed

    def __call__(self, x: Tensor, out: Tensor | None = None) -> Tensor:
        """``x W^T + b`` for ``x (n, in)``: ``(n, out)``, written into ``out`` if one is given."""
        if self.kernel(x.shape[0]) == "onednn":
            y = torch.ops.mkldnn._linear_pointwise(x, self.onednn_weight(), self.bias, "none", [], "")
            return y if out is None else out.copy_(y)
        if self.bias is None:
            return torch.mm(x, self.weight_t, out=out)
        return torch.addmm(self.bias, x, self.weight_t, out=out)

    def add(self, base: Tensor, x: Tensor, out: Tensor) -> Tensor:
        """``out = base + x W^T`` (the bias is not added), for ``base``, ``out (n, out)`` and ``x (n,
        in)``; ``out`` may be ``base``. In BLAS the sum is formed as the product is stored: the same
        numbers as the product followed by the sum, one operation fewer."""
        if self.kernel(x.shape[0]) == "onednn":
            return torch.add(base, torch.ops.mkldnn._linear_pointwise(x, self.onednn_weight(), None, "none", [], ""),
                             out=out)
        return torch.addmm(base, x, self.weight_t, out=out)


def weight_grads(delta: Tensor, *xs: Tensor) -> list[Tensor]:
    """``δ^T x`` for ``δ (n, out)`` and each ``x (n, in_k)`` of ``xs``: ``Σ_rows δ_r x_r^T``, a list of
    contiguous ``(out, in_k)`` (Eq. 16). In oneDNN the inputs go side by side into one product, so
    ``δ`` (the largest operand) is read once for all of them."""
    sizes = (delta.shape[1], *(x.shape[1] for x in xs))
    if kernel("grad", delta.shape[0], sizes, delta) == "onednn":
        return _grads_onednn(delta, xs)
    return [torch.mm(delta.t(), x) for x in xs]


def _grads_onednn(delta: Tensor, xs: tuple[Tensor, ...]) -> list[Tensor]:
    xt = torch.cat([x.t() for x in xs])  # (Σ in_k, n), contiguous; (x^T δ)^T with δ^T as oneDNN's weight
    full = torch.ops.mkldnn._linear_pointwise(xt, delta.t(), None, "none", [], "").t()
    return [part.contiguous() for part in full.split([x.shape[1] for x in xs], dim=1)]
# --8<-- [end:linear]


def _candidates(op: str, rows: int, sizes: tuple) -> dict:
    """The two kernels' version of one shape class's product, on fixed random operands."""
    g = torch.Generator().manual_seed(0)
    if op == "grad":
        delta = torch.randn(rows, sizes[0], generator=g)
        xs = tuple(torch.randn(rows, n, generator=g) for n in sizes[1:])
        return {"blas": lambda: torch.cat([torch.mm(delta.t(), x) for x in xs], dim=1),
                "onednn": lambda: torch.cat(_grads_onednn(delta, xs), dim=1)}
    n_in, n_out, bias = sizes
    x = torch.randn(rows, n_in, generator=g)
    layer = Linear(torch.randn(n_out, n_in, generator=g), torch.randn(n_out, generator=g) if bias else None,
                   reorder=op == "reordered")
    layer.onednn_weight()  # reordered before anything is timed
    # A reordered weight without bias serves the per-step products, which add into a buffer: check that.
    base = torch.randn(rows, n_out, generator=g) if op == "reordered" and not bias else None
    return {name: (lambda name=name: _forced(layer, name, x, base)) for name in KERNELS}


def _forced(layer: Linear, name: str, x: Tensor, base: Tensor | None) -> Tensor:
    """``layer(x)``, or ``base + x W^T`` (:meth:`Linear.add`), with the kernel ``name``."""
    layer.kernels[x.shape[0]] = name  # as if measured
    return layer(x) if base is None else layer.add(base, x, out=torch.empty_like(base))


def _per_call_s(fn, calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - start) / calls


def _calibrate(key: tuple) -> Calibration:
    """Time both kernels on one shape class, interleaved, and keep the result for the process."""
    op, rows, sizes, _ = key
    with _lock, torch.no_grad():
        if key in _calibrations:  # another thread measured it meanwhile
            return _calibrations[key]
        runs = _candidates(op, rows, sizes)
        out = {name: fn() for name, fn in runs.items()}  # warm-up (first calls set up kernels), and the rounding check
        calls = max(1, min(64, math.ceil(ROUND_S / max(_per_call_s(runs["blas"], 1), 1e-7))))
        best = dict.fromkeys(KERNELS, math.inf)
        for r in range(ROUNDS):
            for name in KERNELS if r % 2 == 0 else KERNELS[::-1]:
                best[name] = min(best[name], _per_call_s(runs[name], calls))
        calibration = Calibration(1e6 * best["blas"], 1e6 * best["onednn"], torch.equal(out["blas"], out["onednn"]))
        _calibrations[key] = calibration
    return calibration
