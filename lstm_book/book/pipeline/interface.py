"""What every experiment module shares: the setting it runs in, the outputs it returns, its errors.

An experiment module (``lstm_book/book/experiments/<name>.py``) holds one experiment and nothing else:

* ``NAME`` — its name on the command line (``--only NAME``) and in ``results.json``;
* ``DEFAULT`` — whether it runs without ``--only`` (the expensive tiers run only when named);
* ``Budget`` — a small frozen dataclass of sizes, with ``QUICK`` and ``FULL`` instances;
* ``specs(setting)`` — the training runs it needs, so the worker pool can train them up front
  (and optionally ``follow_up(setting)``, runs that finished runs unlock);
* ``measure(setting, runs, results)`` — trains or loads its runs through the shared cache
  (:class:`lstm_book.book.pipeline.cache.Runs`) and returns its ``results.json`` sections;
* ``render(results)`` — a pure function of ``results.json`` (no model, no file): its figures and
  Markdown fragments, so every output can be redrawn from a committed ``results.json`` alone;
* optionally ``EXPORTS`` and ``exports(setting, runs, results)`` — files made from a trained model
  that ``results.json`` cannot hold (the explorer's weights, the executed notebooks), written by the
  runner after ``measure``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeVar

from matplotlib.figure import Figure

B = TypeVar("B")


class UserError(Exception):
    """A mistake in the command line or the environment: reported in one sentence, exit status 2."""


@dataclass(frozen=True)
class Setting:
    """What an experiment is asked to do: the budget tier (``--quick`` or full) and the base seed."""

    quick: bool = False
    seed: int = 0

    def budget(self, quick: B, full: B) -> B:
        """The budget of this tier: ``quick`` with ``--quick``, else ``full``."""
        return quick if self.quick else full

    def seeds(self, n: int) -> list[int]:
        """Seed ``k`` of a group of ``n`` runs is ``seed + k``."""
        return [self.seed + k for k in range(n)]


@dataclass(frozen=True)
class FigureOutput:
    """A matplotlib figure to save as ``<out>/<name>`` with a provenance sidecar ``<stem>.json``."""

    name: str
    figure: Figure
    config: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Fragment:
    """A Markdown fragment ``<out>/<name>.md`` that a page includes with ``--8<--``."""

    name: str
    text: str


@dataclass(frozen=True)
class SvgOutput:
    """An SVG drawn by code (:mod:`lstm_book.book.experiments.diagrams`), saved as ``<out>/<name>`` with a sidecar like a figure's."""

    name: str
    text: str
    config: dict = field(default_factory=dict)


@dataclass(frozen=True)
class DataOutput:
    """A JSON file the site serves (``<out>/<name>``), with a sidecar ``<stem>.provenance.json``."""

    name: str
    data: dict
    config: dict = field(default_factory=dict)


@dataclass(frozen=True)
class NotebookOutput:
    """An executed notebook (``.ipynb`` text), saved as ``<out>/../notebooks/<name>``: in the notebooks folder
    beside the figures folder, where its ``.py`` source lives. Its provenance is in its own metadata."""

    name: str
    text: str


Output = FigureOutput | Fragment | SvgOutput | DataOutput | NotebookOutput
