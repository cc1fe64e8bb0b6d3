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
# This notebook trains an LSTM on the temporal-order task of Part 3 on a laptop budget, then looks
# at its gates. Everything comes from the `lstm_book` package, the same code that produced the
# book's figures. Install it from a checkout with `pip install -e .`, then run the cells in order.
#
# The defaults train a one-layer, 32-unit LSTM on sequences of length 50 for a few epochs — a few
# minutes on one CPU core. Change the settings in the next cell and re-run to experiment.

# %%
# %matplotlib inline
import os

import torch

from lstm_book import SequenceClassifier, count_parameters, plots
from lstm_book.tasks import decode_temporal_order, temporal_order
from lstm_book.training import TrainConfig, evaluate, fit, seeded

torch.set_num_threads(1)  # small models: one thread is fastest

# %% [markdown]
# ## Settings
#
# `INIT` is the forget-gate initialisation: `"chrono"` (each unit's forget bias drawn for a memory of
# up to `SEQ_LEN` steps, $b_f \sim \log \mathcal{U}(1, T_{\max} - 1)$ and $b_i = -b_f$) or a number,
# the constant effective forget bias $b_f$, so that the gate starts near $\sigma(b_f)$ and the memory
# update $c_t = f_t \odot c_{t-1} + i_t \odot g_t$ keeps about that fraction of $c_{t-1}$ per step.
# Set `CELL = "rnn"` to train the vanilla RNN instead. (The environment variable `LSTM_BOOK_NOTEBOOK_TINY=1` shrinks everything;
# the test suite uses it to run this notebook quickly.)

# %%
SEQ_LEN = 50
HIDDEN = 32
LAYERS = 1
CELL = "lstm"
INIT = "chrono"
N_TRAIN, N_TEST = 3000, 500
EPOCHS = 4
SEED = 0

if os.environ.get("LSTM_BOOK_NOTEBOOK_TINY") == "1":
    SEQ_LEN, HIDDEN, N_TRAIN, N_TEST, EPOCHS = 20, 8, 64, 32, 1

# %% [markdown]
# ## Data
#
# Train and test sets come from different seeds. Each sequence starts with `B`, ends with `E`, and
# hides one `X`-or-`Y` in each of two windows among random distractors `a`–`d`; the class is the order.

# %%
train = temporal_order(N_TRAIN, seq_len=SEQ_LEN, seed=1000 + SEED)
test = temporal_order(N_TEST, seq_len=SEQ_LEN, seed=2000 + SEED)
print("windows:", train.windows, "| classes:", train.num_classes, "| chance:", train.chance)
print(decode_temporal_order(train.tokens[0]), "-> class", ["XX", "XY", "YX", "YY"][int(train.labels[0])])

# %% [markdown]
# ## Model

# %%
with seeded(SEED):
    if CELL == "lstm" and INIT == "chrono":
        model = SequenceClassifier(8, 16, HIDDEN, 4, LAYERS, cell="lstm", init="chrono", t_max=SEQ_LEN)
    elif CELL == "lstm":
        model = SequenceClassifier(8, 16, HIDDEN, 4, LAYERS, cell="lstm", forget_bias=float(INIT))
    else:
        model = SequenceClassifier(8, 16, HIDDEN, 4, LAYERS, cell="rnn")
print(count_parameters(model))

# %% [markdown]
# ## Training
#
# Adam, batches of 64, gradients clipped at norm 1; the test accuracy is measured after every epoch.

# %%
config = TrainConfig(epochs=EPOCHS, batch_size=64, lr=1e-3, clip=1.0, seed=SEED)
history = fit(model, (train.tokens, train.labels), lambda m: evaluate(m, test.tokens, test.labels), config,
              desc=f"{CELL} T={SEQ_LEN}")
for epoch, loss, acc in zip(history.epoch, history.train_loss, history.test_acc):
    print(f"epoch {epoch}: train loss {loss:.3f}, test accuracy {acc:.1%}")

# %%
plots.accuracy_curves([{"label": f"{CELL}, {INIT}", "colour": plots.BLUE, "history": history.to_dict()}],
                      chance=0.25)

# %% [markdown]
# ## The gates on one test sequence
#
# For an LSTM, `model(tokens, return_gates=True)` also returns every gate at every step, shaped
# `(layers, T, batch, units)`. Dashed lines mark the two informative symbols.

# %%
if CELL == "lstm":
    with torch.no_grad():
        _, gates = model(test.tokens[:1], return_gates=True)
    positions = test.positions[0].tolist()
    panels = {f"layer {layer + 1} · {name} gate": gates[key][layer, :, 0, :].numpy()
              for layer in range(LAYERS) for key, name in (("i", "input"), ("f", "forget"))}
    fig = plots.gate_heatmaps(panels, marks=positions,
                              symbols=[decode_temporal_order(test.tokens[0, p : p + 1]) for p in positions])
    display(fig)  # noqa: F821 (Jupyter's display)

# %% [markdown]
# ## Things to try
#
# * `INIT = 1.0` or `INIT = 0.0`: a constant forget bias. How many epochs until the jump, if any?
# * `CELL = "rnn"`: the vanilla RNN on the same data.
# * `SEQ_LEN = 100` with `LAYERS = 2`, `HIDDEN = 64`: the book's flagship (slower: budget minutes).
