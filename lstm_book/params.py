"""Counting parameters: what a model really holds, and the closed form it should match."""

from __future__ import annotations

from torch import nn


# --8<-- [start:formula]
def recurrent_parameter_formula(
    input_size: int, hidden_size: int, num_layers: int = 1, bidirectional: bool = False,
    bias: bool = True, num_gates: int = 4,
) -> int:
    """Closed-form parameter count of a stacked recurrent layer with ``num_gates`` gate blocks.

    Per layer and direction: ``G·H·(I + H)`` weights plus ``2·G·H`` biases (PyTorch keeps two bias
    vectors), where ``I`` is ``input_size`` for the first layer and ``D·H`` above it.
    For the LSTM (``G = 4``) that is ``4H(I + H) + 8H``; for the vanilla RNN (``G = 1``) ``H(I + H) + 2H``.
    """
    D = 2 if bidirectional else 1
    G, H = num_gates, hidden_size
    total = 0
    for layer in range(num_layers):
        I = input_size if layer == 0 else D * H
        total += D * (G * H * (I + H) + (2 * G * H if bias else 0))
    return total
# --8<-- [end:formula]


def lstm_parameter_formula(
    input_size: int, hidden_size: int, num_layers: int = 1, bidirectional: bool = False, bias: bool = True
) -> int:
    """``4H(I + H) + 8H`` per layer and direction (see :func:`recurrent_parameter_formula`)."""
    return recurrent_parameter_formula(input_size, hidden_size, num_layers, bidirectional, bias, num_gates=4)


def rnn_parameter_formula(
    input_size: int, hidden_size: int, num_layers: int = 1, bidirectional: bool = False, bias: bool = True
) -> int:
    """``H(I + H) + 2H`` per layer and direction (see :func:`recurrent_parameter_formula`)."""
    return recurrent_parameter_formula(input_size, hidden_size, num_layers, bidirectional, bias, num_gates=1)


def count_parameters(model: nn.Module) -> dict[str, int]:
    """Trainable parameters per top-level component (``embedding``, ``rnn``, ``head``, …) and ``total``.

    A module with no children (a bare ``LSTM``) reports its own parameters under ``"self"``.
    """
    counts = {name: sum(p.numel() for p in child.parameters() if p.requires_grad)
              for name, child in model.named_children()}
    own = sum(p.numel() for p in model.parameters(recurse=False) if p.requires_grad)
    if own or not counts:
        counts["self"] = own
    counts["total"] = sum(counts.values())
    return counts
