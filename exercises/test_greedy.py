"""Greedy decoding of exercises/greedy.py: ``pytest exercises/test_greedy.py``."""

from __future__ import annotations

import torch

from lstm_book.models import Seq2Seq
from lstm_book.tasks import BOS, DIGIT_VOCAB_SIZE, EOS, PAD

EXERCISE = "greedy"
V = 6


def table_decoder(*tables: dict[int, int]):
    """A decoder whose most likely next token depends only on the token it reads: ``tables[b][token]`` for
    string ``b`` (one table serves every string). Its state counts the steps it has run."""
    def step(token, steps):
        logits = torch.full((token.shape[0], 1, V), -1.0)
        for b, t in enumerate(token[:, 0].tolist()):
            logits[b, 0, tables[b % len(tables)][t]] = 1.0
        return logits, steps + 1
    return step


def test_it_feeds_back_its_own_tokens(exercise):
    """BOS → 3 → 4 → 5 → EOS: each token is the previous output, so the chain is followed to its end."""
    step = table_decoder({BOS: 3, 3: 4, 4: 5, 5: EOS, EOS: 3, PAD: 3})
    got = exercise.greedy_decode(step, 0, batch_size=2, bos=BOS, eos=EOS, pad=PAD, max_len=10)
    expected = torch.tensor([[3, 4, 5, EOS]] * 2)
    assert torch.equal(got, expected), f"expected {expected.tolist()} (fed back, stopped at EOS), got {got.tolist()}"


def test_after_eos_a_string_holds_pad_until_all_are_done(exercise):
    """Two strings in one batch: the first writes EOS at once, the second after three tokens."""
    step = table_decoder({BOS: EOS, EOS: 3, PAD: 3, 3: 4, 4: 5, 5: EOS}, {BOS: 3, 3: 4, 4: 5, 5: EOS, EOS: 3, PAD: 3})
    got = exercise.greedy_decode(step, 0, batch_size=2, bos=BOS, eos=EOS, pad=PAD, max_len=10)
    expected = torch.tensor([[EOS, PAD, PAD, PAD], [3, 4, 5, EOS]])
    assert torch.equal(got, expected), f"expected {expected.tolist()}, got {got.tolist()}"


def test_it_stops_at_max_len_when_eos_never_comes(exercise):
    step = table_decoder({BOS: 3, 3: 4, 4: 3, EOS: 3, PAD: 3})
    got = exercise.greedy_decode(step, 0, batch_size=1, bos=BOS, eos=EOS, pad=PAD, max_len=5)
    assert got.tolist() == [[3, 4, 3, 4, 3]], f"expected five tokens, got {got.tolist()}"


def test_it_decodes_a_seq2seq_model_as_the_model_does(exercise):
    torch.manual_seed(0)
    model = Seq2Seq(DIGIT_VOCAB_SIZE, DIGIT_VOCAB_SIZE, embed_dim=8, hidden_size=16).eval()
    src = torch.randint(3, DIGIT_VOCAB_SIZE, (5, 4))

    def step(token, state):
        output, state = model.decoder(model.tgt_embedding(token), state)
        return model.head(output), state

    with torch.no_grad():
        expected = model.greedy_decode(src, max_len=7)
        got = exercise.greedy_decode(step, model.encode(src), batch_size=5, bos=BOS, eos=EOS, pad=PAD, max_len=7)
    assert torch.equal(got, expected), f"Seq2Seq.greedy_decode gives {expected.tolist()}, yours {got.tolist()}"
