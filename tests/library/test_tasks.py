"""The temporal-order generator (Hochreiter & Schmidhuber 1997, experiments 6a/6b) does what its docstring says."""

import pytest
import torch
from torch.testing import assert_close
from hypothesis import given, settings
from hypothesis import strategies as st

from lstm_book.tasks import BEGIN, DISTRACTORS, END, TEMPORAL_ORDER_SYMBOLS, TEMPORAL_ORDER_VOCAB_SIZE, X, Y, decode_temporal_order, temporal_order, temporal_order_windows


def test_paper_windows_at_t100():
    assert temporal_order_windows(100) == ((10, 20), (50, 60))
    assert temporal_order_windows(100, num_symbols=3) == ((10, 20), (33, 43), (66, 76))


def test_windows_scale_with_length():
    assert temporal_order_windows(200) == ((20, 40), (100, 120))
    assert temporal_order_windows(25) == ((2, 5), (12, 15))
    assert temporal_order_windows(1000) == ((100, 200), (500, 600))


@settings(max_examples=25, deadline=None)
@given(seq_len=st.integers(20, 400), seed=st.integers(0, 10_000), num_symbols=st.sampled_from([2, 3]))
def test_sequences_follow_the_recipe(seq_len, seed, num_symbols):
    if seq_len < 10 * num_symbols:
        return
    data = temporal_order(64, seq_len=seq_len, seed=seed, num_symbols=num_symbols)
    tokens, positions = data.tokens, data.positions
    assert tokens.shape == (64, seq_len) and tokens.dtype == torch.long
    assert positions.shape == (64, num_symbols)
    assert (tokens[:, 0] == BEGIN).all() and (tokens[:, -1] == END).all()
    # informative positions lie in their windows, and hold X or Y
    for k, (lo, hi) in enumerate(data.windows):
        assert ((positions[:, k] >= lo) & (positions[:, k] <= hi)).all()
    rows = torch.arange(64)[:, None]
    assert ((tokens[rows, positions] == X) | (tokens[rows, positions] == Y)).all()
    # exactly num_symbols X/Y per sequence; everything else in the middle is a distractor
    is_xy = (tokens == X) | (tokens == Y)
    assert (is_xy.sum(dim=1) == num_symbols).all()
    middle = tokens[:, 1:-1][~is_xy[:, 1:-1]]
    assert ((middle >= min(DISTRACTORS)) & (middle <= max(DISTRACTORS))).all()
    assert tokens.max() < TEMPORAL_ORDER_VOCAB_SIZE


def test_labels_are_the_xy_order():
    data = temporal_order(500, seed=3)
    rows = torch.arange(500)
    first = data.tokens[rows, data.positions[:, 0]]
    second = data.tokens[rows, data.positions[:, 1]]
    names = {0: "XX", 1: "XY", 2: "YX", 3: "YY"}
    for i in range(500):
        order = TEMPORAL_ORDER_SYMBOLS[int(first[i])] + TEMPORAL_ORDER_SYMBOLS[int(second[i])]
        assert names[int(data.labels[i])] == order


def test_three_symbol_variant_has_eight_classes():
    data = temporal_order(2000, seed=0, num_symbols=3)
    assert data.num_classes == 8 and data.chance == pytest.approx(0.125)
    assert set(data.labels.tolist()) == set(range(8))
    rows = torch.arange(2000)
    bits = [(data.tokens[rows, data.positions[:, k]] == Y).long() for k in range(3)]
    assert torch.equal(data.labels, 4 * bits[0] + 2 * bits[1] + bits[2])


def test_classes_are_balanced_so_chance_is_25_percent():
    data = temporal_order(8000, seed=1)
    assert data.chance == 0.25
    counts = torch.bincount(data.labels, minlength=4).float() / 8000
    assert_close(counts, torch.full((4,), 0.25), rtol=0, atol=0.02)


def test_same_seed_same_data_different_seed_different_data():
    a, b, c = temporal_order(100, seed=5), temporal_order(100, seed=5), temporal_order(100, seed=6)
    assert torch.equal(a.tokens, b.tokens) and torch.equal(a.labels, b.labels)
    assert not torch.equal(a.tokens, c.tokens)


def test_generator_does_not_touch_the_global_rng():
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    temporal_order(10, seed=1)
    assert torch.equal(torch.rand(3), expected)


def test_decode_shows_the_sequence():
    data = temporal_order(1, seq_len=30, seed=0)
    text = decode_temporal_order(data.tokens[0])
    assert len(text) == 30 and text[0] == "B" and text[-1] == "E"
    assert sum(ch in "XY" for ch in text) == 2


@pytest.mark.parametrize("kwargs", [{"seq_len": 19}, {"seq_len": 29, "num_symbols": 3}, {"num_symbols": 4}])
def test_bad_arguments_are_rejected(kwargs):
    with pytest.raises(ValueError):
        temporal_order(4, **kwargs)
