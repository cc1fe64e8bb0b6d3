"""The head's input of exercises/final_states.py against h_n: ``pytest exercises/test_final_states.py``."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

EXERCISE = "final_states"
I, H = 3, 4
f64 = torch.float64


def run(lengths: list[int], bidirectional: bool, num_layers: int = 1, seed: int = 0):
    """A packed batch through torch.nn.LSTM: its padded output and the top layer's h_n, as the head reads it."""
    torch.manual_seed(seed)
    lstm = nn.LSTM(I, H, num_layers=num_layers, bidirectional=bidirectional, dtype=f64)
    x = torch.randn(max(lengths), len(lengths), I, dtype=f64)
    with torch.no_grad():
        packed_out, (h_n, _) = lstm(pack_padded_sequence(x, torch.tensor(lengths), enforce_sorted=False))
    output, _ = pad_packed_sequence(packed_out)
    top = h_n[-2:] if bidirectional else h_n[-1:]
    return output, torch.tensor(lengths), torch.cat(list(top), dim=1)


def check(exercise, lengths, bidirectional, num_layers=1, seed=0):
    output, lengths, expected = run(lengths, bidirectional, num_layers, seed)
    got = exercise.final_states(output, lengths, bidirectional)
    assert got.shape == expected.shape, f"expected {tuple(expected.shape)} (B, D·H), got {tuple(got.shape)}"
    torch.testing.assert_close(got, expected, msg=lambda report: (
        "not the state the head reads (h_n): the forward state at each sequence's own last step, "
        f"the reverse one at step 0\n{report}"))


def test_one_direction_sequences_of_different_lengths(exercise):
    check(exercise, [5, 2, 4], bidirectional=False)


def test_two_directions(exercise):
    check(exercise, [3, 6, 1, 6], bidirectional=True, seed=1)


def test_the_top_layer_of_a_stack(exercise):
    check(exercise, [4, 1, 3], bidirectional=True, num_layers=2, seed=2)
