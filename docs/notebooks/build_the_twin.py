# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Build the twin
#
# [Part 2](https://lstm-book.github.io/lstm-from-first-principles/part2-code/) writes an LSTM from the cell equations and claims it is
# `torch.nn.LSTM`'s twin: the same constructor, the same `state_dict`, the same outputs and the same gradients. This notebook makes
# that claim in front of you, one module at a time, in float64 so that "the same" means a
# difference near $10^{-16}$:
#
# 1. `lstm_book.LSTMCell` against `torch.nn.LSTMCell`: weights, outputs, gradients.
# 2. `lstm_book.LSTM` against `torch.nn.LSTM`, two layers, both directions: keys, shapes, values, gradients.
# 3. The `state_dict` round trip, and `torch.save` / `torch.load`.
# 4. The hand-written backward pass (Eqs. 13–16) against autograd, and a finite-difference check.
# 5. A `PackedSequence` of three sequences of different lengths.
# 6. The gates, recorded.
#
# The book's test suite runs the same comparisons over many more configurations
# (`tests/library/test_cell.py`, `tests/library/test_layers.py`, `tests/library/test_bptt.py`, `tests/library/test_packing.py`).

# %%
# In Colab, or wherever the book's package is missing: install it from GitHub.
# (Does nothing where lstm_book is importable, e.g. after `pip install -e .`.)
import importlib.util
import subprocess
import sys

REPO = "https://github.com/lstm-book/lstm-from-first-principles"
if importlib.util.find_spec("lstm_book") is None:
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet",
                    f"git+{REPO}"], check=True)
    importlib.invalidate_caches()

# %%
import io

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

import lstm_book
from lstm_book.bptt import LSTMLayerFunction

torch.set_num_threads(1)
f64 = torch.float64


def max_diff(a, b):
    """Largest entry of |a − b| (shapes must agree)."""
    assert a.shape == b.shape, (a.shape, b.shape)
    return (a - b).abs().max().item()


def weighted_loss(*tensors):
    """A loss that weights every entry of every tensor differently, so that
    swapping two entries (two gates, two units, two steps) changes it."""
    return sum((t * torch.linspace(-1, 1, t.numel(), dtype=t.dtype)
                .view_as(t)).sum() for t in tensors)


# %% [markdown]
# ## 1. The cell
#
# `LSTMCell` stores its weights under PyTorch's names and shapes, gate order $i, f, g, o$: `weight_ih`
# is $(4H, I)$ and stacks $W_{ii}, W_{if}, W_{ig}, W_{io}$. So PyTorch's `state_dict` loads unchanged.

# %%
torch.manual_seed(0)
I, H, B = 3, 4, 2
ref = nn.LSTMCell(I, H, dtype=f64)
ours = lstm_book.LSTMCell(I, H, dtype=f64)
ours.load_state_dict(ref.state_dict())
for name, p in ours.named_parameters():
    theirs = tuple(getattr(ref, name).shape)
    print(f"{name:<10} ours {str(tuple(p.shape)):<8} torch.nn's {theirs}")

x = torch.randn(B, I, dtype=f64, requires_grad=True)
h0 = torch.randn(B, H, dtype=f64, requires_grad=True)
c0 = torch.randn(B, H, dtype=f64, requires_grad=True)
results = []
for module in (ours, ref):
    h, c = module(x, (h0, c0))
    leaves = [x, h0, c0, *module.parameters()]
    results.append(((h, c), torch.autograd.grad(weighted_loss(h, c), leaves)))
(out_ours, grads_ours), (out_ref, grads_ref) = results

worst = max(max_diff(a, b) for a, b in zip(out_ours, out_ref))
print(f"\nh_t, c_t: max |difference| = {worst:.1e}")
names = ["x", "h_prev", "c_prev"] + [n for n, _ in ours.named_parameters()]
for name, a, b in zip(names, grads_ours, grads_ref):
    print(f"∂L/∂{name:<10} max |difference| = {max_diff(a, b):.1e}")

# %% [markdown]
# ## 2. The layer: two layers, both directions, batch first
#
# `lstm_book.LSTM` takes `torch.nn.LSTM`'s arguments and has its parameter names
# (`weight_ih_l0`, …, `bias_hh_l1_reverse`). Ours is built from the cell equations: it does not
# wrap `nn.LSTM`.

# %%
torch.manual_seed(1)
args = dict(input_size=3, hidden_size=4, num_layers=2, bidirectional=True,
            batch_first=True, dtype=f64)
ref = nn.LSTM(**args)
ours = lstm_book.LSTM(**args)
ours.load_state_dict(ref.state_dict())
same = list(ours.state_dict()) == list(ref.state_dict())
print("same state_dict keys, in the same order:", same)
keys = list(ours.state_dict())
for k in range(0, len(keys), 4):  # one layer and direction per line
    print("  ", ", ".join(keys[k : k + 4]))

x = torch.randn(5, 7, 3, dtype=f64, requires_grad=True)  # (B, T, I)
results = []
for module in (ours, ref):
    output, (h_n, c_n) = module(x)
    loss = weighted_loss(output, h_n, c_n)
    grads = torch.autograd.grad(loss, [x, *module.parameters()])
    results.append(((output, h_n, c_n), grads))
(out_ours, grads_ours), (out_ref, grads_ref) = results

for name, a, b in zip(["output", "h_n", "c_n"], out_ours, out_ref):
    shape = str(tuple(a.shape))
    print(f"{name:<7} {shape:<10} max |difference| = {max_diff(a, b):.1e}")
worst = max(max_diff(a, b) for a, b in zip(grads_ours, grads_ref))
print(f"gradients of x and all {len(grads_ours) - 1} parameters: "
      f"max |difference| = {worst:.1e}")

# %% [markdown]
# Unbatched input, `(T, I)`, works as in PyTorch: the batch axis is dropped from the output and the states.

# %%
output, (h_n, c_n) = ours(x[0])
output_ref, (h_n_ref, c_n_ref) = ref(x[0])
worst = max(max_diff(output, output_ref), max_diff(h_n, h_n_ref),
            max_diff(c_n, c_n_ref))
print(f"unbatched: output {tuple(output.shape)}, h_n {tuple(h_n.shape)}, "
      f"max |difference| = {worst:.1e}")

# %% [markdown]
# ## 3. The round trip
#
# A model trained with one implementation runs in the other: ours → `torch.nn` → ours, and
# through a file with `torch.save` / `torch.load`. The outputs stay identical bit for bit.

# %%
torch.manual_seed(2)
first = lstm_book.LSTM(3, 4, num_layers=2)
to_torch = nn.LSTM(3, 4, num_layers=2)
to_torch.load_state_dict(first.state_dict())
buffer = io.BytesIO()
torch.save(to_torch.state_dict(), buffer)
buffer.seek(0)
back = lstm_book.LSTM(3, 4, num_layers=2)
back.load_state_dict(torch.load(buffer))

x = torch.randn(6, 2, 3)
with torch.no_grad():
    pairs = zip(first.parameters(), back.parameters())
    print("ours → torch.nn → file → ours, identical parameters:",
          all(torch.equal(a, b) for a, b in pairs))
    print("identical outputs:", torch.equal(first(x)[0], back(x)[0]))
    gap = max_diff(first(x)[0], to_torch(x)[0])
    print(f"float32, against torch.nn.LSTM: max |difference| = {gap:.1e}")

# %% [markdown]
# The last line is float32 rounding: the two compute the same function, in a different order of
# operations. Everywhere else in this notebook they are compared in float64.
#
# ## 4. The hand-written backward pass
#
# By default `LSTM` runs each layer through `lstm_book.bptt.LSTMLayerFunction`, whose backward pass
# is Eqs. (13)–(16) written by hand; `backward="autograd"` runs the readable cell and lets autograd
# differentiate it. The two must agree, and `torch.autograd.gradcheck` compares the hand-written
# gradients with finite differences.

# %%
torch.manual_seed(3)
sizes = dict(input_size=3, hidden_size=4, num_layers=2, bidirectional=True)
manual = lstm_book.LSTM(**sizes, dtype=f64)  # backward="manual", the default
readable = lstm_book.LSTM(**sizes, dtype=f64, backward="autograd")
readable.load_state_dict(manual.state_dict())

x = torch.randn(7, 2, 3, dtype=f64, requires_grad=True)
h0 = torch.randn(4, 2, 4, dtype=f64, requires_grad=True)
c0 = torch.randn(4, 2, 4, dtype=f64, requires_grad=True)
grads = []
for module in (manual, readable):
    output, (h_n, c_n) = module(x, (h0, c0))
    loss = weighted_loss(output, h_n, c_n)
    grads.append(torch.autograd.grad(loss, [x, h0, c0, *module.parameters()]))
worst = max(max_diff(a, b) for a, b in zip(*grads))
print(f"hand-written vs autograd, any gradient: max |difference| = {worst:.1e}")


def leaf(*shape):
    return torch.randn(*shape, dtype=f64, requires_grad=True)


# x (T, B, I), h_0 and c_0 (B, H), W_ih (4H, I), W_hh (4H, H), b_ih, b_hh (4H)
inputs = (leaf(4, 2, 3), leaf(2, 4), leaf(2, 4), leaf(16, 3), leaf(16, 4),
          leaf(16), leaf(16))
ok = torch.autograd.gradcheck(
    lambda *a: LSTMLayerFunction.apply(*a, False), inputs)
print("gradcheck of LSTMLayerFunction (finite differences):", ok)

# %% [markdown]
# ## 5. A packed batch
#
# Three sequences of lengths 5, 2 and 3, padded to 5 and packed without sorting
# (`enforce_sorted=False`). `batch_sizes[t]` counts the sequences that have a step $t$: step $t$
# works on that many rows. Both modules take the `PackedSequence` and return one.

# %%
torch.manual_seed(4)
lengths = torch.tensor([5, 2, 3])
padded = torch.randn(3, 5, 2, dtype=f64)  # (B, T, I)
packed = pack_padded_sequence(padded, lengths, batch_first=True,
                              enforce_sorted=False)
print("batch_sizes:", packed.batch_sizes.tolist(),
      "| sorted_indices:", packed.sorted_indices.tolist())

ref = nn.LSTM(2, 3, bidirectional=True, dtype=f64)
ours = lstm_book.LSTM(2, 3, bidirectional=True, dtype=f64)
ours.load_state_dict(ref.state_dict())
out_ours, (h_ours, c_ours) = ours(packed)
out_ref, (h_ref, c_ref) = ref(packed)
print("ours returns a", type(out_ours).__name__, "with the same batch_sizes:",
      torch.equal(out_ours.batch_sizes, out_ref.batch_sizes))
gap = max_diff(out_ours.data, out_ref.data)
print(f"output rows: max |difference| = {gap:.1e}")
print(f"h_n: {max_diff(h_ours, h_ref):.1e}, c_n: {max_diff(c_ours, c_ref):.1e}")

# %% [markdown]
# `h_n` holds each sequence's state at its *own* last step, not at step 4: for the forward
# direction that is the output at position `length − 1`, and for the reverse direction (which
# starts at each sequence's last step) the output at position 0. The padded values past each
# length are never read.

# %%
# (B, T, 2H): the forward direction's 3 units, then the reverse one's
unpacked, _ = pad_packed_sequence(out_ours, batch_first=True)
last_forward = unpacked[torch.arange(3), lengths - 1, :3]
first_reverse = unpacked[:, 0, 3:]
print(f"h_n forward = output at length − 1: max |difference| = "
      f"{max_diff(h_ours[0], last_forward):.1e}")
print(f"h_n reverse = output at position 0: max |difference| = "
      f"{max_diff(h_ours[1], first_reverse):.1e}")

# %% [markdown]
# ## 6. The gates, recorded
#
# `return_gates=True` also returns every gate and state at every step,
# $i_t, f_t, g_t, o_t, c_t, h_t$, each shaped `(layers × directions, T, batch, units)`. They are part
# of the autograd graph, and they are the values of Eqs. (4)–(9): the recorded $c_t$ obeys
# $c_t = f_t \odot c_{t-1} + i_t \odot g_t$ exactly.

# %%
torch.manual_seed(5)
lstm = lstm_book.LSTM(3, 4, num_layers=2, dtype=f64)
x = torch.randn(6, 2, 3, dtype=f64)
output, (h_n, c_n), gates = lstm(x, return_gates=True)
for name, value in gates.items():
    print(f"{name}: {tuple(value.shape)}")

i, f, g, c = gates["i"], gates["f"], gates["g"], gates["c"]
eq7 = f[:, 1:] * c[:, :-1] + i[:, 1:] * g[:, 1:]
print(f"\nEq. (7) on the recorded values, steps 1-5: max |difference| = "
      f"{max_diff(c[:, 1:], eq7):.1e}")
print(f"output = the top layer's h_t: max |difference| = "
      f"{max_diff(output, gates['h'][-1]):.1e}")

# %% [markdown]
# ## Things to try
#
# * Section 2: set `proj_size=2` in `args` (an LSTM with projections, Eq. 21) and rerun.
# * Section 5: pack with `enforce_sorted=True` (the lengths must then be sorted, longest first).
# * Section 4: build both modules with `dropout=0.5` in training mode, seed each forward pass with
#   the same `torch.manual_seed`, and compare again.
