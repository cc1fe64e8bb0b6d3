"""One time step: the LSTM cell math, the vanilla RNN cell it is compared with, and the GRU cell.

Equation numbers refer to the book (``docs/part1-math/``; the GRU's are Eqs. 17–20). Weights use
PyTorch's layout and gate order, so a ``state_dict`` moves between these modules and ``torch.nn``
unchanged:

* ``weight_ih``: ``(4H, I)`` — the rows are the blocks ``[W_ii; W_if; W_ig; W_io]``
* ``weight_hh``: ``(4H, H)`` — ``[W_hi; W_hf; W_hg; W_ho]``
* ``bias_ih``, ``bias_hh``: ``(4H,)`` each; the gates see their sum.

The GRU has three blocks, in the order ``r, z, n``: ``weight_ih (3H, I) = [W_ir; W_iz; W_in]``,
``weight_hh (3H, H) = [W_hr; W_hz; W_hn]``, and the biases ``(3H,)`` each. The two biases are not
interchangeable there: ``b_hn`` sits inside the reset gate's product (Eq. 19).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .checks import check_features, check_floating, check_state_shape, shape_str

Gates = tuple[Tensor, Tensor, Tensor, Tensor]
Gates3 = tuple[Tensor, Tensor, Tensor]


# --8<-- [start:lstm_step]
def lstm_step(xw_t: Tensor, h_prev: Tensor, c_prev: Tensor, weight_hh: Tensor) -> tuple[Tensor, Tensor, Gates]:
    """One LSTM step, given the input half of the pre-activations.

    Args:
        xw_t: ``(B, 4H)`` — ``x_t W_ih^T + b_ih + b_hh``, computed for all steps at once by the caller.
        h_prev: ``(B, H)`` — the previous hidden state ``h_{t-1}``.
        c_prev: ``(B, H)`` — the previous cell state ``c_{t-1}``.
        weight_hh: ``(4H, H)`` — the recurrent weights.

    Returns:
        ``h_t, c_t`` of shape ``(B, H)`` and the gates ``(i_t, f_t, g_t, o_t)``, each ``(B, H)``.
    """
    a_t = torch.addmm(xw_t, h_prev, weight_hh.t())  # stacked pre-activations [a_i; a_f; a_g; a_o]
    a_i, a_f, a_g, a_o = a_t.chunk(4, dim=1)
    f_t = torch.sigmoid(a_f)  # Eq. (4): forget gate
    i_t = torch.sigmoid(a_i)  # Eq. (5): input gate
    g_t = torch.tanh(a_g)  # Eq. (6): candidate values (c̃_t)
    c_t = f_t * c_prev + i_t * g_t  # Eq. (7): the additive update
    o_t = torch.sigmoid(a_o)  # Eq. (8): output gate
    h_t = o_t * torch.tanh(c_t)  # Eq. (9): exposed hidden state
    return h_t, c_t, (i_t, f_t, g_t, o_t)
# --8<-- [end:lstm_step]


# --8<-- [start:rnn_step]
def rnn_step(xw_t: Tensor, h_prev: Tensor, weight_hh: Tensor, nonlinearity: str = "tanh") -> Tensor:
    """One vanilla RNN step: Eq. (1), ``h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)``.

    Args:
        xw_t: ``(B, H)`` — ``x_t W_ih^T + b_ih + b_hh``.
        h_prev: ``(B, H)``.
        weight_hh: ``(H, H)``.
        nonlinearity: ``"tanh"`` (the book's RNN) or ``"relu"`` (as ``torch.nn.RNN`` allows).
    """
    a_t = torch.addmm(xw_t, h_prev, weight_hh.t())
    return torch.tanh(a_t) if nonlinearity == "tanh" else torch.relu(a_t)
# --8<-- [end:rnn_step]


# --8<-- [start:gru_step]
def gru_step(xw_t: Tensor, h_prev: Tensor, weight_hh: Tensor, bias_hh: Tensor | None = None) -> tuple[Tensor, Gates3]:
    """One GRU step (Cho et al., 2014) with PyTorch's placement of the reset gate.

    Args:
        xw_t: ``(B, 3H)`` — ``x_t W_ih^T + b_ih``, computed for all steps at once by the caller.
            (``b_hh`` is not added in: the reset gate multiplies its ``n`` part, Eq. 19.)
        h_prev: ``(B, H)`` — ``h_{t-1}``.
        weight_hh: ``(3H, H)`` — ``[W_hr; W_hz; W_hn]``.
        bias_hh: ``(3H,)`` or ``None``.

    Returns:
        ``h_t`` ``(B, H)`` and the gates ``(r_t, z_t, n_t)``, each ``(B, H)``.
    """
    x_r, x_z, x_n = xw_t.chunk(3, dim=1)
    h_r, h_z, h_n = F.linear(h_prev, weight_hh, bias_hh).chunk(3, dim=1)  # W_h· h_{t-1} + b_h·, all three at once
    r_t = torch.sigmoid(x_r + h_r)  # Eq. (17): reset gate
    z_t = torch.sigmoid(x_z + h_z)  # Eq. (18): update gate
    n_t = torch.tanh(x_n + r_t * h_n)  # Eq. (19): candidate; r_t scales W_hn h_{t-1} + b_hn
    h_t = (1 - z_t) * n_t + z_t * h_prev  # Eq. (20): keep a fraction z_t of the old state
    return h_t, (r_t, z_t, n_t)
# --8<-- [end:gru_step]


# --8<-- [start:bias_init]
def init_recurrent_weights(params: list[Tensor], hidden_size: int) -> None:
    """PyTorch's default: every weight and bias ~ U(-1/sqrt(H), 1/sqrt(H))."""
    bound = 1.0 / math.sqrt(hidden_size)
    with torch.no_grad():
        for p in params:
            p.uniform_(-bound, bound)


def set_forget_bias(bias_ih: Tensor, bias_hh: Tensor, value: float) -> None:
    """Make the *effective* forget-gate bias ``b_if + b_hf`` exactly ``value``.

    The gate sees the sum of the two bias vectors, so the whole value goes into ``bias_ih`` and the
    forget slice of ``bias_hh`` is zeroed. At ``value = 1``, ``f_t`` starts near σ(1) ≈ 0.731.
    """
    H = bias_ih.shape[0] // 4
    with torch.no_grad():
        bias_ih[H : 2 * H].fill_(value)
        bias_hh[H : 2 * H].zero_()


def set_chrono_bias(bias_ih: Tensor, bias_hh: Tensor, t_max: int, generator: torch.Generator | None = None) -> None:
    """Chrono initialisation, Eq. (10) (Tallec & Ollivier, 2018): b_f ~ log U(1, t_max − 1), b_i = −b_f.

    A unit with forget bias b_f keeps a fraction σ(b_f) per step, a memory of about ``1 + e^{b_f}``
    steps, so drawing ``e^{b_f}`` uniformly in ``[1, t_max − 1]`` spreads the units' time scales over
    the lengths the task needs. Both are effective biases (the ``bias_hh`` slices are zeroed).
    """
    if t_max < 3:
        raise ValueError(f"chrono initialisation needs t_max >= 3 (it samples U(1, t_max - 1)), got t_max={t_max}")
    H = bias_ih.shape[0] // 4
    u = torch.empty(H, dtype=bias_ih.dtype, device=bias_ih.device)
    u.uniform_(1.0, float(t_max - 1), generator=generator)
    b_f = torch.log(u)
    with torch.no_grad():
        bias_ih[H : 2 * H].copy_(b_f)
        bias_ih[:H].copy_(-b_f)
        bias_hh[: 2 * H].zero_()
# --8<-- [end:bias_init]


# --8<-- [start:gru_chrono]
def set_chrono_update_bias(bias_ih: Tensor, bias_hh: Tensor, t_max: int, generator: torch.Generator | None = None) -> None:
    """Chrono initialisation for a GRU: the update-gate bias b_z ~ log U(1, t_max − 1) (the bias of z_t, Eq. 18).

    The update gate plays the forget gate's part: with z_t ≈ σ(b_z), Eq. (20) keeps a fraction
    σ(b_z) of h_{t−1} per step, a memory of about ``1 / (1 − σ(b_z)) = 1 + e^{b_z}`` steps, so drawing
    ``e^{b_z}`` uniformly in ``[1, t_max − 1]`` spreads the units' time scales over ``[2, t_max]``
    steps, as :func:`set_chrono_bias` does for the LSTM. There is no input gate to set: ``1 − z_t``
    already admits the candidate. It is an effective bias: ``bias_ih``'s ``z`` slice holds it and
    ``bias_hh``'s is zeroed (the r and n slices keep their values).
    """
    if t_max < 3:
        raise ValueError(f"chrono initialisation needs t_max >= 3 (it samples U(1, t_max - 1)), got t_max={t_max}")
    H = bias_ih.shape[0] // 3
    u = torch.empty(H, dtype=bias_ih.dtype, device=bias_ih.device)
    u.uniform_(1.0, float(t_max - 1), generator=generator)
    with torch.no_grad():
        bias_ih[H : 2 * H].copy_(torch.log(u))
        bias_hh[H : 2 * H].zero_()
# --8<-- [end:gru_chrono]


class _CellBase(nn.Module):
    """Parameters and checks shared by :class:`LSTMCell`, :class:`GRUCell` and :class:`RNNCell` (``G`` gate blocks)."""

    num_gates: int

    def __init__(self, input_size: int, hidden_size: int, bias: bool, device=None, dtype=None) -> None:
        super().__init__()
        if input_size <= 0 or hidden_size <= 0:
            raise ValueError(
                f"{type(self).__name__}: input_size and hidden_size must be positive, "
                f"got input_size={input_size}, hidden_size={hidden_size}"
            )
        factory = {"device": device, "dtype": dtype}
        G = self.num_gates
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        self.weight_ih = nn.Parameter(torch.empty(G * hidden_size, input_size, **factory))
        self.weight_hh = nn.Parameter(torch.empty(G * hidden_size, hidden_size, **factory))
        if bias:
            self.bias_ih = nn.Parameter(torch.empty(G * hidden_size, **factory))
            self.bias_hh = nn.Parameter(torch.empty(G * hidden_size, **factory))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        init_recurrent_weights(list(self.parameters()), hidden_size)

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")

    def _input_projection(self, x: Tensor) -> tuple[Tensor, bool]:
        """Check ``x`` (``(B, I)`` or unbatched ``(I,)``) and return ``x W_ih^T + b`` as ``(B, G·H)``."""
        who = type(self).__name__
        check_floating(x, self.weight_ih, who)
        if x.dim() not in (1, 2):
            raise ValueError(
                f"{who}: expected input of shape (batch, {self.input_size}) or unbatched "
                f"({self.input_size},), got a {x.dim()}-D tensor of shape {shape_str(x.shape)}"
            )
        check_features(x, self.input_size, who)
        batched = x.dim() == 2
        x = x if batched else x.unsqueeze(0)
        return F.linear(x, self.weight_ih, self._input_bias()), batched

    def _input_bias(self) -> Tensor | None:
        """The bias added to ``x W_ih^T``: both biases, which the gates only ever see summed."""
        return self.bias_ih + self.bias_hh if self.bias else None

    def _initial(self, state: Tensor | None, batch: int, batched: bool, name: str) -> Tensor:
        """A given state ``(B, H)`` (``(H,)`` unbatched), checked, or zeros."""
        if state is None:
            return self.weight_ih.new_zeros(batch, self.hidden_size)
        who = type(self).__name__
        expected = (batch, self.hidden_size) if batched else (self.hidden_size,)
        check_state_shape(state, expected, who, name)
        check_floating(state, self.weight_ih, who, name)
        return state if batched else state.unsqueeze(0)


class LSTMCell(_CellBase):
    """A single LSTM cell, the twin of ``torch.nn.LSTMCell``.

    Args:
        input_size: ``I``, features of ``x_t``.
        hidden_size: ``H``, size of ``h_t`` and ``c_t``.
        bias: learn ``bias_ih`` and ``bias_hh`` (``(4H,)`` each).
        forget_bias: if given, the effective forget-gate bias ``b_if + b_hf`` starts at exactly this
            value (see :func:`set_forget_bias`); ``None`` keeps PyTorch's uniform initialisation.

    Shapes: ``x`` is ``(B, I)`` or unbatched ``(I,)``; ``state`` is ``(h, c)``, each ``(B, H)`` or
    ``(H,)``; the result ``(h_t, c_t)`` has the same batching as ``x``.
    """

    num_gates = 4

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None,
        *, forget_bias: float | None = None,
    ) -> None:
        super().__init__(input_size, hidden_size, bias, device, dtype)
        if forget_bias is not None:
            if not bias:
                raise ValueError("LSTMCell: forget_bias needs bias=True (there is no bias to set)")
            set_forget_bias(self.bias_ih, self.bias_hh, forget_bias)

    # --8<-- [start:cell_forward]
    def forward(self, x: Tensor, state: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, Tensor]:
        xw_t, batched = self._input_projection(x)  # (B, 4H): the W_ih x_t + b part of Eqs. (4)-(8)
        if state is None:
            state = (None, None)
        elif not (isinstance(state, (tuple, list)) and len(state) == 2):
            raise TypeError("LSTMCell: state must be a tuple (h, c) of two tensors, or None")
        h_prev = self._initial(state[0], xw_t.shape[0], batched, "h")
        c_prev = self._initial(state[1], xw_t.shape[0], batched, "c")
        h_t, c_t, _ = lstm_step(xw_t, h_prev, c_prev, self.weight_hh)
        return (h_t, c_t) if batched else (h_t.squeeze(0), c_t.squeeze(0))
    # --8<-- [end:cell_forward]


class RNNCell(_CellBase):
    """A vanilla RNN cell (Eq. 1), the twin of ``torch.nn.RNNCell``.

    Shapes: ``x`` is ``(B, I)`` or ``(I,)``; ``h`` is ``(B, H)`` or ``(H,)``; returns ``h_t`` likewise.
    """

    num_gates = 1

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh",
        device=None, dtype=None,
    ) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        super().__init__(input_size, hidden_size, bias, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, x: Tensor, h: Tensor | None = None) -> Tensor:
        xw_t, batched = self._input_projection(x)
        h_prev = self._initial(h, xw_t.shape[0], batched, "h")
        h_t = rnn_step(xw_t, h_prev, self.weight_hh, self.nonlinearity)
        return h_t if batched else h_t.squeeze(0)


class GRUCell(_CellBase):
    """A single GRU cell (Eqs. 17–20), the twin of ``torch.nn.GRUCell``.

    Args:
        input_size: ``I``, features of ``x_t``.
        hidden_size: ``H``, size of ``h_t``.
        bias: learn ``bias_ih`` and ``bias_hh`` (``(3H,)`` each, gate order ``r, z, n``).

    Shapes: ``x`` is ``(B, I)`` or unbatched ``(I,)``; ``h`` is ``(B, H)`` or ``(H,)``; returns
    ``h_t`` with the same batching as ``x``.
    """

    num_gates = 3

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, device, dtype)

    def _input_bias(self) -> Tensor | None:
        return self.bias_ih  # b_hh stays with h_{t-1}: the reset gate multiplies its n part (Eq. 19)

    def forward(self, x: Tensor, h: Tensor | None = None) -> Tensor:
        xw_t, batched = self._input_projection(x)  # (B, 3H): the W_i· x_t + b_i· parts of Eqs. (17)-(19)
        h_prev = self._initial(h, xw_t.shape[0], batched, "h")
        h_t, _ = gru_step(xw_t, h_prev, self.weight_hh, self.bias_hh)
        return h_t if batched else h_t.squeeze(0)
