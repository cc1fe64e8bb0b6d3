"""Backpropagation through time by hand: one LSTM layer as a ``torch.autograd.Function``.

The readable path of :class:`lstm_book.LSTM` runs :func:`lstm_book.cell.lstm_step` once per step
and lets autograd record every product and nonlinearity. This module does the same forward
computation (up to rounding: one ``sigmoid`` serves all four gates, with ``tanh(a) = 2σ(2a) − 1``)
but keeps only what the backward pass needs, or nothing when no gradient is wanted, and writes the
backward pass out by hand, with the equations of Part 1 (``docs/part1-math/gradient-flow.md``):

* Eq. (12)  ``δc_t = δh_t ⊙ o_t ⊙ (1 − tanh²(c_t)) + δc_{t+1} ⊙ f_{t+1}``
* Eq. (13)  the four gate pre-activation deltas ``δa_t = [δa_i; δa_f; δa_g; δa_o]``
* Eq. (14)  ``δh_{t−1} = W_hh^T δa_t + ∂ℓ_{t−1}/∂h_{t−1}``,  ``δx_t = W_ih^T δa_t``
* Eq. (15)  ``∂L/∂W_ih = Σ_t δa_t x_t^T``, ``∂L/∂W_hh = Σ_t δa_t h_{t−1}^T``, ``∂L/∂b = Σ_t δa_t``

Only the recurrence (Eqs. 12–14 for ``δh``, ``δc``) has to walk time step by step. Everything
that does not depend on the next step's delta — the gate derivatives, ``δx`` and all weight
gradients — is computed for all steps at once, so Eq. (15) is one matrix product per weight.

Shapes (one layer, one direction): ``x (T, B, I)``, ``h_0, c_0 (B, H)``, ``weight_ih (4H, I)``,
``weight_hh (4H, H)``, biases ``(4H,)`` or ``None``; returns ``output (T, B, H)``, ``h_n, c_n
(B, H)``. Gate order is PyTorch's, ``i, f, g, o``. Second derivatives are not implemented: a
double backward raises an error (see :class:`LSTMLayerFunction`).
"""

from __future__ import annotations

import torch
from torch import Tensor

INFERENCE_CHUNK = 16  # steps of input projection per buffer fill when nothing is kept (inference)


# --8<-- [start:forward]
def _double_g_rows(w: Tensor) -> Tensor:
    """A copy of ``w`` (``(4H, ·)`` or ``(4H,)``) with the candidate block ``g`` times 2: then the
    pre-activation computed from it is exactly ``2 a_g`` (doubling is exact in floating point)."""
    H = w.shape[0] // 4
    w = w.clone()
    w[2 * H : 3 * H] *= 2
    return w


def _forward_scan(
    x: Tensor, h_0: Tensor, c_0: Tensor, weight_ih: Tensor, weight_hh: Tensor,
    bias_ih: Tensor | None, bias_hh: Tensor | None, reverse: bool, keep: bool = True,
) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor]:
    """Run Eqs. (4)–(9) over the sequence into preallocated buffers.

    Eq. (6) uses ``tanh(a) = 2σ(2a) − 1``: the ``g`` rows of the weights and bias are doubled, so one
    ``sigmoid`` covers all four gates (``tanh`` costs several times a ``sigmoid`` per element on the
    CPU), and ``g_t`` itself is never stored.

    With ``keep`` (training), returns ``gates (T, B, 4H)`` (post-activation ``i_t, f_t, s_t, o_t``,
    where ``s_t = σ(2a_g) = (1 + g_t)/2``), ``output (T, B, H)`` (``h_t`` at the position of
    ``x_t``), ``c_buf (T+1, B, H)``, which holds ``c_0`` in one extra slot (slot 0 going forward,
    slot ``T`` going backward) so that ``c_{t−1}`` of every step is a plain slice, ``tanh_c (T, B,
    H)`` and ``c_n (B, H)``. Without ``keep`` (inference) nothing is kept for a backward pass: the
    input half of the pre-activations is computed ``INFERENCE_CHUNK`` steps at a time into one small
    buffer, ``c_t`` overwrites ``c_{t−1}`` in place, and only ``output`` and ``c_n`` are meaningful.
    """
    T, B, H = x.shape[0], h_0.shape[0], h_0.shape[1]
    weight_ih_t, weight_hh_t = _double_g_rows(weight_ih).t(), _double_g_rows(weight_hh).t()
    bias = None if bias_ih is None else _double_g_rows(bias_ih + bias_hh)  # the gates see the sum
    output = h_0.new_empty(T, B, H)
    hs = output.unbind(0)  # per-step views made in one call, so the loop below only launches kernels
    h_prev = (hs[1:] + (h_0,)) if reverse else ((h_0,) + hs[:-1])  # h_{t-1} of the step at position t
    if keep:  # every step's values stay for the backward pass
        chunk = T
        c_buf, tanh_c = c_0.new_empty(T + 1, B, H), c_0.new_empty(T, B, H)
        c_buf[T if reverse else 0] = c_0
        cs, tcs = c_buf.unbind(0), tanh_c.unbind(0)
    else:  # one buffer each: c_{t-1} and c_t are the same memory, so is every step's tanh(c_t)
        chunk = min(T, INFERENCE_CHUNK)
        c_buf, tanh_c = c_0.clone(), torch.empty_like(c_0)
        cs, tcs = (c_buf,) * (T + 1), (tanh_c,) * T
    gates = x.new_empty(chunk, B, 4 * H)
    starts = range(0, T, chunk)
    for t0 in reversed(starts) if reverse else starts:
        n = min(chunk, T - t0)
        # The input half of the chunk's pre-activations at once: a_t = W_ih x_t + b (+ W_hh h_{t-1} below).
        x_rows, a_rows = x[t0 : t0 + n].reshape(n * B, -1), gates[:n].view(n * B, 4 * H)
        if bias is None:
            torch.mm(x_rows, weight_ih_t, out=a_rows)
        else:
            torch.addmm(bias, x_rows, weight_ih_t, out=a_rows)
        a = gates[:n].unbind(0)
        i, f, s, o = (v.unbind(0) for v in gates[:n].chunk(4, dim=2))
        for k in range(n - 1, -1, -1) if reverse else range(n):
            t = t0 + k
            prev, cur = (t + 1, t) if reverse else (t, t + 1)  # slots of c_{t-1} and c_t in cs
            a[k].addmm_(h_prev[t], weight_hh_t)  # a_t += W_hh h_{t-1}: the only matrix product per step
            a[k].sigmoid_()  # Eqs. (4), (5), (8): f_t, i_t, o_t; and s_t = σ(2a_g), so g_t = 2 s_t − 1 (Eq. 6)
            torch.mul(f[k], cs[prev], out=cs[cur])  # Eq. (7): c_t = f_t ⊙ c_{t-1} ...
            cs[cur].addcmul_(i[k], s[k], value=2).sub_(i[k])  # ... + i_t ⊙ g_t = 2 i_t ⊙ s_t − i_t
            torch.tanh(cs[cur], out=tcs[t])  # tanh(c_t), for Eqs. (9), (12) and (13)
            torch.mul(o[k], tcs[t], out=hs[t])  # Eq. (9): h_t = o_t ⊙ tanh(c_t)
    return gates, output, c_buf, tanh_c, cs[0 if reverse else T]
# --8<-- [end:forward]


# --8<-- [start:gate_factors]
def _gate_factors(gates: Tensor, c_prev: Tensor, tanh_c: Tensor) -> tuple[Tensor, Tensor]:
    """Everything in Eqs. (12)–(13) that does not depend on ``δh_t`` or ``δc_t``, for all steps at once.

    Returns ``K (T, B, 4H)`` with ``δa_t = [δc_t, δc_t, δc_t, δh_t] ⊙ K_t`` (blockwise, Eq. 13) and
    ``K_c (T, B, H)`` with ``δc_t = δh_t ⊙ K_c,t + δc_{t+1} ⊙ f_{t+1}`` (Eq. 12).
    """
    i, f, s, o = gates.chunk(4, dim=2)  # s_t = σ(2a_g), as _forward_scan leaves it
    g = s.mul(2).sub_(1)  # g_t = 2 s_t − 1 = tanh(a_g), Eq. (6)
    K = torch.empty_like(gates)
    K_i, K_f, K_g, K_o = K.chunk(4, dim=2)  # filled in place: no temporaries of K's size
    torch.sub(1, i, out=K_i).mul_(i).mul_(g)  # δa_i = δc_t ⊙ g_t ⊙ i_t(1 − i_t)
    torch.sub(1, f, out=K_f).mul_(f).mul_(c_prev)  # δa_f = δc_t ⊙ c_{t-1} ⊙ f_t(1 − f_t)
    torch.mul(g, g, out=K_g).neg_().add_(1).mul_(i)  # δa_g = δc_t ⊙ i_t ⊙ (1 − g_t²)
    torch.sub(1, o, out=K_o).mul_(o).mul_(tanh_c)  # δa_o = δh_t ⊙ tanh(c_t) ⊙ o_t(1 − o_t)
    K_c = torch.mul(tanh_c, tanh_c).neg_().add_(1).mul_(o)  # Eq. (12), first term: o_t ⊙ (1 − tanh²(c_t))
    return K, K_c
# --8<-- [end:gate_factors]


class LSTMLayerFunction(torch.autograd.Function):
    """One LSTM layer in one direction over a whole sequence, with a hand-written backward pass.

    ``LSTMLayerFunction.apply(x, h_0, c_0, weight_ih, weight_hh, bias_ih, bias_hh, reverse)`` →
    ``(output, h_n, c_n)``; shapes in the module docstring. The biases may both be ``None``.
    ``reverse=True`` reads the sequence from ``t = T−1`` down to ``0`` and stores the output of the
    step that read ``x_t`` at position ``t`` (as ``torch.nn.LSTM``'s reverse direction does).

    Memory: the forward pass keeps ``x``, the post-activation gates ``(T, B, 4H)``, the output
    (which holds every ``h_{t−1}`` but the first), ``c_{t−1}``/``c_t`` and ``tanh(c_t)`` — exactly the
    list at the end of Part 1's derivation. Like ``torch.nn.LSTM``, it saves the output it returns, so
    modifying the output in place before the backward pass is an error.

    The backward pass is not itself differentiable: asking for a graph of it (``create_graph=True``,
    as second derivatives and ``gradgradcheck`` do) raises a ``RuntimeError`` that says so. Use
    ``LSTM(..., backward="autograd")`` for higher-order gradients.
    """

    @staticmethod
    def forward(ctx, x, h_0, c_0, weight_ih, weight_hh, bias_ih, bias_hh, reverse):
        T = x.shape[0]
        gates, output, c_buf, tanh_c, c_n = _forward_scan(x, h_0, c_0, weight_ih, weight_hh, bias_ih, bias_hh, reverse)
        ctx.reverse, ctx.has_bias = reverse, bias_ih is not None
        # The output is saved, not copied: h_{t-1} of every step is in it (or is h_0). Like
        # torch.nn.LSTM, a backward after modifying it in place raises autograd's usual error.
        ctx.save_for_backward(x, h_0, weight_ih, weight_hh, gates, output, c_buf, tanh_c)
        last = 0 if reverse else T - 1
        return output, output[last].clone(), c_n.clone()

    # --8<-- [start:backward]
    @staticmethod
    def backward(ctx, d_output, d_h_n, d_c_n):
        if torch.is_grad_enabled():  # autograd asks for a graph of the backward: create_graph=True
            raise RuntimeError(
                "LSTMLayerFunction: the hand-written backward pass has no derivative of its own, so "
                "create_graph=True / second derivatives are not supported; build the model with "
                "LSTM(..., backward='autograd') for those"
            )
        x, h_0, weight_ih, weight_hh, gates, output, c_buf, tanh_c = ctx.saved_tensors
        T, B, H = tanh_c.shape
        reverse = ctx.reverse
        c_prev = c_buf[1:] if reverse else c_buf[:T]  # c_{t-1} of every step: a slice of the buffer
        K, K_c = _gate_factors(gates, c_prev, tanh_c)  # K becomes δa, step by step, in place
        f = gates[..., H : 2 * H].unbind(0)
        d_out, k_c = d_output.unbind(0), K_c.unbind(0)  # per-step views, made once
        d_a = K.unbind(0)
        d_a_cell = K.view(T, B, 4, H)[:, :, :3].unbind(0)  # the i, f, g blocks: proportional to δc_t
        d_a_out = K[..., 3 * H :].unbind(0)  # the o block: proportional to δh_t
        # Walk time backwards: the reverse of the order the forward pass read the sequence in.
        steps = range(T) if reverse else range(T - 1, -1, -1)
        d_c_carry = d_c_n  # δc_{t+1} ⊙ f_{t+1}; at the last step, the gradient arriving through c_n
        d_a_next = None
        for t in steps:
            if d_a_next is None:
                d_h = d_out[t] + d_h_n  # the last step also feeds h_n
            else:
                d_h = torch.addmm(d_out[t], d_a_next, weight_hh)  # Eq. (14): δh_t = W_hh^T δa_{t+1} + ∂ℓ_t/∂h_t
            d_c = torch.addcmul(d_c_carry, d_h, k_c[t])  # Eq. (12)
            d_a_cell[t].mul_(d_c.unsqueeze(1))  # Eq. (13): δa_i, δa_f, δa_g
            d_a_out[t].mul_(d_h)  # Eq. (13): δa_o
            d_c_carry = d_c * f[t]  # the δc_t ⊙ f_t term of Eq. (12) at step t-1
            d_a_next = d_a[t]
        # What is left at the first step is the gradient w.r.t. the initial state (end of Part 1).
        d_h_0 = torch.mm(d_a_next, weight_hh) if ctx.needs_input_grad[1] else None
        d_c_0 = d_c_carry if ctx.needs_input_grad[2] else None
        # Eqs. (14)-(15) for all steps at once: one matrix product each, the batch summed as well.
        d_a_all = K.view(T * B, 4 * H)
        d_x = torch.mm(d_a_all, weight_ih).view(T, B, -1) if ctx.needs_input_grad[0] else None
        d_weight_ih = torch.mm(d_a_all.t(), x.reshape(T * B, -1)) if ctx.needs_input_grad[3] else None
        d_weight_hh = None
        if ctx.needs_input_grad[4]:  # h_{t-1} is the output one position back, or h_0 at the first step
            first, rest, h_rest = (T - 1, K[:-1], output[1:]) if reverse else (0, K[1:], output[:-1])
            d_weight_hh = torch.mm(d_a[first].t(), h_0)
            d_weight_hh.addmm_(rest.reshape(-1, 4 * H).t(), h_rest.reshape(-1, H))
        d_bias = d_a_all.sum(0) if ctx.has_bias else None  # the same for bias_ih and bias_hh
        return d_x, d_h_0, d_c_0, d_weight_ih, d_weight_hh, d_bias, d_bias, None
    # --8<-- [end:backward]


def lstm_layer(
    x: Tensor, h_0: Tensor, c_0: Tensor, weight_ih: Tensor, weight_hh: Tensor,
    bias_ih: Tensor | None = None, bias_hh: Tensor | None = None, reverse: bool = False,
) -> tuple[Tensor, Tensor, Tensor]:
    """One LSTM layer and direction with the hand-written backward pass of :class:`LSTMLayerFunction`.

    When no gradient can flow (grad mode off, or no input requires one), the layer runs the forward
    loop without keeping anything for a backward pass and without going through autograd.

    Args:
        x: ``(T, B, I)``, time-major.
        h_0: ``(B, H)`` initial hidden state.
        c_0: ``(B, H)`` initial cell state.
        weight_ih: ``(4H, I)``.
        weight_hh: ``(4H, H)``.
        bias_ih: ``(4H,)``, or ``None`` together with ``bias_hh``.
        bias_hh: ``(4H,)``, or ``None`` together with ``bias_ih``.
        reverse: read ``x`` from ``t = T−1`` down to ``0``.

    Returns:
        ``output (T, B, H)`` (position ``t`` holds the step that read ``x_t``), ``h_n``, ``c_n`` ``(B, H)``.
    """
    if (bias_ih is None) != (bias_hh is None):
        raise ValueError("lstm_layer: give both bias_ih and bias_hh, or neither")
    if x.dim() != 3 or h_0.dim() != 2 or c_0.dim() != 2:
        raise ValueError(
            f"lstm_layer: expected x (T, B, I), h_0 and c_0 (B, H); got x {tuple(x.shape)}, "
            f"h_0 {tuple(h_0.shape)}, c_0 {tuple(c_0.shape)}"
        )
    inputs = (x, h_0, c_0, weight_ih, weight_hh, bias_ih, bias_hh)
    if torch.is_grad_enabled() and any(t is not None and t.requires_grad for t in inputs):
        return LSTMLayerFunction.apply(*inputs, reverse)
    _, output, _, _, c_n = _forward_scan(*inputs, reverse, keep=False)
    return output, output[0 if reverse else -1].clone(), c_n
