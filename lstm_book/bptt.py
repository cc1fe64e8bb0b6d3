"""Backpropagation through time by hand: one LSTM layer as a ``torch.autograd.Function``.

The readable path of :class:`lstm_book.LSTM` runs :func:`lstm_book.cell.lstm_step` once per step
and lets autograd record every product and nonlinearity. This module does the same forward
computation (up to rounding: one ``sigmoid`` serves all four gates, with ``tanh(a) = 2σ(2a) − 1``)
but keeps only what the backward pass needs, or nothing when no gradient is wanted, and writes the
backward pass out by hand, with the equations of Part 1 (``docs/part1-math/gradient-flow.md``):

* Eq. (13)  ``δc_t = δh_t ⊙ o_t ⊙ (1 − tanh²(c_t)) + δc_{t+1} ⊙ f_{t+1}``
* Eq. (14)  the four gate pre-activation deltas ``δa_t = [δa_i; δa_f; δa_g; δa_o]``
* Eq. (15)  ``δh_{t−1} = W_hh^T δa_t + ∂ℓ_{t−1}/∂h_{t−1}``,  ``δx_t = W_ih^T δa_t``
* Eq. (16)  ``∂L/∂W_ih = Σ_t δa_t x_t^T``, ``∂L/∂W_hh = Σ_t δa_t h_{t−1}^T``, ``∂L/∂b = Σ_t δa_t``

Only the recurrence (Eqs. 13–15 for ``δh``, ``δc``) has to walk time step by step. Everything
that does not depend on the next step's delta — the gate derivatives, ``δx`` and all weight
gradients — is computed for all steps at once, so Eq. (16) is one matrix product per weight.

Two extensions use the same loop. With a projection (LSTMP, ``proj_size > 0``), Eq. (21)
``h_t = W_hr m_t`` with ``m_t = o_t ⊙ tanh(c_t)`` replaces Eq. (9)'s output; its backward is
``δm_t = W_hr^T δh_t`` (which takes δh_t's place in Eqs. 13–14) and ``∂L/∂W_hr = Σ_t δh_t m_t^T``.
With ``batch_sizes`` (a :class:`~torch.nn.utils.rnn.PackedSequence`'s), ``x`` holds the packed rows
and step ``t`` works on the first ``batch_sizes[t]`` rows of the batch (see :mod:`lstm_book.packing`).

Shapes (one layer, one direction; ``P`` is ``proj_size``, or ``H`` without projection): ``x (T, B,
I)`` or packed ``(N, I)``; ``h_0 (B, P)``, ``c_0 (B, H)``; ``weight_ih (4H, I)``, ``weight_hh (4H,
P)``, biases ``(4H,)`` or ``None``, ``weight_hr (P, H)`` or ``None``; returns ``output (T, B, P)``
(packed: ``(N, P)``), ``h_n (B, P)``, ``c_n (B, H)``. Gate order is PyTorch's, ``i, f, g, o``.
Second derivatives are not implemented: a double backward raises an error (see
:class:`LSTMLayerFunction`).
"""

from __future__ import annotations

import math
import threading

import torch
from torch import Tensor

from . import matmul
from .packing import StepLayout, last_rows, previous_rows, reversed_rows

INFERENCE_CHUNK = 16  # steps of input projection per buffer fill when nothing is kept (inference)
FACTOR_BLOCK = 16  # steps whose gate factors the backward pass computes together, just before it walks them
_scratch = threading.local()  # the backward pass's largest temporaries, kept between calls (per thread)


def _workspace(name: str, shape: tuple[int, ...], like: Tensor) -> Tensor:
    """A buffer of ``shape`` for the backward pass, reused from its previous call when large enough.

    Nothing the backward pass returns points into it. Megabytes freshly allocated at every call are
    often new pages to the operating system, and on the book's machine touching them for the first
    time costs a few microseconds per 4 kB page: thousands of page faults per training step.
    """
    n = math.prod(shape)
    buf = getattr(_scratch, name, None)
    if buf is None or buf.numel() < n or buf.dtype != like.dtype or buf.device != like.device:
        buf = like.new_empty(n)
        setattr(_scratch, name, buf)
    return buf[:n].view(shape)


def _leading(t: Tensor, n: int) -> Tensor:
    """The first ``n`` rows of ``t`` (``t`` itself when it has exactly ``n``: no view to make)."""
    return t if t.shape[0] == n else t[:n]


def _previous(steps: list[Tensor] | tuple[Tensor, ...], first: Tensor, reverse: bool) -> list[Tensor]:
    """What each step reads as its previous state: the same sequences' rows of the step read just
    before it, or ``first`` (the initial state) at the first step read. ``steps[t]`` has the rows of
    step ``t``; going forward, step ``t`` keeps the first ``len(steps[t])`` rows of step ``t − 1``."""
    if reverse:  # only for equal batch sizes: packed sequences are reversed in place instead
        return [*steps[1:], first]
    return [first] + [_leading(prev, len(cur)) for prev, cur in zip(steps[:-1], steps[1:])]


# --8<-- [start:forward]
def _scale_g_rows(w: Tensor, factor: float) -> Tensor:
    """A copy of ``w`` (``(4H, ·)`` or ``(4H,)``) with the candidate block ``g`` times ``factor`` (2 or
    −2): then the pre-activation computed from it is exactly ``factor · a_g`` (a power of two is exact)."""
    H = w.shape[0] // 4
    w = w.clone()
    w[2 * H : 3 * H] *= factor
    return w


def _forward_scan(
    x: Tensor, h_0: Tensor, c_0: Tensor, weight_ih: Tensor, weight_hh: Tensor,
    bias_ih: Tensor | None, bias_hh: Tensor | None, reverse: bool,
    weight_hr: Tensor | None = None, batch_sizes: list[int] | None = None,
) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor, Tensor]:
    """Run Eqs. (4)–(9) (and (21) with ``weight_hr``) over the sequence into preallocated buffers, keeping
    what the backward pass reads.

    Eq. (6) uses ``tanh(a) = 2σ(2a) − 1``: the ``g`` rows of the weights and bias are doubled, so one
    ``sigmoid`` covers all four gates (``tanh`` costs several times a ``sigmoid`` per element on the
    CPU), and ``g_t`` itself is never stored.

    Every buffer is row-major over (step, sequence): step ``t`` owns ``batch_sizes[t]`` consecutive
    rows (``B`` each without packing, where the buffers are shaped ``(T, B, ·)``). Returns ``gates``
    (post-activation ``i_t, f_t, s_t, o_t`` of every step, where ``s_t = σ(2a_g) = (1 + g_t)/2``),
    ``output`` (``h_t`` at the position of ``x_t``), ``c_buf``, which holds ``c_0`` in one extra slot
    of ``B`` rows (first going forward, last going backward) so that ``c_{t−1}`` of every step
    without packing is a plain slice, ``tanh_c``, ``h_n`` and ``c_n``.
    """
    B, H, P = c_0.shape[0], c_0.shape[1], h_0.shape[1]
    layout = StepLayout.of(x, batch_sizes, B)
    packed, sizes, T, N, all_steps = layout.packed, list(layout.sizes), layout.T, layout.N, layout.shape
    if packed and reverse:
        raise ValueError("_forward_scan: reverse each packed sequence in place (lstm_layer does) instead")
    bias = None if bias_ih is None else _scale_g_rows(bias_ih + bias_hh, 2)  # the gates see the sum
    # x_t ↦ W_ih x_t + b: one product per call, so its weight is not reordered (that costs about one product)
    input_half = matmul.Linear(_scale_g_rows(weight_ih, 2), bias)
    recurrent = matmul.Linear(_scale_g_rows(weight_hh, 2), reorder=True)  # h_{t-1} ↦ W_hh h_{t-1}
    output = h_0.new_empty(all_steps(P))
    hs = output.view(N, P).split(sizes)  # per-step views made in one call: the loop only launches kernels
    h_prev = _previous(hs, h_0, reverse)  # h_{t-1} of the step at position t
    c_buf, tanh_c = c_0.new_empty((B + N, H) if packed else (T + 1, B, H)), c_0.new_empty(all_steps(H))
    slots = c_buf.view(B + N, H).split(sizes + [B] if reverse else [B] + sizes)
    c_init, cs = (slots[T], slots[:T]) if reverse else (slots[0], slots[1:])
    torch.mul(c_0, 2, out=c_init)  # the loop keeps 2c_t (doubled bits unless subnormal); halved at the end
    c_prev, tcs = _previous(cs, c_init, reverse), tanh_c.view(N, H).split(sizes)
    if weight_hr is not None:  # m_t = o_t ⊙ tanh(c_t) before the projection of Eq. (21); not kept
        weight_hr_t, m = weight_hr.t(), c_0.new_empty(B, H)
        ms = [_leading(m, n) for n in sizes]
    minus_one = c_0.new_full((), -1.0)  # as a tensor: a Python number is converted at every call
    # The input half of every step's pre-activations at once: a_t = W_ih x_t + b (+ W_hh h_{t-1} below).
    gates = input_half(layout.rows(x, 0, T))  # (N, 4H), one product for the whole sequence
    a = gates.split(sizes)
    i, f, s, o = (v.split(sizes) for v in gates.chunk(4, dim=1))
    for t in range(T - 1, -1, -1) if reverse else range(T):
        recurrent.add(a[t], h_prev[t], out=a[t])  # a_t += W_hh h_{t-1}: the only matrix product per step
        a[t].sigmoid_()  # Eqs. (4), (5), (8): f_t, i_t, o_t; and s_t = σ(2a_g), so g_t = 2 s_t − 1 (Eq. 6)
        # Eq. (7), doubled: 2c_t = f_t ⊙ 2c_{t-1} + 2 i_t ⊙ g_t, where 2 i_t ⊙ g_t = 4 i_t ⊙ s_t − 2 i_t
        torch.mul(f[t], c_prev[t], out=cs[t]).addcmul_(i[t], s[t], value=4).sub_(i[t], alpha=2)
        # tanh(c_t) = 2σ(2c_t) − 1 (cheaper than a tanh), for Eqs. (9), (13) and (14)
        torch.sigmoid(cs[t], out=tcs[t])
        torch.add(minus_one, tcs[t], alpha=2, out=tcs[t])
        if weight_hr is None:
            torch.mul(o[t], tcs[t], out=hs[t])  # Eq. (9): h_t = o_t ⊙ tanh(c_t)
        else:  # Eq. (21): h_t = W_hr (o_t ⊙ tanh(c_t)), the projection of LSTMP
            torch.mm(torch.mul(o[t], tcs[t], out=ms[t]), weight_hr_t, out=hs[t])
    c_buf.mul_(0.5)  # 2c_t ↦ c_t
    if packed:  # each sequence ends at its own last step
        last = last_rows(sizes, x.device)
        h_n, c_n = output.index_select(0, last), c_buf.index_select(0, B + last)
    else:
        h_n, c_n = hs[0 if reverse else T - 1].clone(), cs[0 if reverse else T - 1]
    return gates.view(all_steps(4 * H)), output, c_buf, tanh_c, h_n, c_n
# --8<-- [end:forward]


# --8<-- [start:inference]
def _inference_step(a: Tensor, i: Tensor, f: Tensor, s: Tensor, o: Tensor, c: Tensor, sig_c: Tensor,
                    minus_two: Tensor, h: Tensor) -> Tensor:
    """Eqs. (4)–(9) from the pre-activations ``a`` (the ``g`` rows times −2) to ``h_t``, in place.

    ``i, f, s, o`` are the four blocks of ``a``; ``c`` holds ``c_{t−1}`` and receives ``c_t``;
    ``sig_c`` receives ``σ(−2c_t)``; ``h`` receives ``h_t`` (or ``m_t`` before a projection). Any
    leading dimensions, so one call can serve several layers. Uses ``tanh(u) = 1 − 2σ(−2u)``: ``i_t ⊙
    g_t = i_t − 2 i_t ⊙ σ(−2a_g)`` and ``h_t = o_t − 2 o_t ⊙ σ(−2c_t)`` are one ``addcmul`` each.
    """
    a.sigmoid_()  # Eqs. (4), (5), (8): i_t, f_t, o_t; and σ(−2a_g)
    torch.addcmul(i, i, s, value=-2, out=s)  # i_t ⊙ g_t, Eq. (6)
    torch.addcmul(s, f, c, out=c)  # Eq. (7): c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t
    torch.mul(c, minus_two, out=sig_c).sigmoid_()  # σ(−2c_t)
    return torch.addcmul(o, o, sig_c, value=-2, out=h)  # Eq. (9): h_t = o_t ⊙ tanh(c_t)


def _inference_weights(weight_ih: Tensor, weight_hh: Tensor, bias_ih: Tensor | None,
                       bias_hh: Tensor | None) -> tuple[matmul.Linear, matmul.Linear]:
    """The input half ``x ↦ W_ih x + b`` and the recurrent product ``h ↦ W_hh h``, ``g`` rows times −2. Only the
    recurrent weight is reordered for oneDNN: it serves every step, the input half one product per chunk, too
    few to pay back a reordering (about one product's time; the calibration times products, not that)."""
    bias = None if bias_ih is None else _scale_g_rows(bias_ih + bias_hh, -2)
    return (matmul.Linear(_scale_g_rows(weight_ih, -2), bias),
            matmul.Linear(_scale_g_rows(weight_hh, -2), reorder=True))


def _inference_scan(
    x: Tensor, h_0: Tensor, c_0: Tensor, weight_ih: Tensor, weight_hh: Tensor,
    bias_ih: Tensor | None, bias_hh: Tensor | None, reverse: bool,
    weight_hr: Tensor | None = None, batch_sizes: list[int] | None = None,
) -> tuple[Tensor, Tensor, Tensor]:
    """Eqs. (4)–(9) (and (21)) with nothing kept for a backward pass: ``output``, ``h_n``, ``c_n``.

    Seven operations per step (:func:`_inference_step` and the product before it). The input half
    is computed ``INFERENCE_CHUNK`` steps at a time into one small buffer, ``c_t`` overwrites
    ``c_{t−1}``, and the output is the only tensor allocated in proportion to the sequence. Same
    shapes and rules as :func:`_forward_scan`.
    """
    B, H, P = c_0.shape[0], c_0.shape[1], h_0.shape[1]
    layout = StepLayout.of(x, batch_sizes, B)
    packed, sizes, T, N = layout.packed, list(layout.sizes), layout.T, layout.N
    if packed and reverse:
        raise ValueError("_inference_scan: reverse each packed sequence in place (lstm_layer does) instead")
    input_half, recurrent = _inference_weights(weight_ih, weight_hh, bias_ih, bias_hh)
    output = h_0.new_empty(layout.shape(P))
    hs = output.view(N, P).split(sizes)
    h_prev = _previous(hs, h_0, reverse)
    c, sig_c = c_0.clone(), torch.empty_like(c_0)  # c_t overwrites c_{t-1}; a finished sequence's row keeps its c_n
    cs, sig_cs = [_leading(c, n) for n in sizes], [_leading(sig_c, n) for n in sizes]
    ms = hs
    if weight_hr is not None:  # m_t = o_t ⊙ tanh(c_t), projected by Eq. (21)
        weight_hr_t, m = weight_hr.t(), c_0.new_empty(B, H)
        ms = [_leading(m, n) for n in sizes]
    minus_two = c_0.new_full((), -2.0)
    chunk = min(T, INFERENCE_CHUNK)
    starts = range(0, T, chunk)
    for t0 in reversed(starts) if reverse else starts:
        t1 = min(T, t0 + chunk)
        a_rows = input_half(layout.rows(x, t0, t1))  # W_ih x_t + b for the chunk's steps
        a = a_rows.split(sizes[t0:t1])
        i, f, s, o = (v.split(sizes[t0:t1]) for v in a_rows.chunk(4, dim=1))
        for k in range(t1 - t0 - 1, -1, -1) if reverse else range(t1 - t0):
            t = t0 + k
            recurrent.add(a[k], h_prev[t], out=a[k])  # a_t += W_hh h_{t-1}
            _inference_step(a[k], i[k], f[k], s[k], o[k], cs[t], sig_cs[t], minus_two, ms[t])
            if weight_hr is not None:  # Eq. (21): h_t = W_hr m_t
                torch.mm(ms[t], weight_hr_t, out=hs[t])
    if packed:
        return output, output.index_select(0, last_rows(sizes, x.device)), c
    return output, hs[0 if reverse else T - 1].clone(), c


def lstm_stack_inference(
    x: Tensor, h_0: Tensor, c_0: Tensor, layers: list[tuple[Tensor, Tensor, Tensor | None, Tensor | None]],
) -> tuple[Tensor, Tensor, Tensor]:
    """A stack of one-directional LSTM layers without gradients, run as a wavefront.

    Layer ``l`` runs ``K = min(INFERENCE_CHUNK, T)`` steps behind layer ``l − 1``: by the time it
    starts a chunk of ``K`` steps, the layer below has computed their inputs, so its input half is
    still one product per chunk, and in every iteration the layers' steps are independent. Their
    element-wise work is then one :func:`_inference_step` over all layers at once (a ``(L, B, ·)``
    view), ``T + (L − 1) K`` iterations instead of ``L T``; only the recurrent products stay one per
    layer (each has its own weight).

    Args:
        x: ``(T, B, I)``.
        h_0, c_0: ``(L, B, H)``.
        layers: per layer ``(weight_ih, weight_hh, bias_ih, bias_hh)`` (biases ``None`` together).

    Returns:
        ``output (T, B, H)`` (the last layer's ``h_t``), ``h_n (L, B, H)``, ``c_n (L, B, H)``.
    """
    T, B, _ = x.shape
    L, H = len(layers), c_0.shape[2]
    K = min(INFERENCE_CHUNK, T)
    products = [_inference_weights(*weights) for weights in layers]
    # Layer l's h_0 is at hs[l, l·K], its h_t at hs[l, l·K + 1 + t]: iteration j writes hs[:, j + 1].
    hs = x.new_empty(L, T + (L - 1) * K + 1, B, H)
    for l in range(L):
        hs[l, l * K].copy_(h_0[l])
    c, sig_c, minus_two = c_0.clone(), torch.empty_like(c_0), c_0.new_full((), -2.0)
    a = x.new_empty(L, K, B, 4 * H)  # the pre-activations, all layers side by side, for K steps
    # Views made once, so that the loop only launches kernels: per step k of a chunk, every layer's
    # (a (L, B, ·) view of a) and each layer's own; per iteration j, every layer's h (hs[:, j]).
    steps = [(a_k, *blocks) for a_k, *blocks in zip(a.unbind(1), *(v.unbind(1) for v in a.chunk(4, dim=3)))]
    a_lk, hs_j, hs_lj = [v.unbind(0) for v in a], hs.unbind(1), [v.unbind(0) for v in hs]
    for j in range(T + (L - 1) * K):
        k = j % K
        lo, hi = max(0, (j - T) // K + 1), min(L, j // K + 1)  # the layers with a step t = j − l·K in [0, T)
        if k == 0:  # each of them starts a chunk: its input half W_ih x_t + b, from x or the layer below, at once
            for l in range(lo, hi):
                t0 = j - l * K
                below = x[t0 : t0 + K] if l == 0 else hs[l - 1, (l - 1) * K + 1 + t0 :][: min(K, T - t0)]
                products[l][0](below.reshape(-1, below.shape[2]), out=a[l, : below.shape[0]].view(-1, 4 * H))
        for l in range(lo, hi):  # a_t += W_hh h_{t-1}, in place, layer by layer (each has its weight)
            products[l][1].add(a_lk[l][k], hs_lj[l][j], out=a_lk[l][k])
        if hi - lo == L:
            _inference_step(*steps[k], c, sig_c, minus_two, hs_j[j + 1])
        else:  # filling or draining the wavefront: some layers have no step now
            _inference_step(*(v[lo:hi] for v in steps[k]), c[lo:hi], sig_c[lo:hi], minus_two, hs_j[j + 1][lo:hi])
    h_n = torch.stack([hs[l, l * K + T] for l in range(L)])
    return hs[L - 1, (L - 1) * K + 1 :], h_n, c
# --8<-- [end:inference]


# --8<-- [start:gate_factors]
def _gate_factors(gates: Tensor, c_prev: Tensor, tanh_c: Tensor, K: Tensor, K_c: Tensor) -> None:
    """Everything in Eqs. (13)–(14) that does not depend on ``δh_t`` or ``δc_t``, for many steps at once.

    Fills ``K (…, 4H)`` with ``δa_t = [δc_t, δc_t, δc_t, δh_t] ⊙ K_t`` (blockwise, Eq. 14) and
    ``K_c (…, H)`` with ``δc_t = δh_t ⊙ K_c,t + δc_{t+1} ⊙ f_{t+1}`` (Eq. 13), from the rows of
    ``gates``, ``c_{t-1}`` and ``tanh(c_t)`` of the same steps. With a projection, ``δm_t = W_hr^T
    δh_t`` stands for ``δh_t`` (Eq. 21).
    """
    i, f, s, o = gates.chunk(4, dim=-1)  # s_t = σ(2a_g), as _forward_scan leaves it
    g = s.mul(2).sub_(1)  # g_t = 2 s_t − 1 = tanh(a_g), Eq. (6)
    K_i, K_f, K_g, K_o = K.chunk(4, dim=-1)  # filled in place: no temporaries of K's size
    # Each factor is u ⊙ w ⊙ (1 − v) = u ⊙ w − (u ⊙ w) ⊙ v: one product, then one addcmul; two
    # factors that share the product u ⊙ w share its pass.
    torch.mul(i, g, out=K_g)  # i_t ⊙ g_t, for δa_i and δa_g
    torch.addcmul(K_g, K_g, i, value=-1, out=K_i)  # δa_i = δc_t ⊙ g_t ⊙ i_t(1 − i_t)
    torch.addcmul(i, K_g, g, value=-1, out=K_g)  # δa_g = δc_t ⊙ i_t ⊙ (1 − g_t²)
    torch.mul(f, c_prev, out=K_f).addcmul_(K_f, f, value=-1)  # δa_f = δc_t ⊙ c_{t-1} ⊙ f_t(1 − f_t)
    torch.mul(o, tanh_c, out=K_o)  # o_t ⊙ tanh(c_t), for δa_o and K_c
    torch.addcmul(o, K_o, tanh_c, value=-1, out=K_c)  # Eq. (13), first term: o_t ⊙ (1 − tanh²(c_t))
    K_o.addcmul_(K_o, o, value=-1)  # δa_o = δh_t ⊙ tanh(c_t) ⊙ o_t(1 − o_t)
# --8<-- [end:gate_factors]


class LSTMLayerFunction(torch.autograd.Function):
    """One LSTM layer in one direction over a whole sequence, with a hand-written backward pass.

    ``LSTMLayerFunction.apply(x, h_0, c_0, weight_ih, weight_hh, bias_ih, bias_hh, reverse,
    weight_hr=None, batch_sizes=None)`` → ``(output, h_n, c_n)``; shapes in the module docstring.
    The biases may both be ``None``. ``reverse=True`` reads the sequence from ``t = T−1`` down to
    ``0`` and stores the output of the step that read ``x_t`` at position ``t`` (as
    ``torch.nn.LSTM``'s reverse direction does); with ``batch_sizes`` it must be ``False``
    (:func:`lstm_layer` reverses packed sequences in place).

    Memory: the forward pass keeps ``x``, the post-activation gates ``(T, B, 4H)``, the output
    (which holds every ``h_{t−1}`` but the first), ``c_{t−1}``/``c_t`` and ``tanh(c_t)`` — exactly the
    list at the end of Part 1's derivation. Like ``torch.nn.LSTM``, it saves the output it returns, so
    modifying the output in place before the backward pass is an error.

    The backward pass is not itself differentiable: asking for a graph of it (``create_graph=True``,
    as second derivatives and ``gradgradcheck`` do) raises a ``RuntimeError`` that says so. Use
    ``LSTM(..., backward="autograd")`` for higher-order gradients.
    """

    @staticmethod
    def forward(ctx, x, h_0, c_0, weight_ih, weight_hh, bias_ih, bias_hh, reverse, weight_hr=None, batch_sizes=None):
        gates, output, c_buf, tanh_c, h_n, c_n = _forward_scan(
            x, h_0, c_0, weight_ih, weight_hh, bias_ih, bias_hh, reverse, weight_hr, batch_sizes)
        ctx.reverse, ctx.has_bias, ctx.batch_sizes = reverse, bias_ih is not None, batch_sizes
        # The output is saved, not copied: h_{t-1} of every step is in it (or is h_0). Like
        # torch.nn.LSTM, a backward after modifying it in place raises autograd's usual error.
        ctx.save_for_backward(x, h_0, weight_ih, weight_hh, weight_hr, gates, output, c_buf, tanh_c)
        return output, h_n, c_n.clone()

    # --8<-- [start:backward]
    @staticmethod
    def backward(ctx, d_output, d_h_n, d_c_n):
        if torch.is_grad_enabled():  # autograd asks for a graph of the backward: create_graph=True
            raise RuntimeError(
                "LSTMLayerFunction: the hand-written backward pass has no derivative of its own, so "
                "create_graph=True / second derivatives are not supported; build the model with "
                "LSTM(..., backward='autograd') for those"
            )
        x, h_0, weight_ih, weight_hh, weight_hr, gates, output, c_buf, tanh_c = ctx.saved_tensors
        B, P, H = h_0.shape[0], h_0.shape[1], tanh_c.shape[-1]
        reverse, packed = ctx.reverse, ctx.batch_sizes is not None
        layout = StepLayout.of(x, ctx.batch_sizes, B)
        sizes, T, N = list(layout.sizes), layout.T, layout.N
        gates, tanh_c = gates.view(N, 4 * H), tanh_c.view(N, H)
        c_flat = c_buf.view(B + N, H)
        if packed:  # c_{t-1} of every row: c_0 for step 0, then the same sequence's row one step back
            c_prev = c_flat.index_select(0, torch.cat([torch.arange(B), B + previous_rows(sizes)]).to(x.device))
        else:  # a plain slice of the buffer, thanks to c_0's extra slot
            c_prev = c_flat[B:] if reverse else c_flat[:N]
        K = _workspace("K", (N, 4 * H), gates)  # becomes δa, step by step, in place
        K_c = _workspace("K_c", (N, H), gates)
        # δh_t of every step, completed as the walk goes: the gradient arriving at the output, plus
        # d_h_n at each sequence's last step; W_hh^T δa_{t+1} is added when step t+1 is done (Eq. 15).
        d_h = _workspace("d_h", (N, P), gates).copy_(d_output.reshape(N, P))
        if packed:
            d_h.index_add_(0, last_rows(sizes, x.device), d_h_n)
        else:
            (d_h[:B] if reverse else d_h[N - B :]).add_(d_h_n)
        # δc_{t+1} ⊙ f_{t+1}, carried in (B, H); a sequence's last step starts from its row of d_c_n
        d_c_carry = d_c_n.clone(memory_format=torch.contiguous_format)
        f = gates[:, H : 2 * H].split(sizes)
        recurrent = matmul.Linear(weight_hh.t(), reorder=True)  # δa_t ↦ W_hh^T δa_t, every step (Eq. 15)
        d_hs, k_c, d_a = d_h.split(sizes), K_c.split(sizes), K.split(sizes)  # per-step views, made once
        d_h_prev = _previous(d_hs, None, reverse)  # where W_hh^T δa_t goes: δh of the step read before
        carry = [_leading(d_c_carry, n) for n in sizes]
        d_c_buf = torch.empty_like(d_c_carry)  # δc_t of the step being walked
        d_cs = [_leading(d_c_buf, n) for n in sizes]
        d_cs_gates = [d_c.unsqueeze(1) for d_c in d_cs]  # (n, 1, H): scales the i, f, g blocks at once
        d_a_cell = K.view(N, 4, H)[:, :3].split(sizes)  # the i, f, g blocks: proportional to δc_t
        d_a_out = K[:, 3 * H :].split(sizes)  # the o block: proportional to δh_t
        rows = [0]  # step t owns rows rows[t] : rows[t + 1]
        for n in sizes:
            rows.append(rows[-1] + n)
        # Walk time backwards: the reverse of the order the forward pass read the sequence in.
        walk = range(T) if reverse else range(T - 1, -1, -1)
        for j, t in enumerate(walk):
            if j % FACTOR_BLOCK == 0:  # the next steps' factors, together, while their rows are still in cache
                block = walk[j : j + FACTOR_BLOCK]
                lo, hi = rows[min(block)], rows[max(block) + 1]
                _gate_factors(gates[lo:hi], c_prev[lo:hi], tanh_c[lo:hi], K[lo:hi], K_c[lo:hi])
            d_m = d_hs[t] if weight_hr is None else torch.mm(d_hs[t], weight_hr)  # Eq. (21): δm_t = W_hr^T δh_t
            torch.addcmul(carry[t], d_m, k_c[t], out=d_cs[t])  # Eq. (13): δc_t
            d_a_cell[t].mul_(d_cs_gates[t])  # Eq. (14): δa_i, δa_f, δa_g
            d_a_out[t].mul_(d_m)  # Eq. (14): δa_o
            torch.mul(d_cs[t], f[t], out=carry[t])  # the δc_t ⊙ f_t term of Eq. (13) at step t-1
            if d_h_prev[t] is not None:
                recurrent.add(d_h_prev[t], d_a[t], out=d_h_prev[t])  # Eq. (15): δh_{t-1} += W_hh^T δa_t
        first = T - 1 if reverse else 0  # the step that read h_0
        # What is left at the first step is the gradient w.r.t. the initial state (end of Part 1).
        d_h_0 = recurrent(d_a[first]) if ctx.needs_input_grad[1] else None
        d_c_0 = d_c_carry if ctx.needs_input_grad[2] else None
        # Eqs. (15)-(16) for all steps at once: one matrix product each, the batch summed as well.
        d_x = matmul.Linear(weight_ih.t())(K).view(x.shape) if ctx.needs_input_grad[0] else None
        inputs = {}  # what each weight multiplies, row by row like K: x_t for W_ih, h_{t-1} for W_hh
        if ctx.needs_input_grad[3]:
            inputs["ih"] = x.reshape(N, -1)
        if ctx.needs_input_grad[4]:  # h_{t-1} is the output one step back, or h_0 at the first step
            out = output.view(N, P)
            if packed:
                inputs["hh"] = torch.cat([h_0, out.index_select(0, previous_rows(sizes, x.device))])
            else:
                inputs["hh"] = torch.cat([out[B:], h_0]) if reverse else torch.cat([h_0, out[: N - B]])
        grads = dict(zip(inputs, matmul.weight_grads(K, *inputs.values()))) if inputs else {}
        d_weight_ih, d_weight_hh = grads.get("ih"), grads.get("hh")
        d_bias = K.sum(0) if ctx.has_bias else None  # the same for bias_ih and bias_hh
        d_weight_hr = None
        if weight_hr is not None and ctx.needs_input_grad[8]:  # Eq. (21): ∂L/∂W_hr = Σ_t δh_t m_t^T
            d_weight_hr = torch.mm(d_h.t(), gates[:, 3 * H :] * tanh_c)
        return d_x, d_h_0, d_c_0, d_weight_ih, d_weight_hh, d_bias, d_bias, None, d_weight_hr, None
    # --8<-- [end:backward]


def lstm_layer(
    x: Tensor, h_0: Tensor, c_0: Tensor, weight_ih: Tensor, weight_hh: Tensor,
    bias_ih: Tensor | None = None, bias_hh: Tensor | None = None, reverse: bool = False, *,
    weight_hr: Tensor | None = None, batch_sizes: list[int] | None = None,
) -> tuple[Tensor, Tensor, Tensor]:
    """One LSTM layer and direction with the hand-written backward pass of :class:`LSTMLayerFunction`.

    When no gradient can flow (grad mode off, or no input requires one), the layer runs the forward
    loop without keeping anything for a backward pass and without going through autograd.

    Args:
        x: ``(T, B, I)``, time-major; or the ``(N, I)`` rows of a packed batch (with ``batch_sizes``).
        h_0: ``(B, P)`` initial hidden state (``P = proj_size``, or ``H`` without projection).
        c_0: ``(B, H)`` initial cell state.
        weight_ih: ``(4H, I)``.
        weight_hh: ``(4H, P)``.
        bias_ih: ``(4H,)``, or ``None`` together with ``bias_hh``.
        bias_hh: ``(4H,)``, or ``None`` together with ``bias_ih``.
        reverse: read ``x`` from ``t = T−1`` down to ``0``. A packed batch is read that way by
            reversing every sequence in place (:func:`lstm_book.packing.reversed_rows`), running the
            layer forward, and reversing the output back: each sequence starts at its own last step.
        weight_hr: ``(P, H)``, the projection of Eq. (21) (LSTMP), or ``None``.
        batch_sizes: the ``batch_sizes`` of a ``PackedSequence`` (a list of ints), or ``None``.

    Returns:
        ``output (T, B, P)`` or packed ``(N, P)`` (each row holds the step that read that row of
        ``x``), ``h_n (B, P)`` and ``c_n (B, H)``, taken at each sequence's last step.
    """
    if (bias_ih is None) != (bias_hh is None):
        raise ValueError("lstm_layer: give both bias_ih and bias_hh, or neither")
    if x.dim() != (2 if batch_sizes is not None else 3) or h_0.dim() != 2 or c_0.dim() != 2:
        layout = "x (N, I) with batch_sizes" if batch_sizes is not None else "x (T, B, I)"
        raise ValueError(
            f"lstm_layer: expected {layout}, h_0 and c_0 (B, H); got x {tuple(x.shape)}, "
            f"h_0 {tuple(h_0.shape)}, c_0 {tuple(c_0.shape)}"
        )
    # --8<-- [start:packed_reverse]
    if batch_sizes is not None and reverse:  # each sequence read backwards from its own last step:
        rows = reversed_rows(batch_sizes, x.device)  # reverse every sequence in place (same batch_sizes),
        output, h_n, c_n = lstm_layer(x.index_select(0, rows), h_0, c_0, weight_ih, weight_hh, bias_ih, bias_hh,
                                      weight_hr=weight_hr, batch_sizes=batch_sizes)  # run forward,
        return output.index_select(0, rows), h_n, c_n  # and put every output row back at its input's position
    # --8<-- [end:packed_reverse]
    inputs = (x, h_0, c_0, weight_ih, weight_hh, bias_ih, bias_hh)
    if torch.is_grad_enabled() and any(t is not None and t.requires_grad for t in (*inputs, weight_hr)):
        return LSTMLayerFunction.apply(*inputs, reverse, weight_hr, batch_sizes)
    with torch.no_grad():  # nothing requires a gradient: no autograd, and oneDNN's products may run
        return _inference_scan(*inputs, reverse, weight_hr, batch_sizes)
