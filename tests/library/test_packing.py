"""PackedSequence in, PackedSequence out: LSTM, GRU and RNN run every sequence over its own steps, as torch.nn
does. Their twin test on packed batches (sorted and not, both backward paths) is the table's
(tests/library/test_twins.py); here, what holds without torch: each sequence alone, the helpers' row
arithmetic, finite differences on packed rows, and the page's table."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pytest
import torch
from torch.nn.utils.rnn import pack_sequence, pad_packed_sequence
from torch.testing import assert_close

from lstm_book import GRU, LSTM, RNN, packing
from lstm_book.bptt import LSTMLayerFunction
from lstm_book.bptt_gru import GRULayerFunction, gru_layer
from tests.helpers import DT, EXACT, randn, uniform

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("cls,backward", [(LSTM, "manual"), (LSTM, "autograd"), (GRU, "manual"), (GRU, "autograd"),
                                          (RNN, None)])
def test_each_sequence_in_a_packed_batch_gives_what_it_gives_alone(cls, backward):
    """Without reference to torch: every sequence of a packed (unsorted) batch gets the outputs and
    final states it gets when run alone with its own row of h_0 — the forward direction stops at its
    last real step, the reverse direction starts there."""
    kw = {} if backward is None else {"backward": backward}
    model = cls(3, 4, num_layers=2, bidirectional=True, **kw).to(DT)
    seqs = [randn(n, 3) for n in (2, 5, 1, 4)]
    n_states = 2 if cls is LSTM else 1
    state = tuple(randn(4, len(seqs), 4) for _ in range(n_states))
    output, finals = model(pack_sequence(seqs, enforce_sorted=False), state if n_states == 2 else state[0])
    finals = finals if isinstance(finals, tuple) else (finals,)
    padded, lengths = pad_packed_sequence(output)
    for b, seq in enumerate(seqs):
        own = tuple(s[:, b : b + 1] for s in state)
        alone, alone_finals = model(seq.unsqueeze(1), own if n_states == 2 else own[0])
        alone_finals = alone_finals if isinstance(alone_finals, tuple) else (alone_finals,)
        assert lengths[b] == len(seq)
        assert_close(padded[: len(seq), b], alone[:, 0], **EXACT)
        assert not padded[len(seq) :, b].any()  # padding is zero
        assert_close([got[:, b] for got in finals], [want[:, 0] for want in alone_finals], **EXACT)


def test_batch_first_does_not_change_packed_input_or_the_states():
    """A PackedSequence has its own layout: a batch_first model returns the same packed output and states."""
    a, b = LSTM(3, 4, batch_first=True).to(DT), LSTM(3, 4).to(DT)
    b.load_state_dict(a.state_dict())
    packed = pack_sequence([randn(n, 3) for n in (3, 1, 2)], enforce_sorted=False)
    (out_a, (h_a, c_a)), (out_b, (h_b, c_b)) = a(packed), b(packed)
    assert torch.equal(out_a.data, out_b.data) and torch.equal(h_a, h_b) and torch.equal(c_a, c_b)
    assert h_a.shape == (1, 3, 4)


def test_packed_helpers_reverse_sequences_and_find_their_last_and_previous_rows():
    """packing's row arithmetic on a batch whose values say where they come from (100·sequence + step)."""
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
    r = partial(uniform, generator=torch.Generator().manual_seed(int(proj) + 2 * int(bias)))
    H, P, I = 3, (2 if proj else 3), 2
    sizes = [3, 3, 2, 1]
    inputs = [r(sum(sizes), I), r(3, P), r(3, H), r(4 * H, I), r(4 * H, P)]
    inputs += [r(4 * H), r(4 * H)] if bias else [None, None]
    w_hr = r(P, H) if proj else None
    assert torch.autograd.gradcheck(
        lambda *a: LSTMLayerFunction.apply(*a[:7], False, a[7], sizes), (*inputs, w_hr), eps=1e-6, atol=1e-7, rtol=1e-5)


@pytest.mark.parametrize("reverse", [False, True])
def test_gradcheck_gru_layer_function_on_packed_rows(reverse):
    """Finite differences agree with the hand-written GRU backward on a packed batch, in both directions."""
    r = partial(uniform, generator=torch.Generator().manual_seed(3 + int(reverse)))
    sizes = [3, 2, 2, 1]
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
