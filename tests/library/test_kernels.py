"""The product kernels of lstm_book.matmul, and the fast forward paths of lstm_book.bptt.

* The kernel is chosen by measurement once per shape class and kept; the override wins; the report
  names the CPU and every choice; where the kernels round differently the reference kernel is kept,
  so no number depends on a timing.
* The twin tests of test_dropin, test_layers, test_bptt, test_packing and test_proj run again here with
  each kernel forced, and a float32 sweep compares each kernel with float64 torch (test_twins' float64
  table is not re-run: oneDNN never runs a float64 product, so forcing a kernel changes nothing there).
* The wavefront over layers (inference) equals torch.nn.LSTM in float64, at every chunk boundary.
* Branches for devices other than the CPU run on PyTorch's "meta" device (shapes, no data), and
  ``--device auto`` resolves to CUDA exactly when CUDA is available.
"""

from __future__ import annotations

import importlib

import pytest
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

from lstm_book import GRU, LSTM, bptt, matmul
from lstm_book.training import resolve_device

FORCED = ["blas", "onednn"]
# The float64 twin table (test_twins) is left out: oneDNN never runs float64 products, so forcing a kernel
# would change nothing there; the float32 sweep below compares each kernel with float64 torch instead.
TWIN_MODULES = ("test_dropin", "test_layers", "test_bptt", "test_packing", "test_proj")


def _tests_of(module_name: str) -> dict:
    """The test functions of a sibling test module, under names prefixed with the module's."""
    module = importlib.import_module(f"tests.library.{module_name}")
    return {f"test_{module_name[5:]}__{name[5:]}": fn for name, fn in vars(module).items()
            if name.startswith("test_") and callable(fn) and not isinstance(fn, type)}


TWINS = {name: fn for module in TWIN_MODULES for name, fn in _tests_of(module).items()}
globals().update(TWINS)  # collected here once more, and run with each kernel forced (pytest_generate_tests)


def pytest_generate_tests(metafunc):
    """Every twin test imported above runs once per forced kernel."""
    if any(metafunc.function is fn for fn in TWINS.values()):
        metafunc.parametrize("forced_kernel", FORCED, indirect=True)


@pytest.fixture(autouse=True)
def forced_kernel(request):
    """The kernel forced for a test (parametrised for the twin tests, see above); unforced otherwise.
    Each test starts from an empty calibration cache, so what it measures is its own."""
    name = getattr(request, "param", None)
    if name == "onednn" and not matmul.AVAILABLE:
        pytest.skip("this PyTorch has no oneDNN linear operation")
    saved = dict(matmul._calibrations)
    matmul._calibrations.clear()
    try:
        with matmul.force_kernel(name):
            yield name
    finally:
        matmul._calibrations.clear()
        matmul._calibrations.update(saved)


needs_onednn = pytest.mark.skipif(not matmul.AVAILABLE, reason="this PyTorch has no oneDNN linear operation")
STEP = ("reordered", 8, (6, 24, False))  # a per-step product: 8 rows, W (24, 6), no bias


def _float32() -> torch.Tensor:
    return torch.empty(1)


# ----- the calibration ---------------------------------------------------------------------------
@needs_onednn
def test_the_first_product_of_a_shape_class_is_timed_once_and_the_choice_kept(monkeypatch):
    calls = []
    calibrate = matmul._calibrate
    monkeypatch.setattr(matmul, "_calibrate", lambda key: calls.append(key) or calibrate(key))
    with torch.no_grad():
        choices = {matmul.kernel(*STEP, _float32()) for _ in range(20)}
        assert matmul.kernel("reordered", 9, (6, 24, False), _float32()) in matmul.KERNELS  # another class
    assert len(choices) == 1 and choices <= set(matmul.KERNELS)
    assert len(calls) == 2  # one per shape class, however many products
    calibration = matmul._calibrations[calls[0]]
    assert calibration.blas_us > 0 and calibration.onednn_us > 0
    assert choices == {calibration.kernel}


def test_rows_form_classes_exactly_up_to_64_then_by_powers_of_two_up_to_large():
    assert [matmul._rows_class(n) for n in (1, 3, 64, 65, 128, 129)] == [1, 3, 64, 128, 128, 256]
    assert matmul._rows_class(10 * matmul.LARGE) == matmul.LARGE


@needs_onednn
def test_a_forced_kernel_wins_and_nothing_is_measured(monkeypatch):
    monkeypatch.setattr(matmul, "_calibrate", lambda key: pytest.fail("measured although a kernel is forced"))
    with torch.no_grad():
        for name in matmul.KERNELS:
            with matmul.force_kernel(name):
                assert matmul.kernel(*STEP, _float32()) == name
        monkeypatch.setattr(matmul, "ONEDNN", False)
        assert matmul.kernel(*STEP, _float32()) == "blas"
        monkeypatch.setattr(matmul, "ONEDNN", True)
        assert matmul.kernel(*STEP, _float32()) == "onednn"


def test_force_kernel_restores_the_switch_and_refuses_unknown_kernels():
    before = matmul.ONEDNN
    with pytest.raises(RuntimeError), matmul.force_kernel("blas"):
        assert matmul.ONEDNN is False
        raise RuntimeError
    assert matmul.ONEDNN is before
    with pytest.raises(ValueError, match="force_kernel"), matmul.force_kernel("mkl"):
        pass


def test_float64_autograd_and_other_devices_use_torch_mm_without_measuring(monkeypatch):
    monkeypatch.setattr(matmul, "_calibrate", lambda key: pytest.fail("measured a product oneDNN cannot run"))
    with torch.no_grad():
        assert matmul.kernel(*STEP, torch.empty(1, dtype=torch.float64)) == "blas"
        assert matmul.kernel(*STEP, torch.empty(1, device="meta")) == "blas"
    with torch.enable_grad():  # oneDNN's operation has no derivative
        assert matmul.kernel(*STEP, _float32()) == "blas"


@pytest.mark.parametrize("same_bits", [True, False])
@pytest.mark.parametrize("faster", ["blas", "onednn"])
def test_the_faster_kernel_serves_unless_the_two_round_differently(monkeypatch, same_bits, faster):
    """Where the two kernels round differently the class keeps REFERENCE (while KEEP_ROUNDING is on),
    so no number depends on a timing; elsewhere, and with KEEP_ROUNDING off, the faster one serves."""
    monkeypatch.setattr(matmul, "AVAILABLE", True)
    times = {"blas": 1.0, "onednn": 2.0} if faster == "blas" else {"blas": 2.0, "onednn": 1.0}
    op, rows, sizes = STEP
    matmul._calibrations[(op, rows, sizes, torch.get_num_threads())] = matmul.Calibration(*times.values(), same_bits)
    with torch.no_grad():
        assert matmul.kernel(*STEP, _float32()) == (faster if same_bits else matmul.REFERENCE)
        monkeypatch.setattr(matmul, "KEEP_ROUNDING", False)
        assert matmul.kernel(*STEP, _float32()) == faster


@needs_onednn
@pytest.mark.parametrize("kw", [dict(num_layers=2, bidirectional=True), dict(num_layers=2, proj_size=5)],
                         ids=["bidirectional", "projection"])
def test_the_measured_kernels_give_the_reference_kernels_numbers_bit_for_bit(kw):
    """With the measured kernels, a float32 training step and an inference forward (the wavefront
    among them) equal those with every product in REFERENCE exactly: a kernel that rounds
    differently is never chosen."""
    torch.manual_seed(5)
    model, stack = LSTM(6, 24, **kw), LSTM(6, 24, num_layers=3)
    x = torch.randn(30, 8, 6)
    results = []
    for name in (None, matmul.REFERENCE):
        with matmul.force_kernel(name):
            model.zero_grad()
            out, (h_n, c_n) = model(x)
            (out.sin().sum() + h_n.square().sum() + c_n.sum()).backward()
            with torch.no_grad():
                inferred = [model(x)[0], stack(x)[0]]
            grads = [p.grad.clone() for p in model.parameters()]
            results.append([out.detach(), h_n.detach(), c_n.detach(), *inferred, *grads])
    assert all(torch.equal(a, b) for a, b in zip(*results))


@needs_onednn
def test_the_report_names_the_cpu_the_switches_and_every_choice():
    with torch.no_grad():
        LSTM(6, 24, num_layers=2)(torch.randn(30, 8, 6))
    report = matmul.kernel_report()
    assert report["cpu"] == matmul.cpu_model() and report["cpu"]
    assert report["torch"] == torch.__version__ and report["threads"] == torch.get_num_threads()
    assert report["forced"] is None and report["keep_rounding"] is matmul.KEEP_ROUNDING
    assert report["choices"], "a forward pass calibrates its products"
    for choice in report["choices"]:
        assert choice["op"] in ("linear", "reordered", "grad")
        assert choice["fastest"] == ("blas" if choice["blas_us"] <= choice["onednn_us"] else "onednn")
        assert choice["kernel"] == (choice["fastest"] if choice["same_bits"] else matmul.REFERENCE)
    with matmul.force_kernel("blas"):
        assert matmul.kernel_report()["forced"] == "blas"


def test_the_cpu_model_is_a_non_empty_string():
    assert isinstance(matmul.cpu_model(), str) and matmul.cpu_model()


# ----- every kernel against float64 torch --------------------------------------------------------
SWEEP = [  # constructor arguments, input kind
    (dict(num_layers=3), "padded"),  # the wavefront at inference
    (dict(num_layers=2, batch_first=True), "padded"),
    (dict(num_layers=2, bias=False), "unbatched"),
    (dict(num_layers=2, bidirectional=True), "padded"),
    (dict(num_layers=2, proj_size=5), "padded"),
    (dict(num_layers=2), "packed"),
    (dict(num_layers=2, bidirectional=True), "packed"),
]


@pytest.mark.parametrize("grad", [True, False], ids=["training", "inference"])
@pytest.mark.parametrize("kw,kind", SWEEP, ids=lambda v: str(v))
@pytest.mark.parametrize("name", [None, *FORCED], ids=["measured", *FORCED])
def test_float32_with_each_kernel_agrees_with_float64_torch(name, kw, kind, grad):
    if name == "onednn" and not matmul.AVAILABLE:
        pytest.skip("this PyTorch has no oneDNN linear operation")
    torch.manual_seed(7)
    ref = nn.LSTM(6, 12, **kw).double()
    ours = LSTM(6, 12, **kw)
    ours.load_state_dict(ref.state_dict())
    x = torch.randn(40, 6) if kind == "unbatched" else torch.randn(40, 5, 6)
    if kw.get("batch_first"):
        x = x.transpose(0, 1).contiguous()
    results = []
    for model, dtype in ((ours, torch.float32), (ref, torch.float64)):
        xi = x.detach().to(dtype).requires_grad_(grad)
        inp = pack_padded_sequence(xi, [40, 33, 33, 9, 1]) if kind == "packed" else xi
        with matmul.force_kernel(name), torch.set_grad_enabled(grad):
            out, (h_n, c_n) = model(inp)
        out = out.data if kind == "packed" else out
        values = [out, h_n, c_n]
        if grad:
            (out.sin().sum() + h_n.square().sum() + c_n.sum()).backward()
            values += [xi.grad] + [p.grad for p in model.parameters()]
        results.append(values)
    for a, b in zip(*results):
        scale = b.abs().max().item() + 1
        torch.testing.assert_close(a.double(), b.detach(), rtol=0, atol=2e-5 * scale)


# ----- the wavefront -----------------------------------------------------------------------------
K = bptt.INFERENCE_CHUNK


@pytest.mark.parametrize("T", [1, 2, K - 1, K, K + 1, 2 * K + 3])
@pytest.mark.parametrize("num_layers", [2, 3])
@pytest.mark.parametrize("bias", [True, False])
def test_the_wavefront_equals_torch_in_float64_at_every_chunk_boundary(T, num_layers, bias):
    torch.manual_seed(T + 10 * num_layers)
    ref = nn.LSTM(4, 6, num_layers, bias=bias).double()
    x = torch.randn(T, 3, 4, dtype=torch.float64)
    h_0, c_0 = torch.randn(2, num_layers, 3, 6, dtype=torch.float64)
    layers = [tuple(getattr(ref, f"{name}_l{layer}") if bias or "weight" in name else None
                    for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")) for layer in range(num_layers)]
    with torch.no_grad():
        expected = ref(x, (h_0, c_0))
        output, h_n, c_n = bptt.lstm_stack_inference(x, h_0, c_0, layers)
    for a, b in zip((output, h_n, c_n), (expected[0], *expected[1])):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-10)


def _wavefront_calls(monkeypatch) -> list:
    calls = []
    stack = bptt.lstm_stack_inference
    monkeypatch.setattr("lstm_book.layers.lstm_stack_inference", lambda *a: calls.append(1) or stack(*a))
    return calls


@pytest.mark.parametrize("grad_enabled", [False, True])
def test_a_stack_runs_as_a_wavefront_exactly_when_no_gradient_is_wanted(monkeypatch, grad_enabled):
    calls = _wavefront_calls(monkeypatch)
    model = LSTM(4, 6, num_layers=2, batch_first=True)
    x = torch.randn(3, 20, 4)
    with torch.set_grad_enabled(grad_enabled):
        model(x)  # the parameters require gradients: only without grad mode is nothing wanted
    assert len(calls) == (0 if grad_enabled else 1)
    model.requires_grad_(False)
    model(x)  # grad mode on, but nothing requires a gradient
    assert len(calls) == (1 if grad_enabled else 2)


@pytest.mark.parametrize("kw", [dict(num_layers=1), dict(num_layers=2, bidirectional=True),
                                dict(num_layers=2, proj_size=3), dict(num_layers=2, backward="autograd")],
                         ids=lambda kw: ",".join(f"{k}={v}" for k, v in kw.items()))
def test_what_the_wavefront_does_not_cover_runs_layer_by_layer(monkeypatch, kw):
    calls = _wavefront_calls(monkeypatch)
    with torch.no_grad():
        LSTM(4, 6, **kw)(torch.randn(20, 3, 4))
        LSTM(4, 6, num_layers=2)(pack_padded_sequence(torch.randn(20, 3, 4), [20, 9, 2]))
        LSTM(4, 6, num_layers=2, dropout=0.5).train()(torch.randn(20, 3, 4))  # dropout acting between layers
    assert calls == []


# ----- other devices: the branches a GPU takes, run on the meta device ---------------------------
@pytest.mark.parametrize("packed", [False, True])
@pytest.mark.parametrize("cls", [LSTM, GRU])
def test_forward_and_backward_run_on_a_device_that_is_not_the_cpu(monkeypatch, cls, packed):
    """On PyTorch's meta device (shapes without data) the forward passes (wavefront and layer by
    layer), the hand-written backward passes and the packing index tensors run through every branch
    a non-CPU device takes: no oneDNN, no calibration, index tensors moved to the data's device."""
    monkeypatch.setattr(matmul, "_calibrate", lambda key: pytest.fail("measured a product on the meta device"))
    model = cls(3, 5, num_layers=2).to("meta")
    x = torch.empty(7, 2, 3, device="meta", requires_grad=True)
    inp = pack_padded_sequence(x, torch.tensor([7, 4])) if packed else x
    out, state = model(inp)
    h_n = state[0] if isinstance(state, tuple) else state
    (out.data if packed else out).sum().add(h_n.sum()).backward()
    assert x.grad.device.type == "meta" and x.grad.shape == x.shape
    assert all(p.grad.shape == p.shape for p in model.parameters())
    with torch.no_grad():
        out, state = model(inp)
    assert (out.data if packed else out).shape[-1] == 5 and out.data.device.type == "meta"


def test_device_auto_resolves_to_cuda_exactly_when_cuda_is_available(monkeypatch):
    for available, expected in ((True, "cuda"), (False, "cpu")):
        monkeypatch.setattr(torch.cuda, "is_available", lambda available=available: available)
        assert resolve_device("auto") == torch.device(expected)
    assert resolve_device("cuda") == torch.device("cuda") and resolve_device("cpu") == torch.device("cpu")
