"""The page's reference BPTT (lstm_book.bptt_reference) gives the outputs and gradients of the fast
kernel that lstm_book.LSTM trains with (lstm_book.bptt.lstm_layer) and of autograd on
torch.nn.LSTM, and stays a short listing of tensor operations."""

from __future__ import annotations

import ast
import itertools
from pathlib import Path

import pytest
import torch
from torch.testing import assert_close

from lstm_book import bptt_reference
from lstm_book.bptt import lstm_layer

ROOT = Path(__file__).resolve().parents[2]
DT = torch.float64
TOL = dict(rtol=0.0, atol=1e-10)
PARAMS = ("W_ih", "W_hh", "b_ih", "b_hh")  # torch.nn.LSTM's parameters of layer 0, in its order
CASES = [dict(T=T, B=B, I=I, H=H, given_state=given_state, bias=bias)
         for T, B, (I, H), given_state, bias
         in itertools.product([1, 2, 17], [1, 3], [(4, 3), (1, 5)], [True, False], [True, False])]


def _problem(T, B, I, H, given_state, bias):
    """torch.nn.LSTM in float64, an input, an initial state (or None: zeros), and the gradients that
    reach the layer from a loss: at every output, at h_n and at c_n (random, so that none cancels)."""
    torch.manual_seed(1000 * T + 100 * B + 10 * I + H + 2 * given_state + bias)
    lstm = torch.nn.LSTM(I, H, bias=bias).to(DT)
    x = torch.randn(T, B, I, dtype=DT)
    state = (torch.randn(B, H, dtype=DT), torch.randn(B, H, dtype=DT)) if given_state else None
    upstream = (torch.randn(T, B, H, dtype=DT), torch.randn(B, H, dtype=DT), torch.randn(B, H, dtype=DT))
    return lstm, x, state, upstream


def _reference(x, h_0, c_0, params, upstream):
    output, tape = bptt_reference.forward(x, h_0, c_0, **params)
    grads = bptt_reference.backward(*upstream, x, params["W_ih"], params["W_hh"], tape)
    without_bias = {"b_ih", "b_hh"} - params.keys()
    return (output, tape["h"][-1], tape["c"][-1]), {k: g for k, g in grads.items() if k not in without_bias}


def _fast_kernel(x, h_0, c_0, params, upstream):
    leaves = {name: t.clone().requires_grad_() for name, t in {"x": x, "h_0": h_0, "c_0": c_0, **params}.items()}
    outputs = lstm_layer(*(leaves.get(name) for name in ("x", "h_0", "c_0", *PARAMS)))
    return outputs, dict(zip(leaves, torch.autograd.grad(outputs, list(leaves.values()), upstream)))


def _torch_autograd(lstm, x, state, upstream):
    x = x.clone().requires_grad_()
    leaves = {"x": x, **dict(zip(PARAMS, lstm.parameters()))}
    if state is not None:
        leaves["h_0"], leaves["c_0"] = (s[None].clone().requires_grad_() for s in state)
        state = leaves["h_0"], leaves["c_0"]
    output, (h_n, c_n) = lstm(x, state)
    outputs = output, h_n[0], c_n[0]
    grads = torch.autograd.grad(outputs, list(leaves.values()), upstream)
    return outputs, {name: g[0] if name in ("h_0", "c_0") else g for name, g in zip(leaves, grads)}


@pytest.mark.parametrize("case", CASES, ids=lambda c: "T{T}-B{B}-I{I}-H{H}-state{given_state:d}-bias{bias:d}".format(**c))
def test_reference_equals_the_fast_kernel_and_torch_autograd_in_float64(case):
    """Outputs, h_n, c_n and the gradients of x, W_ih, W_hh, b_ih, b_hh, h_0 and c_0 agree to 1e-10."""
    lstm, x, state, upstream = _problem(**case)
    params = {name: p.detach() for name, p in zip(PARAMS, lstm.parameters())}
    h_0, c_0 = state if state is not None else (torch.zeros(case["B"], case["H"], dtype=DT),) * 2
    ref_outputs, ref_grads = _reference(x, h_0, c_0, params, upstream)
    assert ref_grads.keys() == {"x", "h_0", "c_0", *params}
    others = {"fast kernel": _fast_kernel(x, h_0, c_0, params, upstream),
              "torch.nn.LSTM": _torch_autograd(lstm, x, state, upstream)}
    for who, (outputs, grads) in others.items():
        for name, ours, theirs in zip(("output", "h_n", "c_n"), ref_outputs, outputs):
            assert_close(ours, theirs.detach(), **TOL, msg=lambda m: f"{name} differs from the {who}'s: {m}")
        state_grads = {"h_0", "c_0"} if who == "fast kernel" or state is not None else set()
        assert grads.keys() == {"x", *params, *state_grads}
        for name, theirs in grads.items():
            assert_close(ref_grads[name], theirs, **TOL, msg=lambda m: f"∂L/∂{name} differs from the {who}'s: {m}")
    assert ref_grads["W_ih"].abs().max() > 0  # the loss reaches the weights: the comparison is not 0 == 0


def _imports(path: Path) -> set[str]:
    """The modules a source file imports (relative imports resolved within lstm_book)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level:
            found |= {f"lstm_book.{node.module}"} if node.module else {f"lstm_book.{a.name}" for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            found.add(node.module)
    return found


def test_the_reference_is_a_short_listing_of_tensor_operations():
    """Under 100 lines; no oneDNN products (lstm_book.matmul), no fast kernel, no torch internals,
    directly or through the package modules it imports."""
    path = ROOT / "lstm_book" / "bptt_reference.py"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) < 100, f"bptt_reference.py has {len(lines)} lines: the page's listing must stay short"
    assert _imports(path) == {"__future__", "torch", "lstm_book.cell"}
    closure, todo = set(), ["lstm_book.bptt_reference"]
    while todo:
        module = todo.pop()
        closure.add(module)
        imported = _imports(ROOT / (module.replace(".", "/") + ".py"))
        assert not any(m.startswith(("torch._", "torch.ops")) for m in imported), f"{module}: torch internals"
        todo += [m for m in imported if m.startswith("lstm_book.") and m not in closure]
    assert not closure & {"lstm_book.matmul", "lstm_book.bptt", "lstm_book.packing"}, closure
    assert "torch._" not in "\n".join(lines) and "torch.ops" not in "\n".join(lines)
