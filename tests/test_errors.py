"""Bad input gets one clear sentence naming what was expected and what arrived — never a deep traceback."""

from __future__ import annotations

import pytest
import torch

from lstm_book import LSTM, RNN, LSTMCell, RNNCell, Seq2Seq, SequenceClassifier


@pytest.mark.parametrize("shape,needle", [
    ((5, 3, 17), "input has 17 features"),
    ((5, 17), "input has 17 features"),
    ((16,), "got a 1-D tensor of shape (16)"),
    ((2, 5, 3, 16), "got a 4-D tensor of shape (2, 5, 3, 16)"),
    ((0, 3, 16), "empty (T = 0)"),
])
def test_lstm_rejects_bad_input_shapes(shape, needle):
    with pytest.raises(ValueError) as err:
        LSTM(16, 8)(torch.randn(shape))
    assert needle in str(err.value)
    assert "input_size=16" in str(err.value) or "T = 0" in str(err.value) or "(T, B, input_size)" in str(err.value)


def test_batch_first_layout_is_named_in_the_message():
    with pytest.raises(ValueError, match=r"\(B, T, input_size\)"):
        LSTM(4, 8, batch_first=True)(torch.randn(4))


@pytest.mark.parametrize("h_shape,needle", [
    ((1, 4, 8), "h_0 has shape (1, 4, 8) but this input needs (2, 3, 8)"),
    ((2, 3, 9), "h_0 has shape (2, 3, 9) but this input needs (2, 3, 8)"),
    ((2, 8), "h_0 has shape (2, 8) but this input needs (2, 3, 8)"),
])
def test_lstm_names_expected_and_actual_initial_state_shape(h_shape, needle):
    lstm = LSTM(4, 8, num_layers=2)
    with pytest.raises(ValueError) as err:
        lstm(torch.randn(5, 3, 4), (torch.zeros(h_shape), torch.zeros(2, 3, 8)))
    assert needle in str(err.value)


def test_lstm_state_must_be_a_pair_and_rnn_state_a_tensor():
    with pytest.raises(TypeError, match=r"tuple \(h_0, c_0\)"):
        LSTM(4, 8)(torch.randn(5, 3, 4), torch.zeros(1, 3, 8))
    with pytest.raises(TypeError, match="a tensor h_0"):
        RNN(4, 8)(torch.randn(5, 3, 4), (torch.zeros(1, 3, 8), torch.zeros(1, 3, 8)))


def test_dtype_mismatch_says_how_to_convert():
    with pytest.raises(TypeError, match=r"dtype torch.float64 but the parameters are torch.float32"):
        LSTM(4, 8)(torch.randn(5, 3, 4, dtype=torch.double))
    with pytest.raises(TypeError, match="must be a torch.Tensor"):
        LSTM(4, 8)([[0.0] * 4])


def test_cells_check_feature_size_and_state_shape():
    with pytest.raises(ValueError, match="input has 3 features"):
        LSTMCell(4, 8)(torch.randn(2, 3))
    with pytest.raises(ValueError, match=r"c has shape \(2, 7\) but this input needs \(2, 8\)"):
        LSTMCell(4, 8)(torch.randn(2, 4), (torch.zeros(2, 8), torch.zeros(2, 7)))
    with pytest.raises(ValueError, match="got a 3-D tensor"):
        RNNCell(4, 8)(torch.randn(1, 2, 4))


@pytest.mark.parametrize("kwargs,needle", [
    ({"init": "orthogonal"}, "init must be 'default' or 'chrono'"),
    ({"init": "chrono"}, "needs t_max"),
    ({"t_max": 100}, "only used by init='chrono'"),
    ({"init": "chrono", "t_max": 100, "forget_bias": 1.0}, "not both"),
    ({"bias": False, "forget_bias": 1.0}, "need bias=True"),
    ({"init": "chrono", "t_max": 2}, "t_max >= 3"),
    ({"proj_size": 8}, r"proj_size must be smaller than hidden_size .* got proj_size=8 with hidden_size=8; use proj_size=0"),
    ({"proj_size": -1}, r"proj_size must be an integer >= 0 \(0: no projection\), got -1"),
    ({"dropout": 1.5}, "dropout must be a probability"),
    ({"num_layers": 0}, "num_layers must be an integer >= 1"),
])
def test_lstm_constructor_rejects_inconsistent_options(kwargs, needle):
    with pytest.raises(ValueError, match=needle):
        LSTM(4, 8, **kwargs)


def test_classifier_rejects_unknown_cell_and_float_token_ids():
    with pytest.raises(ValueError, match=r"cell must be one of \('lstm', 'rnn'\), got 'gru'"):
        SequenceClassifier(8, 4, 8, 2, cell="gru")
    model = SequenceClassifier(8, 4, 8, 2)
    with pytest.raises(TypeError, match=r"integer token ids \(torch.long\), got dtype torch.float32"):
        model(torch.zeros(2, 5))
    with pytest.raises(ValueError, match=r"shape \(batch, time\), got a 1-D tensor of shape \(5\)"):
        model(torch.zeros(5, dtype=torch.long))
    with pytest.raises(ValueError, match=r"contains id 9, outside the vocabulary \[0, 8\)"):
        model(torch.full((2, 5), 9))
    with pytest.raises(ValueError, match="needs cell='lstm'"):
        SequenceClassifier(8, 4, 8, 2, cell="rnn")(torch.zeros(2, 5, dtype=torch.long), return_gates=True)


def test_seq2seq_rejects_all_padding_source():
    model = Seq2Seq(13, 13, 4, 8)
    with pytest.raises(ValueError, match="at least one non-padding token"):
        model.greedy_decode(torch.zeros(2, 5, dtype=torch.long), max_len=3)
