"""A solution of exercises/finite_differences.py: a gradient by central differences."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor


# --8<-- [start:numerical_gradient]
def numerical_gradient(f: Callable[[Tensor], Tensor], x: Tensor, eps: float = 1e-6) -> Tensor:
    x = x.detach().clone()  # the caller's x stays as it was
    grad = torch.empty_like(x)
    for i in range(x.numel()):
        nudge = torch.zeros_like(x)
        nudge.view(-1)[i] = eps  # ε in entry i, 0 elsewhere
        grad.view(-1)[i] = (f(x + nudge) - f(x - nudge)) / (2 * eps)  # central: error O(ε²)
    return grad
# --8<-- [end:numerical_gradient]
