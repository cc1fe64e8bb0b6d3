"""The explanatory diagrams of every part (:mod:`lstm_book.diagrams`): code in, SVG out, light and dark.

Nothing is trained or measured; the temporal-order strip draws the gates page's example sequence,
read from the ``gates`` section, so this experiment comes after ``gates`` in the registry.
"""

from __future__ import annotations

from .. import diagrams
from .core import Output, Setting, SvgOutput

NAME = "diagrams"
DEFAULT = True


def specs(setting: Setting) -> list:
    return []


def measure(setting: Setting, runs, results) -> dict:
    return {}


def render(results: dict) -> list[Output]:
    example = results["gates"]["example"]
    config = {"example": results["gates"]["model"], "example_index": results["gates"]["example_index"]}
    return [SvgOutput(f"diagrams/{name}", text, config) for name, text in diagrams.render_all(example).items()]
