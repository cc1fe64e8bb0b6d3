"""Exercise: one LSTM layer in either direction (Part 2, *Layers, stacks and directions*).

A layer runs the cell along the sequence; a bidirectional layer runs a second cell from the end back
to the start. Its outputs are stored at the input position they belong to, so that position ``t`` of
both directions describes token ``t``, and its final state is the one it reaches at ``t = 0``.

Write ``run_direction`` with ``lstm_book.cell.lstm_step`` (one step, Eqs. 4–9), for ``reverse=False``
and ``reverse=True``. Then run, from the repository's root:

    pytest exercises/test_directions.py

The tests load the same weights into ``torch.nn.LSTM(..., bidirectional=True)`` and compare both
directions' outputs and final states with yours.
"""

from __future__ import annotations

from torch import Tensor


def run_direction(xw: Tensor, h_0: Tensor, c_0: Tensor, W_hh: Tensor, reverse: bool = False) -> tuple[Tensor, Tensor, Tensor]:
    """One layer, one direction.

    Args:
        xw: ``(T, B, 4H)`` — ``x_t W_ih^T + b_ih + b_hh`` for every position ``t = 0 … T − 1``.
        h_0, c_0: ``(B, H)`` — the initial state.
        W_hh: ``(4H, H)`` — the recurrent weights, gate order i, f, g, o.
        reverse: read the positions from ``T − 1`` down to 0.

    Returns:
        ``output (T, B, H)``, whose row ``t`` is the hidden state after reading position ``t``, and
        the final state ``h_n, c_n`` (each ``(B, H)``), after the last position read.
    """
    raise NotImplementedError("exercise: write run_direction (see the docstring of exercises/directions.py)")
