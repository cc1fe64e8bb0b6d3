"""What the tests share: float64 twins of torch.nn modules, random float64 tensors, one tolerance, and the
twin table — every configuration on which lstm_book's recurrent layers must compute torch.nn's function.

Import with ``from tests.helpers import ...`` (the repository root is on the path, see pyproject.toml).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass

import torch
from torch import Tensor, nn
from torch.testing import assert_close

import lstm_book

DT = torch.float64

# Two float64 computations of the same function differ by rounding, about 1e-16 at these sizes; 1e-10
# leaves six orders of magnitude for reordered sums and none for a real mistake (a wrong gate order or
# a missing bias changes values by order one). Use as ``assert_close(a, b, **EXACT)``.
EXACT = {"rtol": 0.0, "atol": 1e-10}


def twin(ours_cls: type[nn.Module], ref_cls: type[nn.Module], *args, **kwargs) -> tuple[nn.Module, nn.Module]:
    """``(ours, ref)`` built with the same arguments, in float64, ours holding ref's weights.

    ``load_state_dict`` succeeding is itself part of the contract: same parameter names and shapes."""
    ref = ref_cls(*args, **kwargs).to(DT)
    ours = ours_cls(*args, **kwargs).to(DT)
    ours.load_state_dict(ref.state_dict())
    return ours, ref


def randn(*shape: int, requires_grad: bool = False) -> Tensor:
    """A float64 tensor of standard normal values from the global RNG (conftest seeds it for every test)."""
    return torch.randn(shape, dtype=DT, requires_grad=requires_grad)


def uniform(*shape: int, generator: torch.Generator) -> Tensor:
    """A float64 leaf that requires grad, uniform on [-1, 1): gradcheck's inputs (bounded, so that finite
    differences stay accurate), drawn from ``generator`` so that each parametrised case has its own."""
    return (torch.rand(shape, generator=generator, dtype=DT) * 2 - 1).requires_grad_()


def assert_all_close(actual: Mapping[str, Tensor], expected: Mapping[str, Tensor], *, rtol: float, atol: float,
                     what: str = "") -> None:
    """``assert_close(actual, expected, rtol=rtol, atol=atol)`` on two dicts of tensors, in one comparison.

    assert_close costs about 40 µs a pair, a tenth of a twin-table row for its forty-odd pairs, so the
    tensors are compared concatenated, once; only on a mismatch (or different names or shapes) pair by
    pair, for the message, which names the tensor that differs. ``what`` prefixes the message."""
    if list(actual) == list(expected) and all(a.shape == b.shape for a, b in zip(actual.values(), expected.values())):
        try:
            assert_close(torch.cat([a.detach().flatten() for a in actual.values()]),
                         torch.cat([b.detach().flatten() for b in expected.values()]), rtol=rtol, atol=atol)
            return
        except AssertionError:
            pass
    assert_close(dict(actual), dict(expected), rtol=rtol, atol=atol, msg=lambda m: f"{what}: {m}")


# ----- the twin table ------------------------------------------------------------------------------
# How the input is laid out: x is (T, B, I), (B, T, I) with batch_first=True, or unbatched (T, I) with
# batch_first False or True (torch ignores the flag for unbatched input; so must we).
LAYOUTS = ("time-major", "batch-first", "unbatched", "unbatched-batch-first")
# Packed batches of B = 5 sequences, T = 3: every length from 1 to T, some equally long. Decreasing lengths
# are packed with enforce_sorted=True, the others with enforce_sorted=False.
SORTED, UNSORTED = (3, 2, 2, 1, 1), (2, 3, 1, 2, 1)
CLASSES = {"LSTM": (lstm_book.LSTM, nn.LSTM), "GRU": (lstm_book.GRU, nn.GRU),
           "RNN_TANH": (lstm_book.RNN, nn.RNN), "RNN_RELU": (lstm_book.RNN, nn.RNN)}


@dataclass(frozen=True)
class Twin:
    """One configuration of the twin test: lstm_book's module and torch.nn's, built with the same
    arguments and weights in float64, must give the same outputs, final states and gradients.

    Every row is run on each of our backward paths ("manual", the hand-written BPTT, and "autograd",
    the readable cell; the RNN has only the latter) and, without gradients, on the inference path.
    """

    cell: str                      # torch.nn's mode: "LSTM", "GRU", "RNN_TANH" or "RNN_RELU"
    num_layers: int = 1
    bidirectional: bool = False
    layout: str = "time-major"     # one of LAYOUTS
    bias: bool = True
    initial_state: bool = False    # h_0 (and c_0) given, or None for zeros
    proj_size: int = 0             # LSTM only: h_t = W_hr (o_t ⊙ tanh(c_t)), Eq. (21)
    lengths: tuple[int, ...] = ()  # () for a padded tensor; else a PackedSequence of these lengths
    loss: str = "all"              # what the loss reads: "all", "output", "h_n" or "c_n"
    T: int = 3                     # steps (a first, a middle and a last), batch, input features, hidden
    B: int = 5                     # units (and proj_size, 2 · proj_size, 2 · H): all different, so that a
    I: int = 2                     # transposed or mis-sliced tensor fails on its shape
    H: int = 8

    def __post_init__(self) -> None:
        assert self.cell in CLASSES and self.layout in LAYOUTS, self
        assert not self.lengths or (len(self.lengths) == self.B and max(self.lengths) == self.T), self
        assert not (self.lengths and not self.batched), "a PackedSequence is always batched"
        assert self.loss in ("all", "output", "h_n") + (("c_n",) if self.cell == "LSTM" else ()), self

    def __str__(self) -> str:
        """The pytest id, e.g. ``LSTM-P6-L2-bi-batch-first-nobias-h0-packed23121``."""
        parts = [self.cell] + ([f"P{self.proj_size}"] if self.proj_size else []) + [
            f"L{self.num_layers}", "bi" if self.bidirectional else "uni", self.layout,
            "bias" if self.bias else "nobias", "h0" if self.initial_state else "zeros",
            "packed" + "".join(map(str, self.lengths)) if self.lengths else "padded"]
        if self.loss != "all":
            parts.append(f"loss-{self.loss}")
        if (self.T, self.B, self.I, self.H) != (3, 5, 2, 8):
            parts.append(f"T{self.T}B{self.B}I{self.I}H{self.H}")
        return "-".join(parts)

    @property
    def batch_first(self) -> bool:
        return self.layout.endswith("batch-first")

    @property
    def batched(self) -> bool:
        return not self.layout.startswith("unbatched")

    @property
    def enforce_sorted(self) -> bool:
        return list(self.lengths) == sorted(self.lengths, reverse=True)

    @property
    def paths(self) -> tuple[str, ...]:
        """Our backward paths: the hand-written BPTT and autograd through the cell (the RNN's only one)."""
        return ("autograd",) if self.cell.startswith("RNN") else ("manual", "autograd")

    @property
    def state_sizes(self) -> tuple[int, ...]:
        """Last dimension of h_0 (and c_0): the LSTM's h has proj_size units when it projects."""
        return (self.proj_size or self.H, self.H) if self.cell == "LSTM" else (self.H,)

    def arguments(self) -> dict:
        """Constructor arguments, the same for both twins."""
        kw = dict(input_size=self.I, hidden_size=self.H, num_layers=self.num_layers, bias=self.bias,
                  batch_first=self.batch_first, bidirectional=self.bidirectional)
        if self.proj_size:
            kw["proj_size"] = self.proj_size
        if self.cell.startswith("RNN"):
            kw["nonlinearity"] = self.cell[4:].lower()
        return kw

    def modules(self) -> tuple[nn.Module, dict[str, nn.Module]]:
        """torch.nn's module in float64 and ours, one per backward path, holding its weights."""
        ours_cls, ref_cls = CLASSES[self.cell]
        ref = ref_cls(**self.arguments(), dtype=DT)
        ours = {}
        for path in self.paths:
            ours[path] = ours_cls(**self.arguments(), **({} if self.cell.startswith("RNN") else {"backward": path}),
                                  dtype=DT)
            ours[path].load_state_dict(ref.state_dict())
        return ref, ours

    def input(self) -> Tensor:
        """A padded input leaf in the row's layout (packed later, by whoever runs the module)."""
        if not self.batched:
            return randn(self.T, self.I, requires_grad=True)
        return randn(*((self.B, self.T) if self.batch_first else (self.T, self.B)), self.I, requires_grad=True)

    def state(self) -> tuple[Tensor, ...] | None:
        """Initial-state leaves ``(h_0, c_0)`` or ``(h_0,)``, each ``(L·D, B, ·)`` (``(L·D, ·)`` unbatched), or None."""
        if not self.initial_state:
            return None
        LD = self.num_layers * (2 if self.bidirectional else 1)
        return tuple(randn(*((LD, self.B) if self.batched else (LD,)), size, requires_grad=True)
                     for size in self.state_sizes)


# --8<-- [start:configs]
NUM_LAYERS, DIRECTIONS, ON_OFF = (1, 2, 3), (False, True), (True, False)
VARIANTS = [dict(cell="LSTM"), dict(cell="LSTM", proj_size=6), dict(cell="GRU"), dict(cell="RNN_TANH"),
            dict(cell="RNN_RELU")]  # proj_size: Eq. (21)'s projection
TWINS = [
    # Padded input: every variant on every combination of layers, directions, layout, bias and initial state.
    *(Twin(**v, num_layers=L, bidirectional=bi, layout=layout, bias=bias, initial_state=h0)
      for v in VARIANTS for L, bi, layout, bias, h0 in itertools.product(NUM_LAYERS, DIRECTIONS, LAYOUTS, ON_OFF, ON_OFF)),
    # Packed input, sorted (enforce_sorted=True) and unsorted (states and outputs go back to the caller's
    # order): every variant on every combination of order, layers, directions and initial state (which
    # packing reorders); bias and batch_first are set so that each of their values meets each value of
    # every other axis.
    *(Twin(**v, lengths=lengths, num_layers=L, bidirectional=bi, initial_state=h0, bias=bi != h0,
           layout="batch-first" if (lengths is SORTED) != h0 else "time-major")
      for v in VARIANTS for lengths, L, bi, h0 in itertools.product((SORTED, UNSORTED), NUM_LAYERS, DIRECTIONS, ON_OFF)),
    # The loss reads one part only (the other parts' incoming gradients are zero), padded and packed.
    *(Twin(**v, num_layers=2, bidirectional=True, initial_state=True, loss=loss, lengths=lengths)
      for v in VARIANTS for loss in ("output", "h_n", "c_n") if loss != "c_n" or v["cell"] == "LSTM"
      for lengths in ((), UNSORTED)),
    # Every size 1: one step, one sequence, one feature, one unit (two, projected to one). Not the ReLU
    # RNN: its one unit is as often dead as not, and the row would compare zeros.
    *(Twin(**{"T": 1, "B": 1, "I": 1, "H": 1, **v}, num_layers=2, bidirectional=True, initial_state=True,
           layout=layout, lengths=lengths)
      for v in ({**v, "proj_size": 1, "H": 2} if v.get("proj_size") else v for v in VARIANTS if v["cell"] != "RNN_RELU")
      for layout, lengths in (("time-major", ()), ("unbatched", ()), ("batch-first", (1,)))),
]
# --8<-- [end:configs]
