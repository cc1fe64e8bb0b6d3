"""Part 2's illustrations: what packing does to a batch of variable-length sequences (no training)."""

from __future__ import annotations

from lstm_book import packing
from lstm_book.book.pipeline.interface import Experiment, Fragment, Output, Setting

PACKING_EXAMPLE = (4, 2, 1)  # sequence lengths of the packing page's table


def specs(setting: Setting) -> list:
    return []


def measure(setting: Setting, runs, results) -> dict:
    return {"packing": {"lengths": list(PACKING_EXAMPLE)}}


def render(results: dict) -> list[Output]:
    return [Fragment("packing_table", packing.batch_sizes_table(results["packing"]["lengths"]))]


EXPERIMENT = Experiment(name="part2", default=True, specs=specs, measure=measure, render=render)
