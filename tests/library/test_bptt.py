"""The hand-written backward pass (lstm_book.bptt) computes exactly the gradients finite differences and
autograd do, keeps nothing without gradients, refuses what it cannot do, and in float32 stays as close to
torch as the readable cell. Its twin test against torch.nn.LSTM and the autograd path (values and every
gradient, every configuration) is the table's (tests/library/test_twins.py)."""

from __future__ import annotations

from functools import partial

import pytest
import torch
from torch.testing import assert_close

from lstm_book import LSTM
from lstm_book.bptt import INFERENCE_CHUNK, LSTMLayerFunction, lstm_layer
from tests.helpers import DT, EXACT, randn, uniform


def _layer_inputs(T=5, B=3, I=4, H=3, bias=True, seed=0):
    """lstm_layer's inputs ``(x, h_0, c_0, W_ih, W_hh, b_ih, b_hh)``, uniform leaves (biases None without bias)."""
    r = partial(uniform, generator=torch.Generator().manual_seed(seed))
    x, h_0, c_0 = r(T, B, I), r(B, H), r(B, H)
    w_ih, w_hh = r(4 * H, I), r(4 * H, H)
    b_ih, b_hh = (r(4 * H), r(4 * H)) if bias else (None, None)
    return x, h_0, c_0, w_ih, w_hh, b_ih, b_hh


# --8<-- [start:gradcheck]
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("bias", [True, False])
def test_gradcheck_layer_function_float64(reverse, bias):
    """Finite differences agree with the hand-written backward for every input, through all three outputs."""
    inputs = _layer_inputs(bias=bias, seed=int(reverse) + 2 * int(bias))
    assert torch.autograd.gradcheck(
        lambda *a: LSTMLayerFunction.apply(*a, reverse), inputs, eps=1e-6, atol=1e-7, rtol=1e-5
    )
# --8<-- [end:gradcheck]


C = INFERENCE_CHUNK


@pytest.mark.parametrize("T", [1, C - 1, C, C + 1, 2 * C + 3])
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("bias", [True, False])
def test_inference_path_equals_the_training_path(T, reverse, bias):
    """Without gradients the layer streams the input projection in chunks and keeps nothing; its values
    equal those of the path that keeps everything for BPTT, at and around every chunk boundary."""
    inputs = _layer_inputs(T=T, bias=bias, seed=T)
    trained = lstm_layer(*inputs, reverse=reverse)
    assert all(t.grad_fn is not None for t in trained)
    for mode in (torch.no_grad(), torch.enable_grad()):  # grad off, or on with nothing requiring it
        with mode:
            inferred = lstm_layer(*(None if t is None else t.detach() for t in inputs), reverse=reverse)
        assert all(a.grad_fn is None and not a.requires_grad for a in inferred)
        assert_close(inferred, tuple(b.detach() for b in trained), rtol=0, atol=1e-12)


def test_dropout_between_layers_trains_the_same_on_both_paths():
    """In training mode with dropout, the same RNG seed gives the same masks, outputs and gradients."""
    torch.manual_seed(0)
    manual = LSTM(3, 4, num_layers=3, dropout=0.5, bidirectional=True, backward="manual").to(DT).train()
    autograd = LSTM(3, 4, num_layers=3, dropout=0.5, bidirectional=True, backward="autograd").to(DT).train()
    autograd.load_state_dict(manual.state_dict())
    x = randn(6, 2, 3)
    grads = []
    for model in (manual, autograd):
        torch.manual_seed(42)
        output, (h_n, _) = model(x)
        (output.square().sum() + h_n.sum()).backward()
        grads.append((output.detach(), {n: p.grad for n, p in model.named_parameters()}))
    (out_m, g_m), (out_a, g_a) = grads
    assert_close((out_m, g_m), (out_a, g_a), **EXACT)
    # dropout really acted: the same model without dropout gives a different output
    torch.manual_seed(42)
    assert (manual.eval()(x)[0] - out_m).abs().max() > 1e-3
    # and the gradient flows to the first layer through the dropped-out activations
    assert g_m["weight_ih_l0"].abs().max() > 0


def test_return_gates_uses_differentiable_autograd_records():
    """Recording still works on the manual model, and the recorded c and h are part of the graph."""
    torch.manual_seed(1)
    model = LSTM(3, 4, num_layers=2, backward="manual").to(DT)
    x = randn(5, 2, 3)
    output, (h_n, c_n), gates = model(x, return_gates=True)
    plain_output, (plain_h_n, _) = model(x)
    assert_close(output, plain_output, **EXACT)
    assert_close(gates["h"][-1], plain_output, **EXACT)  # the last layer's recorded h is the output
    assert gates["c"].requires_grad and gates["h"].requires_grad
    gates["c"][0, 2].sum().backward()  # a loss on one recorded cell state of layer 0
    assert model.weight_hh_l0.grad.abs().max() > 0
    g1 = model.weight_ih_l1.grad  # layer 1 cannot influence layer 0's cell state
    assert g1 is None or g1.abs().max() == 0


def test_no_grad_forward_keeps_no_graph_and_gives_the_same_output():
    torch.manual_seed(2)
    model = LSTM(3, 5, num_layers=2, bidirectional=True).to(DT)
    x = randn(4, 2, 3)
    with torch.no_grad():
        output, (h_n, c_n) = model(x)
    assert output.grad_fn is None and h_n.grad_fn is None
    with_graph = model(x)[0]
    assert with_graph.grad_fn is not None
    assert_close(with_graph.detach(), output, **EXACT)


def test_second_derivative_raises_a_clear_error():
    inputs = _layer_inputs(seed=3)
    output, h_n, c_n = lstm_layer(*inputs)
    with pytest.raises(RuntimeError, match="second derivatives are not supported.*backward='autograd'"):
        torch.autograd.grad(output.sum(), inputs[3], create_graph=True)
    # the autograd path does support them
    model = LSTM(4, 3, backward="autograd").to(DT)
    (g,) = torch.autograd.grad(model(inputs[0].detach())[0].square().sum(), model.weight_hh_l0, create_graph=True)
    g.sum().backward()
    assert model.weight_hh_l0.grad.abs().max() > 0


def test_backward_twice_with_retain_graph_gives_the_same_gradients():
    """The backward pass must not overwrite what the forward pass saved."""
    inputs = _layer_inputs(seed=4)
    output, h_n, c_n = lstm_layer(*inputs, reverse=True)
    loss = output.sum() + (c_n**2).sum()
    first = torch.autograd.grad(loss, inputs, retain_graph=True)
    second = torch.autograd.grad(loss, inputs)
    for a, b in zip(first, second):
        assert torch.equal(a, b)


def test_modifying_the_output_in_place_is_caught():
    """The output is saved for the backward pass (it holds every h_{t-1}), as torch.nn.LSTM's float32
    CPU path saves its own; autograd must notice a change instead of computing wrong gradients."""
    inputs = _layer_inputs(seed=5)
    output, h_n, c_n = lstm_layer(*inputs)
    h_n.mul_(2)  # h_n and c_n are separate tensors: changing them is harmless
    output.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        output.sum().backward()


def test_frozen_weights_and_input_without_grad():
    """Only the inputs that ask for a gradient get one (ctx.needs_input_grad is respected)."""
    x, h_0, c_0, w_ih, w_hh, b_ih, b_hh = _layer_inputs(seed=6)
    x, w_ih = x.detach(), w_ih.detach()
    output, _, _ = lstm_layer(x, h_0, c_0, w_ih, w_hh, b_ih, b_hh)
    g = torch.autograd.grad(output.sum(), (h_0, w_hh, b_ih), allow_unused=True)
    assert all(t is not None and t.abs().max() > 0 for t in g)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="backward must be 'manual' or 'autograd'"):
        LSTM(3, 4, backward="fast")
    x, h_0, c_0, w_ih, w_hh, b_ih, _ = _layer_inputs()
    with pytest.raises(ValueError, match="both bias_ih and bias_hh"):
        lstm_layer(x, h_0, c_0, w_ih, w_hh, b_ih, None)
    with pytest.raises(ValueError, match=r"expected x \(T, B, I\)"):
        lstm_layer(x[0], h_0, c_0, w_ih, w_hh)


def test_float32_forward_is_as_close_to_torch_as_the_readable_cell():
    """The fast forward computes g_t as 2σ(2a) − 1 instead of tanh(a): in float32, at the flagship
    shape and over a long sequence, its distance from torch.nn.LSTM stays at rounding level, within a
    small factor of the autograd cell's (which uses tanh)."""
    torch.manual_seed(11)
    ref = torch.nn.LSTM(16, 64, num_layers=2)
    manual, autograd = LSTM(16, 64, num_layers=2), LSTM(16, 64, num_layers=2, backward="autograd")
    manual.load_state_dict(ref.state_dict())
    autograd.load_state_dict(ref.state_dict())
    x = 2 * torch.randn(300, 64, 16)
    with torch.no_grad():
        expected, got, readable = (torch.cat([out.flatten(), *(s.flatten() for s in state)])
                                   for out, state in (ref(x), manual(x), autograd(x)))
    err, err_readable = (got - expected).abs().max().item(), (readable - expected).abs().max().item()
    assert err <= 1e-6, f"manual forward differs from torch.nn.LSTM by {err:.3g} in float32"
    assert err <= 4 * err_readable, f"manual {err:.3g} vs readable cell {err_readable:.3g}"


def test_float32_manual_matches_autograd_closely():
    """The default dtype path (what training uses) agrees with the autograd cell to float32 precision."""
    torch.manual_seed(7)
    manual = LSTM(8, 16, num_layers=2, batch_first=True)
    autograd = LSTM(8, 16, num_layers=2, batch_first=True, backward="autograd")
    autograd.load_state_dict(manual.state_dict())
    x = torch.randn(4, 30, 8)
    for m in (manual, autograd):
        out, (h_n, c_n) = m(x)
        (out.square().mean() + c_n.sum()).backward()
    for (name, p), q in zip(manual.named_parameters(), autograd.parameters()):
        assert_close(p.grad, q.grad, rtol=1e-4, atol=1e-5, msg=lambda m: f"{name}: {m}")
    # the two biases get equal gradients, but in separate tensors (an in-place clip of one must not change the other)
    assert torch.equal(manual.bias_ih_l0.grad, manual.bias_hh_l0.grad)
    assert manual.bias_ih_l0.grad.data_ptr() != manual.bias_hh_l0.grad.data_ptr()


@pytest.mark.parametrize("onednn", [True, False], ids=["oneDNN", "torch.mm"])
@pytest.mark.parametrize("kind", ["padded", "bidirectional", "packed", "proj"])
def test_float32_products_in_onednn_or_torch_mm_give_the_float64_gradients(monkeypatch, onednn, kind):
    """lstm_book.matmul sends float32 CPU products to oneDNN (or, switched off, to torch.mm): either way
    outputs and every gradient agree with the float64 computation to float32 precision."""
    from torch.nn.utils.rnn import pack_padded_sequence

    from lstm_book import matmul
    if onednn and not matmul.AVAILABLE:
        pytest.skip("this PyTorch has no oneDNN linear op")
    monkeypatch.setattr(matmul, "ONEDNN", onednn)
    torch.manual_seed(3)
    kw = {"bidirectional": kind == "bidirectional", "proj_size": 5 if kind == "proj" else 0}
    model = LSTM(6, 12, num_layers=2, **kw)
    exact = LSTM(6, 12, num_layers=2, **kw).to(DT)
    exact.load_state_dict(model.state_dict())
    x = torch.randn(40, 5, 6)
    results = []
    for m, dtype in ((model, torch.float32), (exact, DT)):
        xi = x.detach().to(dtype).requires_grad_()
        inp = pack_padded_sequence(xi, [40, 33, 33, 9, 1]) if kind == "packed" else xi
        out, (h_n, c_n) = m(inp)
        out = out.data if kind == "packed" else out
        (out.sin().sum() + h_n.square().sum() + c_n.sum()).backward()
        results.append([out, h_n, c_n, xi.grad] + [p.grad for p in m.parameters()])
    for a, b in zip(*results):
        assert_close(a.double(), b, rtol=0, atol=2e-5 * (b.abs().max().item() + 1))


@pytest.mark.parametrize("layout", ["forward", "reverse", "packed"])
def test_the_kept_cell_states_are_c_t_with_c_0_untouched_in_its_slot(layout):
    """The training loop keeps 2c_t and halves its buffer once: what the backward pass reads must be c_0 bit for
    bit in its slot (first going forward, last going backward) and c_t elsewhere, as float64 computes them."""
    from lstm_book.bptt import _forward_scan

    x, h_0, c_0, *weights = (t.detach().float() for t in _layer_inputs(T=6, B=3, I=4, H=5, seed=3))
    c_0 = c_0 * 3  # |c| above 1, so that a missing halving cannot hide in a tolerance
    before = c_0.clone()
    reverse, batch_sizes = layout == "reverse", [3, 3, 2, 2, 1, 1] if layout == "packed" else None
    inputs = x if batch_sizes is None else torch.cat([x[t, :n] for t, n in enumerate(batch_sizes)])
    _, _, c_buf, _, _, c_n = _forward_scan(inputs, h_0, c_0, *weights, reverse, batch_sizes=batch_sizes)
    assert torch.equal(c_0, before)
    slot = c_buf.view(-1, 5)[-3:] if reverse else c_buf.view(-1, 5)[:3]
    assert torch.equal(slot, c_0)
    *_, c_n64 = _forward_scan(inputs.double(), h_0.double(), c_0.double(), *(w.double() for w in weights), reverse,
                              batch_sizes=batch_sizes)
    assert_close(c_n, c_n64.float(), rtol=1e-5, atol=1e-6)
