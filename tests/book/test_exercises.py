"""The coding exercises (exercises/): the tests a reader runs pass on the solutions, fail on the stubs,
catch typical mistakes, and every solution is shown on a page.

Each exercise is a stub ``exercises/NAME.py`` (raises NotImplementedError), a test file
``exercises/test_NAME.py`` whose tests take the module under test as ``exercise``, and a solution
``exercises/solutions/NAME.py``. pytest's ``testpaths`` leave exercises/ out of the suite (the stubs'
tests fail by design), so this file runs those tests: in-process against the solutions, the stubs and
some wrong solutions, and once as a reader would, ``pytest exercises/``, in a subprocess.
"""

from __future__ import annotations

import importlib
import inspect
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from lstm_book.cell import lstm_step

ROOT = Path(__file__).resolve().parents[2]
NAMES = sorted(p.stem.removeprefix("test_") for p in (ROOT / "exercises").glob("test_*.py"))


def module(name: str):
    return importlib.import_module(name)


def exercise_tests(name: str) -> list:
    tests = module(f"exercises.test_{name}")
    return [f for n, f in inspect.getmembers(tests, inspect.isfunction) if n.startswith("test_")]


CASES = [pytest.param(name, test, id=f"{name}-{test.__name__}") for name in NAMES for test in exercise_tests(name)]


def test_every_exercise_has_a_stub_tests_and_a_solution():
    assert {"peephole", "gate_deltas", "carousel"} <= set(NAMES)
    for name in NAMES:
        assert (ROOT / "exercises" / f"{name}.py").is_file() and (ROOT / "exercises" / "solutions" / f"{name}.py").is_file()
        assert module(f"exercises.test_{name}").EXERCISE == name


@pytest.mark.parametrize("name, test", CASES)
def test_the_solution_passes(name, test):
    test(exercise=module(f"exercises.solutions.{name}"))


@pytest.mark.parametrize("name, test", CASES)
def test_the_stub_fails_until_it_is_written(name, test):
    with pytest.raises(NotImplementedError):
        test(exercise=module(f"exercises.{name}"))


# ----- wrong solutions: each must fail at least one of its exercise's tests ---------------------------


def _peephole(output_reads_old_cell=False, swap_i_f=False, ignore=False):
    def step(xw_t, h_prev, c_prev, weight_hh, w_ci, w_cf, w_co):
        if ignore:
            return lstm_step(xw_t, h_prev, c_prev, weight_hh)
        if swap_i_f:
            w_ci, w_cf = w_cf, w_ci
        a_i, a_f, a_g, a_o = torch.addmm(xw_t, h_prev, weight_hh.t()).chunk(4, dim=1)
        i_t, f_t, g_t = torch.sigmoid(a_i + w_ci * c_prev), torch.sigmoid(a_f + w_cf * c_prev), torch.tanh(a_g)
        c_t = f_t * c_prev + i_t * g_t
        o_t = torch.sigmoid(a_o + w_co * (c_prev if output_reads_old_cell else c_t))
        return o_t * torch.tanh(c_t), c_t, (i_t, f_t, g_t, o_t)
    return step


def _gate_deltas(mistake):
    solution = module("exercises.solutions.gate_deltas").gate_deltas

    def deltas(d_h, d_c, c_prev, c_t, gates):
        i, f, g, o = gates
        if mistake == "c_t for c_prev":
            return solution(d_h, d_c, c_t, c_t, gates)
        if mistake == "order f, i, g, o":
            d_i, d_f, d_g, d_o = solution(d_h, d_c, c_prev, c_t, gates).chunk(4, dim=1)
            return torch.cat([d_f, d_i, d_g, d_o], dim=1)
        if mistake == "no sigmoid slope on f":
            d_i, d_f, d_g, d_o = solution(d_h, d_c, c_prev, c_t, gates).chunk(4, dim=1)
            return torch.cat([d_i, d_c * c_prev, d_g, d_o], dim=1)
        if mistake == "δc_t in δa_o":
            return solution(d_c, d_c, c_prev, c_t, gates)
        raise ValueError(mistake)
    return deltas


def _carousel(mistake):
    def factors(f, k):
        T = f.shape[0]
        t = torch.arange(T).view(T, 1, 1)
        keep = t >= k.view(1, -1, 1) if mistake == "includes step k" else torch.ones(T, 1, 1, dtype=torch.bool)
        return torch.where(keep, f, torch.ones_like(f)).prod(0)
    return factors


MUTANTS = [
    ("peephole", "peephole_lstm_step", "the output gate reads c_{t-1}", _peephole(output_reads_old_cell=True)),
    ("peephole", "peephole_lstm_step", "w_ci and w_cf swapped", _peephole(swap_i_f=True)),
    ("peephole", "peephole_lstm_step", "peepholes ignored", _peephole(ignore=True)),
    *[("gate_deltas", "gate_deltas", m, _gate_deltas(m))
      for m in ("c_t for c_prev", "order f, i, g, o", "no sigmoid slope on f", "δc_t in δa_o")],
    *[("carousel", "carousel_factors", m, _carousel(m)) for m in ("includes step k", "every step")],
]


@pytest.mark.parametrize("name, function, mistake, wrong", MUTANTS, ids=[f"{m[0]}: {m[2]}" for m in MUTANTS])
def test_a_wrong_solution_fails_some_test(name, function, mistake, wrong):
    solution = type(sys)("wrong")
    setattr(solution, function, wrong)
    failed = []
    for test in exercise_tests(name):
        try:
            test(exercise=solution)
        except AssertionError:
            failed.append(test.__name__)
    assert failed, f"no test of exercises/test_{name}.py notices the mistake '{mistake}'"


# ----- as a reader runs them -------------------------------------------------------------------------


@pytest.mark.slow
def test_pytest_exercises_fails_on_the_stubs():
    """The reader's command, before any exercise is done: every test fails, with NotImplementedError."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("LSTM_BOOK_EXERCISES", None)
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "exercises/"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    summary = result.stdout.strip().splitlines()[-1]
    assert result.returncode == 1 and re.search(rf"\b{len(CASES)} failed\b", summary), summary
    assert "passed" not in summary and "NotImplementedError" in result.stdout


def test_the_environment_variable_points_the_exercise_tests_at_the_solutions(monkeypatch):
    """``LSTM_BOOK_EXERCISES=solutions pytest exercises/`` (README) checks the solutions instead."""
    conftest = module("exercises.conftest")
    monkeypatch.delenv("LSTM_BOOK_EXERCISES", raising=False)
    assert conftest.load("peephole") is module("exercises.peephole")
    monkeypatch.setenv("LSTM_BOOK_EXERCISES", "solutions")
    assert conftest.load("peephole") is module("exercises.solutions.peephole")


def test_every_solution_is_shown_on_a_page_in_a_folded_answer():
    pages = {p: p.read_text(encoding="utf-8") for p in (ROOT / "docs").rglob("*.md")}
    for name in NAMES:
        source = (ROOT / "exercises" / "solutions" / f"{name}.py").read_text(encoding="utf-8")
        sections = re.findall(r"#\s*--8<--\s*\[start:([\w-]+)\]", source)
        assert sections, f"exercises/solutions/{name}.py has no snippet section to show"
        for section in sections:
            include = f'--8<-- "exercises/solutions/{name}.py:{section}"'
            where = [p for p, text in pages.items() if include in text]
            assert where, f"no page includes {include}"
            text = pages[where[0]]
            before = text[: text.index(include)]
            assert "??? question" in before[before.rindex("## Check yourself"):], \
                f"{where[0].name}: the solution of {name} is not in a folded answer of Check yourself"
            assert f"exercises/{name}.py" in text and f"exercises/test_{name}.py" in text, \
                f"{where[0].name}: say which file to edit and which tests to run"
