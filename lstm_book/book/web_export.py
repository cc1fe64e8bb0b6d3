"""A trained LSTM as a JSON file, for the book's live widgets: the gate explorer and the cell typer.

The explorer on the gates page (``docs/javascripts/lstm.js`` and ``explorer.js``) runs the forward pass
of a `lstm_book.SequenceClassifier` in the reader's browser, and its backward pass to the inputs (the
gradient view). It needs the weights, the
vocabulary, the task's rules and a few test sequences; `export_classifier` packs them into a
JSON-able dict and `load_classifier` rebuilds the torch model from it, so a test can check that
the JavaScript and PyTorch run exactly the same weights. `export_charlm` and `load_charlm` do the
same for the character model of "An LSTM reads Python" (``charlm.js``: the reader types code and
the chosen cells colour it), with the same ``model`` and ``weights`` entries: its head scores the
next character (K = V) and the JavaScript reads it at the last step only.

Format (``"format": "lstm_book.book.web_export/1"``). Every tensor is ``{"shape": [...], "data": BASE64}``,
the bytes of a C-order little-endian float32 array:

* ``model``: ``vocab_size`` V, ``embed_dim`` E, ``hidden_size`` H, ``num_layers`` L, ``num_classes`` K,
  ``gate_order`` ``"ifgo"`` (PyTorch's row blocks of every ``W_ih``, ``W_hh`` and ``b``).
* ``weights``: ``embedding`` ``(V, E)``; ``layers``: L dicts with ``W_ih`` ``(4H, E or H)``, ``W_hh``
  ``(4H, H)`` and ``b`` ``(4H,)`` = ``b_ih + b_hh`` (only the sum matters); ``head``: ``W`` ``(K, H)``,
  ``b`` ``(K,)``.
* ``task``: the symbols (token id = index), the window fractions and windows at the trained length,
  the class names (``classes[label]``), and the test accuracy at other lengths if measured.
* ``sequences``: test sequences as strings of symbols, with ``label``, ``class`` and ``positions``.
* ``display``: per layer, ``c_scale`` (the 99th percentile of ``|c|`` over those sequences, rounded up:
  the explorer's colour scale for ``c``, clipped beyond) and ``memory_unit`` (the unit whose ``c``
  changes most after the first informative symbol when that symbol is flipped between X and Y).
* ``meta``: provenance, as given by the caller (model name, seed, test accuracy, torch version, ...).

A character model's export has ``model``, ``weights`` and ``meta`` as above, and instead of ``task``,
``sequences`` and ``display``: ``text`` with ``vocab`` (the characters of ids 0 … V − 2; id V − 1 stands
for every other character, shown as ``other``) and ``default`` (the text the widget opens on); and
``units``, one per feature: its ``label``, ``layer`` (from 1), ``state`` (``"c"`` or ``"h"``), ``index``,
``sign`` (of its correlation with the feature: the widget colours ``sign · value``) and ``r`` (on the
test files).

The figure script writes the book's flagship model and the frontier's model trained at T = 1000 with this
format (``lstm_book.book.experiments.explorer``), and the character model
(``lstm_book.book.experiments.charlm``).
"""

from __future__ import annotations

import base64
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import torch
from torch import Tensor

from lstm_book import corpus, tasks
from lstm_book.lm import CharLM
from lstm_book.models import SequenceClassifier

FORMAT = "lstm_book.book.web_export/1"
GATE_ORDER = "ifgo"  # PyTorch's order of the four row blocks of W_ih, W_hh and the biases


def encode_tensor(t: Tensor) -> dict[str, Any]:
    """``{"shape": [...], "data": base64}`` of ``t`` as C-order little-endian float32 bytes."""
    array = np.ascontiguousarray(t.detach().cpu().to(torch.float32).numpy(), dtype="<f4")
    return {"shape": list(array.shape), "data": base64.b64encode(array.tobytes()).decode("ascii")}


def decode_tensor(entry: Mapping[str, Any]) -> Tensor:
    """The float32 tensor of an `encode_tensor` entry (exact: the bytes are copied)."""
    array = np.frombuffer(base64.b64decode(entry["data"]), dtype="<f4").reshape(entry["shape"])
    return torch.from_numpy(array.astype(np.float32))


def class_names(num_symbols: int = 2) -> list[str]:
    """Class names by label, from the rule of `lstm_book.tasks.temporal_order`: the X/Y sequence
    read as a binary number, X = 0, Y = 1, first symbol most significant (``["XX", "XY", "YX", "YY"]``)."""
    x, y = tasks.TEMPORAL_ORDER_SYMBOLS[tasks.X], tasks.TEMPORAL_ORDER_SYMBOLS[tasks.Y]
    return ["".join(y if (label >> (num_symbols - 1 - k)) & 1 else x for k in range(num_symbols))
            for label in range(2 ** num_symbols)]


def select(data: tasks.TemporalOrder, indices: list[int]) -> tasks.TemporalOrder:
    """The rows ``indices`` of a `lstm_book.tasks.TemporalOrder` set."""
    rows = torch.as_tensor(indices)
    return tasks.TemporalOrder(data.tokens[rows], data.labels[rows], data.positions[rows], data.windows)


@torch.no_grad()
def accuracy(model: SequenceClassifier, data: tasks.TemporalOrder) -> float:
    """Fraction of ``data`` the model classifies correctly."""
    return float((model(data.tokens).argmax(1) == data.labels).float().mean())


@torch.no_grad()
def display_hints(model: SequenceClassifier, sequences: tasks.TemporalOrder) -> dict[str, list]:
    """The ``display`` entry of an export: per layer, a colour scale for ``c`` and a memory unit.

    ``c_scale[l]``: the 99th percentile of ``|c|`` in layer ``l`` over ``sequences``, rounded up to an
    integer. ``memory_unit[l]``: the unit of layer ``l`` whose ``c_t`` (for ``t`` from the first
    informative position on) moves most, on average over ``sequences``, when the first informative
    symbol is flipped (X ↔ Y).
    """
    _, gates = model(sequences.tokens, return_gates=True)  # each (L, T, N, H)
    flipped = sequences.tokens.clone()
    rows, first = torch.arange(len(flipped)), sequences.positions[:, 0]
    flipped[rows, first] = tasks.X + tasks.Y - flipped[rows, first]
    _, other = model(flipped, return_gates=True)
    after = (torch.arange(flipped.shape[1])[:, None] >= first[None, :]).float()  # (T, N)
    change = ((gates["c"] - other["c"]).abs() * after[None, :, :, None]).sum(dim=(1, 2))  # (L, H)
    c_abs = gates["c"].abs().flatten(1)  # (L, T·N·H)
    return {"c_scale": [math.ceil(float(torch.quantile(c, 0.99))) for c in c_abs],
            "memory_unit": [int(u) for u in change.argmax(dim=1)]}


def model_and_weights(model: SequenceClassifier | CharLM) -> dict[str, Any]:
    """The ``format``, ``model`` and ``weights`` entries of an export: embedding, L unidirectional LSTM
    layers (one summed bias each) and the linear head, the same for a classifier and a character model."""
    rnn, H = model.rnn, model.rnn.hidden_size
    layers = []
    for layer in range(rnn.num_layers):
        w_ih, w_hh, b_ih, b_hh = rnn.weights(layer)
        bias = (b_ih + b_hh) if b_ih is not None else w_ih.new_zeros(4 * H)
        layers.append({"W_ih": encode_tensor(w_ih), "W_hh": encode_tensor(w_hh), "b": encode_tensor(bias)})
    return {
        "format": FORMAT,
        "model": {"cell": "lstm", "vocab_size": model.vocab_size, "embed_dim": model.embedding.embedding_dim,
                  "hidden_size": H, "num_layers": rnn.num_layers, "num_classes": model.head.out_features,
                  "gate_order": GATE_ORDER},
        "weights": {"embedding": encode_tensor(model.embedding.weight), "layers": layers,
                    "head": {"W": encode_tensor(model.head.weight), "b": encode_tensor(model.head.bias)}},
    }


def export_classifier(model: SequenceClassifier, sequences: tasks.TemporalOrder, meta: Mapping[str, Any],
                      length_accuracy: Mapping[int, float] | None = None) -> dict[str, Any]:
    """A JSON-able dict holding a unidirectional LSTM classifier, its task and ``sequences``.

    Args:
        model: a ``SequenceClassifier(cell="lstm")`` for the temporal-order task (6a or 6b).
        sequences: the test sequences to offer the reader, ``tokens (N, T)`` (all rows are exported).
        meta: provenance, stored as given (must be JSON-able).
        length_accuracy: optionally, test accuracy at other sequence lengths ``{T: accuracy}``; the
            explorer lets the reader choose a length in this range and shows the accuracy there.

    The format is described in the module docstring; see `load_classifier` for the way back.
    """
    if model.cell != "lstm" or model.rnn.bidirectional:
        raise ValueError("export_classifier: needs a unidirectional LSTM classifier")
    num_symbols = sequences.positions.shape[1]
    names = class_names(num_symbols)
    seq_len = sequences.tokens.shape[1]
    display = display_hints(model, sequences)
    symbols = tasks.TEMPORAL_ORDER_SYMBOLS
    return {
        **model_and_weights(model),
        "task": {
            "name": f"temporal_order_{'6a' if num_symbols == 2 else '6b'}",
            "symbols": list(symbols),
            "distractors": [symbols[t] for t in tasks.DISTRACTORS],
            "informative": [symbols[tasks.X], symbols[tasks.Y]],
            "begin": symbols[tasks.BEGIN], "end": symbols[tasks.END],
            "num_symbols": num_symbols,
            "window_fractions": [list(w) for w in (tasks.WINDOWS_6A if num_symbols == 2 else tasks.WINDOWS_6B)],
            "seq_len": seq_len,
            "windows": [list(w) for w in tasks.temporal_order_windows(seq_len, num_symbols)],
            "classes": names,
            "length_accuracy": {str(T): round(float(a), 4) for T, a in sorted((length_accuracy or {}).items())},
        },
        "sequences": [{"tokens": tasks.decode_temporal_order(tokens), "label": int(label),
                       "class": names[int(label)], "positions": [int(p) for p in positions]}
                      for tokens, label, positions in zip(sequences.tokens, sequences.labels, sequences.positions)],
        "display": display,
        "meta": dict(meta),
    }


def _load_state(model: SequenceClassifier | CharLM, export: Mapping[str, Any]):
    """``model`` (built with the export's sizes) holding the export's weights, in eval mode.

    The summed bias goes into ``bias_ih`` and ``bias_hh`` is zero: the same cell, since only the sum
    enters Eqs. (4)–(6) and (8).
    """
    m, w = export["model"], export["weights"]
    state = {"embedding.weight": decode_tensor(w["embedding"]),
             "head.weight": decode_tensor(w["head"]["W"]), "head.bias": decode_tensor(w["head"]["b"])}
    for layer, entry in enumerate(w["layers"]):
        state[f"rnn.weight_ih_l{layer}"] = decode_tensor(entry["W_ih"])
        state[f"rnn.weight_hh_l{layer}"] = decode_tensor(entry["W_hh"])
        state[f"rnn.bias_ih_l{layer}"] = decode_tensor(entry["b"])
        state[f"rnn.bias_hh_l{layer}"] = torch.zeros(4 * m["hidden_size"])
    model.load_state_dict(state)
    return model.eval()


def _check_format(export: Mapping[str, Any], caller: str, kind: str) -> None:
    if export.get("format") != FORMAT:
        raise ValueError(f"{caller}: expected format {FORMAT!r}, got {export.get('format')!r}")
    if kind not in export:
        raise ValueError(f"{caller}: this export has no {kind!r} entry; it was written for the other widget")


def load_classifier(export: Mapping[str, Any]) -> SequenceClassifier:
    """Rebuild the torch model of an `export_classifier` dict (float32, in eval mode)."""
    _check_format(export, "load_classifier", "task")
    m = export["model"]
    return _load_state(SequenceClassifier(m["vocab_size"], m["embed_dim"], m["hidden_size"], m["num_classes"],
                                          m["num_layers"], cell="lstm"), export)


def export_charlm(model: CharLM, units: list[Mapping[str, Any]], default_text: str,
                  meta: Mapping[str, Any]) -> dict[str, Any]:
    """A JSON-able dict holding a character-level LSTM, the units the widget colours, and its opening text.

    Args:
        model: an ``lstm_book.lm.CharLM`` with ``cell="lstm"`` over the symbols of :mod:`lstm_book.corpus`.
        units: per feature ``{"label", "layer" (from 1), "state" ("c" or "h"), "index", "sign", "r"}``.
        default_text: the text the widget opens on.
        meta: provenance, stored as given (must be JSON-able).
    """
    if model.cell != "lstm" or model.vocab_size != corpus.VOCAB_SIZE:
        raise ValueError("export_charlm: needs an LSTM CharLM over lstm_book.corpus's symbols")
    H, L = model.rnn.hidden_size, model.rnn.num_layers
    for u in units:
        if not (1 <= u["layer"] <= L and u["state"] in ("c", "h") and 0 <= u["index"] < H and u["sign"] in (-1, 1)):
            raise ValueError(f"export_charlm: unit {dict(u)} is not a unit of this {L}-layer, {H}-unit model")
    return {**model_and_weights(model),
            "text": {"vocab": corpus.VOCAB, "other": corpus.OTHER_CHAR, "default": default_text},
            "units": [dict(u) for u in units], "meta": dict(meta)}


def load_charlm(export: Mapping[str, Any]) -> CharLM:
    """Rebuild the torch model of an `export_charlm` dict (float32, in eval mode)."""
    _check_format(export, "load_charlm", "units")
    m = export["model"]
    return _load_state(CharLM(m["vocab_size"], m["embed_dim"], m["hidden_size"], m["num_layers"], "lstm"), export)
