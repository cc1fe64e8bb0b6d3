"""Which code the exercise tests check: your ``exercises/<name>.py`` (the default), or the reference
solution ``exercises/solutions/<name>.py`` when ``LSTM_BOOK_EXERCISES=solutions``.

Each test module names its exercise (``EXERCISE = "peephole"``); its tests take the module under
test as the argument ``exercise``.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType

import pytest
import torch

torch.set_num_threads(1)  # tiny tensors: threads only add overhead


def load(name: str) -> ModuleType:
    package = "exercises.solutions" if os.environ.get("LSTM_BOOK_EXERCISES") == "solutions" else "exercises"
    return importlib.import_module(f"{package}.{name}")


@pytest.fixture
def exercise(request) -> ModuleType:
    return load(request.module.EXERCISE)
