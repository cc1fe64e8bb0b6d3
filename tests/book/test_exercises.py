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
    assert {"peephole", "gate_deltas", "carousel"} <= set(NAMES) and len(NAMES) >= 8
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


def _jacobian_product(mistake):
    def product(W_hh, h):
        J, h_before = torch.eye(W_hh.shape[0], dtype=W_hh.dtype), torch.zeros_like(W_hh[0])
        for h_t in h:
            slope = {"slope of h_(t-1)": 1 - h_before**2, "no tanh slope": torch.ones_like(h_t)}.get(mistake, 1 - h_t**2)
            W = W_hh.T if mistake == "W_hh transposed" else W_hh
            J = J @ torch.diag(slope) @ W if mistake == "earliest step on the left" else torch.diag(slope) @ W @ J
            h_before = h_t
        return J
    return product


def _time_scales(mistake):
    def scales(b_f):
        f = torch.sigmoid(b_f)
        if mistake == "e-folding time is 1/(1 - f)":
            return 1 + torch.exp(b_f), 1 + torch.exp(b_f)
        if mistake == "τ = e^b":
            return torch.exp(b_f), -1 / torch.log(f)
        if mistake == "1 - σ(b) rounded":
            return 1 / (1 - f), -1 / torch.log(f)
        raise ValueError(mistake)
    return scales


def _cell_jacobian(mistake):
    def jacobian(c_prev, o_prev, gates, W_hh):
        i, f, g, o = gates
        W_hi, W_hf, W_hg, _ = W_hh.chunk(4)
        R = (torch.diag(c_prev * f * (1 - f)) @ W_hf + torch.diag(g * i * (1 - i)) @ W_hi
             + (0 if mistake == "no route through g_t" else torch.diag(i * (1 - g**2)) @ W_hg))
        D = torch.diag((o if mistake == "o_t for o_(t-1)" else o_prev) * (1 - torch.tanh(c_prev) ** 2))
        if mistake == "no D_(t-1)":
            return torch.diag(f) + R
        return torch.diag(f) + (D @ R if mistake == "D R for R D" else R @ D)
    return jacobian


def _gru_jacobian(mistake):
    def jacobian(h_prev, gates, W_hh, b_hh):
        r, z, n = gates
        W_hr, W_hz, W_hn = W_hh.chunk(3)
        scaled = W_hn @ h_prev + b_hh.chunk(3)[2]
        inside = W_hn @ torch.diag(r) if mistake == "Cho's placement" else torch.diag(r) @ W_hn
        reset = 0 if mistake == "no route through r_t" else torch.diag(scaled * r * (1 - r)) @ W_hr
        direct = torch.diag(1 - z) if mistake == "1 - z_t for z_t" else torch.diag(z)
        sign = -1 if mistake == "n_t - h_(t-1)" else 1
        return (direct + sign * torch.diag((h_prev - n) * z * (1 - z)) @ W_hz
                + torch.diag(1 - z) @ torch.diag(1 - n**2) @ (inside + reset))
    return jacobian


def _directions(mistake):
    def run(xw, h_0, c_0, W_hh, reverse=False):
        T, out, h, c = xw.shape[0], [], h_0, c_0
        order = list(reversed(range(T))) if reverse and mistake != "reads forward" else list(range(T))
        for t in order:
            h, c, _ = lstm_step(xw[t], h, c, W_hh)
            out.append(h)
        if reverse and mistake != "output in reading order":
            out = out[::-1]
        output = torch.stack(out)
        if mistake == "final state is output[-1]":
            return output, output[-1], c
        return output, h, c
    return run


def _pack(mistake):
    def pack(seqs):
        lengths = torch.tensor([len(s) for s in seqs])
        order_ = torch.arange(len(seqs)) if mistake == "not sorted" else torch.sort(lengths, descending=True).indices
        inverse = torch.empty_like(order_)
        inverse[order_] = torch.arange(len(seqs))
        ordered = [seqs[b] for b in order_]
        sizes = torch.tensor([sum(len(s) > t for s in ordered) for t in range(int(lengths.max()))])
        if mistake == "batch-major data":
            data = torch.cat(ordered)
        else:
            data = torch.cat([torch.stack([s[t] for s in ordered if len(s) > t]) for t in range(len(sizes))])
        return data, sizes, order_, order_ if mistake == "unsorted_indices = sorted_indices" else inverse
    return pack


def _final_states(mistake):
    def states(output, lengths, bidirectional):
        H = output.shape[2] // (2 if bidirectional else 1)
        at = {"the padded end": torch.full_like(lengths, output.shape[0] - 1),
              "one step late": (lengths).clamp(max=output.shape[0] - 1)}.get(mistake, lengths - 1)
        last = output[at, torch.arange(output.shape[1])]
        if not bidirectional or mistake == "reverse at the last step":
            return last
        return torch.cat([last[:, :H], output[0, :, H:]], dim=1)
    return states


def _greedy(mistake):
    def decode(step, state, batch_size, bos, eos, pad, max_len):
        token = torch.full((batch_size, 1), bos, dtype=torch.long)
        finished, out = torch.zeros(batch_size, dtype=torch.bool), []
        for _ in range(max_len):
            logits, state = step(token if mistake != "feeds BOS every step" else torch.full_like(token, bos), state)
            token = logits.argmax(dim=-1)
            if mistake != "no PAD after EOS":
                token = token.masked_fill(finished[:, None], pad)
            out.append(token)
            finished |= token[:, 0] == eos
            if (finished.any() if mistake == "stops at the first EOS" else finished.all()) and mistake != "never stops early":
                break
        return torch.cat(out, dim=1)
    return decode


def _finite_differences(mistake):
    def gradient(f, x, eps=1e-6):
        x = x if mistake == "nudges the caller's x" else x.detach().clone()
        grad = torch.empty_like(x)
        for i in range(x.numel()):
            if mistake == "nudges the caller's x":  # in place, and forgets to put it back
                x.view(-1)[i] += eps
                up = f(x)
                x.view(-1)[i] -= 2 * eps
                grad.view(-1)[i] = (up - f(x)) / (2 * eps)
                continue
            nudge = torch.zeros_like(x)
            nudge.view(-1)[i] = eps
            grad.view(-1)[i] = ((f(x + nudge) - f(x)) / eps if mistake == "one-sided"
                                else (f(x + nudge) - f(x - nudge)) / eps)
        return grad
    return gradient


def _weight_grads(mistake):
    def gradients(delta_a, x, h):
        T, B, G = delta_a.shape
        dA = delta_a.reshape(T * B, G)
        H_prev = (h[1:] if mistake == "h_t for h_(t-1)" else h[:-1]).reshape(T * B, -1)
        scale = 1 / B if mistake == "mean over the batch" else 1
        d_b = delta_a[-1].sum(0) if mistake == "bias from the last step" else dA.sum(0)
        return scale * dA.T @ x.reshape(T * B, -1), scale * dA.T @ H_prev, scale * d_b
    return gradients


MUTANTS = [
    ("peephole", "peephole_lstm_step", "the output gate reads c_{t-1}", _peephole(output_reads_old_cell=True)),
    ("peephole", "peephole_lstm_step", "w_ci and w_cf swapped", _peephole(swap_i_f=True)),
    ("peephole", "peephole_lstm_step", "peepholes ignored", _peephole(ignore=True)),
    *[("gate_deltas", "gate_deltas", m, _gate_deltas(m))
      for m in ("c_t for c_prev", "order f, i, g, o", "no sigmoid slope on f", "δc_t in δa_o")],
    *[("carousel", "carousel_factors", m, _carousel(m)) for m in ("includes step k", "every step")],
    *[("jacobian_product", "jacobian_product", m, _jacobian_product(m))
      for m in ("earliest step on the left", "slope of h_(t-1)", "no tanh slope", "W_hh transposed")],
    *[("time_scales", "time_scales", m, _time_scales(m))
      for m in ("e-folding time is 1/(1 - f)", "τ = e^b", "1 - σ(b) rounded")],
    *[("cell_jacobian", "cell_state_jacobian", m, _cell_jacobian(m))
      for m in ("no route through g_t", "o_t for o_(t-1)", "no D_(t-1)", "D R for R D")],
    *[("gru_jacobian", "gru_state_jacobian", m, _gru_jacobian(m))
      for m in ("Cho's placement", "no route through r_t", "1 - z_t for z_t", "n_t - h_(t-1)")],
    *[("directions", "run_direction", m, _directions(m))
      for m in ("reads forward", "output in reading order", "final state is output[-1]")],
    *[("pack", "pack_sequences", m, _pack(m))
      for m in ("not sorted", "batch-major data", "unsorted_indices = sorted_indices")],
    *[("final_states", "final_states", m, _final_states(m))
      for m in ("the padded end", "one step late", "reverse at the last step")],
    *[("greedy", "greedy_decode", m, _greedy(m))
      for m in ("feeds BOS every step", "no PAD after EOS", "stops at the first EOS", "never stops early")],
    *[("finite_differences", "numerical_gradient", m, _finite_differences(m))
      for m in ("one-sided", "divides by ε, not 2ε", "nudges the caller's x")],
    *[("weight_grads", "weight_gradients", m, _weight_grads(m))
      for m in ("h_t for h_(t-1)", "mean over the batch", "bias from the last step")],
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
