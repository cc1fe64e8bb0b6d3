"""SequenceClassifier and Seq2Seq: shapes, the final-state head, padding, and that Seq2Seq really learns."""

from __future__ import annotations

import pytest
import torch
from torch.testing import assert_close

from lstm_book import Seq2Seq, SequenceClassifier, exact_match
from lstm_book.book.experiments.seq2seq import TEST_RECIPE
from lstm_book.tasks import DIGIT_VOCAB_SIZE, EOS, PAD, digit_reversal
from tests.helpers import EXACT


@pytest.mark.parametrize("cell", ["lstm", "rnn"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_classifier_shapes_and_forward_is_classify_of_embedding(cell, bidirectional):
    model = SequenceClassifier(10, 6, 12, 4, num_layers=2, cell=cell, bidirectional=bidirectional)
    tokens = torch.randint(0, 10, (3, 7))
    logits = model(tokens)
    assert logits.shape == (3, 4)
    assert torch.equal(logits, model.classify(model.embedding(tokens)))


def test_classifier_head_reads_last_step_forward_and_first_step_reverse():
    model = SequenceClassifier(10, 6, 12, 4, bidirectional=True)
    tokens = torch.randint(0, 10, (3, 7))
    output, _ = model.rnn(model.embedding(tokens))
    features = torch.cat([output[:, -1, :12], output[:, 0, 12:]], dim=1)
    assert_close(model(tokens), model.head(features), rtol=0, atol=1e-6)


def test_classifier_forget_bias_default_is_one_and_gates_are_recorded():
    model = SequenceClassifier(10, 6, 12, 4, num_layers=2)
    _, _, b_ih, b_hh = model.rnn.weights(1)
    assert torch.equal(b_ih[12:24] + b_hh[12:24], torch.ones(12))
    logits, gates = model(torch.randint(0, 10, (3, 7)), return_gates=True)
    assert logits.shape == (3, 4) and gates["f"].shape == (2, 7, 3, 12)


def test_seq2seq_encoder_state_ignores_padding():
    torch.manual_seed(0)
    model = Seq2Seq(DIGIT_VOCAB_SIZE, DIGIT_VOCAB_SIZE, 8, 16, num_layers=2)
    src = torch.tensor([[5, 6, 7, PAD, PAD], [5, 6, 7, 8, 9]])
    h, c = model.encode(src)
    h_alone, c_alone = model.encode(src[:1, :3])
    assert_close((h[:, :1], c[:, :1]), (h_alone, c_alone), rtol=0, atol=1e-6)
    assert h.shape == (2, 2, 16)


def test_seq2seq_works_unchanged_with_torch_lstms_swapped_in():
    """encode packs the source itself, so torch.nn.LSTM encoder and decoder give the same loss,
    gradients and greedy decoding as ours."""
    torch.manual_seed(0)
    model = Seq2Seq(DIGIT_VOCAB_SIZE, DIGIT_VOCAB_SIZE, 8, 16, num_layers=2).double()
    swapped = Seq2Seq(DIGIT_VOCAB_SIZE, DIGIT_VOCAB_SIZE, 8, 16, num_layers=2).double()
    swapped.encoder = torch.nn.LSTM(8, 16, 2, batch_first=True).double()
    swapped.decoder = torch.nn.LSTM(8, 16, 2, batch_first=True).double()
    swapped.load_state_dict(model.state_dict())
    data = digit_reversal(6, 1, 6, seed=3)
    losses, grads = [], []
    for m in (model, swapped):
        loss = m.loss(data.src, data.tgt)
        losses.append(loss)
        grads.append(torch.autograd.grad(loss, list(m.parameters())))
    assert_close((losses[0], grads[0]), (losses[1], grads[1]), **EXACT)
    assert torch.equal(model.greedy_decode(data.src, 8), swapped.greedy_decode(data.src, 8))
    h, c = model.encode(data.src)
    assert h.shape == c.shape == (2, 6, 16)


def test_seq2seq_teacher_forcing_shapes_and_shift():
    model = Seq2Seq(DIGIT_VOCAB_SIZE, DIGIT_VOCAB_SIZE, 8, 16)
    data = digit_reversal(4, 2, 5, seed=0)
    tgt_in = model.shift_right(data.tgt)
    assert torch.equal(tgt_in[:, 0], torch.full((4,), model.bos_id)) and torch.equal(tgt_in[:, 1:], data.tgt[:, :-1])
    assert model(data.src, tgt_in).shape == (4, data.tgt.shape[1], DIGIT_VOCAB_SIZE)


def test_exact_match_counts_whole_sequences_only():
    tgt = torch.tensor([[5, 6, EOS, PAD], [7, EOS, PAD, PAD]])
    pred = torch.tensor([[5, 6, EOS], [7, 8, EOS]])
    assert exact_match(pred, tgt).tolist() == [True, False]


# --8<-- [start:seq2seq_learns]
@pytest.mark.slow
def test_seq2seq_learns_to_reverse_digit_strings_on_held_out_data():
    """Teacher forcing in training, greedy decoding at test: at least the recipe's bar of exact strings."""
    r = TEST_RECIPE  # lstm_book/book/experiments/seq2seq.py: the pages quote it beside Part 3's run
    torch.manual_seed(0)
    train = digit_reversal(r["n_train"], r["min_len"], r["max_len"], seed=1)
    test = digit_reversal(r["n_test"], r["min_len"], r["max_len"], seed=2)
    model = Seq2Seq(DIGIT_VOCAB_SIZE, DIGIT_VOCAB_SIZE, embed_dim=r["embed_dim"], hidden_size=r["hidden_size"])
    steps = r["steps"]
    opt = torch.optim.Adam(model.parameters())
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=r["max_lr"], total_steps=steps)
    for _ in range(steps):
        idx = torch.randint(0, len(train.src), (r["batch_size"],))
        loss = model.loss(train.src[idx], train.tgt[idx])
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
    model.eval()
    decoded = model.greedy_decode(test.src, max_len=r["max_len"] + 2)
    accuracy = exact_match(decoded, test.tgt).float().mean().item()
    assert accuracy >= r["bar"], f"exact-sequence accuracy {accuracy:.3f} on held-out strings"
    # after each EOS only padding follows
    after_eos = (decoded == EOS).long().cumsum(dim=1) - (decoded == EOS).long()
    assert (decoded[after_eos > 0] == PAD).all()
# --8<-- [end:seq2seq_learns]
