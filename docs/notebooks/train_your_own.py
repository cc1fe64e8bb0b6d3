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
# # Train your own
#
# This notebook does what
# [Part 3](https://lstm-book.github.io/lstm-from-first-principles/part3-experiments/) does, on a
# laptop budget: it trains an LSTM and a vanilla RNN of the same size on the temporal-order task,
# then probes both — how much gradient reaches each input position, before and after training,
# and what the LSTM's gates do. Everything comes from the `lstm_book` package, the code that
# produced the book's figures.
#
# The defaults train one-layer, 32-unit models on sequences of length 50: seconds on one CPU core.
# Change the settings in the next cells and re-run to experiment.

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
# %matplotlib inline
# %config InlineBackend.figure_formats = ["retina"]
import copy
import os

import torch

from lstm_book import SequenceClassifier, count_parameters, probes
from lstm_book.book import figures
from lstm_book.tasks import decode_temporal_order, temporal_order, temporal_order_class_names
from lstm_book.training import TrainConfig, evaluate, fit, seeded

torch.set_num_threads(1)  # one thread, as the book's training runs use (two of them share a 2-core machine)

# %% [markdown]
# ## Settings
#
# `INIT` is the LSTM's forget-gate initialisation: `"chrono"` (each unit's forget bias drawn for a
# memory of up to `SEQ_LEN` steps, $b_f \sim \log \mathcal{U}(1, T_{\max} - 1)$ and $b_i = -b_f$) or
# a number, the constant effective forget bias $b_f$, so that the gate starts near $\sigma(b_f)$ and
# the memory update $c_t = f_t \odot c_{t-1} + i_t \odot g_t$ keeps about that fraction of $c_{t-1}$
# per step. The RNN has no gates and no such choice. (The environment variable
# `LSTM_BOOK_NOTEBOOK_TINY=1` shrinks everything; the book's tests use it to run this notebook in
# seconds.)

# %%
SEQ_LEN = 50
HIDDEN = 32
LAYERS = 1
INIT = "chrono"
N_TRAIN, N_TEST = 3000, 500
EPOCHS = 6
SEED = 0

if os.environ.get("LSTM_BOOK_NOTEBOOK_TINY") == "1":
    SEQ_LEN, HIDDEN, N_TRAIN, N_TEST, EPOCHS = 20, 8, 64, 32, 1

# %% [markdown]
# ## Data
#
# Train and test sets come from different seeds. Each sequence starts with `B`, ends with `E`, and
# hides one `X`-or-`Y` in each of two windows among random distractors `a`–`d`; the class is the
# order of the two: four classes, so guessing is right one time in four.

# %%
train = temporal_order(N_TRAIN, seq_len=SEQ_LEN, seed=1000 + SEED)
test = temporal_order(N_TEST, seq_len=SEQ_LEN, seed=2000 + SEED)
classes = temporal_order_class_names()
print("windows:", train.windows, "| classes:", ", ".join(classes),
      "| chance:", train.chance)
print(decode_temporal_order(train.tokens[0]),
      "-> class", classes[int(train.labels[0])])

# %% [markdown]
# ## Two models
#
# Both embed the 8 symbols in 16 dimensions and classify from the last hidden state. A copy of
# each is kept untrained, for the probes at initialisation.

# %%
# vocabulary 8, embedding 16, HIDDEN units, 4 classes, LAYERS layers
size = (8, 16, HIDDEN, 4, LAYERS)
with seeded(SEED):
    if INIT == "chrono":
        lstm = SequenceClassifier(*size, cell="lstm", init="chrono",
                                  t_max=SEQ_LEN)
    else:
        lstm = SequenceClassifier(*size, cell="lstm", forget_bias=float(INIT))
with seeded(SEED):
    rnn = SequenceClassifier(*size, cell="rnn")

LSTM_NAME = f"LSTM, init {INIT}"
models = {LSTM_NAME: lstm, "vanilla RNN": rnn}
colours = {LSTM_NAME: figures.LSTM_COLOUR, "vanilla RNN": figures.RNN_COLOUR}
untrained = {name: copy.deepcopy(model) for name, model in models.items()}
for name, model in models.items():
    print(f"{name}: {count_parameters(model)}")

# %% [markdown]
# ## Training
#
# Adam, batches of 64, gradients clipped at norm 1; the test accuracy is measured after every
# epoch. (`fit(..., progress=True)` shows a progress bar.)

# %%
config = TrainConfig(epochs=EPOCHS, batch_size=64, lr=1e-3, clip=1.0,
                     seed=SEED)


def test_accuracy(model):
    return evaluate(model, test.tokens, test.labels)


histories = {}
for name, model in models.items():
    histories[name] = fit(model, (train.tokens, train.labels), test_accuracy,
                          config, progress=False)
    accuracies = ", ".join(f"{a:.0%}" for a in histories[name].test_acc)
    print(f"{name:<16} test accuracy per epoch: {accuracies}")

# %%
curves = [{"label": name, "colour": colours[name], "history": h.to_dict()}
          for name, h in histories.items()]
figures.accuracy_curves(curves, chance=train.chance)

# %% [markdown]
# ## Probe 1: how much gradient reaches each input
#
# `probes.input_gradient_norms` measures $\lVert \partial L / \partial x_t \rVert$ at the embedded
# input of every position $t$, averaged over the test set: how strongly the loss, computed at the
# end of the sequence, still "hears" each input. The shaded bands are the two windows where the
# informative symbols can be. In float64, so that tiny gradients are measured, not flushed to zero.

# %%
panels = {"at initialisation": {}, "after training": {}}
print(f"{'mean ‖∂L/∂x_t‖':<35} {'t = 1':>8} {f't = {SEQ_LEN - 1}':>8}")
for title, group in (("at initialisation", untrained),
                     ("after training", models)):
    for name, model in group.items():
        norms = probes.input_gradient_norms(model, test.tokens, test.labels)
        panels[title][name] = (colours[name], "-", norms.numpy())
        print(f"{title:<17} {name:<17} {norms[1]:>8.1e} {norms[-1]:>8.1e}")
figures.gradient_profiles(panels, r"mean $\|\partial L/\partial x_t\|$",
                        marks=list(train.windows))

# %% [markdown]
# ## Probe 2: the gates on one test sequence
#
# `model(tokens, return_gates=True)` also returns every gate at every step, shaped
# `(layers, T, batch, units)`. Dashed lines mark the two informative symbols; the strip at the
# bottom is the sequence itself.

# %%
with torch.no_grad():
    logits, gates = lstm(test.tokens, return_gates=True)
k = 0  # the first test sequence
positions = test.positions[k].tolist()
print(decode_temporal_order(test.tokens[k]),
      "| class", classes[int(test.labels[k])],
      "| predicted", classes[int(logits[k].argmax())])
heatmaps = {}
for layer in range(LAYERS):
    for key, title in (("i", "input gate i"), ("f", "forget gate f")):
        values = gates[key][layer, :, k]  # (T, units)
        heatmaps[f"layer {layer + 1} · {title}"] = values.numpy()
symbols = [decode_temporal_order(test.tokens[k, p : p + 1]) for p in positions]
figures.gate_heatmaps(heatmaps, marks=positions, symbols=symbols,
                    tokens=test.tokens[k].tolist())

# %% [markdown]
# ## Probe 3: the gates over the whole test set
#
# The mean of each gate at the informative positions against the distractors, and, per unit, how
# often each gate is saturated: the fraction of steps below 0.1 (shut) against the fraction above
# 0.9 (open), as Karpathy, Johnson & Fei-Fei (2015) plot it.

# %%
means = probes.gate_position_means(gates, test.positions)
bars = {}
for layer, entry in means.items():
    for gate, s in entry.items():
        print(f"{layer} {gate}: mean {s['informative']:.2f} at X/Y, "
              f"{s['distractor']:.2f} at distractors")
        bars[f"L{layer[-1]} {gate}"] = s
figures.gate_position_stats(bars)

# %%
titles = {"i": "input gate i", "f": "forget gate f", "o": "output gate o"}
points = {}
for layer in range(LAYERS):
    for g, title in titles.items():
        shut, open_ = probes.saturation_fractions(gates[g][layer])
        points[f"layer {layer + 1} · {title}"] = (shut.numpy(), open_.numpy())
figures.saturation_scatter(points)

# %% [markdown]
# ## Things to try
#
# * `INIT = 1.0` or `INIT = 0.0`: a constant forget bias. How many epochs until the jump, if any,
#   and what happens to the gradient reaching $t = 1$?
# * `SEQ_LEN = 100`: the RNN's gradient at the first window, after training, against the LSTM's.
# * `SEQ_LEN = 100` with `LAYERS = 2`, `HIDDEN = 64`, `EPOCHS = 20`: the book's flagship (budget minutes).
