"""Measurements inside a recurrent network: gradient flow and gate statistics.

* :func:`rnn_jacobian_norms` — how a product of vanilla-RNN Jacobians ∏ diag(1 − h_t²) W_hh shrinks or
  grows with the spectral radius of W_hh (Part 1's illustration, computed rather than drawn).
* :func:`input_gradient_norms` — ‖∂L/∂x_t‖ at the embedded inputs of a :class:`SequenceClassifier`,
  for every position t: how much the loss at the end can still "hear" each input.
* :func:`cell_gradient_norms` — ‖∂L/∂c_t‖ through the cell state of every LSTM layer, by unrolling the
  model with :func:`lstm_book.cell.lstm_step` and its own parameters and keeping every c_t.
* :func:`gate_position_means`, :func:`saturation_fractions` — what the gates do at informative vs
  distractor positions, and how often each unit is saturated (Karpathy, Johnson & Fei-Fei 2015).
* :func:`linear_probe` — how much of a target (the class, one symbol) a linear read-out can recover from
  a layer's state at every step: where the memory lives, and when.
* :func:`unit_correlations` — how closely each unit of ``c_t`` and ``h_t`` of a character model
  follows a feature of the text it reads (a quote being open, the column, …), as a Pearson correlation.
"""

from __future__ import annotations

import copy

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from .layers import GATE_NAMES


def rnn_jacobian_norms(rho: float, hidden_size: int = 64, steps: int = 100, input_scale: float = 0.5,
                       seed: int = 0) -> tuple[Tensor, Tensor]:
    """Spectral norms of products of vanilla-RNN Jacobians along a real trajectory.

    The RNN is h_t = tanh(W_hh h_{t-1} + W_xh x_t) with W_hh = ρ·Q for a random orthogonal Q (so every
    singular value of W_hh equals ρ), x_t ~ N(0, I), W_xh ~ N(0, input_scale²/H), h_0 = 0. The Jacobian of
    one step is ∂h_t/∂h_{t-1} = diag(1 − h_t²) W_hh; backpropagating k steps multiplies k of them.

    Returns:
        ``(with_tanh, linear)``, both ``(steps,)`` float64: entry k−1 is ‖∏_{t=1..k} diag(1 − h_t²) W_hh‖₂
        and ‖W_hh^k‖₂ = ρ^k respectively.
    """
    gen = torch.Generator().manual_seed(seed)
    q, _ = torch.linalg.qr(torch.randn(hidden_size, hidden_size, generator=gen, dtype=torch.float64))
    w_hh = rho * q
    w_xh = torch.randn(hidden_size, hidden_size, generator=gen, dtype=torch.float64) * input_scale / hidden_size**0.5
    h = torch.zeros(hidden_size, dtype=torch.float64)
    product = torch.eye(hidden_size, dtype=torch.float64)
    power = torch.eye(hidden_size, dtype=torch.float64)
    with_tanh, linear = [], []
    for _ in range(steps):
        x = torch.randn(hidden_size, generator=gen, dtype=torch.float64)
        h = torch.tanh(w_hh @ h + w_xh @ x)
        product = (1 - h**2)[:, None] * (w_hh @ product)  # diag(1 − h_t²) W_hh · (earlier product)
        power = w_hh @ power
        with_tanh.append(torch.linalg.matrix_norm(product, 2))
        linear.append(torch.linalg.matrix_norm(power, 2))
    return torch.stack(with_tanh), torch.stack(linear)


def _float64_copy(model):
    """A float64, eval-mode copy of ``model`` (the original is left untouched)."""
    return copy.deepcopy(model).to(dtype=torch.float64).eval()


# --8<-- [start:input_gradients]
def input_gradient_norms(model, tokens: Tensor, labels: Tensor) -> Tensor:
    """Mean over sequences of ‖∂L/∂x_t‖₂ at the embedded inputs, for every position t.

    ``model`` is a :class:`lstm_book.SequenceClassifier` (LSTM or RNN). The loss is the *sum* of the
    per-sequence cross-entropies, so each sequence's gradient is that of its own loss, whatever the
    batch size. Computed on a float64 copy of the model (eval mode), so norms far below float32's
    range (an RNN's gradient 90 steps back can be ~1e-30) are measured, not flushed to zero.

    Args:
        tokens: ``(B, T)`` token ids; labels: ``(B,)``.
    Returns:
        ``(T,)`` float tensor.
    """
    model = _float64_copy(model)
    embedded = model.embedding(tokens).detach().requires_grad_(True)  # (B, T, E): the x_t
    loss = F.cross_entropy(model.classify(embedded), labels, reduction="sum")
    (grad,) = torch.autograd.grad(loss, embedded)
    return grad.norm(dim=2).mean(dim=0).detach()
# --8<-- [end:input_gradients]


# --8<-- [start:unroll]
def unroll_lstm(model, embedded: Tensor) -> tuple[Tensor, list[list[Tensor]]]:
    """Run a unidirectional LSTM :class:`SequenceClassifier` step by step, keeping every cell state.

    :meth:`lstm_book.LSTM.trace` runs the readable cell (``lstm_step``) and returns each step's
    tensors, which are nodes of the autograd graph, so gradients with respect to each c_t can be taken.

    Args:
        embedded: ``(B, T, E)`` embedded inputs.
    Returns:
        ``logits (B, K)`` — equal to ``model.classify(embedded)`` — and ``cells[layer][t]``, each ``(B, H)``.
    """
    if model.rnn.bidirectional:
        raise ValueError("unroll_lstm: only unidirectional LSTMs are supported")
    _, (h_n, _), steps = model.rnn.trace(embedded)
    c_index = GATE_NAMES.index("c")
    cells = [[step[c_index] for step in layer] for layer in steps]
    return model.head(h_n[-1]), cells
# --8<-- [end:unroll]


# --8<-- [start:cell_gradients]
def cell_gradient_norms(model, tokens: Tensor, labels: Tensor) -> Tensor:
    """Mean over sequences of ‖∂L/∂c_t‖₂ for every layer and position, through the cell state.

    ∂L/∂c_t is the *total* derivative: every path from c_t to the loss (through c_{t+1}, h_t, the
    layer above) counts. Computed with :func:`unroll_lstm` and ``torch.autograd.grad``.

    Returns:
        ``(num_layers, T)`` float tensor.
    """
    model = _float64_copy(model)
    embedded = model.embedding(tokens).detach()
    logits, cells = unroll_lstm(model, embedded)
    loss = F.cross_entropy(logits, labels, reduction="sum")
    flat = [c for layer in cells for c in layer]
    grads = torch.autograd.grad(loss, flat, allow_unused=True)
    T = len(cells[0])
    norms = torch.stack([g.norm(dim=1).mean() if g is not None else torch.tensor(0.0) for g in grads])
    return norms.reshape(len(cells), T).detach()
# --8<-- [end:cell_gradients]


# --8<-- [start:gate_stats]
def informative_mask(positions: Tensor, seq_len: int) -> Tensor:
    """``(B, T)`` bool mask, True at the informative (X/Y) positions given as ``positions (B, K)``."""
    mask = torch.zeros(positions.shape[0], seq_len, dtype=torch.bool)
    mask[torch.arange(positions.shape[0])[:, None], positions] = True
    return mask


def distractor_mask(positions: Tensor, seq_len: int) -> Tensor:
    """``(B, T)`` bool mask of the distractors: every position but the informative ones and the first
    (``B``) and last (``E``) symbols."""
    mask = ~informative_mask(positions, seq_len)
    mask[:, 0] = False
    mask[:, -1] = False
    return mask


def gate_position_means(gates: dict[str, Tensor], positions: Tensor, names: tuple[str, ...] = ("i", "f", "o")) -> dict:
    """Mean gate value at informative vs distractor positions, per layer and gate.

    Args:
        gates: as returned by ``model(tokens, return_gates=True)``: each ``(L, T, B, H)``.
        positions: ``(B, K)`` informative positions. Distractor positions are all the others except
            the first (``B``) and last (``E``) symbols.
    Returns:
        ``{"layer 1": {"f": {"informative": …, "distractor": …, "informative_gt_0.9": …,
        "distractor_lt_0.1": …}, …}, …}`` — the last two are fractions of (unit, step) values.
    """
    any_gate = gates[names[0]]
    L, T = any_gate.shape[0], any_gate.shape[1]
    info = informative_mask(positions, T).T  # (T, B)
    distractor = distractor_mask(positions, T).T
    out: dict = {}
    for layer in range(L):
        entry = {}
        for name in names:
            g = gates[name][layer].detach()  # (T, B, H)
            gi, gd = g[info], g[distractor]  # (n, H)
            entry[name] = {
                "informative": float(gi.mean()),
                "distractor": float(gd.mean()),
                "informative_gt_0.9": float((gi > 0.9).float().mean()),
                "informative_lt_0.1": float((gi < 0.1).float().mean()),
                "distractor_gt_0.9": float((gd > 0.9).float().mean()),
                "distractor_lt_0.1": float((gd < 0.1).float().mean()),
            }
        out[f"layer {layer + 1}"] = entry
    return out


def saturation_fractions(gate: Tensor, low: float = 0.1, high: float = 0.9) -> tuple[Tensor, Tensor]:
    """Per unit, the fraction of (step, sequence) values below ``low`` and above ``high``.

    Karpathy, Johnson & Fei-Fei (2015) plot these two numbers against each other for every unit, the
    left-saturated fraction across and the right-saturated fraction up (see
    :func:`lstm_book.book.figures.saturation_scatter`): a unit in the top left corner is almost always open
    (above ``high``; a forget gate there is an "integrator" that keeps its cell), one in the bottom
    right corner almost always shut (below ``low``), and one near the origin works in its middle range.

    Args:
        gate: ``(T, B, H)`` values of one gate in one layer.
    Returns:
        ``(left, right)``, each ``(H,)``.
    """
    flat = gate.detach().reshape(-1, gate.shape[-1])
    return (flat < low).float().mean(dim=0), (flat > high).float().mean(dim=0)
# --8<-- [end:gate_stats]


# --8<-- [start:linear_probe]
def linear_probe(states: Tensor, targets: Tensor, train: int, ridge: float = 1e-3) -> Tensor:
    """Held-out accuracy of a linear read-out of ``targets`` from the state at every step.

    At each step t, a ridge regression from ``states[t]`` (plus a constant) onto the one-hot targets is
    fitted on the first ``train`` sequences, in closed form, and its argmax is scored on the rest.
    A high accuracy at step t means the information is in that step's state, linearly decodable.

    Args:
        states: ``(T, N, H)`` — e.g. the cell states ``c_t`` of one layer over ``N`` sequences.
        targets: ``(N,)`` class ids in ``[0, K)``.
        train: how many of the ``N`` sequences fit the read-out; the other ``N − train`` score it.
        ridge: the ridge penalty, relative to the mean squared feature.
    Returns:
        ``(T,)`` accuracies in [0, 1].
    """
    T, N, H = states.shape
    if not 0 < train < N:
        raise ValueError(f"linear_probe: train must be between 1 and N − 1 = {N - 1}, got {train}")
    x = torch.cat([states.double(), states.new_ones(T, N, 1, dtype=torch.float64)], dim=2)  # (T, N, H + 1)
    y = F.one_hot(targets.long()).double()  # (N, K)
    fit, score = x[:, :train], x[:, train:]
    gram = fit.transpose(1, 2) @ fit  # (T, H + 1, H + 1)
    scale = gram.diagonal(dim1=1, dim2=2).mean(dim=1)[:, None, None]
    w = torch.linalg.solve(gram + ridge * scale * torch.eye(H + 1, dtype=torch.float64), fit.transpose(1, 2) @ y[:train])
    predicted = (score @ w).argmax(dim=2)  # (T, N − train)
    return (predicted == targets[train:].long()).double().mean(dim=1)
# --8<-- [end:linear_probe]
# --8<-- [start:correlations]
def unit_correlations(model, ids, features: dict[str, np.ndarray], count: int = 16, chunk: int = 256,
                      keep: np.ndarray | None = None) -> tuple[dict[str, np.ndarray], np.ndarray | None]:
    """Pearson correlation of every unit of ``c_t`` and ``h_t`` (every layer) with each feature, over a text.

    The :class:`lstm_book.lm.CharLM` ``model`` reads ``ids`` as :func:`lstm_book.lm.read` does (in
    ``count`` lanes, each from a zero state); after each character its recorded ``c_t`` and ``h_t``
    are compared with ``features[name][t]``, the value of that feature after the same character.
    The sums the correlations need are accumulated chunk by chunk, so memory stays small whatever
    the text's length.

    Units are numbered layer by layer, ``c`` before ``h``: unit ``u`` of a model with ``L`` layers of
    ``H`` is layer ``u // (2H)``, state ``"ch"[u // H % 2]``, index ``u % H``.

    Returns:
        ``{name: (2·L·H,) float64}`` correlations (NaN for a unit that never changes), and the units'
        values at the positions ``keep`` (``(len(keep), 2·L·H)`` float32), if asked for.
    """
    from .lm import read

    names = list(features)
    F_all = np.stack([np.asarray(features[n], dtype=np.float64) for n in names], axis=1)  # (N, K)
    n, s_a, s_aa, s_f, s_ff, s_af, kept = 0, 0.0, 0.0, 0.0, 0.0, 0.0, None
    slot = np.full(len(ids), -1)  # where each kept position's values go
    if keep is not None:
        slot[np.asarray(keep)] = np.arange(len(keep))
    for pos, _, gates in read(model, ids, count, chunk, gates=True):
        c, h = gates["c"], gates["h"]  # (L, T, B, H)
        units = torch.cat([torch.cat([c[layer], h[layer]], dim=-1) for layer in range(c.shape[0])], dim=-1)
        valid = pos >= 0
        A = units.numpy()[valid].astype(np.float64)  # (n_chunk, U)
        F_chunk = F_all[pos[valid]]
        n += A.shape[0]
        s_a, s_aa = s_a + A.sum(0), s_aa + (A * A).sum(0)
        s_f, s_ff = s_f + F_chunk.sum(0), s_ff + (F_chunk * F_chunk).sum(0)
        s_af = s_af + A.T @ F_chunk  # (U, K)
        if keep is not None:
            kept = np.zeros((len(keep), A.shape[1]), dtype=np.float32) if kept is None else kept
            rows = slot[pos[valid]]
            kept[rows[rows >= 0]] = A[rows >= 0]
    cov = s_af / n - np.outer(s_a / n, s_f / n)
    var_a, var_f = s_aa / n - (s_a / n) ** 2, s_ff / n - (s_f / n) ** 2
    with np.errstate(invalid="ignore", divide="ignore"):
        r = cov / np.sqrt(np.outer(np.maximum(var_a, 0), np.maximum(var_f, 0)))
    r[np.outer(var_a <= 1e-12, var_f >= 0)] = np.nan
    return {name: r[:, k] for k, name in enumerate(names)}, kept
# --8<-- [end:correlations]
