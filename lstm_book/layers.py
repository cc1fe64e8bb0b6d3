"""Whole sequences: multi-layer, bidirectional LSTM, GRU and RNN, twins of ``torch.nn.LSTM``/``GRU``/``RNN``.

Same constructor, same forward signature, same shapes (batched, unbatched, ``batch_first``,
``PackedSequence``) and the same ``state_dict`` keys (``weight_ih_l0``, ``bias_hh_l1_reverse``,
``weight_hr_l0``, …), so a model trained with one loads into the other. Built only from the step
functions in :mod:`lstm_book.cell` (and, by default, their hand-written BPTT in
:mod:`lstm_book.bptt` / :mod:`lstm_book.bptt_gru`).

Shapes, with ``L`` layers, ``D`` directions (2 if bidirectional), hidden size ``H`` and ``P`` the
size of ``h_t`` (``proj_size`` for an LSTM with projections, else ``H``):

* input ``x``: ``(T, B, I)``, or ``(B, T, I)`` with ``batch_first=True``, or unbatched ``(T, I)``,
  or a ``PackedSequence`` whose ``data`` is ``(N, I)`` (``N`` real steps over all sequences)
* output: ``(T, B, D·P)`` / ``(B, T, D·P)`` / ``(T, D·P)`` — the last layer's ``h_t``, directions
  concatenated — or, for packed input, a ``PackedSequence`` with ``data (N, D·P)`` and the input's
  ``batch_sizes``, ``sorted_indices`` and ``unsorted_indices``
* each state tensor (``h_0``, ``h_n``: ``(L·D, B, P)``; ``c_0``, ``c_n``: ``(L·D, B, H)``), or
  ``(L·D, P)`` / ``(L·D, H)`` unbatched, indexed ``layer · D + direction``; for packed input ``B`` is
  the number of sequences, rows in the caller's order, and ``h_n`` is taken at each sequence's own
  last step (the reverse direction's after reading back to its first)
"""

from __future__ import annotations

import numbers
import warnings

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.nn.utils.rnn import PackedSequence

from . import packing
from .bptt import lstm_layer, lstm_stack_inference
from .bptt_gru import gru_layer
from .cell import (
    gru_step, init_recurrent_weights, lstm_step, rnn_step, set_chrono_bias, set_chrono_update_bias,
    set_forget_bias,
)
from .checks import check_features, check_floating, check_state_shape, shape_str

GATE_NAMES = ("i", "f", "g", "o", "c", "h")
GRU_GATE_NAMES = ("r", "z", "n", "h")


class _Recurrent(nn.Module):
    """The stacking, direction and shape logic shared by :class:`LSTM`, :class:`GRU` and :class:`RNN`.

    A subclass sets ``num_gates`` (blocks of ``H`` rows in ``weight_ih``), ``state_names`` and
    ``gate_names``, and implements :meth:`_step`, which advances one time step.
    """

    num_gates: int
    state_names: tuple[str, ...]
    gate_names: tuple[str, ...] = ()

    def __init__(
        self, mode: str, input_size: int, hidden_size: int, num_layers: int, bias: bool, batch_first: bool,
        dropout: float, bidirectional: bool, proj_size: int = 0, device=None, dtype=None,
    ) -> None:
        super().__init__()
        who = type(self).__name__
        if not isinstance(hidden_size, int) or hidden_size <= 0:
            raise ValueError(f"{who}: hidden_size must be a positive integer, got {hidden_size!r}")
        if not isinstance(input_size, int) or input_size <= 0:
            raise ValueError(f"{who}: input_size must be a positive integer, got {input_size!r}")
        if not isinstance(num_layers, int) or num_layers < 1:
            raise ValueError(f"{who}: num_layers must be an integer >= 1, got {num_layers!r}")
        if isinstance(dropout, bool) or not isinstance(dropout, numbers.Real) or not 0.0 <= dropout <= 1.0:
            raise ValueError(f"{who}: dropout must be a probability in [0, 1], got {dropout!r}")
        for name, value in (("bias", bias), ("batch_first", batch_first), ("bidirectional", bidirectional)):
            if not isinstance(value, bool):
                raise TypeError(f"{who}: {name} must be True or False, got {value!r}")
        if not isinstance(proj_size, int) or proj_size < 0:
            raise ValueError(f"{who}: proj_size must be an integer >= 0 (0: no projection), got {proj_size!r}")
        if proj_size >= hidden_size:
            raise ValueError(
                f"{who}: proj_size must be smaller than hidden_size (h_t is projected down from "
                f"hidden_size), got proj_size={proj_size} with hidden_size={hidden_size}; use proj_size=0 "
                "for no projection"
            )
        if dropout > 0 and num_layers == 1:
            warnings.warn(  # torch.nn warns the same way: dropout acts between layers only
                f"{who}: dropout={dropout} has no effect with num_layers=1: it is applied between layers "
                "(to the outputs of every layer but the last)", stacklevel=3)
        self.mode = mode  # torch.nn's name of the recurrence: "LSTM", "GRU", "RNN_TANH" or "RNN_RELU"
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional, self.proj_size = bidirectional, proj_size
        self.num_directions = 2 if bidirectional else 1
        factory = {"device": device, "dtype": dtype}
        G, H, D = self.num_gates, hidden_size, self.num_directions
        P = proj_size or hidden_size  # the size of h_t
        # Registered in torch.nn's order: per layer, per direction: w_ih, w_hh, b_ih, b_hh, w_hr.
        self._flat_weights_names: list[str] = []
        self._all_weights: list[list[str]] = []
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else D * P
            for direction in range(D):
                sfx = self._suffix(layer, direction)
                shapes = {f"weight_ih{sfx}": (G * H, layer_input), f"weight_hh{sfx}": (G * H, P)}
                if bias:
                    shapes |= {f"bias_ih{sfx}": (G * H,), f"bias_hh{sfx}": (G * H,)}
                if proj_size:
                    shapes[f"weight_hr{sfx}"] = (proj_size, H)
                for name, shape in shapes.items():
                    self.register_parameter(name, nn.Parameter(torch.empty(shape, **factory)))
                self._flat_weights_names += list(shapes)
                self._all_weights.append(list(shapes))
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

    def _weight_hr(self, layer: int, direction: int) -> Tensor | None:
        """The projection ``weight_hr (P, H)`` of an LSTM with ``proj_size > 0`` (Eq. 21), else ``None``."""
        return getattr(self, f"weight_hr{self._suffix(layer, direction)}") if self.proj_size else None

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        defaults = {"proj_size": 0, "num_layers": 1, "bias": True, "batch_first": False, "dropout": 0.0,
                    "bidirectional": False}
        for name, default in defaults.items():
            if getattr(self, name) != default:
                s += f", {name}={getattr(self, name)}"
        return s

    # ----- what scripts written for torch.nn use ---------------------------------------------
    @property
    def _flat_weights(self) -> list[Tensor | None]:
        """The parameters in ``_flat_weights_names`` order, read fresh (torch.nn keeps a cached list)."""
        return [getattr(self, name, None) for name in self._flat_weights_names]

    @property
    def all_weights(self) -> list[list[nn.Parameter]]:
        """Per layer and direction, its parameters in registration order (as ``torch.nn``'s ``all_weights``)."""
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def flatten_parameters(self) -> None:
        """Does nothing, exactly as ``torch.nn``'s does on a CPU.

        PyTorch's version copies the weights into one contiguous buffer for cuDNN, which only exists
        on a CUDA device; this module runs its own loop and reads the parameters by name. It is here
        so that scripts that call it (for instance after ``torch.load``) run unchanged.
        """

    def get_expected_hidden_size(self, input: Tensor, batch_sizes: Tensor | None) -> tuple[int, int, int]:
        """``(L·D, B, P)``, the shape ``h_0`` must have for this input (as ``torch.nn``'s method)."""
        if batch_sizes is not None:
            batch = int(batch_sizes[0])
        else:
            batch = input.size(0) if self.batch_first else input.size(1)
        return self.num_layers * self.num_directions, batch, self.proj_size or self.hidden_size

    def check_forward_args(self, input: Tensor, hidden, batch_sizes: Tensor | None) -> None:
        """Check a batched input (or packed ``data`` with ``batch_sizes``) and its initial state as
        :meth:`forward` does; raises this module's ``ValueError``/``TypeError`` (``torch.nn``: ``RuntimeError``)."""
        check_floating(input, self.weight_ih_l0, type(self).__name__)
        check_features(input, self.input_size, type(self).__name__)
        batch = self.get_expected_hidden_size(input, batch_sizes)[1]
        self._initial_states(hidden, batch, True, batch_sizes is not None)

    def permute_hidden(self, hx, permutation: Tensor | None):
        """Reorder the batch dimension (dim 1) of a state tensor, or of each tensor of ``(h, c)``."""
        if permutation is None:
            return hx
        if isinstance(hx, Tensor):
            return hx.index_select(1, permutation)
        return tuple(s.index_select(1, permutation) for s in hx)

    def __setstate__(self, state: dict) -> None:
        """Unpickle a module saved by an older version of this class (``torch.load(..., weights_only=False)``)."""
        super().__setstate__(state)
        if "proj_size" not in state:  # saved before projections existed (torch.nn does the same)
            self.proj_size = 0
        if "mode" not in state:
            self.mode = type(self).__name__ if not isinstance(self, RNN) else f"RNN_{self.nonlinearity.upper()}"
        if "_flat_weights_names" not in state:
            self._all_weights = [
                [name for name in (f"{w}{self._suffix(layer, direction)}" for w in
                                   ("weight_ih", "weight_hh", "bias_ih", "bias_hh", "weight_hr"))
                 if name in self._parameters]
                for layer in range(self.num_layers) for direction in range(self.num_directions)
            ]
            self._flat_weights_names = [name for names in self._all_weights for name in names]

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

    def _packed_rows(self, x: PackedSequence) -> Tensor:
        """Check a ``PackedSequence`` and return its ``data``, ``(N, I)``."""
        who = type(self).__name__
        check_floating(x.data, self.weight_ih_l0, who, "the packed input's data")
        if x.data.dim() != 2:
            raise ValueError(
                f"{who}: a PackedSequence's data must be 2-D (steps, input_size), got shape "
                f"{shape_str(x.data.shape)}; pack a (T, B, input_size) or (B, T, input_size) tensor"
            )
        check_features(x.data, self.input_size, who, what="the packed input")
        return x.data

    def _state_sizes(self) -> tuple[int, ...]:
        """The last dimension of each state tensor, in ``state_names`` order."""
        return (self.proj_size or self.hidden_size,) + (self.hidden_size,) * (len(self.state_names) - 1)

    def _initial_states(
        self, state: Tensor | tuple[Tensor, ...] | None, batch: int, batched: bool, packed: bool = False,
    ) -> list[Tensor]:
        """One ``(L·D, B, ·)`` tensor per state name, from ``state`` (checked) or zeros."""
        who = type(self).__name__
        n = len(self.state_names)
        LD = self.num_layers * self.num_directions
        if state is None:
            return [self.weight_ih_l0.new_zeros(LD, batch, size) for size in self._state_sizes()]
        states = (state,) if n == 1 and isinstance(state, Tensor) else state
        if not isinstance(states, (tuple, list)) or len(states) != n:
            want = "a tensor h_0" if n == 1 else "a tuple (h_0, c_0)"
            raise TypeError(f"{who}: the initial state must be {want}, or None for zeros")
        hint = (f"a PackedSequence's batch is its number of sequences, batch_sizes[0] = {batch}"
                if packed else "")
        out = []
        for name, s, size in zip(self.state_names, states, self._state_sizes()):
            check_state_shape(s, (LD, batch, size) if batched else (LD, size), who, f"{name}_0", hint)
            check_floating(s, self.weight_ih_l0, who, f"{name}_0")
            out.append(s if batched else s.unsqueeze(1))
        return out

    # ----- the recurrence --------------------------------------------------------------------
    def _input_half(self, x: Tensor, layer: int, direction: int) -> Tensor:
        """``x W_ih^T + b`` for every step at once: the part of each step that does not need ``h_{t-1}``."""
        weight_ih, _, bias_ih, bias_hh = self.weights(layer, direction)
        return F.linear(x, weight_ih, bias_ih + bias_hh if self.bias else None)

    def _recurrent_weights(self, layer: int, direction: int) -> tuple[Tensor | None, ...]:
        """What :meth:`_step` needs besides the state: here ``(weight_hh,)``."""
        return (self.weights(layer, direction)[1],)

    def _step(self, xw_t: Tensor, state: tuple[Tensor, ...], weights: tuple) -> tuple[tuple[Tensor, ...], tuple[Tensor, ...]]:
        """Advance one step: returns the new state (``h_t`` first) and what a recording keeps."""
        raise NotImplementedError

    # --8<-- [start:scan]
    def _scan(
        self, x: Tensor, state: tuple[Tensor, ...], layer: int, direction: int, record: bool,
        batch_sizes: list[int] | None = None,
    ) -> tuple[Tensor, tuple[Tensor, ...], list[tuple[Tensor, ...]]]:
        """Run one layer in one direction over the whole sequence.

        Args:
            x: ``(T, B, in)`` — the layer's input; or the ``(N, in)`` rows of a packed batch, in
                which step ``t`` works on the first ``batch_sizes[t]`` rows; state: initial ``(B, ·)`` tensors.
        Returns:
            outputs aligned with input positions (``(T, B, P)``, or packed ``(N, P)``), the final
            state (each sequence's at its own last step), and per-step records (empty unless ``record``).
        """
        xw = self._input_half(x, layer, direction)  # (T, B, G·H) or (N, G·H): the input half of every step at once
        weights = self._recurrent_weights(layer, direction)
        # unbind/split, not xw[t]: the backward of T index ops would build T full-size zero tensors
        # (quadratic in T); their backward is a single stack.
        xw_steps = xw.unbind(0) if batch_sizes is None else xw.split(batch_sizes)
        T, B = len(xw_steps), state[0].shape[0]
        steps = range(T - 1, -1, -1) if direction == 1 else range(T)  # reverse direction reads t = T-1 … 0
        outputs: list[Tensor | None] = [None] * T
        records: list[tuple[Tensor, ...]] = [()] * T
        for t in steps:
            n = xw_steps[t].shape[0]  # the sequences that have a step t are the first n rows
            active = state if n == B else tuple(s[:n] for s in state)
            new, kept = self._step(xw_steps[t], active, weights)
            # The other rows keep their state: sequences that have ended (going forward) or not yet begun (reverse).
            state = new if n == B else tuple(torch.cat([a, s[n:]]) for a, s in zip(new, state))
            outputs[t] = new[0]
            if record:
                records[t] = kept
        output = torch.stack(outputs) if batch_sizes is None else torch.cat(outputs)
        return output, state, records if record else []
    # --8<-- [end:scan]

    # --8<-- [start:stack]
    def _run(
        self, x: Tensor | PackedSequence, state: tuple[Tensor, ...] | Tensor | None, record: bool
    ) -> tuple[Tensor | PackedSequence, tuple[Tensor, ...], list[list[tuple[Tensor, ...]]], bool]:
        """Stack layers and directions. Returns output, final states, records, and ``batched``."""
        packed = isinstance(x, PackedSequence)
        if packed:  # rows of data, step by step; batch_sizes[0] sequences, sorted longest first
            layer_input, batch_sizes = self._packed_rows(x), x.batch_sizes.tolist()
            batch, batched = batch_sizes[0], True
        else:
            layer_input, batched = self._time_major(x)  # (T, B, I)
            batch_sizes, batch = None, layer_input.shape[1]
        initial = self._initial_states(state, batch, batched, packed)
        if packed:
            initial = packing.sorted_order(x, initial)  # the caller's rows, put in the packed order
        layer_input, final_states, records = self._stack(layer_input, initial, record, batch_sizes)
        if packed:  # same batch_sizes and indices as the input; states back in the caller's order
            output = PackedSequence(layer_input, x.batch_sizes, x.sorted_indices, x.unsorted_indices)
            return output, packing.caller_order(x, final_states), records, batched
        output = layer_input.transpose(0, 1) if (self.batch_first and batched) else layer_input
        if not batched:
            output = output.squeeze(1)
            final_states = tuple(s.squeeze(1) for s in final_states)
        return output, final_states, records, batched

    def _stack(
        self, layer_input: Tensor, initial: list[Tensor], record: bool, batch_sizes: list[int] | None,
    ) -> tuple[Tensor, tuple[Tensor, ...], list[list[tuple[Tensor, ...]]]]:
        """Every layer and direction in turn: the last layer's output, the final states ``(L·D, B, ·)``
        and the records. ``layer_input`` is ``(T, B, I)`` or packed ``(N, I)``."""
        D = self.num_directions
        finals: list[tuple[Tensor, ...]] = []
        records: list[list[tuple[Tensor, ...]]] = []
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(D):
                k = layer * D + direction  # index into the (L·D, B, ·) state tensors
                out, final, rec = self._scan(layer_input, tuple(s[k] for s in initial), layer, direction, record,
                                             batch_sizes)
                outputs.append(out)
                finals.append(final)
                records.append(rec)
            layer_input = torch.cat(outputs, dim=-1) if D == 2 else outputs[0]  # (T, B, D·P) or packed (N, D·P)
            if self.dropout > 0 and self.training and layer < self.num_layers - 1:
                layer_input = F.dropout(layer_input, self.dropout, training=True)  # between layers only
        final_states = tuple(torch.stack([f[j] for f in finals]) for j in range(len(self.state_names)))
        return layer_input, final_states, records
    # --8<-- [end:stack]

    # ----- gate recording (LSTM, GRU) ---------------------------------------------------------
    def trace(self, x: Tensor, state=None):
        """Forward pass that keeps every step's tensors: ``(output, finals, steps)``.

        ``steps[k][t]`` holds the values named by ``gate_names`` (for the LSTM ``(i_t, f_t, g_t, o_t,
        c_t, h_t)``, the order of ``GATE_NAMES``; for the GRU ``(r_t, z_t, n_t, h_t)``) for
        ``layer · D + direction`` ``k`` at input position ``t``, each ``(B, H)`` (``B = 1`` for
        unbatched input). They are the autograd graph's own tensors (the readable cell runs), so
        ``torch.autograd.grad(loss, c_t)`` gives ``∂L/∂c_t`` through every path.
        """
        if isinstance(x, PackedSequence):
            raise ValueError(
                f"{type(self).__name__}: gate recording (return_gates=True, trace) needs a padded tensor, "
                "not a PackedSequence; unpack it first with torch.nn.utils.rnn.pad_packed_sequence"
            )
        output, finals, steps, _ = self._run(x, state, record=True)
        return output, finals, steps

    def _forward(self, x, state, return_gates: bool, hx):
        if hx is not None:  # torch.nn's name for the initial state
            if state is not None:
                raise TypeError(f"{type(self).__name__}: give the initial state once, as state or as hx")
            state = hx
        if not return_gates:
            output, finals, _, _ = self._run(x, state, record=False)
            return output, finals
        output, finals, steps = self.trace(x, state)
        gates = {
            name: torch.stack([torch.stack([step[j] for step in per_k]) for per_k in steps])
            for j, name in enumerate(self.gate_names)
        }
        if x.dim() == 2:  # unbatched input
            gates = {name: g.squeeze(2) for name, g in gates.items()}
        return output, finals, gates


def _check_choices(who: str, backward: str, init: str, t_max: int | None) -> None:
    if backward not in ("manual", "autograd"):
        raise ValueError(f"{who}: backward must be 'manual' or 'autograd', got {backward!r}")
    if init not in ("default", "chrono"):
        raise ValueError(f"{who}: init must be 'default' or 'chrono', got {init!r}")
    if init == "chrono" and t_max is None:
        raise ValueError(f"{who}: init='chrono' needs t_max, the longest dependency in steps (e.g. t_max=500)")
    if init != "chrono" and t_max is not None:
        raise ValueError(f"{who}: t_max is only used by init='chrono'")


def _check_no_projection(who: str, kwargs: dict) -> None:
    """torch.nn.GRU and RNN refuse ``proj_size`` (a ``ValueError``); other unknown arguments are a ``TypeError``."""
    if "proj_size" in kwargs:
        raise ValueError(
            f"{who}: proj_size is only supported by LSTM (LSTMP projects h_t, Eq. 21); a {who} has no "
            f"projection, so remove proj_size or use lstm_book.LSTM(..., proj_size=...)"
        )
    if kwargs:
        raise TypeError(f"{who}: unexpected keyword argument(s) {', '.join(map(repr, kwargs))}")


class LSTM(_Recurrent):
    """A multi-layer, optionally bidirectional LSTM: the twin of ``torch.nn.LSTM``.

    Args:
        input_size: ``I``, features of each input step.
        hidden_size: ``H``, size of ``c_t`` (and of ``h_t`` without projection).
        num_layers: ``L``, layers stacked; layer ``l + 1`` reads layer ``l``'s outputs.
        bias: learn ``bias_ih_l*`` and ``bias_hh_l*``.
        batch_first: input and output are ``(B, T, ·)`` instead of ``(T, B, ·)`` (not the states,
            and not a ``PackedSequence``, which has its own layout).
        dropout: dropout probability on the outputs of every layer but the last, in training mode.
        bidirectional: add a reverse direction to every layer (``D = 2``).
        proj_size: ``P``; if ``> 0``, an LSTM with projections (LSTMP, Sak et al. 2014): Eq. (21),
            ``h_t = W_hr (o_t ⊙ tanh(c_t))`` with a parameter ``weight_hr_l{k}[_reverse]`` of shape
            ``(P, H)``. Then ``h_t``, the output and ``h_0``/``h_n`` have size ``P``, ``weight_hh`` is
            ``(4H, P)``, upper layers read ``D·P`` features, and ``c_t`` keeps size ``H``. Must be
            smaller than ``hidden_size``; 0 (default) means no projection.
        device: where to create the parameters.
        dtype: parameter dtype.
        forget_bias: if a number, the *effective* forget-gate bias ``b_if + b_hf`` of every layer and
            direction starts at exactly this value (``bias_ih``'s forget slice holds it,
            ``bias_hh``'s is zero), so ``f_t`` starts near ``σ(forget_bias)``. ``None`` (default)
            keeps PyTorch's initialisation, in which the effective bias is the sum of two
            ``U(-1/√H, 1/√H)`` draws, i.e. close to 0 and ``f_t ≈ 0.5``.
        init: ``"default"`` or ``"chrono"`` (Eq. 10, needs ``t_max``; exclusive with ``forget_bias``).
        t_max: the longest dependency the chrono initialisation should cover, in steps.
        backward: how gradients are computed. ``"manual"`` (default) runs each layer and direction
            through :class:`lstm_book.bptt.LSTMLayerFunction`: the forward loop keeps only what
            BPTT needs and the backward pass is written out by hand (Eqs. 13–16 of Part 1, and 21);
            without autograd bookkeeping it is also the faster forward. ``"autograd"`` runs the
            readable cell, :func:`lstm_book.cell.lstm_step`, once per step and lets autograd
            differentiate it (needed for second derivatives). Both give the same numbers up to
            rounding (the manual path computes ``tanh`` of the candidate as ``2σ(2a) − 1``), for
            padded and packed input alike; ``return_gates=True`` always uses the autograd path, so
            the recorded tensors are differentiable.

    ``forward(x, state=None, return_gates=False)`` returns ``(output, (h_n, c_n))``; shapes are in
    the module docstring; ``x`` may be a ``PackedSequence`` (then ``output`` is one too, and
    ``state``, ``h_n``, ``c_n`` are in the caller's batch order, as in ``torch.nn``); the initial
    state may also be passed as ``hx=``, torch's name. With ``return_gates=True`` it also returns a
    dict of recorded per-step values, keys ``"i", "f", "g", "o", "c", "h"``, each ``(L·D, T, B,
    ·)`` (``(L·D, T, ·)`` unbatched), time-major whatever ``batch_first`` is, indexed ``layer · D +
    direction`` and aligned with input positions (the reverse direction's step ``t`` is stored at
    ``t``). They are part of the autograd graph. Recording costs memory; the ordinary path keeps
    nothing extra. It needs a padded tensor, not a ``PackedSequence``.

    Besides, the attributes and methods of ``torch.nn.LSTM`` that scripts use: ``mode``,
    ``proj_size``, ``all_weights``, ``_flat_weights_names``, ``_all_weights``,
    ``flatten_parameters()`` (a no-op, as on the CPU), ``get_expected_hidden_size``,
    ``check_forward_args``, ``permute_hidden``; whole-module ``torch.save``/``torch.load`` works.
    """

    num_gates = 4
    state_names = ("h", "c")
    gate_names = GATE_NAMES

    def __init__(
        self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
        batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0,
        device: torch.device | str | None = None, dtype: torch.dtype | None = None, *,
        forget_bias: float | None = None, init: str = "default",
        t_max: int | None = None, backward: str = "manual",
    ) -> None:
        _check_choices("LSTM", backward, init, t_max)
        if init == "chrono" and forget_bias is not None:
            raise ValueError("LSTM: choose either forget_bias or init='chrono', not both")
        if (forget_bias is not None or init == "chrono") and not bias:
            raise ValueError("LSTM: forget_bias and init='chrono' need bias=True (there is no bias to set)")
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         proj_size, device, dtype)
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

    def _recurrent_weights(self, layer: int, direction: int) -> tuple[Tensor | None, ...]:
        return self.weights(layer, direction)[1], self._weight_hr(layer, direction)

    def _step(self, xw_t: Tensor, state: tuple[Tensor, ...], weights: tuple) -> tuple[tuple[Tensor, ...], tuple[Tensor, ...]]:
        weight_hh, weight_hr = weights
        h_t, c_t, (i_t, f_t, g_t, o_t) = lstm_step(xw_t, state[0], state[1], weight_hh)
        if weight_hr is not None:
            h_t = h_t @ weight_hr.t()  # Eq. (21): h_t = W_hr (o_t ⊙ tanh(c_t)), LSTMP's projection
        return (h_t, c_t), (i_t, f_t, g_t, o_t, c_t, h_t)

    def _scan(self, x, state, layer, direction, record, batch_sizes=None):
        """The hand-written-backward path (``backward="manual"``); recording uses the autograd cell."""
        if record or self.backward == "autograd":
            return super()._scan(x, state, layer, direction, record, batch_sizes)
        output, h_n, c_n = lstm_layer(x, state[0], state[1], *self.weights(layer, direction), reverse=direction == 1,
                                      weight_hr=self._weight_hr(layer, direction), batch_sizes=batch_sizes)
        return output, (h_n, c_n), []

    def _stack(self, layer_input, initial, record, batch_sizes):
        """Without gradients, a one-directional stack of layers runs as a wavefront
        (:func:`lstm_book.bptt.lstm_stack_inference`); anything else layer by layer."""
        if self._wavefront(layer_input, initial, record, batch_sizes):
            layers = [self.weights(layer) for layer in range(self.num_layers)]
            with torch.no_grad():
                output, h_n, c_n = lstm_stack_inference(layer_input, initial[0], initial[1], layers)
            return output, (h_n, c_n), []
        return super()._stack(layer_input, initial, record, batch_sizes)

    def _wavefront(self, layer_input: Tensor, initial: list[Tensor], record: bool, batch_sizes) -> bool:
        """Whether :meth:`_stack` can run the layers as a wavefront: two or more one-directional layers
        without projection, a padded input, no recording, no dropout acting, and no gradient wanted."""
        if record or self.backward != "manual" or batch_sizes is not None or self.bidirectional:
            return False
        if self.num_layers < 2 or self.proj_size or (self.dropout > 0 and self.training):
            return False
        tensors = (layer_input, *initial, *self.parameters())
        return not (torch.is_grad_enabled() and any(t.requires_grad for t in tensors))

    def forward(self, x: Tensor | PackedSequence, state: tuple[Tensor, Tensor] | None = None,
                return_gates: bool = False, *, hx: tuple[Tensor, Tensor] | None = None):
        return self._forward(x, state, return_gates, hx)


class GRU(_Recurrent):
    """A multi-layer, optionally bidirectional GRU (Eqs. 17–20): the twin of ``torch.nn.GRU``.

    Same arguments, shapes, ``state_dict`` keys and gate order (``r, z, n``) as ``torch.nn.GRU``,
    with PyTorch's placement of the reset gate (inside the product with ``W_hn h_{t-1} + b_hn``).

    Args:
        input_size: ``I``.
        hidden_size: ``H``.
        num_layers: ``L``.
        bias: learn ``bias_ih_l*`` and ``bias_hh_l*`` (``(3H,)`` each).
        batch_first: input and output are ``(B, T, ·)`` (not the state, not a ``PackedSequence``).
        dropout: dropout between layers, in training mode.
        bidirectional: ``D = 2``.
        device: where to create the parameters.
        dtype: parameter dtype.
        init: ``"default"`` (PyTorch's uniform initialisation) or ``"chrono"``: the effective
            update-gate bias ``b_iz + b_hz`` of every layer and direction is drawn as
            ``log U(1, t_max − 1)`` (:func:`lstm_book.cell.set_chrono_update_bias`), so the units'
            memories ``1 + e^{b_z}`` spread over ``[2, t_max]`` steps. Needs ``t_max``.
        t_max: the longest dependency ``init="chrono"`` should cover, in steps.
        backward: ``"manual"`` (default): :class:`lstm_book.bptt_gru.GRULayerFunction`, the
            hand-written backward pass; ``"autograd"``: :func:`lstm_book.cell.gru_step` once per
            step, differentiated by autograd (second derivatives, gate recording).

    ``forward(x, state=None, return_gates=False)`` (``state`` is ``h_0``, also accepted as ``hx=``)
    returns ``(output, h_n)``, with the shapes in the module docstring; ``x`` may be a
    ``PackedSequence``. ``return_gates=True`` adds a dict with keys ``"r", "z", "n", "h"``, each
    ``(L·D, T, B, H)``, as :class:`LSTM` documents. ``proj_size`` is an LSTM option: passing it
    raises ``ValueError``, as ``torch.nn.GRU`` does.
    """

    num_gates = 3
    state_names = ("h",)
    gate_names = GRU_GATE_NAMES

    def __init__(
        self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
        batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
        device: torch.device | str | None = None, dtype: torch.dtype | None = None, *,
        init: str = "default", t_max: int | None = None, backward: str = "manual", **kwargs,
    ) -> None:
        _check_no_projection("GRU", kwargs)
        _check_choices("GRU", backward, init, t_max)
        if init == "chrono" and not bias:
            raise ValueError("GRU: init='chrono' needs bias=True (there is no bias to set)")
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         0, device, dtype)
        self.init, self.t_max, self.backward = init, t_max, backward
        if init == "chrono":
            for layer in range(num_layers):
                for direction in range(self.num_directions):
                    _, _, bias_ih, bias_hh = self.weights(layer, direction)
                    set_chrono_update_bias(bias_ih, bias_hh, t_max)

    def extra_repr(self) -> str:
        s = super().extra_repr()
        if self.init != "default":
            s += f", init={self.init!r}, t_max={self.t_max}"
        return s + (", backward='autograd'" if self.backward == "autograd" else "")

    def _input_half(self, x: Tensor, layer: int, direction: int) -> Tensor:
        weight_ih, _, bias_ih, _ = self.weights(layer, direction)
        return F.linear(x, weight_ih, bias_ih)  # b_hh stays with h_{t-1}: the reset gate multiplies its n part

    def _recurrent_weights(self, layer: int, direction: int) -> tuple[Tensor | None, ...]:
        _, weight_hh, _, bias_hh = self.weights(layer, direction)
        return weight_hh, bias_hh

    def _step(self, xw_t: Tensor, state: tuple[Tensor, ...], weights: tuple) -> tuple[tuple[Tensor, ...], tuple[Tensor, ...]]:
        h_t, (r_t, z_t, n_t) = gru_step(xw_t, state[0], *weights)
        return (h_t,), (r_t, z_t, n_t, h_t)

    def _scan(self, x, state, layer, direction, record, batch_sizes=None):
        """The hand-written-backward path (``backward="manual"``); recording uses the autograd cell."""
        if record or self.backward == "autograd":
            return super()._scan(x, state, layer, direction, record, batch_sizes)
        output, h_n = gru_layer(x, state[0], *self.weights(layer, direction), reverse=direction == 1,
                                batch_sizes=batch_sizes)
        return output, (h_n,), []

    def forward(self, x: Tensor | PackedSequence, state: Tensor | None = None, return_gates: bool = False, *,
                hx: Tensor | None = None):
        out = self._forward(x, state, return_gates, hx)
        return (out[0], out[1][0], *out[2:])


class RNN(_Recurrent):
    """A multi-layer, optionally bidirectional vanilla RNN (Eq. 1): the twin of ``torch.nn.RNN``.

    Same arguments as ``torch.nn.RNN`` (``nonlinearity`` is ``"tanh"`` or ``"relu"``).
    ``forward(x, state=None)`` (``state`` is ``h_0``, also accepted as ``hx=``) returns
    ``(output, h_n)`` with the shapes in the module docstring; ``x`` may be a ``PackedSequence``.
    ``proj_size`` is an LSTM option: passing it raises ``ValueError``, as ``torch.nn.RNN`` does.
    """

    num_gates = 1
    state_names = ("h",)

    def __init__(
        self, input_size: int, hidden_size: int, num_layers: int = 1, nonlinearity: str = "tanh",
        bias: bool = True, batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
        device=None, dtype=None, **kwargs,
    ) -> None:
        _check_no_projection("RNN", kwargs)
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        super().__init__(f"RNN_{nonlinearity.upper()}", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, 0, device, dtype)
        self.nonlinearity = nonlinearity

    def _step(self, xw_t: Tensor, state: tuple[Tensor, ...], weights: tuple) -> tuple[tuple[Tensor, ...], tuple[Tensor, ...]]:
        return (rnn_step(xw_t, state[0], weights[0], self.nonlinearity),), ()

    def forward(self, x: Tensor | PackedSequence, state: Tensor | None = None, *,
                hx: Tensor | None = None) -> tuple[Tensor | PackedSequence, Tensor]:
        output, (h_n,) = self._forward(x, state, False, hx)
        return output, h_n
