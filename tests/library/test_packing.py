"""PackedSequence in, PackedSequence out: LSTM, GRU and RNN run every sequence over its own steps, as torch.nn does."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import torch
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pack_sequence, pad_packed_sequence

from conftest import max_abs_diff
from lstm_book import GRU, LSTM, RNN, packing
from lstm_book.bptt import LSTMLayerFunction
from lstm_book.bptt_gru import GRULayerFunction

DT = torch.float64
TOL = 1e-10
ROOT = Path(__file__).resolve().parents[2]
KINDS = {"LSTM": (LSTM, torch.nn.LSTM), "GRU": (GRU, torch.nn.GRU), "RNN": (RNN, torch.nn.RNN)}


def _configs(kind: str, n: int, seed: int) -> list[dict]:
    """A seeded sweep: random lengths, both enforce_sorted, 1–3 layers, both directions, batch_first
    both ways, with and without an initial state (and a projection for some LSTMs)."""
    rnd = random.Random(seed)
    out = []
    for k in range(n):
        T, B = rnd.randint(1, 6), rnd.randint(1, 4)
        H = rnd.randint(2, 4)
        cfg = dict(
            kind=kind, num_layers=1 + k % 3, bidirectional=k % 2 == 0, batch_first=rnd.random() < 0.5,
            enforce_sorted=(k // 2) % 2 == 0, given_state=(k // 4) % 2 == 0, bias=rnd.random() < 0.8,
            T=T, B=B, I=rnd.randint(1, 3), H=H, lengths=[rnd.randint(1, T) for _ in range(B)], extra={},
        )
        if kind == "LSTM" and k % 3 == 1:
            cfg["extra"] = {"proj_size": rnd.randint(1, H - 1)}
        if kind == "RNN":
            cfg["extra"] = {"nonlinearity": rnd.choice(["tanh", "relu"])}
        if cfg["enforce_sorted"]:
            cfg["lengths"].sort(reverse=True)
        out.append(cfg)
    return out


SWEEP = _configs("LSTM", 36, 1) + _configs("GRU", 24, 2) + _configs("RNN", 12, 3)


def _name(cfg: dict) -> str:
    return ("{kind}-L{num_layers}-bi{bidirectional:d}-bf{batch_first:d}-sorted{enforce_sorted:d}-s{given_state:d}"
            "-b{bias:d}-len{lengths}".format(**cfg).replace(" ", "") + "".join(f"-{k}{v}" for k, v in cfg["extra"].items()))


def _run(model, x, lengths, cfg, state, weights):
    """Pack ``x`` (a leaf), run ``model``, and return what it gave plus the gradient of a loss that
    reaches every output row and every final state with distinct weights."""
    packed = pack_padded_sequence(x, torch.tensor(lengths), batch_first=cfg["batch_first"],
                                  enforce_sorted=cfg["enforce_sorted"])
    given = None if state is None else (state if len(state) > 1 else state[0])
    output, finals = model(packed, given)
    finals = finals if isinstance(finals, tuple) else (finals,)
    loss = (output.data * weights[0]).sum() + sum((s * w).sum() + (s ** 2).sum() for s, w in zip(finals, weights[1:]))
    leaves = [x, *model.parameters()] + (list(state) if state is not None else [])
    return output, finals, torch.autograd.grad(loss, leaves)


@pytest.mark.parametrize("cfg", SWEEP, ids=_name)
def test_packed_input_matches_torch_outputs_states_and_all_gradients(cfg):
    """Float64: output rows, h_n/c_n (in the caller's order) and the gradients of the padded input, the
    initial state and every parameter equal torch.nn's to 1e-10, on both backward paths; the output
    is a PackedSequence with the input's batch_sizes and indices; inference gives the same values."""
    ours_cls, ref_cls = KINDS[cfg["kind"]]
    kw = dict(num_layers=cfg["num_layers"], bias=cfg["bias"], batch_first=cfg["batch_first"],
              bidirectional=cfg["bidirectional"], **cfg["extra"])
    torch.manual_seed(len(_name(cfg)))
    ref = ref_cls(cfg["I"], cfg["H"], **kw).to(DT)
    paths = ["manual", "autograd"] if cfg["kind"] != "RNN" else [None]
    models = [ours_cls(cfg["I"], cfg["H"], **kw, **({} if p is None else {"backward": p})).to(DT) for p in paths]
    for m in models:
        m.load_state_dict(ref.state_dict())
    T, B, I, H = cfg["T"], cfg["B"], cfg["I"], cfg["H"]
    x = torch.randn((B, T, I) if cfg["batch_first"] else (T, B, I), dtype=DT, requires_grad=True)
    LD = cfg["num_layers"] * (2 if cfg["bidirectional"] else 1)
    sizes = (cfg["extra"].get("proj_size") or H, H)[: 2 if cfg["kind"] == "LSTM" else 1]
    state = tuple(torch.randn(LD, B, s, dtype=DT, requires_grad=True) for s in sizes) if cfg["given_state"] else None
    N, D = sum(cfg["lengths"]), (2 if cfg["bidirectional"] else 1)
    weights = [torch.randn(N, D * sizes[0], dtype=DT)] + [torch.randn(LD, B, s, dtype=DT) for s in sizes]
    out_ref, fin_ref, g_ref = _run(ref, x, cfg["lengths"], cfg, state, weights)
    for m in models:
        out, fin, g = _run(m, x, cfg["lengths"], cfg, state, weights)
        assert isinstance(out, PackedSequence)
        for a, b in zip(out[1:], out_ref[1:]):  # batch_sizes, sorted_indices, unsorted_indices
            assert (a is None and b is None) or torch.equal(a, b)
        assert max_abs_diff(out.data, out_ref.data) <= TOL
        for a, b in zip(fin, fin_ref):
            assert max_abs_diff(a, b) <= TOL
        for a, b in zip(g, g_ref):
            assert max_abs_diff(a, b) <= TOL
        with torch.no_grad():  # the inference path (nothing kept) gives the same values
            packed = pack_padded_sequence(x, torch.tensor(cfg["lengths"]), batch_first=cfg["batch_first"],
                                          enforce_sorted=cfg["enforce_sorted"])
            out2, fin2 = m(packed, None if state is None else (state if len(state) > 1 else state[0]))
        fin2 = fin2 if isinstance(fin2, tuple) else (fin2,)
        assert max_abs_diff(out2.data, out_ref.data) <= TOL
        for a, b in zip(fin2, fin_ref):
            assert max_abs_diff(a, b) <= TOL


@pytest.mark.parametrize("cls,backward", [(LSTM, "manual"), (LSTM, "autograd"), (GRU, "manual"), (GRU, "autograd"),
                                          (RNN, None)])
def test_each_sequence_in_a_packed_batch_gives_what_it_gives_alone(cls, backward):
    """Without reference to torch: every sequence of a packed (unsorted) batch gets the outputs and
    final states it gets when run alone with its own row of h_0 — the forward direction stops at its
    last real step, the reverse direction starts there."""
    kw = {} if backward is None else {"backward": backward}
    model = cls(3, 4, num_layers=2, bidirectional=True, **kw).to(DT)
    seqs = [torch.randn(n, 3, dtype=DT) for n in (2, 5, 1, 4)]
    n_states = 2 if cls is LSTM else 1
    state = tuple(torch.randn(4, len(seqs), 4, dtype=DT) for _ in range(n_states))
    output, finals = model(pack_sequence(seqs, enforce_sorted=False), state if n_states == 2 else state[0])
    finals = finals if isinstance(finals, tuple) else (finals,)
    padded, lengths = pad_packed_sequence(output)
    for b, seq in enumerate(seqs):
        own = tuple(s[:, b : b + 1] for s in state)
        alone, alone_finals = model(seq.unsqueeze(1), own if n_states == 2 else own[0])
        alone_finals = alone_finals if isinstance(alone_finals, tuple) else (alone_finals,)
        assert lengths[b] == len(seq)
        assert max_abs_diff(padded[: len(seq), b], alone[:, 0]) <= TOL
        assert padded[len(seq) :, b].abs().max() == 0 if len(seq) < padded.shape[0] else True  # padding is zero
        for got, want in zip(finals, alone_finals):
            assert max_abs_diff(got[:, b], want[:, 0]) <= TOL


def test_batch_first_does_not_change_packed_input_or_the_states():
    """A PackedSequence has its own layout: a batch_first model returns the same packed output and states."""
    a, b = LSTM(3, 4, batch_first=True).to(DT), LSTM(3, 4).to(DT)
    b.load_state_dict(a.state_dict())
    packed = pack_sequence([torch.randn(n, 3, dtype=DT) for n in (3, 1, 2)], enforce_sorted=False)
    (out_a, (h_a, c_a)), (out_b, (h_b, c_b)) = a(packed), b(packed)
    assert torch.equal(out_a.data, out_b.data) and torch.equal(h_a, h_b) and h_a.shape == (1, 3, 4)


def test_packed_helpers_reverse_sequences_and_find_their_last_and_previous_rows():
    seqs = [torch.arange(n, dtype=DT).unsqueeze(1) + 100 * k for k, n in enumerate([4, 2, 5, 1, 4])]
    packed = pack_sequence(seqs, enforce_sorted=False)
    sizes = packed.batch_sizes.tolist()
    rows = packing.reversed_rows(sizes)
    assert torch.equal(packed.data[rows], pack_sequence([s.flip(0) for s in seqs], enforce_sorted=False).data)
    assert torch.equal(rows[rows], torch.arange(len(rows)))  # reversing twice is the identity
    lengths = packing.lengths(sizes)
    assert lengths.tolist() == sorted([4, 2, 5, 1, 4], reverse=True)
    last = packed.data[packing.last_rows(sizes)].squeeze(1)  # each sorted sequence's last value
    assert last.tolist() == [seqs[k][-1].item() for k in packed.sorted_indices.tolist()]
    prev = packed.data[packing.previous_rows(sizes)].squeeze(1)
    assert torch.equal(prev + 1, packed.data[sizes[0] :].squeeze(1))  # each value follows its predecessor


@pytest.mark.parametrize("proj", [False, True])
@pytest.mark.parametrize("bias", [True, False])
def test_gradcheck_lstm_layer_function_on_packed_rows(proj, bias):
    """Finite differences agree with the hand-written backward on a packed batch (forward direction:
    lstm_layer reads the reverse direction by reversing the sequences in place)."""
    g = torch.Generator().manual_seed(int(proj) + 2 * int(bias))
    H, P, I = 3, (2 if proj else 3), 2
    sizes = [3, 3, 2, 1]

    def r(*shape):
        return (torch.rand(*shape, generator=g, dtype=DT) * 2 - 1).requires_grad_()
    inputs = [r(sum(sizes), I), r(3, P), r(3, H), r(4 * H, I), r(4 * H, P)]
    inputs += [r(4 * H), r(4 * H)] if bias else [None, None]
    w_hr = r(P, H) if proj else None
    assert torch.autograd.gradcheck(
        lambda *a: LSTMLayerFunction.apply(*a[:7], False, a[7], sizes), (*inputs, w_hr), eps=1e-6, atol=1e-7, rtol=1e-5)


@pytest.mark.parametrize("reverse", [False, True])
def test_gradcheck_gru_layer_function_on_packed_rows(reverse):
    from lstm_book.bptt_gru import gru_layer
    g = torch.Generator().manual_seed(3 + int(reverse))
    sizes = [3, 2, 2, 1]

    def r(*shape):
        return (torch.rand(*shape, generator=g, dtype=DT) * 2 - 1).requires_grad_()
    inputs = (r(sum(sizes), 2), r(3, 3), r(9, 2), r(9, 3), r(9), r(9))
    assert torch.autograd.gradcheck(
        lambda *a: gru_layer(*a, reverse=reverse, batch_sizes=sizes), inputs, eps=1e-6, atol=1e-7, rtol=1e-5)
    assert torch.autograd.gradcheck(
        lambda *a: GRULayerFunction.apply(*a, False, sizes), inputs, eps=1e-6, atol=1e-7, rtol=1e-5)


def test_batch_sizes_table_on_the_packing_page_is_generated_from_the_code():
    """docs/figures/packing_table.md is what packing.batch_sizes_table writes (regenerate_figures part1)."""
    fragment = ROOT / "docs" / "figures" / "packing_table.md"
    assert fragment.read_text() == packing.batch_sizes_table([4, 2, 1])
    assert "| 0 | 3 | 0–2 |" in fragment.read_text()
