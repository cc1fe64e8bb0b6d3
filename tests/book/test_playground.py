"""The playground experiment: the files the page fetches are the code's, and the default it serves is the
one its rule picked from the committed measurements (the browser runs are in tests/site/)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from lstm_book.book.experiments import playground
from lstm_book.book.pipeline.interface import Setting

ROOT = Path(__file__).resolve().parents[2]
FIGURES = ROOT / "docs" / "figures"


def committed(name: str) -> dict:
    return json.loads((FIGURES / name).read_text(encoding="utf-8"))


def test_the_page_fetches_lstm_book_tasks_constants_and_the_budgets_default():
    """task.json is lstm_book.tasks' (so task.js retypes nothing); demo.json is the full budget's default."""
    assert committed("playground/task.json") == playground.task_json()
    assert committed("playground/demo.json") == playground.demo_config(playground.BUDGET.full, 0)


def test_the_committed_default_is_the_length_the_rule_picked():
    """The default's length was chosen by contrast() from the runs, in PyTorch and in the page, not typed."""
    p = committed("results.json")["playground"]
    assert p["config"]["picked_T"] == p["config"]["demo_T"] == p["demo"]["T"]
    at = {e["key"]: e for e in p["runs"] if e["T"] == p["demo"]["T"] and e["H"] == p["demo"]["hidden"]}
    assert playground.contrast(at, p["browser"]["demo"][str(p["demo"]["T"])])
    shorter = [T for T in p["config"]["lengths"] if T < p["demo"]["T"]]
    for T in shorter:
        runs = {e["key"]: e for e in p["runs"] if e["T"] == T and e["H"] == p["demo"]["hidden"]}
        assert not playground.contrast(runs, p["browser"]["demo"][str(T)]), f"the rule would pick T = {T}"


def test_the_rule_needs_pytorch_and_the_page_to_agree():
    """contrast(): chrono learns in every seed, b_f = 1 fails in most and the RNN in all, and in the page
    the chrono LSTM learns while the other two do not."""
    runs = {"lstm-chrono": {"updates": [50, 75, 75]}, "lstm-1": {"updates": [500, None, None]},
            "rnn": {"updates": [None, None, None]}}
    page = {"reached": [60, None, None]}
    assert playground.contrast(runs, page)
    assert not playground.contrast(runs, {"reached": [60, 150, None]}), "b_f = 1 learned in the page"
    assert not playground.contrast({**runs, "lstm-1": {"updates": [500, 700, None]}}, page)
    assert not playground.contrast({**runs, "lstm-chrono": {"updates": [50, None, 75]}}, page)


@pytest.mark.slow
def test_quick_run_trains_measures_in_chromium_and_writes_what_the_pages_include(tmp_path):
    """--quick --only playground: its runs, the engine timed in headless Chromium, both data files and every fragment."""
    run = subprocess.run([sys.executable, str(ROOT / "scripts" / "regenerate_figures.py"), "--quick", "--only",
                          "playground", "--out", str(tmp_path), "--no-progress"],
                         capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert run.returncode == 0, run.stderr[-3000:]
    p = json.loads((tmp_path / "results.json").read_text())["playground"]
    b = playground.BUDGET.quick
    assert len(p["runs"]) == len(playground.grid(b)) and all(len(e["updates"]) == b.seeds for e in p["runs"])
    assert set(p["browser"]["updates_per_second"]) == {"rnn", "lstm", "gru"}
    assert all(min(r) > 0 for r in p["browser"]["updates_per_second"].values())
    assert set(p["browser"]["demo"]) == {str(T) for T in b.lengths} and p["browser"]["cpu"]
    assert json.loads((tmp_path / "playground" / "task.json").read_text()) == playground.task_json()
    assert json.loads((tmp_path / "playground" / "demo.json").read_text()) == playground.demo_config(b, Setting().seed)
    for name in ("try", "choice", "demo_table", "gru", "bf0", "hidden", "budget", "speed"):
        assert (tmp_path / f"playground_{name}.md").read_text().strip(), name
