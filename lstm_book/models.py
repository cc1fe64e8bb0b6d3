"""Models built from the layers: a sequence classifier and an encoder–decoder (Seq2Seq)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.nn.utils.rnn import pack_padded_sequence

from .checks import check_token_ids
from .layers import GRU, LSTM, RNN

CELLS = ("lstm", "gru", "rnn")


class SequenceClassifier(nn.Module):
    """Embedding → LSTM (or GRU, or vanilla RNN) → linear head on the final hidden state.

    Args:
        vocab_size: number of token ids.
        embed_dim: ``E``, size of each token's embedding.
        hidden_size: ``H``.
        num_classes: ``K``.
        num_layers: recurrent layers stacked.
        cell: ``"lstm"``, ``"gru"`` or ``"rnn"`` (a tanh RNN of the same size, for comparisons).
        bidirectional: use a bidirectional recurrent layer.
        dropout: dropout between recurrent layers.
        forget_bias: effective forget-gate bias of the LSTM (see :class:`lstm_book.LSTM`); 1.0 here,
            so ``f_t`` starts near σ(1) ≈ 0.73. Not used by ``cell="gru"`` or ``"rnn"``.
        init: ``"default"`` or ``"chrono"`` (the LSTM's forget and input gates, or the GRU's update
            gate: see :class:`lstm_book.GRU`; an error with ``cell="rnn"``).
        t_max: longest dependency for ``init="chrono"``.

    ``forward(tokens)`` takes ``(B, T)`` integer ids and returns logits ``(B, K)``. The head reads
    the top layer's final hidden state (``h_T`` forward; for a bidirectional model also the reverse
    direction's state after reading back to ``t = 0``). ``forward(tokens, return_gates=True)``
    returns ``(logits, gates)`` with gates as documented on :class:`lstm_book.LSTM`.
    """

    def __init__(
        self, vocab_size: int, embed_dim: int, hidden_size: int, num_classes: int, num_layers: int = 1,
        cell: str = "lstm", bidirectional: bool = False, dropout: float = 0.0,
        forget_bias: float | None = 1.0, init: str = "default", t_max: int | None = None,
    ) -> None:
        super().__init__()
        if cell not in CELLS:
            raise ValueError(f"SequenceClassifier: cell must be one of {CELLS}, got {cell!r}")
        self.cell, self.vocab_size = cell, vocab_size
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        if cell == "lstm":
            if init == "chrono":
                forget_bias = None  # chrono sets the forget (and input) biases itself
            self.rnn = LSTM(embed_dim, hidden_size, num_layers, batch_first=True, dropout=dropout,
                            bidirectional=bidirectional, forget_bias=forget_bias, init=init, t_max=t_max)
        elif cell == "gru":
            self.rnn = GRU(embed_dim, hidden_size, num_layers, batch_first=True, dropout=dropout,
                           bidirectional=bidirectional, init=init, t_max=t_max)
        else:
            if init != "default":
                raise ValueError(f"SequenceClassifier: init={init!r} is a gated cell's initialisation; cell='rnn' has none")
            self.rnn = RNN(embed_dim, hidden_size, num_layers, batch_first=True, dropout=dropout,
                           bidirectional=bidirectional)
        self.head = nn.Linear((2 if bidirectional else 1) * hidden_size, num_classes)

    # --8<-- [start:classify]
    def classify(self, embedded: Tensor, return_gates: bool = False):
        """Logits ``(B, K)`` from embedded inputs ``(B, T, E)`` (``forward`` = ``classify ∘ embedding``)."""
        if return_gates:
            if self.cell != "lstm":
                raise ValueError("SequenceClassifier: return_gates=True needs cell='lstm' (an RNN has no gates)")
            _, (h_n, _), gates = self.rnn(embedded, return_gates=True)
        else:
            _, state = self.rnn(embedded)
            h_n = state[0] if self.cell == "lstm" else state  # (L·D, B, H)
        D = 2 if self.rnn.bidirectional else 1  # also works with a torch.nn.LSTM swapped in
        top = h_n[-D:].transpose(0, 1).reshape(h_n.shape[1], -1)  # (B, D·H): top layer, all directions
        logits = self.head(top)
        return (logits, gates) if return_gates else logits
    # --8<-- [end:classify]

    def forward(self, tokens: Tensor, return_gates: bool = False):
        check_token_ids(tokens, self.vocab_size, "SequenceClassifier")
        return self.classify(self.embedding(tokens), return_gates)


class Seq2Seq(nn.Module):
    """An LSTM encoder–decoder (Sutskever, Vinyals & Le, 2014) for token sequences.

    The encoder reads the right-padded source as a ``PackedSequence``, so its final state is each
    sequence's state at its last real token (not after the padding); that state initialises the
    decoder, which predicts the target one token at a time. ``torch.nn.LSTM`` modules can be swapped
    in for ``encoder`` and ``decoder`` unchanged.

    Args:
        src_vocab: source vocabulary size.
        tgt_vocab: target vocabulary size.
        embed_dim: ``E``, embedding size of both vocabularies.
        hidden_size: ``H``, of encoder and decoder.
        num_layers: ``L``, of encoder and decoder.
        pad_id: padding id (ignored by the loss, never a real token).
        bos_id: begin-of-sequence id, the decoder's first input.
        eos_id: end-of-sequence id, which ends decoding.
        forget_bias: effective forget-gate bias of both LSTMs (see :class:`lstm_book.LSTM`).

    Shapes: ``src`` ``(B, S)``; ``tgt_in`` ``(B, T)`` starts with BOS (:meth:`shift_right`);
    ``forward`` returns logits ``(B, T, tgt_vocab)``; :meth:`greedy_decode` returns ``(B, ≤ max_len)``.
    """

    def __init__(
        self, src_vocab: int, tgt_vocab: int, embed_dim: int, hidden_size: int, num_layers: int = 1,
        pad_id: int = 0, bos_id: int = 1, eos_id: int = 2, forget_bias: float | None = 1.0,
    ) -> None:
        super().__init__()
        self.src_vocab, self.tgt_vocab = src_vocab, tgt_vocab
        self.pad_id, self.bos_id, self.eos_id = pad_id, bos_id, eos_id
        self.src_embedding = nn.Embedding(src_vocab, embed_dim, padding_idx=pad_id)
        self.tgt_embedding = nn.Embedding(tgt_vocab, embed_dim, padding_idx=pad_id)
        self.encoder = LSTM(embed_dim, hidden_size, num_layers, batch_first=True, forget_bias=forget_bias)
        self.decoder = LSTM(embed_dim, hidden_size, num_layers, batch_first=True, forget_bias=forget_bias)
        self.head = nn.Linear(hidden_size, tgt_vocab)

    def shift_right(self, tgt: Tensor) -> Tensor:
        """Teacher-forcing input: ``[BOS, y_1, …, y_{T-1}]`` for target ``[y_1, …, y_T]``."""
        bos = torch.full_like(tgt[:, :1], self.bos_id)
        return torch.cat([bos, tgt[:, :-1]], dim=1)

    # --8<-- [start:encode]
    def encode(self, src: Tensor) -> tuple[Tensor, Tensor]:
        """The encoder's ``(h, c)``, each ``(L, B, H)``, taken at every string's last real token."""
        check_token_ids(src, self.src_vocab, "Seq2Seq", "src")
        lengths = (src != self.pad_id).sum(dim=1)  # (B,): right padding, so the real tokens come first
        if (lengths == 0).any():
            raise ValueError("Seq2Seq: every source sequence needs at least one non-padding token")
        # Packed, each string runs over its own tokens only; h_n, c_n come back in the batch's order.
        packed = pack_padded_sequence(self.src_embedding(src), lengths.cpu(), batch_first=True, enforce_sorted=False)
        _, (h, c) = self.encoder(packed)
        return h, c
    # --8<-- [end:encode]

    def forward(self, src: Tensor, tgt_in: Tensor) -> Tensor:
        """Teacher forcing: logits ``(B, T, tgt_vocab)`` for every position of ``tgt_in``."""
        check_token_ids(tgt_in, self.tgt_vocab, "Seq2Seq", "tgt_in")
        output, _ = self.decoder(self.tgt_embedding(tgt_in), self.encode(src))
        return self.head(output)

    def loss(self, src: Tensor, tgt: Tensor) -> Tensor:
        """Mean cross-entropy over the real (non-padding) target tokens, EOS included."""
        logits = self(src, self.shift_right(tgt))
        return F.cross_entropy(logits.reshape(-1, self.tgt_vocab), tgt.reshape(-1), ignore_index=self.pad_id)

    # --8<-- [start:greedy_decode]
    @torch.no_grad()
    def greedy_decode(self, src: Tensor, max_len: int) -> Tensor:
        """Decode without teacher forcing: feed back the most likely token until EOS or ``max_len``.

        Returns ``(B, n)`` ids with ``n ≤ max_len``; after a sequence's EOS its row holds PAD.
        """
        state = self.encode(src)
        token = torch.full((src.shape[0], 1), self.bos_id, dtype=torch.long, device=src.device)
        finished = torch.zeros(src.shape[0], dtype=torch.bool, device=src.device)
        out = []
        for _ in range(max_len):
            output, state = self.decoder(self.tgt_embedding(token), state)
            token = self.head(output).argmax(dim=-1)  # (B, 1)
            token = token.masked_fill(finished[:, None], self.pad_id)
            out.append(token)
            finished |= token[:, 0] == self.eos_id
            if finished.all():
                break
        return torch.cat(out, dim=1)
    # --8<-- [end:greedy_decode]


def exact_match(pred: Tensor, tgt: Tensor, pad_id: int = 0) -> Tensor:
    """Per-sequence exact match of decoded ids against targets (both right-padded with ``pad_id``).

    Returns a ``(B,)`` bool tensor: every token up to and including EOS equal, nothing extra.
    """
    width = max(pred.shape[1], tgt.shape[1])
    pred = F.pad(pred, (0, width - pred.shape[1]), value=pad_id)
    tgt = F.pad(tgt, (0, width - tgt.shape[1]), value=pad_id)
    return (pred == tgt).all(dim=1)
