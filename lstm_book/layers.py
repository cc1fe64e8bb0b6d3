"""Whole sequences: multi-layer, bidirectional LSTM and RNN, twins of ``torch.nn.LSTM``/``RNN``.

Same constructor, same forward signature, same shapes (batched, unbatched, ``batch_first``) and the
same ``state_dict`` keys (``weight_ih_l0``, ``bias_hh_l1_reverse``, …), so a model trained with one
loads into the other. Built only from the step functions in :mod:`lstm_book.cell`.

Shapes, with ``L`` layers, ``D`` directions (2 if bidirectional), hidden size ``H``:

* input ``x``: ``(T, B, I)``, or ``(B, T, I)`` with ``batch_first=True``, or unbatched ``(T, I)``
* output: ``(T, B, D·H)`` / ``(B, T, D·H)`` / ``(T, D·H)`` — the last layer's ``h_t``, directions concatenated
* each state tensor (``h_0``, ``c_0``, ``h_n``, ``c_n``): ``(L·D, B, H)``, or ``(L·D, H)`` unbatched,
  indexed ``layer · D + direction``
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .bptt import lstm_layer
from .cell import init_recurrent_weights, lstm_step, rnn_step, set_chrono_bias, set_forget_bias
from .checks import check_features, check_floating, check_state_shape, shape_str

GATE_NAMES = ("i", "f", "g", "o", "c", "h")


class _Recurrent(nn.Module):
    """The stacking, direction and shape logic shared by :class:`LSTM` and :class:`RNN`.

    A subclass sets ``num_gates`` (blocks of ``H`` rows in ``weight_ih``) and ``state_names``, and
    implements :meth:`_step`, which advances one time step.
    """

    num_gates: int
    state_names: tuple[str, ...]

    def __init__(
        self, input_size: int, hidden_size: int, num_layers: int, bias: bool, batch_first: bool,
        dropout: float, bidirectional: bool, device=None, dtype=None,
    ) -> None:
        super().__init__()
        who = type(self).__name__
        if not isinstance(hidden_size, int) or hidden_size <= 0:
            raise ValueError(f"{who}: hidden_size must be a positive integer, got {hidden_size!r}")
        if not isinstance(input_size, int) or input_size <= 0:
            raise ValueError(f"{who}: input_size must be a positive integer, got {input_size!r}")
        if not isinstance(num_layers, int) or num_layers < 1:
            raise ValueError(f"{who}: num_layers must be an integer >= 1, got {num_layers!r}")
        if not 0.0 <= float(dropout) <= 1.0:
            raise ValueError(f"{who}: dropout must be a probability in [0, 1], got {dropout!r}")
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional = bidirectional
        self.num_directions = 2 if bidirectional else 1
        factory = {"device": device, "dtype": dtype}
        G, H, D = self.num_gates, hidden_size, self.num_directions
        # Registered in torch.nn's order: per layer, per direction: w_ih, w_hh, b_ih, b_hh.
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else D * H
            for direction in range(D):
                sfx = self._suffix(layer, direction)
                self.register_parameter(f"weight_ih{sfx}", nn.Parameter(torch.empty(G * H, layer_input, **factory)))
                self.register_parameter(f"weight_hh{sfx}", nn.Parameter(torch.empty(G * H, H, **factory)))
                if bias:
                    self.register_parameter(f"bias_ih{sfx}", nn.Parameter(torch.empty(G * H, **factory)))
                    self.register_parameter(f"bias_hh{sfx}", nn.Parameter(torch.empty(G * H, **factory)))
        init_recurrent_weights(list(self.parameters()), hidden_size)

    @staticmethod
    def _suffix(layer: int, direction: int) -> str:
        return f"_l{layer}" + ("_reverse" if direction == 1 else "")

    def weights(self, layer: int, direction: int = 0) -> tuple[Tensor, Tensor, Tensor | None, Tensor | None]:
        """``(weight_ih, weight_hh, bias_ih, bias_hh)`` of one layer and direction (biases ``None`` if ``bias=False``)."""
        sfx = self._suffix(layer, direction)
        if self.bias:
            return (getattr(self, f"weight_ih{sfx}"), getattr(self, f"weight_hh{sfx}"),
                    getattr(self, f"bias_ih{sfx}"), getattr(self, f"bias_hh{sfx}"))
        return getattr(self, f"weight_ih{sfx}"), getattr(self, f"weight_hh{sfx}"), None, None

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        defaults = {"num_layers": 1, "bias": True, "batch_first": False, "dropout": 0.0, "bidirectional": False}
        for name, default in defaults.items():
            if getattr(self, name) != default:
                s += f", {name}={getattr(self, name)}"
        return s

    # ----- shape handling ------------------------------------------------------------------
    def _time_major(self, x: Tensor) -> tuple[Tensor, bool]:
        """Check ``x`` and return it as ``(T, B, I)`` plus whether it was batched."""
        who = type(self).__name__
        check_floating(x, self.weight_ih_l0, who)
        if x.dim() not in (2, 3):
            layout = "(B, T, input_size)" if self.batch_first else "(T, B, input_size)"
            raise ValueError(
                f"{who}: expected a 3-D input {layout} or an unbatched 2-D input (T, input_size), "
                f"got a {x.dim()}-D tensor of shape {shape_str(x.shape)}"
            )
        check_features(x, self.input_size, who)
        if x.dim() == 2:
            x, batched = x.unsqueeze(1), False
        else:
            x, batched = (x.transpose(0, 1) if self.batch_first else x), True
        if x.shape[0] == 0:
            raise ValueError(f"{who}: the input sequence is empty (T = 0); give at least one time step")
        return x, batched

    def _initial_states(self, state: Tensor | tuple[Tensor, ...] | None, batch: int, batched: bool) -> list[Tensor]:
        """One ``(L·D, B, H)`` tensor per state name, from ``state`` (checked) or zeros."""
        who = type(self).__name__
        n = len(self.state_names)
        LD, H = self.num_layers * self.num_directions, self.hidden_size
        if state is None:
            return [self.weight_ih_l0.new_zeros(LD, batch, H) for _ in range(n)]
        states = (state,) if n == 1 and isinstance(state, Tensor) else state
        if not isinstance(states, (tuple, list)) or len(states) != n:
            want = "a tensor h_0" if n == 1 else "a tuple (h_0, c_0)"
            raise TypeError(f"{who}: the initial state must be {want}, or None for zeros")
        expected = (LD, batch, H) if batched else (LD, H)
        out = []
        for name, s in zip(self.state_names, states):
            check_state_shape(s, expected, who, f"{name}_0")
            check_floating(s, self.weight_ih_l0, who, f"{name}_0")
            out.append(s if batched else s.unsqueeze(1))
        return out

    # ----- the recurrence --------------------------------------------------------------------
    def _step(self, xw_t: Tensor, state: tuple[Tensor, ...], weight_hh: Tensor) -> tuple[tuple[Tensor, ...], tuple[Tensor, ...]]:
        """Advance one step: returns the new state (``h_t`` first) and what a recording keeps."""
        raise NotImplementedError

    # --8<-- [start:scan]
    def _scan(
        self, x: Tensor, state: tuple[Tensor, ...], layer: int, direction: int, record: bool
    ) -> tuple[Tensor, tuple[Tensor, ...], list[tuple[Tensor, ...]]]:
        """Run one layer in one direction over the whole sequence.

        Args:
            x: ``(T, B, in)`` — the layer's input; state: initial ``(B, H)`` tensors.
        Returns:
            outputs ``(T, B, H)`` aligned with input positions, the final state, and per-step records
            (empty unless ``record``).
        """
        weight_ih, weight_hh, bias_ih, bias_hh = self.weights(layer, direction)
        bias = bias_ih + bias_hh if self.bias else None
        xw = F.linear(x, weight_ih, bias)  # (T, B, G·H): the input half of every step at once
        # unbind, not xw[t]: the backward of T index ops would build T full-size zero tensors
        # (quadratic in T); unbind's backward is a single stack.
        xw_steps = xw.unbind(0)
        T = x.shape[0]
        steps = range(T - 1, -1, -1) if direction == 1 else range(T)  # reverse direction reads t = T-1 … 0
        outputs: list[Tensor | None] = [None] * T
        records: list[tuple[Tensor, ...]] = [()] * T
        for t in steps:
            state, kept = self._step(xw_steps[t], state, weight_hh)
            outputs[t] = state[0]
            if record:
                records[t] = kept
        return torch.stack(outputs), state, records if record else []
    # --8<-- [end:scan]

    # --8<-- [start:stack]
    def _run(
        self, x: Tensor, state: tuple[Tensor, ...] | Tensor | None, record: bool
    ) -> tuple[Tensor, tuple[Tensor, ...], list[list[tuple[Tensor, ...]]], bool]:
        """Stack layers and directions. Returns output, final states, records, and ``batched``."""
        x, batched = self._time_major(x)
        initial = self._initial_states(state, x.shape[1], batched)
        D = self.num_directions
        finals: list[tuple[Tensor, ...]] = []
        records: list[list[tuple[Tensor, ...]]] = []
        layer_input = x
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(D):
                k = layer * D + direction  # index into the (L·D, B, H) state tensors
                out, final, rec = self._scan(layer_input, tuple(s[k] for s in initial), layer, direction, record)
                outputs.append(out)
                finals.append(final)
                records.append(rec)
            layer_input = torch.cat(outputs, dim=2) if D == 2 else outputs[0]  # (T, B, D·H)
            if self.dropout > 0 and self.training and layer < self.num_layers - 1:
                layer_input = F.dropout(layer_input, self.dropout, training=True)  # between layers only
        final_states = tuple(torch.stack([f[j] for f in finals]) for j in range(len(self.state_names)))
        output = layer_input.transpose(0, 1) if (self.batch_first and batched) else layer_input
        if not batched:
            output = output.squeeze(1)
            final_states = tuple(s.squeeze(1) for s in final_states)
        return output, final_states, records, batched
    # --8<-- [end:stack]


class LSTM(_Recurrent):
    """A multi-layer, optionally bidirectional LSTM: the twin of ``torch.nn.LSTM``.

    Args:
        input_size: ``I``, features of each input step.
        hidden_size: ``H``, size of ``h_t`` and ``c_t``.
        num_layers: ``L``, layers stacked; layer ``ℓ + 1`` reads layer ``ℓ``'s outputs.
        bias: learn ``bias_ih_l*`` and ``bias_hh_l*``.
        batch_first: input and output are ``(B, T, ·)`` instead of ``(T, B, ·)``.
        dropout: dropout probability on the outputs of every layer but the last, in training mode.
        bidirectional: add a reverse direction to every layer (``D = 2``).
        proj_size: must be 0; projections are not supported.
        device: where to create the parameters.
        dtype: parameter dtype.
        forget_bias: if a number, the *effective* forget-gate bias ``b_if + b_hf`` of every layer and
            direction starts at exactly this value (``bias_ih``'s forget slice holds it,
            ``bias_hh``'s is zero), so ``f_t`` starts near ``σ(forget_bias)``. ``None`` (default)
            keeps PyTorch's initialisation, in which the effective bias is the sum of two
            ``U(-1/√H, 1/√H)`` draws, i.e. close to 0 and ``f_t ≈ 0.5``.
        init: ``"default"`` or ``"chrono"`` (Eq. 16, needs ``t_max``; exclusive with ``forget_bias``).
        t_max: the longest dependency the chrono initialisation should cover, in steps.
        backward: how gradients are computed. ``"manual"`` (default) runs each layer and direction
            through :class:`lstm_book.bptt.LSTMLayerFunction`: the forward loop keeps only what
            BPTT needs and the backward pass is written out by hand (Eqs. 12–15 of Part 1); without
            autograd bookkeeping it is also the faster forward. ``"autograd"`` runs the readable
            cell, :func:`lstm_book.cell.lstm_step`, once per step and lets autograd differentiate
            it (needed for second derivatives). Both give the same numbers up to rounding (the
            manual path computes ``tanh`` of the candidate as ``2σ(2a) − 1``); ``return_gates=True``
            always uses the autograd path, so the recorded tensors are differentiable.

    ``forward(x, state=None, return_gates=False)`` returns ``(output, (h_n, c_n))``; shapes are in
    the module docstring. With ``return_gates=True`` it also returns a dict of recorded per-step
    values, keys ``"i", "f", "g", "o", "c", "h"``, each ``(L·D, T, B, H)`` (``(L·D, T, H)`` unbatched),
    time-major whatever ``batch_first`` is, indexed ``layer · D + direction`` and aligned with input
    positions (the reverse direction's step ``t`` is stored at ``t``). They are part of the autograd
    graph. Recording costs memory; the ordinary path keeps nothing extra.
    """

    num_gates = 4
    state_names = ("h", "c")

    def __init__(
        self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
        batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0,
        device: torch.device | str | None = None, dtype: torch.dtype | None = None, *,
        forget_bias: float | None = None, init: str = "default",
        t_max: int | None = None, backward: str = "manual",
    ) -> None:
        if backward not in ("manual", "autograd"):
            raise ValueError(f"LSTM: backward must be 'manual' or 'autograd', got {backward!r}")
        if proj_size != 0:
            raise ValueError("LSTM: proj_size is not supported by this implementation; use proj_size=0")
        if init not in ("default", "chrono"):
            raise ValueError(f"LSTM: init must be 'default' or 'chrono', got {init!r}")
        if init == "chrono" and t_max is None:
            raise ValueError("LSTM: init='chrono' needs t_max, the longest dependency in steps (e.g. t_max=500)")
        if init != "chrono" and t_max is not None:
            raise ValueError("LSTM: t_max is only used by init='chrono'")
        if init == "chrono" and forget_bias is not None:
            raise ValueError("LSTM: choose either forget_bias or init='chrono', not both")
        if (forget_bias is not None or init == "chrono") and not bias:
            raise ValueError("LSTM: forget_bias and init='chrono' need bias=True (there is no bias to set)")
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, device, dtype)
        self.forget_bias, self.init, self.t_max = forget_bias, init, t_max
        self.backward = backward
        for layer in range(num_layers):
            for direction in range(self.num_directions):
                _, _, bias_ih, bias_hh = self.weights(layer, direction)
                if forget_bias is not None:
                    set_forget_bias(bias_ih, bias_hh, forget_bias)
                elif init == "chrono":
                    set_chrono_bias(bias_ih, bias_hh, t_max)

    def extra_repr(self) -> str:
        s = super().extra_repr()
        if self.forget_bias is not None:
            s += f", forget_bias={self.forget_bias}"
        if self.init != "default":
            s += f", init={self.init!r}, t_max={self.t_max}"
        return s + (", backward='autograd'" if self.backward == "autograd" else "")

    def _step(self, xw_t: Tensor, state: tuple[Tensor, ...], weight_hh: Tensor) -> tuple[tuple[Tensor, ...], tuple[Tensor, ...]]:
        h_t, c_t, (i_t, f_t, g_t, o_t) = lstm_step(xw_t, state[0], state[1], weight_hh)
        return (h_t, c_t), (i_t, f_t, g_t, o_t, c_t, h_t)

    def _scan(self, x: Tensor, state: tuple[Tensor, ...], layer: int, direction: int, record: bool):
        """The hand-written-backward path (``backward="manual"``); recording uses the autograd cell."""
        if record or self.backward == "autograd":
            return super()._scan(x, state, layer, direction, record)
        output, h_n, c_n = lstm_layer(x, state[0], state[1], *self.weights(layer, direction), reverse=direction == 1)
        return output, (h_n, c_n), []

    def trace(self, x: Tensor, state: tuple[Tensor, Tensor] | None = None):
        """Forward pass that keeps every step's tensors: ``(output, (h_n, c_n), steps)``.

        ``steps[k][t]`` is ``(i_t, f_t, g_t, o_t, c_t, h_t)`` (the order of ``GATE_NAMES``) for
        ``layer · D + direction`` ``k`` at input position ``t``, each ``(B, H)`` (``B = 1`` for
        unbatched input). They are the autograd graph's own tensors (the readable cell runs), so
        ``torch.autograd.grad(loss, c_t)`` gives ``∂L/∂c_t`` through every path.
        """
        output, finals, steps, _ = self._run(x, state, record=True)
        return output, finals, steps

    def forward(self, x: Tensor, state: tuple[Tensor, Tensor] | None = None, return_gates: bool = False):
        if not return_gates:
            output, finals, _, _ = self._run(x, state, record=False)
            return output, finals
        output, finals, steps = self.trace(x, state)
        gates = {
            name: torch.stack([torch.stack([step[j] for step in per_k]) for per_k in steps])
            for j, name in enumerate(GATE_NAMES)
        }
        if x.dim() == 2:  # unbatched input
            gates = {name: g.squeeze(2) for name, g in gates.items()}
        return output, finals, gates


class RNN(_Recurrent):
    """A multi-layer, optionally bidirectional vanilla RNN (Eq. 1): the twin of ``torch.nn.RNN``.

    Same arguments as ``torch.nn.RNN`` (``nonlinearity`` is ``"tanh"`` or ``"relu"``).
    ``forward(x, state=None)`` (``state`` is ``h_0``) returns ``(output, h_n)`` with the shapes in the module docstring.
    """

    num_gates = 1
    state_names = ("h",)

    def __init__(
        self, input_size: int, hidden_size: int, num_layers: int = 1, nonlinearity: str = "tanh",
        bias: bool = True, batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
        device=None, dtype=None,
    ) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, device, dtype)
        self.nonlinearity = nonlinearity

    def _step(self, xw_t: Tensor, state: tuple[Tensor, ...], weight_hh: Tensor) -> tuple[tuple[Tensor, ...], tuple[Tensor, ...]]:
        return (rnn_step(xw_t, state[0], weight_hh, self.nonlinearity),), ()

    def forward(self, x: Tensor, state: Tensor | None = None) -> tuple[Tensor, Tensor]:
        output, (h_n,), _, _ = self._run(x, state, record=False)
        return output, h_n
