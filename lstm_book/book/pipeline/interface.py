"""The experiment interface, written down as types: what an experiment is, the setting it runs in, its outputs.

An experiment (``lstm_book/book/experiments/<name>.py``, or a subpackage when it needs helpers) holds one
experiment and nothing else, and ends with one :class:`Experiment` value, ``EXPERIMENT``:

* ``name`` — its name on the command line (``--only NAME``) and in ``results.json``;
* ``default`` — whether it runs without ``--only`` (the expensive tiers run only when named);
* ``budget`` — its sizes, a :class:`Tiers` of two instances of its own frozen ``Budget`` dataclass,
  chosen once for the run by ``BUDGET.of(setting)``;
* ``specs(setting)`` — the training runs it needs, so the worker pool can train them up front;
* ``measure(setting, runs, results)`` — trains or loads its runs through the shared cache
  (:class:`lstm_book.book.pipeline.cache.Runs`) and returns its ``results.json`` sections;
* ``render(results)`` — a pure function of ``results.json`` (no model, no file): its figures and
  Markdown fragments, so every output can be redrawn from a committed ``results.json`` alone;
* ``follow_up(setting)`` (default: none) — returns a function ``(spec, history) -> [specs]``: runs that
  finished runs unlock (the frontier's next length);
* ``exports(setting, runs, results)`` and ``export_names`` (default: none) — files made from a trained
  model that ``results.json`` cannot hold (the explorer's weights, the executed notebooks), written by
  the runner after ``measure``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from matplotlib.figure import Figure

B = TypeVar("B")


class UserError(Exception):
    """A mistake in the command line or the environment: reported in one sentence, exit status 2."""


@dataclass(frozen=True)
class Setting:
    """What an experiment is asked to do: the budget tier (``--quick`` or full) and the base seed."""

    quick: bool = False
    seed: int = 0

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


@dataclass(frozen=True)
class Tiers(Generic[B]):
    """An experiment's two budgets: ``quick`` (``--quick``: every code path on a slice, for tests) and ``full``."""

    quick: B
    full: B

    def of(self, setting: Setting) -> B:
        """The budget of the setting's tier."""
        return self.quick if setting.quick else self.full


Specs = Sequence[Any]  # run specs: RunSpec, LMSpec, Seq2SeqSpec, … (each knows its cache key and how to train)
FollowUp = Callable[[Any, dict], Specs]  # (finished spec, its history) -> the runs it unlocks


def no_follow_up(setting: Setting) -> FollowUp:
    """The default hook: finished runs unlock nothing."""
    return lambda spec, history: []


def no_exports(setting: Setting, runs, results: dict) -> list[Output]:
    """The default hook: nothing is exported from a trained model."""
    return []


@dataclass(frozen=True)
class Experiment:
    """One experiment of the book: the runner's whole view of it (see the module docstring)."""

    name: str
    default: bool
    specs: Callable[[Setting], Specs]
    measure: Callable[[Setting, Any, dict], dict]
    render: Callable[[dict], list[Output]]
    budget: Tiers = Tiers(quick=None, full=None)  # none: nothing to size
    follow_up: Callable[[Setting], FollowUp] = no_follow_up
    exports: Callable[[Setting, Any, dict], list[Output]] = no_exports
    export_names: tuple[str, ...] = ()
