"""Backpropagation through time by hand for the GRU, as :mod:`lstm_book.bptt` does for the LSTM.

The forward step is :func:`lstm_book.cell.gru_step` (Eqs. 17–20, PyTorch's placement of the reset
gate), computed in place into buffers allocated once per sequence. With ``gi_t = W_ih x_t + b_ih``
(for all steps at once) and ``gh_t = W_hh h_{t−1} + b_hh`` (one matrix product per step), both
split into blocks ``r, z, n``:

* Eqs. (17), (18)  ``r_t = σ(gi_r + gh_r)``, ``z_t = σ(gi_z + gh_z)``
* Eq. (19)         ``n_t = tanh(a_n)`` with ``a_n = gi_n + r_t ⊙ gh_n``
* Eq. (20)         ``h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t−1} = n_t + z_t ⊙ (h_{t−1} − n_t)``

Differentiating each line, with ``δh_t = ∂L/∂h_t`` the total derivative (every route to the loss):

* from (20): ``δn_t = δh_t ⊙ (1 − z_t)``, ``δz_t = δh_t ⊙ (h_{t−1} − n_t)``, and a direct term
  ``δh_t ⊙ z_t`` for ``h_{t−1}``
* from (19): ``δa_n = δn_t ⊙ (1 − n_t²)``, so ``δgi_n = δa_n``, ``δgh_n = δa_n ⊙ r_t``,
  ``δr_t = δa_n ⊙ gh_n``
* from (17), (18): ``δa_r = δr_t ⊙ r_t(1 − r_t)``, ``δa_z = δz_t ⊙ z_t(1 − z_t)``, which ``gi`` and
  ``gh`` both receive
* the recurrence: ``δh_{t−1} = δh_t ⊙ z_t + W_hh^T δgh_t + ∂ℓ_{t−1}/∂h_{t−1}``, ``δx_t = W_ih^T δgi_t``
* the weights: ``∂L/∂W_ih = Σ_t δgi_t x_t^T``, ``∂L/∂W_hh = Σ_t δgh_t h_{t−1}^T``,
  ``∂L/∂b_ih = Σ_t δgi_t``, ``∂L/∂b_hh = Σ_t δgh_t``

Every delta is ``δh_t`` times a factor known after the forward pass:
``δgh_t = δh_t ⊙ [K_r; K_z; K_n ⊙ r_t]`` and ``δgi_t = δh_t ⊙ [K_r; K_z; K_n]`` with
``K_n = (1 − z_t)(1 − n_t²)``, ``K_z = (h_{t−1} − n_t) z_t(1 − z_t)``, ``K_r = K_n gh_n r_t(1 − r_t)``.
So, as for the LSTM, the factors are computed for all steps at once, the loop over time is three
operations per step, and every weight gradient is one matrix product. Packed batches work as in
:mod:`lstm_book.bptt`: step ``t`` works on the first ``batch_sizes[t]`` rows, and the reverse
direction reverses every sequence in place.

Shapes (one layer, one direction): ``x (T, B, I)`` or packed ``(N, I)``, ``h_0 (B, H)``,
``weight_ih (3H, I)``, ``weight_hh (3H, H)``, biases ``(3H,)`` or ``None``; returns ``output (T, B,
H)`` (packed: ``(N, H)``) and ``h_n (B, H)``.
"""

from __future__ import annotations

import torch
from torch import Tensor

from .bptt import INFERENCE_CHUNK, _leading, _previous
from .packing import StepLayout, last_rows, previous_rows, reversed_rows


def _forward_scan(
    x: Tensor, h_0: Tensor, weight_ih: Tensor, weight_hh: Tensor, bias_ih: Tensor | None,
    bias_hh: Tensor | None, reverse: bool, keep: bool = True, batch_sizes: list[int] | None = None,
) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """Run Eqs. (17)–(20) over the sequence into preallocated buffers.

    With ``keep`` (training), returns ``gates`` (``r_t, z_t, n_t`` of every step, post-activation),
    ``gh`` (``W_hh h_{t−1} + b_hh`` of every step), ``output`` and ``h_n``. Without ``keep`` the input
    half is computed ``INFERENCE_CHUNK`` steps at a time, ``gh`` is one ``(B, 3H)`` buffer, and only
    ``output`` and ``h_n`` are meaningful.
    """
    B, H = h_0.shape
    layout = StepLayout.of(x, batch_sizes, B)
    packed, sizes, T, N, all_steps = layout.packed, list(layout.sizes), layout.T, layout.N, layout.shape
    if packed and reverse:
        raise ValueError("_forward_scan: reverse each packed sequence in place (gru_layer does) instead")
    weight_ih_t, weight_hh_t = weight_ih.t(), weight_hh.t()
    output = h_0.new_empty(all_steps(H))
    hs = output.view(N, H).split(sizes)
    h_prev = _previous(hs, h_0, reverse)  # h_{t-1} of the step at position t
    offsets = layout.offsets
    if keep:
        chunk = T
        gates, gh = x.new_empty(all_steps(3 * H)), x.new_empty(all_steps(3 * H))
        ghs = gh.view(N, 3 * H).split(sizes)
    else:
        chunk = min(T, INFERENCE_CHUNK)
        gates, gh = x.new_empty(offsets[chunk] if packed else chunk * B, 3 * H), x.new_empty(B, 3 * H)
        ghs = [_leading(gh, n) for n in sizes]
    gh_rz = [v[:, : 2 * H] for v in ghs]
    gh_n = [v[:, 2 * H :] for v in ghs]
    starts = range(0, T, chunk)
    for t0 in reversed(starts) if reverse else starts:
        t1 = min(T, t0 + chunk)
        x_rows = layout.rows(x, t0, t1)
        gi = gates.view(-1, 3 * H)[: offsets[t1] - offsets[t0]]
        if bias_ih is None:
            torch.mm(x_rows, weight_ih_t, out=gi)  # gi_t = W_ih x_t (+ b_ih) for the whole chunk at once
        else:
            torch.addmm(bias_ih, x_rows, weight_ih_t, out=gi)
        rz, r, z, n = (gi[:, a:b].split(sizes[t0:t1]) for a, b in ((0, 2 * H), (0, H), (H, 2 * H), (2 * H, 3 * H)))
        for k in range(t1 - t0 - 1, -1, -1) if reverse else range(t1 - t0):
            t = t0 + k
            if bias_hh is None:  # gh_t = W_hh h_{t-1} (+ b_hh): the only matrix product per step
                torch.mm(h_prev[t], weight_hh_t, out=ghs[t])
            else:
                torch.addmm(bias_hh, h_prev[t], weight_hh_t, out=ghs[t])
            rz[k].add_(gh_rz[t]).sigmoid_()  # Eqs. (17), (18): r_t, z_t
            n[k].addcmul_(r[k], gh_n[t]).tanh_()  # Eq. (19): n_t = tanh(gi_n + r_t ⊙ gh_n)
            torch.sub(h_prev[t], n[k], out=hs[t]).mul_(z[k]).add_(n[k])  # Eq. (20): h_t = n_t + z_t ⊙ (h_{t-1} − n_t)
    h_n = output.index_select(0, last_rows(sizes, x.device)) if packed else hs[0 if reverse else T - 1].clone()
    return gates, gh, output, h_n


class GRULayerFunction(torch.autograd.Function):
    """One GRU layer in one direction over a whole sequence, with a hand-written backward pass.

    ``GRULayerFunction.apply(x, h_0, weight_ih, weight_hh, bias_ih, bias_hh, reverse,
    batch_sizes=None)`` → ``(output, h_n)``; shapes in the module docstring. The biases may both be
    ``None``; with ``batch_sizes``, ``reverse`` must be ``False`` (:func:`gru_layer` reverses packed
    sequences in place). Saves ``x``, the gates, ``gh`` and the output (which holds every
    ``h_{t−1}`` but the first). The backward pass is not itself differentiable; use
    ``GRU(..., backward="autograd")`` for higher-order gradients.
    """

    @staticmethod
    def forward(ctx, x, h_0, weight_ih, weight_hh, bias_ih, bias_hh, reverse, batch_sizes=None):
        gates, gh, output, h_n = _forward_scan(x, h_0, weight_ih, weight_hh, bias_ih, bias_hh, reverse, True, batch_sizes)
        ctx.reverse, ctx.has_bias, ctx.batch_sizes = reverse, bias_ih is not None, batch_sizes
        ctx.save_for_backward(x, h_0, weight_ih, weight_hh, gates, gh, output)
        return output, h_n

    @staticmethod
    def backward(ctx, d_output, d_h_n):
        if torch.is_grad_enabled():
            raise RuntimeError(
                "GRULayerFunction: the hand-written backward pass has no derivative of its own, so "
                "create_graph=True / second derivatives are not supported; build the model with "
                "GRU(..., backward='autograd') for those"
            )
        x, h_0, weight_ih, weight_hh, gates, gh, output = ctx.saved_tensors
        B, H = h_0.shape
        reverse, packed = ctx.reverse, ctx.batch_sizes is not None
        layout = StepLayout.of(x, ctx.batch_sizes, B)
        sizes, T, N = list(layout.sizes), layout.T, layout.N
        gates, gh, out = gates.view(N, 3 * H), gh.view(N, 3 * H), output.view(N, H)
        r, z, n = gates.chunk(3, dim=1)
        if packed:  # h_{t-1} of every row: h_0 for step 0, then the same sequence's row one step back
            h_prev = torch.cat([h_0, out.index_select(0, previous_rows(sizes, x.device))])
        else:
            h_prev = torch.cat([out[B:], h_0]) if reverse else torch.cat([h_0, out[: N - B]])
        # The factors: δgh_t = δh_t ⊙ Kh_t with Kh = [K_r; K_z; K_n ⊙ r_t], and δgi_n = δh_t ⊙ K_n.
        K_n = torch.mul(n, n).neg_().add_(1).mul_(1 - z)  # (1 − z_t)(1 − n_t²): from Eqs. (20) and (19)
        Kh = torch.empty_like(gates)
        K_r, K_z, K_nr = Kh.chunk(3, dim=1)
        torch.sub(1, r, out=K_r).mul_(r).mul_(gh[:, 2 * H :]).mul_(K_n)  # δa_r = δh_t ⊙ K_n gh_n r_t(1 − r_t)
        torch.sub(1, z, out=K_z).mul_(z).mul_(h_prev - n)  # δa_z = δh_t ⊙ (h_{t-1} − n_t) z_t(1 − z_t)
        torch.mul(K_n, r, out=K_nr)  # δgh_n = δa_n ⊙ r_t
        # δh_t of every step, completed as the walk goes (see lstm_book.bptt).
        d_h = d_output.reshape(N, H).clone(memory_format=torch.contiguous_format)
        if packed:
            d_h.index_add_(0, last_rows(sizes, x.device), d_h_n)
        else:
            (d_h[:B] if reverse else d_h[N - B :]).add_(d_h_n)
        d_hs, d_gh, zs = d_h.split(sizes), Kh.view(N, 3, H).split(sizes), z.split(sizes)
        d_gh_rows = Kh.split(sizes)
        d_h_prev = _previous(d_hs, None, reverse)
        for t in range(T) if reverse else range(T - 1, -1, -1):
            d_gh[t].mul_(d_hs[t].unsqueeze(1))  # Kh_t becomes δgh_t = [δa_r; δa_z; δa_n ⊙ r_t]
            if d_h_prev[t] is not None:  # δh_{t-1} += δh_t ⊙ z_t + W_hh^T δgh_t
                d_h_prev[t].addcmul_(d_hs[t], zs[t]).addmm_(d_gh_rows[t], weight_hh)
        first = T - 1 if reverse else 0  # the step that read h_0
        d_h_0 = None
        if ctx.needs_input_grad[1]:
            d_h_0 = torch.mm(d_gh_rows[first], weight_hh).addcmul_(d_hs[first], zs[first])
        d_gi = torch.cat([Kh[:, : 2 * H], d_h.mul(K_n)], dim=1)  # δgi_t = [δa_r; δa_z; δa_n]
        d_x = torch.mm(d_gi, weight_ih).view(x.shape) if ctx.needs_input_grad[0] else None
        d_weight_ih = torch.mm(d_gi.t(), x.reshape(N, -1)) if ctx.needs_input_grad[2] else None
        d_weight_hh = torch.mm(Kh.t(), h_prev) if ctx.needs_input_grad[3] else None
        d_bias_ih = d_gi.sum(0) if ctx.has_bias else None
        d_bias_hh = Kh.sum(0) if ctx.has_bias else None
        return d_x, d_h_0, d_weight_ih, d_weight_hh, d_bias_ih, d_bias_hh, None, None


def gru_layer(
    x: Tensor, h_0: Tensor, weight_ih: Tensor, weight_hh: Tensor, bias_ih: Tensor | None = None,
    bias_hh: Tensor | None = None, reverse: bool = False, *, batch_sizes: list[int] | None = None,
) -> tuple[Tensor, Tensor]:
    """One GRU layer and direction with the hand-written backward pass of :class:`GRULayerFunction`.

    Args:
        x: ``(T, B, I)``, time-major; or the ``(N, I)`` rows of a packed batch (with ``batch_sizes``).
        h_0: ``(B, H)``.
        weight_ih: ``(3H, I)``, blocks ``r, z, n``.
        weight_hh: ``(3H, H)``.
        bias_ih: ``(3H,)``, or ``None`` together with ``bias_hh``.
        bias_hh: ``(3H,)``, or ``None`` together with ``bias_ih``.
        reverse: read ``x`` from ``t = T−1`` down to ``0`` (a packed batch: every sequence from its
            own last step, by reversing the sequences in place).
        batch_sizes: the ``batch_sizes`` of a ``PackedSequence`` (a list of ints), or ``None``.

    Returns:
        ``output (T, B, H)`` or packed ``(N, H)``, and ``h_n (B, H)`` at each sequence's last step.
    """
    if (bias_ih is None) != (bias_hh is None):
        raise ValueError("gru_layer: give both bias_ih and bias_hh, or neither")
    if x.dim() != (2 if batch_sizes is not None else 3) or h_0.dim() != 2:
        layout = "x (N, I) with batch_sizes" if batch_sizes is not None else "x (T, B, I)"
        raise ValueError(f"gru_layer: expected {layout} and h_0 (B, H); got x {tuple(x.shape)}, h_0 {tuple(h_0.shape)}")
    if batch_sizes is not None and reverse:
        rows = reversed_rows(batch_sizes, x.device)
        output, h_n = gru_layer(x.index_select(0, rows), h_0, weight_ih, weight_hh, bias_ih, bias_hh,
                                batch_sizes=batch_sizes)
        return output.index_select(0, rows), h_n
    inputs = (x, h_0, weight_ih, weight_hh, bias_ih, bias_hh)
    if torch.is_grad_enabled() and any(t is not None and t.requires_grad for t in inputs):
        return GRULayerFunction.apply(*inputs, reverse, batch_sizes)
    _, _, output, h_n = _forward_scan(*inputs, reverse, False, batch_sizes)
    return output, h_n
