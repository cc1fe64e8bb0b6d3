"""A solution of exercises/greedy.py: greedy decoding with any decoder step."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor


# --8<-- [start:greedy_decode]
def greedy_decode(step: Callable, state, batch_size: int, bos: int, eos: int, pad: int, max_len: int) -> Tensor:
    token = torch.full((batch_size, 1), bos, dtype=torch.long)  # every string starts from BOS
    finished = torch.zeros(batch_size, dtype=torch.bool)
    written = []
    for _ in range(max_len):
        logits, state = step(token, state)
        token = logits.argmax(dim=-1).masked_fill(finished[:, None], pad)  # (B, 1): fed back next step
        written.append(token)
        finished |= token[:, 0] == eos
        if finished.all():
            break
    return torch.cat(written, dim=1)
# --8<-- [end:greedy_decode]
