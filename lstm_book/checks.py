"""Input checks that turn shape and dtype mistakes into one clear sentence.

Each check raises ``ValueError`` (or ``TypeError`` for dtypes) naming what was expected, what
arrived, and how to fix it, instead of letting a matrix product fail deep inside torch.
"""

from __future__ import annotations

import torch
from torch import Tensor


def shape_str(shape: torch.Size | tuple[int, ...]) -> str:
    """``(2, 3, 4)`` for a shape, the way the error messages print it."""
    return "(" + ", ".join(str(s) for s in shape) + ")"


def check_floating(x: Tensor, like: Tensor, who: str, what: str = "input") -> None:
    """``x`` must be a tensor with the same floating dtype as the parameter ``like``."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{who}: {what} must be a torch.Tensor, got {type(x).__name__}")
    if x.dtype != like.dtype:
        raise TypeError(
            f"{who}: {what} has dtype {x.dtype} but the parameters are {like.dtype}; "
            f"convert one of them, e.g. x.to({like.dtype}) or module.to({x.dtype})"
        )


def check_features(x: Tensor, expected: int, who: str, name: str = "input_size", what: str = "input") -> None:
    """The last dimension of ``x`` must be ``expected`` features."""
    if x.shape[-1] != expected:
        raise ValueError(
            f"{who}: {what} has {x.shape[-1]} features in its last dimension "
            f"(shape {shape_str(x.shape)}) but the module was built with {name}={expected}"
        )


def check_state_shape(state: Tensor, expected: tuple[int, ...], who: str, name: str, hint: str = "") -> None:
    """An initial state tensor must have exactly the ``expected`` shape (``hint``: why, if not obvious)."""
    if not isinstance(state, Tensor):
        raise TypeError(f"{who}: {name} must be a torch.Tensor, got {type(state).__name__}")
    if tuple(state.shape) != expected:
        raise ValueError(
            f"{who}: {name} has shape {shape_str(state.shape)} but this input needs "
            f"{shape_str(expected)}" + (f" ({hint})" if hint else "")
        )


def check_token_ids(tokens: Tensor, vocab_size: int, who: str, name: str = "tokens") -> None:
    """``tokens`` must be a 2-D integer tensor ``(B, T)`` with ids in ``[0, vocab_size)``."""
    if not isinstance(tokens, Tensor):
        raise TypeError(f"{who}: {name} must be a torch.Tensor of token ids, got {type(tokens).__name__}")
    if tokens.dtype.is_floating_point or tokens.dtype.is_complex or tokens.dtype == torch.bool:
        raise TypeError(
            f"{who}: {name} must hold integer token ids (torch.long), got dtype {tokens.dtype}; "
            f"convert with {name}.long() if they are whole numbers"
        )
    if tokens.dim() != 2:
        raise ValueError(
            f"{who}: {name} must have shape (batch, time), got a {tokens.dim()}-D tensor of shape "
            f"{shape_str(tokens.shape)}"
        )
    if tokens.numel() and (tokens.min() < 0 or tokens.max() >= vocab_size):
        bad = tokens.max().item() if tokens.max() >= vocab_size else tokens.min().item()
        raise ValueError(f"{who}: {name} contains id {bad}, outside the vocabulary [0, {vocab_size})")
