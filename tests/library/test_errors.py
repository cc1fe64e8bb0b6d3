"""Bad input gets one clear sentence naming what was expected and what arrived — never a deep traceback."""

from __future__ import annotations

import pytest
import torch

from lstm_book import GRU, LSTM, RNN, LSTMCell, RNNCell, Seq2Seq, SequenceClassifier


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
    with pytest.raises(ValueError, match=r"cell must be one of \('lstm', 'gru', 'rnn'\), got 'transformer'"):
        SequenceClassifier(8, 4, 8, 2, cell="transformer")
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


# ----- packed sequences, projections, GRU ------------------------------------------------------
def _packed(features: int, lengths=(3, 1, 2), dtype=torch.float32):
    from torch.nn.utils.rnn import pack_sequence
    return pack_sequence([torch.randn(n, features, dtype=dtype) for n in lengths], enforce_sorted=False)


@pytest.mark.parametrize("cls", [LSTM, GRU, RNN])
def test_packed_sequence_with_the_wrong_feature_size_is_named(cls):
    with pytest.raises(ValueError, match=r"the packed input has 5 features in its last dimension \(shape \(6, 5\)\) "
                                         r"but the module was built with input_size=4"):
        cls(4, 8)(_packed(5))
    with pytest.raises(TypeError, match=r"the packed input's data has dtype torch.float64"):
        cls(4, 8)(_packed(4, dtype=torch.float64))


def test_packed_sequence_data_must_be_two_dimensional():
    from torch.nn.utils.rnn import pack_padded_sequence
    packed = pack_padded_sequence(torch.randn(3, 2, 1, 4), torch.tensor([3, 2]))
    with pytest.raises(ValueError, match=r"a PackedSequence's data must be 2-D \(steps, input_size\), got shape \(5, 1, 4\)"):
        LSTM(4, 8)(packed)


@pytest.mark.parametrize("cls", [LSTM, GRU, RNN])
def test_initial_state_for_a_packed_batch_must_have_its_number_of_sequences(cls):
    state = torch.zeros(2, 4, 8)  # 4 rows, but the packed batch holds 3 sequences
    with pytest.raises(ValueError, match=r"h_0 has shape \(2, 4, 8\) but this input needs \(2, 3, 8\) \(a PackedSequence's "
                                         r"batch is its number of sequences, batch_sizes\[0\] = 3\)"):
        cls(4, 8, num_layers=2)(_packed(4), (state, torch.zeros(2, 3, 8)) if cls is LSTM else state)


def test_projected_lstm_names_the_projected_state_size():
    lstm = LSTM(4, 8, proj_size=3)
    with pytest.raises(ValueError, match=r"h_0 has shape \(1, 2, 8\) but this input needs \(1, 2, 3\)"):
        lstm(torch.randn(5, 2, 4), (torch.zeros(1, 2, 8), torch.zeros(1, 2, 8)))
    with pytest.raises(ValueError, match=r"c_0 has shape \(1, 2, 3\) but this input needs \(1, 2, 8\)"):
        lstm(torch.randn(5, 2, 4), (torch.zeros(1, 2, 3), torch.zeros(1, 2, 3)))


@pytest.mark.parametrize("cls", [GRU, RNN])
def test_proj_size_is_an_lstm_option_as_in_torch(cls):
    with pytest.raises(ValueError, match=rf"{cls.__name__}: proj_size is only supported by LSTM .* remove proj_size"):
        cls(4, 8, proj_size=2)
    with pytest.raises(ValueError):  # torch.nn raises ValueError too
        getattr(torch.nn, cls.__name__)(4, 8, proj_size=2)
    with pytest.raises(TypeError, match=r"unexpected keyword argument\(s\) 'hiden_size'"):
        cls(4, 8, hiden_size=2)


def test_gate_recording_needs_a_padded_tensor():
    with pytest.raises(ValueError, match="needs a padded tensor, not a PackedSequence; unpack it first"):
        LSTM(4, 8)(_packed(4), return_gates=True)


def test_initial_state_given_twice_is_refused():
    with pytest.raises(TypeError, match="give the initial state once, as state or as hx"):
        GRU(4, 8)(torch.randn(5, 2, 4), torch.zeros(1, 2, 8), hx=torch.zeros(1, 2, 8))


@pytest.mark.parametrize("kwargs,needle", [
    ({"init": "orthogonal"}, "init must be 'default' or 'chrono'"),
    ({"init": "chrono"}, "needs t_max"),
    ({"t_max": 100}, "only used by init='chrono'"),
    ({"init": "chrono", "t_max": 100, "bias": False}, "needs bias=True"),
    ({"init": "chrono", "t_max": 2}, "t_max >= 3"),
    ({"backward": "fast"}, "backward must be 'manual' or 'autograd'"),
])
def test_gru_constructor_rejects_inconsistent_options(kwargs, needle):
    with pytest.raises(ValueError, match=needle):
        GRU(4, 8, **kwargs)


def test_non_boolean_flags_are_a_type_error_as_in_torch():
    with pytest.raises(TypeError, match="bias must be True or False, got 1"):
        LSTM(4, 8, bias=1)
