"""How an LSTM's forget gate starts: one value object per initialisation, named once for the whole book.

Every experiment, table and figure names an initialisation through :class:`Init`: its ``key`` (in
``results.json`` and run names), its ``label`` (in prose and legends), its ``symbol`` (next to
equations), its ``sentence`` (what it does to σ(b_f)) and its ``colour`` (the same in every figure).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from lstm_book.book import palette

# One colour per initialisation across all figures (their meanings: lstm_book.book.palette.MEANINGS).
COLOURS = {"torch": palette.ORANGE, "0": palette.ORANGE, "1": palette.SKY, "chrono": palette.BLUE}


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


@dataclass(frozen=True)
class Init:
    """A forget-gate initialisation: torch's default, a constant effective bias, or chrono (Eq. 10)."""

    kind: str  # "torch", "bias" or "chrono"
    bias: float | None = None  # the constant effective bias b_f (kind "bias")

    @classmethod
    def parse(cls, key: str | float) -> Init:
        """From a key: ``"torch"``, ``"chrono"``, or a number (a constant effective bias)."""
        if key in ("torch", "chrono"):
            return cls(str(key))
        return cls("bias", float(key))

    @property
    def key(self) -> str:
        return f"{self.bias:g}" if self.kind == "bias" else self.kind

    @property
    def colour(self) -> str:
        return COLOURS.get(self.key, palette.PURPLE)  # any larger constant bias

    def label(self, t: int | str = "T") -> str:
        """Its name in prose and legends; ``t`` is chrono's T_max (a number, or "T")."""
        if self.kind == "chrono":
            return f"chrono (T_max = {t})"
        if self.kind == "torch":
            return "torch's default init"
        return f"forget bias {self.key}"

    @property
    def symbol(self) -> str:
        """Its name beside the equations: ``b_f = 1``, ``chrono``, ``torch``."""
        return f"b_f = {self.key}" if self.kind == "bias" else self.kind

    def sentence(self, t: int | str, cell: str = "lstm") -> str:
        """What it does to the forget gate (the GRU's update gate) at the start; ``t`` is the sequence length."""
        if cell == "gru":
            return self._gru_sentence(t)
        if self.kind == "chrono" and isinstance(t, str):
            return (f"chrono (Tallec & Ollivier 2018): each unit's b_f = log u with u ~ U(1, {t} − 1), and b_i = −b_f; "
                    f"so σ(b_f) starts between 0.5 and 1 − 1/{t}, a spread of memory time scales up to {t}")
        if self.kind == "chrono":
            return (f"chrono (Tallec & Ollivier 2018): each unit's b_f = log u with u ~ U(1, {t - 1}), and b_i = −b_f; "
                    f"so σ(b_f) starts between 0.5 and {1 / (1 + 1 / (t - 1)):.2f}, a spread of memory time scales up to T")
        if self.kind == "torch":
            return ("torch's default: b_ih and b_hh each uniform on ±1/√H, so the effective b_f is near 0 "
                    "and σ(b_f) ≈ 0.5 at the start")
        return f"constant effective bias {self.key}, so σ(b_f) = {sigmoid(self.bias):.3f} at the start"

    def _gru_sentence(self, t: int | str) -> str:
        if self.kind == "chrono":
            return (f"chrono for the update gate: each unit's b_z = log u with u ~ U(1, {t} − 1), so σ(b_z) starts "
                    f"between 0.5 and 1 − 1/{t}, a spread of memory time scales up to {t} (Eq. 20 keeps z_t of h_{{t−1}})")
        if self.kind == "torch":
            return ("torch's default: biases uniform on ±1/√H, so the effective update-gate bias b_z is near 0 and "
                    "σ(b_z) ≈ 0.5 at the start")
        raise ValueError(f"a GRU has no constant-bias initialisation here, got {self.key}")

    def spec_fields(self) -> dict:
        """The :class:`lstm_book.book.pipeline.run_spec.RunSpec` fields that select it."""
        if self.kind == "chrono":
            return {"init": "chrono", "forget_bias": None}
        return {"init": "default", "forget_bias": self.bias}

    @classmethod
    def of_spec(cls, spec) -> Init:
        """The initialisation of an LSTM run spec (the inverse of :meth:`spec_fields`)."""
        if spec.init == "chrono":
            return cls("chrono")
        return cls("torch") if spec.forget_bias is None else cls("bias", float(spec.forget_bias))


CHRONO, TORCH = Init("chrono"), Init("torch")
