"""lstm_book: LSTMs from first principles — the code behind every listing and figure of the book."""

from .cell import GRUCell, LSTMCell, RNNCell, gru_step, lstm_step, rnn_step
from .layers import GRU, LSTM, RNN
from .models import Seq2Seq, SequenceClassifier, exact_match
from .params import count_parameters, lstm_parameter_formula, recurrent_parameter_formula, rnn_parameter_formula

__all__ = [
    "GRU", "GRUCell", "LSTM", "LSTMCell", "RNN", "RNNCell", "Seq2Seq", "SequenceClassifier",
    "count_parameters", "exact_match", "gru_step", "lstm_parameter_formula", "lstm_step",
    "recurrent_parameter_formula", "rnn_parameter_formula", "rnn_step",
]
