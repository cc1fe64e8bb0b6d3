"""The matrix products of the hand-written BPTT, sent to oneDNN on the CPU, as ``torch.nn.LSTM`` does.

On the CPU, ``torch.mm`` and ``torch.addmm`` run in PyTorch's BLAS, Intel's MKL, while
``torch.nn.LSTM`` runs its whole layer in oneDNN, which compiles its matrix-product kernels for the
processor it finds and can keep a weight pre-arranged ("reordered") in the blocked layout those
kernels read. On the book's machine (an AMD EPYC) MKL takes a narrower code path than oneDNN: at
the character model's shapes its float32 products take one and a half to two and a half times as
long as oneDNN's, and a per-step product with a reordered weight is faster still. The matrix
products are most of an LSTM's time, so :mod:`lstm_book.bptt` computes them here, with the same
operation PyTorch's own compiler emits for a linear layer on the CPU
(``torch.ops.mkldnn._linear_pointwise``). Where that operation does not apply — float64 (the
gradient checks), a GPU, a PyTorch built without oneDNN, or ``ONEDNN = False`` — every function
falls back to the plain ``torch.mm``/``torch.addmm`` it stands for. Both compute the same products in
float32 and differ only in rounding.

* :class:`Linear` — ``x W^T (+ b)`` for many ``x`` with one weight (the weight reordered once when
  it serves every step of a sequence);
* :func:`weight_grads` — ``δ^T x``, the sum over all steps that gives a weight's gradient (Eq. 16),
  for several inputs in one product.
"""

from __future__ import annotations

import torch
from torch import Tensor

ONEDNN = torch.backends.mkldnn.is_available() and hasattr(torch.ops.mkldnn, "_linear_pointwise")


def _onednn(t: Tensor) -> bool:
    """Whether oneDNN's float32 CPU kernels apply to ``t`` (and are switched on)."""
    return ONEDNN and t.device.type == "cpu" and t.dtype == torch.float32 and not torch.is_grad_enabled()


# --8<-- [start:linear]
class Linear:
    """``x ↦ x W^T + b`` for a fixed weight ``W (out, in)`` and optional bias ``b (out,)``.

    Args:
        weight: ``(out, in)``; may be a transposed view (``W_hh.t()`` serves ``δa ↦ δa W_hh``).
        bias: ``(out,)`` or ``None``.
        reorder: reorder the weight once into oneDNN's layout, for a weight that multiplies every
            step of a sequence (each product is then cheaper; the reordering costs about one product).

    Called in no-grad mode (inside an autograd ``Function``'s forward or backward, or at inference).
    """

    def __init__(self, weight: Tensor, bias: Tensor | None = None, reorder: bool = False) -> None:
        self.weight, self.bias = weight, bias
        self.fast = _onednn(weight)
        self.packed = weight
        if self.fast and reorder:
            self.packed = torch.ops.mkldnn._reorder_linear_weight(weight.contiguous())
        elif not self.fast:
            self.weight_t = weight.t()

    def __call__(self, x: Tensor) -> Tensor:
        """``x W^T + b`` for ``x (n, in)``: ``(n, out)``."""
        if self.fast:
            return torch.ops.mkldnn._linear_pointwise(x, self.packed, self.bias, "none", [], "")
        return torch.mm(x, self.weight_t) if self.bias is None else torch.addmm(self.bias, x, self.weight_t)


def weight_grads(delta: Tensor, *xs: Tensor) -> list[Tensor]:
    """``δ^T x`` for ``δ (n, out)`` and each ``x (n, in_k)`` of ``xs``: ``Σ_rows δ_r x_r^T``, a list of
    contiguous ``(out, in_k)`` (Eq. 16). In oneDNN the inputs go side by side into one product, so
    ``δ`` (the largest operand) is read once for all of them."""
    if _onednn(delta):  # (x^T δ)^T, with δ^T as oneDNN's weight
        xt = torch.cat([x.t() for x in xs])  # (Σ in_k, n), contiguous
        full = torch.ops.mkldnn._linear_pointwise(xt, delta.t(), None, "none", [], "").t()
        return [part.contiguous() for part in full.split([x.shape[1] for x in xs], dim=1)]
    return [torch.mm(delta.t(), x) for x in xs]
# --8<-- [end:linear]
