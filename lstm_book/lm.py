"""A character-level language model: embedding → the book's LSTM (or RNN) → a linear head over the next character.

Time-major throughout, as the text is read: ``tokens (T, B)`` holds ``B`` lanes of ``T`` characters
each, and ``model(tokens, state)`` returns the logits of the character that follows each one,
``(T, B, V)``, and the state after the last, which the next call continues from. Held-out text is
scored the same way (:func:`read`): split into a few long lanes, each read from a zero state to its
end, every character predicted from everything before it in its lane.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .layers import LSTM, RNN

LOG2E = 1 / math.log(2)  # nats → bits


class CharLM(nn.Module):
    """Embedding, a stacked recurrent layer and a linear head over the vocabulary.

    Args:
        vocab_size: ``V``.
        embed_dim: ``E``, size of each character's embedding.
        hidden_size: ``H``.
        num_layers: ``L``.
        cell: ``"lstm"`` (:class:`lstm_book.LSTM`) or ``"rnn"`` (:class:`lstm_book.RNN`, tanh).
        forget_bias: the LSTM's effective forget-gate bias at initialisation (ignored by the RNN).

    ``forward(tokens, state=None, return_gates=False)``: ``tokens (T, B)`` ids → logits ``(T, B, V)``
    and the final state (``(h_n, c_n)`` for the LSTM, ``h_n`` for the RNN, each ``(L, B, H)``); with
    ``return_gates=True`` (LSTM only) also the recorded ``i, f, g, o, c, h``, each ``(L, T, B, H)``.
    """

    def __init__(self, vocab_size: int, embed_dim: int, hidden_size: int, num_layers: int = 2, cell: str = "lstm",
                 forget_bias: float | None = 1.0) -> None:
        super().__init__()
        if cell not in ("lstm", "rnn"):
            raise ValueError(f"CharLM: cell must be 'lstm' or 'rnn', got {cell!r}")
        self.cell, self.vocab_size = cell, vocab_size
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.rnn = (LSTM(embed_dim, hidden_size, num_layers, forget_bias=forget_bias) if cell == "lstm"
                    else RNN(embed_dim, hidden_size, num_layers))
        self.head = nn.Linear(hidden_size, vocab_size)

    def forward(self, tokens: Tensor, state=None, return_gates: bool = False):
        x = self.embedding(tokens)  # (T, B, E)
        if return_gates:
            output, state, gates = self.rnn(x, state, return_gates=True)
            return self.head(output), state, gates
        output, state = self.rnn(x, state)
        return self.head(output), state


def bits_per_char(logits: Tensor, targets: Tensor) -> Tensor:
    """Mean ``−log₂ p(target)`` over all positions: cross-entropy in bits (``(…, V)`` logits, ``(…)`` targets)."""
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1)) * LOG2E


def lanes(n: int, count: int) -> np.ndarray:
    """The ``count`` lanes a text of ``n`` characters is read in: ``(count, length)`` positions, ``-1`` past the end."""
    length = math.ceil(n / count)
    pos = np.arange(count * length).reshape(count, length)
    return np.where(pos < n, pos, -1)


@torch.no_grad()
def read(model: CharLM, ids: np.ndarray, count: int = 16, chunk: int = 256,
         gates: bool = False) -> Iterator[tuple[np.ndarray, Tensor, dict | None]]:
    """Read a text in ``count`` lanes, ``chunk`` steps at a time, carrying each lane's state to its end.

    Yields per chunk ``(positions (T, B), log-probabilities (T, B, V), gates)``: ``positions[t, b]``
    is the character read at that step (``-1``: past the end of the text), the log-probabilities
    (natural log) are those of the character after it, and ``gates`` is the model's recording
    (``return_gates=True``) or ``None``.
    """
    model.eval()
    pos = lanes(len(ids), count).T  # (length, count)
    tokens = torch.from_numpy(np.where(pos >= 0, ids[np.maximum(pos, 0)], 0).astype(np.int64))
    state, device = None, next(model.parameters()).device
    for t0 in range(0, pos.shape[0], chunk):
        out = model(tokens[t0 : t0 + chunk].to(device), state, return_gates=gates)
        logits, state = out[0], out[1]
        recorded = {k: v.cpu() for k, v in out[2].items()} if gates else None
        yield pos[t0 : t0 + chunk], torch.log_softmax(logits, dim=-1).cpu(), recorded


def score(model: CharLM, ids: np.ndarray, count: int = 16, chunk: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """For every position ``t``: ``log₂ P(ids[t] | everything before t in its lane)``, and whether it
    was the model's most likely character. Both ``(len(ids),)``; NaN and False at each lane's first."""
    out, hit, length = np.full(len(ids), np.nan), np.zeros(len(ids), dtype=bool), math.ceil(len(ids) / count)
    for pos, logp, _ in read(model, ids, count, chunk):
        nxt = pos + 1  # the character each step predicts, unless it starts the next lane or is past the end
        ok = (pos >= 0) & (nxt < len(ids)) & (nxt % length != 0)
        target = torch.from_numpy(ids[np.where(ok, nxt, 0)].astype(np.int64))
        picked = logp.gather(-1, target.unsqueeze(-1)).squeeze(-1).numpy()
        out[nxt[ok]] = picked[ok] * LOG2E
        hit[nxt[ok]] = (logp.argmax(-1) == target).numpy()[ok]
    return out, hit


@torch.no_grad()
def sample(model: CharLM, prime: Sequence[int], length: int, temperatures: Sequence[float], seed: int) -> np.ndarray:
    """Generate ``length`` characters after ``prime``, once per temperature: ``(len(temperatures), length)`` ids.

    Each row reads the same ``prime``, then draws every character from ``softmax(logits / T)`` with
    a ``torch.Generator`` seeded by ``seed`` (so the same weights and seed give the same text) and
    reads it back in.
    """
    model.eval()
    k, device = len(temperatures), next(model.parameters()).device
    g = torch.Generator().manual_seed(seed)
    temps = torch.tensor(temperatures, dtype=torch.float32).unsqueeze(1)
    logits, state = model(torch.tensor(list(prime), dtype=torch.long).unsqueeze(1).expand(-1, k).to(device), None)
    out = []
    for _ in range(length):
        probs = torch.softmax(logits[-1].cpu() / temps, dim=-1)  # (k, V)
        nxt = torch.multinomial(probs, 1, generator=g)  # (k, 1)
        out.append(nxt[:, 0])
        logits, state = model(nxt.T.to(device), state)
    return torch.stack(out, dim=1).numpy()
