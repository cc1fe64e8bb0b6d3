"""Drop-in replacements: the attributes and methods of torch.nn's RNN modules that real scripts use, and the
save-best / reload / flatten_parameters() pattern of pytorch/examples' word_language_model."""

from __future__ import annotations

import io
import math
import pickle

import pytest
import torch
from torch import nn
from torch.testing import assert_close

import lstm_book
from lstm_book import GRU, LSTM, RNN
from tests.helpers import EXACT, randn

CASES = [  # (ours, torch.nn's, constructor arguments)
    (LSTM, nn.LSTM, dict(input_size=3, hidden_size=5)),
    (LSTM, nn.LSTM, dict(input_size=3, hidden_size=5, num_layers=2, bidirectional=True, proj_size=2, batch_first=True)),
    (LSTM, nn.LSTM, dict(input_size=3, hidden_size=5, num_layers=3, bias=False, dropout=0.25)),
    (GRU, nn.GRU, dict(input_size=3, hidden_size=5, num_layers=2, bidirectional=True)),
    (GRU, nn.GRU, dict(input_size=3, hidden_size=5, bias=False, batch_first=True)),
    (RNN, nn.RNN, dict(input_size=3, hidden_size=5, num_layers=2, nonlinearity="relu")),
    (RNN, nn.RNN, dict(input_size=3, hidden_size=5, bidirectional=True)),
]
ATTRIBUTES = ("mode", "input_size", "hidden_size", "num_layers", "bias", "batch_first", "dropout", "bidirectional",
              "proj_size", "_flat_weights_names", "_all_weights")


@pytest.mark.parametrize("ours_cls,ref_cls,kw", CASES, ids=lambda c: getattr(c, "__name__", None))
def test_public_attributes_equal_torch(ours_cls, ref_cls, kw):
    ours, ref = ours_cls(**kw), ref_cls(**kw)
    for name in ATTRIBUTES:
        assert getattr(ours, name) == getattr(ref, name), name
    assert repr(ours) == repr(ref)
    ref.load_state_dict(ours.state_dict())
    assert [[tuple(p.shape) for p in ps] for ps in ours.all_weights] == [[tuple(p.shape) for p in ps] for ps in ref.all_weights]
    assert all(a is b for a, b in zip(ours._flat_weights, (getattr(ours, n) for n in ours._flat_weights_names)))
    x = torch.randn(2, 4, 3) if ours.batch_first else torch.randn(4, 2, 3)
    assert ours.get_expected_hidden_size(x, None) == ref.get_expected_hidden_size(x, None)
    before = {k: v.clone() for k, v in ours.state_dict().items()}
    assert ours.flatten_parameters() is None  # a documented no-op, as torch.nn's on the CPU
    assert all(torch.equal(before[k], v) for k, v in ours.state_dict().items())


def test_hx_keyword_and_permute_hidden_work_as_in_torch():
    lstm = LSTM(3, 4, num_layers=2)
    x, state = torch.randn(5, 2, 3), (torch.randn(2, 2, 4), torch.randn(2, 2, 4))
    assert torch.equal(lstm(x, hx=state)[0], lstm(x, state)[0])
    perm = torch.tensor([1, 0])
    assert all(torch.equal(a, b[:, perm]) for a, b in zip(lstm.permute_hidden(state, perm), state))
    gru = GRU(3, 4)
    assert torch.equal(gru(x, hx=torch.zeros(1, 2, 4))[0], gru(x)[0])
    lstm.check_forward_args(x, state, None)
    with pytest.raises(ValueError, match=r"h_0 has shape \(2, 2, 4\) but this input needs \(2, 3, 4\)"):
        lstm.check_forward_args(torch.randn(5, 3, 3), state, None)


@pytest.mark.parametrize("ours_cls,ref_cls,kw", CASES[:4] + CASES[5:6], ids=lambda c: getattr(c, "__name__", None))
def test_whole_module_save_and_load_round_trips(ours_cls, ref_cls, kw):
    """torch.save(model) / torch.load(..., weights_only=False), and weights_only=True with our classes allowed."""
    model = ours_cls(**kw).eval()
    x = torch.randn(2, 4, 3) if model.batch_first else torch.randn(4, 2, 3)
    buf = io.BytesIO()
    torch.save(model, buf)
    for weights_only in (False, True):
        buf.seek(0)
        with torch.serialization.safe_globals([ours_cls]):
            loaded = torch.load(buf, weights_only=weights_only)
        assert type(loaded) is ours_cls and repr(loaded) == repr(model)
        loaded.flatten_parameters()
        a, b = model(x), loaded(x)
        assert torch.equal(a[0], b[0])


def test_weight_norm_parametrization_of_a_recurrent_weight_works_as_on_torch():
    """Parameters are read by name at every call, so torch.nn.utils.parametrizations apply unchanged."""
    from torch.nn.utils.parametrizations import weight_norm
    ref = nn.LSTM(3, 4, num_layers=2).double()
    ours = LSTM(3, 4, num_layers=2).double()
    ours.load_state_dict(ref.state_dict())
    weight_norm(ref, "weight_hh_l0")
    weight_norm(ours, "weight_hh_l0")
    assert list(ours.state_dict()) == list(ref.state_dict())
    x = randn(5, 2, 3)
    g_ref = torch.autograd.grad(ref(x)[0].sum(), ref.parametrizations.weight_hh_l0.original1)
    g_ours = torch.autograd.grad(ours(x)[0].sum(), ours.parametrizations.weight_hh_l0.original1)
    assert_close((ours(x)[0], g_ours), (ref(x)[0], g_ref), **EXACT)


def test_a_module_pickled_before_projections_and_torch_attributes_existed_still_loads():
    """__setstate__ fills in what an older pickle lacks (proj_size, mode, the weight-name lists), as torch.nn does."""
    lstm = LSTM(3, 4, num_layers=2, bidirectional=True)
    state = lstm.__getstate__() if hasattr(lstm, "__getstate__") else dict(lstm.__dict__)
    old = {k: v for k, v in state.items() if k not in ("proj_size", "mode", "_flat_weights_names", "_all_weights")}
    revived = LSTM.__new__(LSTM)
    revived.__setstate__(pickle.loads(pickle.dumps(old)))
    assert revived.proj_size == 0 and revived.mode == "LSTM"
    assert revived._flat_weights_names == lstm._flat_weights_names and revived._all_weights == lstm._all_weights
    x = torch.randn(5, 2, 3)
    assert torch.equal(revived(x)[0], lstm(x)[0])
    rnn = RNN(3, 4, nonlinearity="relu")
    old = {k: v for k, v in rnn.__dict__.items() if k != "mode"}
    revived = RNN.__new__(RNN)
    revived.__setstate__(old)
    assert revived.mode == "RNN_RELU"


# ----- pytorch/examples word_language_model, its pattern in miniature ------------------------------
class RNNModel(nn.Module):
    """word_language_model/model.py's RNNModel, with a pluggable recurrent module library."""

    def __init__(self, lib, rnn_type, ntoken, ninp, nhid, nlayers, dropout=0.5):
        super().__init__()
        self.ntoken, self.rnn_type, self.nhid, self.nlayers = ntoken, rnn_type, nhid, nlayers
        self.drop = nn.Dropout(dropout)
        self.encoder = nn.Embedding(ntoken, ninp)
        if rnn_type in ("LSTM", "GRU"):
            self.rnn = getattr(lib, rnn_type)(ninp, nhid, nlayers, dropout=dropout)
        else:
            nonlinearity = {"RNN_TANH": "tanh", "RNN_RELU": "relu"}[rnn_type]
            self.rnn = lib.RNN(ninp, nhid, nlayers, nonlinearity=nonlinearity, dropout=dropout)
        self.decoder = nn.Linear(nhid, ntoken)

    def forward(self, input, hidden):
        emb = self.drop(self.encoder(input))
        output, hidden = self.rnn(emb, hidden)
        decoded = self.decoder(self.drop(output)).view(-1, self.ntoken)
        return torch.log_softmax(decoded, dim=1), hidden

    def init_hidden(self, bsz):
        weight = next(self.parameters())
        if self.rnn_type == "LSTM":
            return (weight.new_zeros(self.nlayers, bsz, self.nhid), weight.new_zeros(self.nlayers, bsz, self.nhid))
        return weight.new_zeros(self.nlayers, bsz, self.nhid)


def _repackage(h):
    return h.detach() if isinstance(h, torch.Tensor) else tuple(_repackage(v) for v in h)


def _epoch(model, data, bptt, lr, train):
    """main.py's train() (manual SGD, clipping, truncated BPTT) or evaluate(); returns the mean loss."""
    model.train(train)
    hidden, total = model.init_hidden(data.size(1)), 0.0
    with torch.set_grad_enabled(train):
        for i in range(0, data.size(0) - 1, bptt):
            seq_len = min(bptt, len(data) - 1 - i)
            x, target = data[i : i + seq_len], data[i + 1 : i + 1 + seq_len].reshape(-1)
            hidden = _repackage(hidden)
            model.zero_grad()
            output, hidden = model(x, hidden)
            loss = nn.functional.nll_loss(output, target)
            if train:
                loss.backward()
                nn.utils.clip_grad_norm_(model.parameters(), 0.25)
                for p in model.parameters():
                    p.data.add_(p.grad, alpha=-lr)
            total += seq_len * loss.item()
    return total / (len(data) - 1)


def _corpus(n=600, vocab=12, seed=0):
    """A tiny synthetic corpus with structure to learn: each token mostly predicts the next."""
    g = torch.Generator().manual_seed(seed)
    tokens = [0]
    for _ in range(n - 1):
        tokens.append((tokens[-1] + 1) % vocab if torch.rand(1, generator=g) < 0.8 else int(torch.randint(vocab, (1,), generator=g)))
    return torch.tensor(tokens).view(10, -1).t().contiguous()  # batchify(…, 10): (steps, batch)


@pytest.mark.parametrize("rnn_type", ["LSTM", "GRU", "RNN_TANH"])
def test_word_language_model_trains_saves_reloads_flattens_and_continues(rnn_type, tmp_path):
    """Two epochs, save the best whole model, torch.load it (with main.py's safe_globals plus ours),
    flatten_parameters(), evaluate, and go on training — the sequence that crashes without the
    torch.nn attributes. With dropout off and float64 the losses equal torch.nn's module, step for step."""
    data = _corpus()
    torch.manual_seed(1111)
    reference = RNNModel(nn, rnn_type, 12, 8, 16, 2, dropout=0.0).double()
    ours = RNNModel(lstm_book, rnn_type, 12, 8, 16, 2, dropout=0.0).double()
    ours.load_state_dict(reference.state_dict())
    curves = {}
    for name, model in (("ours", ours), ("torch", reference)):
        best, losses = None, []
        for _ in range(2):
            losses.append(_epoch(model, data[:40], 7, 5.0, train=True))
            val = _epoch(model, data[40:], 7, 5.0, train=False)
            losses.append(val)
            if best is None or val < best:
                torch.save(model, tmp_path / f"{name}.pt")
                best = val
        allowed = [RNNModel, nn.Dropout, nn.Linear, nn.Embedding, nn.GRU, nn.LSTM, nn.RNN, lstm_book.LSTM,
                   lstm_book.GRU, lstm_book.RNN]
        with torch.serialization.safe_globals(allowed):
            model = torch.load(tmp_path / f"{name}.pt")
        model.rnn.flatten_parameters()
        losses.append(_epoch(model, data[40:], 7, 5.0, train=False))
        assert losses[-1] == best  # the reloaded model is the one saved
        losses.append(_epoch(model, data[:40], 7, 5.0, train=True))  # and it trains on
        curves[name] = losses
    assert all(math.isfinite(v) for v in curves["ours"]) and curves["ours"][-1] < math.log(12)  # it learned something
    assert_close(curves["ours"], curves["torch"], rtol=0, atol=1e-9)


def test_word_language_model_with_dropout_runs_the_same_pattern(tmp_path):
    torch.manual_seed(0)
    model = RNNModel(lstm_book, "LSTM", 12, 8, 16, 2, dropout=0.2)
    data = _corpus(seed=1)
    _epoch(model, data[:40], 7, 5.0, train=True)
    torch.save(model, tmp_path / "model.pt")
    model = torch.load(tmp_path / "model.pt", weights_only=False)
    model.rnn.flatten_parameters()
    assert math.isfinite(_epoch(model, data[40:], 7, 5.0, train=False))
    assert math.isfinite(_epoch(model, data[:40], 7, 5.0, train=True))
    assert model.rnn.all_weights[0][1] is model.rnn.weight_hh_l0
