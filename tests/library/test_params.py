"""The closed-form parameter count 4H(I+H) + 8H per layer and direction matches the real modules."""

from __future__ import annotations

import itertools

import pytest
import torch

from lstm_book import LSTM, RNN, SequenceClassifier, count_parameters, lstm_parameter_formula, rnn_parameter_formula


@pytest.mark.parametrize("I,H,L,bidirectional,bias", list(itertools.product([3, 16], [5, 64], [1, 2, 3], [False, True], [True, False])))
def test_formula_matches_our_lstm_and_torch(I, H, L, bidirectional, bias):
    expected = lstm_parameter_formula(I, H, L, bidirectional, bias)
    for module in (LSTM(I, H, L, bias=bias, bidirectional=bidirectional),
                   torch.nn.LSTM(I, H, L, bias=bias, bidirectional=bidirectional)):
        assert sum(p.numel() for p in module.parameters()) == expected


@pytest.mark.parametrize("L,bidirectional", [(1, False), (2, True)])
def test_rnn_formula_matches_torch(L, bidirectional):
    assert sum(p.numel() for p in torch.nn.RNN(7, 9, L, bidirectional=bidirectional).parameters()) == \
        rnn_parameter_formula(7, 9, L, bidirectional) == count_parameters(RNN(7, 9, L, bidirectional=bidirectional))["total"]


def test_single_layer_formula_by_hand():
    # I = 16, H = 64: 4·64·(16 + 64) + 8·64 = 20480 + 512
    assert lstm_parameter_formula(16, 64) == 20992


def test_count_parameters_per_component():
    model = SequenceClassifier(vocab_size=8, embed_dim=8, hidden_size=64, num_classes=4, num_layers=2)
    counts = count_parameters(model)
    assert counts == {
        "embedding": 8 * 8,
        "rnn": lstm_parameter_formula(8, 64, num_layers=2),
        "head": 64 * 4 + 4,
        "total": 64 + lstm_parameter_formula(8, 64, num_layers=2) + 260,
    }
    assert counts["total"] == sum(p.numel() for p in model.parameters())


def test_bare_layer_reports_its_own_parameters():
    assert count_parameters(LSTM(2, 3)) == {"self": lstm_parameter_formula(2, 3), "total": lstm_parameter_formula(2, 3)}
