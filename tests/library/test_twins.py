"""lstm_book.LSTM, GRU and RNN are torch.nn.LSTM, GRU and RNN's twins: on every configuration of the twin
table (tests/helpers.py), with torch's weights, the same outputs, final states and gradients, on every
backward path and on the inference path."""

from __future__ import annotations

import pytest
import torch
from torch import Tensor
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence

from tests.helpers import EXACT, TWINS, Twin, assert_all_close


# --8<-- [start:compare]
def _run(module: torch.nn.Module, row: Twin, x: Tensor, state: tuple[Tensor, ...] | None):
    """``module`` on the row's input (packed here when the row packs it) and initial state: the output
    and the values a loss can read, ``{"output": (T, B, D·H) or a PackedSequence's rows, "h_n": …, "c_n": …}``."""
    given = x if not row.lengths else pack_padded_sequence(
        x, torch.tensor(row.lengths), batch_first=row.batch_first, enforce_sorted=row.enforce_sorted)
    output, finals = module(given, None if state is None else state if len(state) > 1 else state[0])
    finals = finals if isinstance(finals, tuple) else (finals,)
    return output, dict(zip(("output", "h_n", "c_n"), (output.data if row.lengths else output, *finals)))


def _gradients(module, row, values, weights, x, state) -> dict[str, Tensor]:
    """Gradients of ``Σ weights · values`` (over the values the row's loss reads) with respect to the
    input, every parameter (by its state_dict name) and the initial state; zeros where the loss does not
    depend on one."""
    loss = sum((values[k] * weights[k]).sum() for k in values if row.loss in ("all", k))
    leaves = {"input": x, **dict(module.named_parameters()), **dict(zip(("h_0", "c_0"), state or ()))}
    return dict(zip(leaves, torch.autograd.grad(loss, list(leaves.values()), allow_unused=True,
                                                materialize_grads=True)))


@pytest.mark.parametrize("row", TWINS, ids=str)
def test_gives_torch_nn_outputs_final_states_and_every_gradient_on_every_path(row: Twin):
    """LSTM, GRU and RNN hold torch.nn's weights (load_state_dict) and give its outputs, final states and
    gradients of the input, the initial state and every parameter to 1e-10 in float64, on each backward
    path; without gradients, the hand-written path's inference pass (it keeps nothing) gives the same values."""
    ref, ours = row.modules()
    x, state = row.input(), row.state()
    expected_output, expected = _run(ref, row, x, state)
    weights = {k: torch.randn_like(v) for k, v in expected.items()}  # random, so that no two terms cancel
    expected_grads = _gradients(ref, row, expected, weights, x, state)
    assert any(g.any() for g in expected_grads.values())  # the row does not compare zeros
    for path, module in ours.items():
        output, values = _run(module, row, x, state)
        if row.lengths:  # a PackedSequence with the input's batch_sizes and indices
            assert isinstance(output, PackedSequence)
            for a, b in zip(output[1:], expected_output[1:]):
                assert (a is None and b is None) or torch.equal(a, b)
        assert_all_close(values, expected, **EXACT, what=f"{path} path")
        grads = _gradients(module, row, values, weights, x, state)
        assert_all_close(grads, expected_grads, **EXACT, what=f"{path} path, gradients")
        if path == "manual":
            with torch.no_grad():
                _, values = _run(module, row, x, state)
            assert_all_close(values, expected, **EXACT, what="inference path")
# --8<-- [end:compare]
