"""scripts/regenerate_figures.py: the --quick run writes what the registry promises, deterministically and
resumably; a committed results.json redraws every committed output; user mistakes get clear errors."""

import dataclasses
import inspect
import json
import shutil
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from unittest import mock
from pathlib import Path

import pytest
import torch

from lstm_book import matmul
from lstm_book.book.pipeline.registry import DEFAULT, EXPERIMENTS
from lstm_book.book.experiments import explorer, notebooks
from lstm_book.book.pipeline.interface import Experiment, Tiers, FigureOutput, Fragment, Setting, SvgOutput

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "regenerate_figures.py"
FIGURES = ROOT / "docs" / "figures"


def run_script(*args, timeout=170):
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=timeout,
                          cwd=ROOT)


def histories(out: Path) -> dict:
    results = json.loads((out / "results.json").read_text())
    return {r["name"]: {k: v for k, v in r["history"].items() if k != "seconds"} for r in results["runs"]}


def rendered(results: dict, names=EXPERIMENTS) -> list:
    return [o for name in names for o in EXPERIMENTS[name].render(results)]


# ----- the registry --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(EXPERIMENTS))
def test_every_experiment_is_a_typed_experiment_with_frozen_budgets(name):
    """Each registry entry is an Experiment (hooks it does not need keep their defaults), named as it is
    registered, whose hooks take the arguments the runner passes and whose budgets are frozen dataclasses."""
    experiment = EXPERIMENTS[name]
    assert isinstance(experiment, Experiment) and experiment.name == name and isinstance(experiment.default, bool)
    for hook, arity in (("specs", 1), ("measure", 3), ("render", 1), ("follow_up", 1), ("exports", 3)):
        parameters = inspect.signature(getattr(experiment, hook)).parameters
        assert len(parameters) == arity, f"{name}.{hook} takes {list(parameters)}, the runner passes {arity} argument(s)"
    assert isinstance(experiment.budget, Tiers)
    if experiment.budget.full is not None:  # sizes as a small typed dataclass, one instance per tier
        budget_type = type(experiment.budget.full)
        assert dataclasses.is_dataclass(budget_type) and budget_type.__dataclass_params__.frozen
        assert type(experiment.budget.quick) is budget_type
    assert all(isinstance(e, str) for e in experiment.export_names)


def test_the_registry_is_in_book_order_and_the_expensive_tiers_run_only_when_named():
    assert list(EXPERIMENTS)[0] == "part1" and DEFAULT[-1] == "claims"  # the ledger reads the others
    tiers = {"frontier", "charlm", "playground", "bench"}  # each trains or measures for tens of minutes
    assert tiers <= set(EXPERIMENTS) and not tiers & set(DEFAULT)


# ----- user mistakes -------------------------------------------------------------------------------


def test_unknown_only_name_lists_the_valid_ones_and_exits_2(tmp_path):
    result = run_script("--only", "flagship", "nonsense", "--out", str(tmp_path))
    assert result.returncode == 2
    assert "nonsense" in result.stderr
    for name in EXPERIMENTS:
        assert name in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "results.json").exists()


def test_an_output_folder_that_cannot_be_created_is_reported(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = run_script("--only", "part1", "--out", str(blocker / "figures"))
    assert result.returncode == 2
    assert "cannot create output folder" in result.stderr and str(blocker) in result.stderr
    assert "Traceback" not in result.stderr


def test_an_output_path_that_is_a_file_is_reported(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = run_script("--only", "part1", "--out", str(blocker))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert str(blocker) in result.stderr


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_asking_for_cuda_without_a_gpu_is_a_clear_error(tmp_path):
    result = run_script("--only", "part1", "--device", "cuda", "--out", str(tmp_path))
    assert result.returncode == 2 and "CUDA" in result.stderr and "Traceback" not in result.stderr


def test_bad_numbers_and_contradictory_flags_are_rejected(tmp_path):
    for args in (["--threads", "0"], ["--jobs", "0"], ["--redraw", "--force"]):
        result = run_script("--only", "part1", "--out", str(tmp_path), *args)
        assert result.returncode == 2 and "Traceback" not in result.stderr, args
        assert result.stderr.count("\n") == 1, "one sentence, not a page"
    assert not (tmp_path / "results.json").exists()


def test_redraw_without_results_names_the_missing_section_and_writes_nothing(tmp_path):
    result = run_script("--redraw", "--only", "flagship", "--out", str(tmp_path))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "flagship" in result.stderr and "--only flagship" in result.stderr
    assert not list(tmp_path.glob("*.svg")) and not list(tmp_path.glob("*.md"))


def test_part1_figures_are_svg_with_sidecars(tmp_path):
    result = run_script("--only", "part1", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    for name in ("sigmoid_tanh", "jacobian_products"):
        root = ET.parse(tmp_path / f"{name}.svg").getroot()
        assert root.tag.endswith("svg")
        sidecar = json.loads((tmp_path / f"{name}.json").read_text())
        assert {"config", "seed", "torch", "git_commit", "wall_seconds"} <= set(sidecar)
    from lstm_book.book.experiments import part1
    from lstm_book.tasks import temporal_order_windows
    (lo, hi), _ = temporal_order_windows(part1.DECAY_T)
    assert part1.DECAY_STEPS == part1.DECAY_T - 1 - (lo + hi) // 2  # the first window's middle to the end
    assert f"σ(b_f)^{part1.DECAY_STEPS} |" in (tmp_path / "forget_decay_table.md").read_text()
    assert not list(tmp_path.glob("*.tmp")) and not list(tmp_path.glob(".*.tmp"))


# ----- the committed record ------------------------------------------------------------------------


@pytest.mark.slow
def test_the_committed_results_redraw_every_committed_figure_and_fragment(tmp_path):
    """render() is a pure function of results.json: redrawing from the committed file gives the committed
    outputs byte for byte (so no figure or number on the site is stale, or drawn from anything else)."""
    shutil.copy(FIGURES / "results.json", tmp_path / "results.json")
    result = run_script("--redraw", "--only", *EXPERIMENTS, "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr[-3000:]
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.suffix in (".svg", ".md"))
    assert len(written) >= 30
    stale = [name for name in written if (tmp_path / name).read_bytes() != (FIGURES / name).read_bytes()]
    assert not stale, f"committed outputs that results.json no longer produces: {stale}"


# ----- quick runs ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_quick_run_writes_everything_and_is_deterministic(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    start = time.perf_counter()
    first = run_script("--quick", "--no-progress", "--out", str(a))
    assert first.returncode == 0, first.stderr[-3000:]
    results = json.loads((a / "results.json").read_text())
    outputs = rendered(results, DEFAULT)  # what the registry says the default experiments write
    assert {FigureOutput, Fragment, SvgOutput} <= {type(o) for o in outputs}
    for o in outputs:
        if isinstance(o, Fragment):
            assert (a / f"{o.name}.md").read_text().strip(), o.name
        else:
            assert (a / o.name).stat().st_size > 1000, o.name
            ET.parse(a / o.name)
            assert json.loads((a / o.name).with_suffix(".json").read_text())["quick"] is True

    env = results["environment"]
    assert {"torch", "threads", "device", "git_commit", "wall_seconds", "cpu_model"} <= set(env)
    runs = results["runs"]
    for r in runs:  # where and how each run was trained: in its provenance, never in its cache key
        assert r["trained_on"]["cpu"] == env["cpu_model"] and r["trained_on"]["reference"] == matmul.REFERENCE
    flagship_spec = next(s for s in EXPERIMENTS["flagship"].specs(Setting(quick=True)))
    key = flagship_spec.cache_file()
    with mock.patch.object(matmul, "REFERENCE", "onednn"), mock.patch.object(matmul, "cpu_model", lambda: "another CPU"):
        assert flagship_spec.cache_file() == key
    assert any(r["flagship"] and r["cell"] == "lstm" for r in runs)
    assert any(r["cell"] == "rnn" for r in runs)
    for r in runs:
        assert {"name", "cell", "seed", "forget_bias", "seq_len", "params", "flagship", "history"} <= set(r)
        h = r["history"]
        assert set(h) >= {"epoch", "train_loss", "train_acc", "test_acc", "seconds"}
        assert len(h["epoch"]) >= 1 and all(len(v) == len(h["epoch"]) for v in h.values())
        assert all(0.0 <= x <= 1.0 for x in h["train_acc"] + h["test_acc"])
    assert {len({r["seed"] for r in runs if r["flagship"]})} == {3}
    assert results["flagship"]["params"]["total"] == next(r for r in runs if r["flagship"])["params"]
    assert len(results["claims"]) >= 5

    # the notebooks, executed on their tiny budget, beside the figures folder (as docs/notebooks is docs/figures')
    for source in notebooks.sources():
        executed = json.loads((tmp_path / "notebooks" / f"{source.stem}.ipynb").read_text())
        assert executed["metadata"]["lstm_book"]["budget"] == "tiny", source.stem

    # the same again, but for the notebooks (they record nothing in results.json, and run above)
    second = run_script("--quick", "--no-progress", "--only", *[n for n in DEFAULT if n != "notebooks"],
                        "--out", str(b))
    assert second.returncode == 0, second.stderr[-3000:]
    assert histories(a) == histories(b)  # same seed, same machine: same numbers
    # the frontier runs only when asked, but for its longest chrono run, which the explorer exports (one spec, one cache entry)
    explorer_run = explorer.long_spec(Setting(quick=True)).name
    assert {name for name in histories(a) if name.startswith("frontier-")} == {explorer_run}
    # and the cache: a second invocation into the same folder trains nothing and reports the same runs
    checkpoints = {p: p.stat().st_mtime_ns for p in (a / ".cache").glob("flagship-*.pt")}
    assert len(checkpoints) == 6
    again = run_script("--quick", "--no-progress", "--only", "flagship", "--out", str(a))
    assert again.returncode == 0, again.stderr[-3000:]
    assert {p: p.stat().st_mtime_ns for p in (a / ".cache").glob("flagship-*.pt")} == checkpoints
    assert histories(a) == histories(b)

    # The frontier, asked for: longer runs unlocked as shorter ones finish, in 2 workers or 1, give the same runs
    parallel = run_script("--quick", "--no-progress", "--only", "frontier", "claims", "--jobs", "2", "--out", str(a))
    assert parallel.returncode == 0, parallel.stderr[-3000:]
    serial = run_script("--quick", "--no-progress", "--only", "frontier", "claims", "--jobs", "1", "--out", str(b))
    assert serial.returncode == 0, serial.stderr[-3000:]
    assert histories(a) == histories(b)
    ran = {name for name in histories(a) if name.startswith("frontier-")}
    pooled = {line.split()[1] for line in parallel.stdout.splitlines() if line.startswith("   trained frontier-")}
    assert pooled == ran - {explorer_run}  # the workers trained every run the rule reaches (the explorer's was cached)
    results = json.loads((a / "results.json").read_text())
    grid = results["frontier"]["grid"]
    lengths = [str(T) for T in results["frontier"]["config"]["lengths"]]
    for key, cells in grid.items():
        for shorter, longer in zip(lengths, lengths[1:]):  # the rule: go on only after a solved seed
            assert cells[longer]["run"] == (cells[shorter]["run"] and cells[shorter]["solved"] > 0), (key, longer)
            assert any(f"frontier-{key}-T{longer}-" in n for n in ran) or not cells[longer]["run"]
    assert any(c["run"] for cells in grid.values() for c in list(cells.values())[1:])  # both branches taken
    assert any(not c["run"] for cells in grid.values() for c in cells.values())
    for o in rendered(results, ["frontier"]):
        assert (a / (f"{o.name}.md" if isinstance(o, Fragment) else o.name)).exists(), o.name
    assert (a / "frontier_timing.md").read_text().strip()
    assert "T = 40" in (a / "claims.md").read_text() and len(results["claims"]) >= 7
    assert time.perf_counter() - start < 600


@pytest.mark.slow
def test_ctrl_c_mid_run_leaves_nothing_half_written_and_the_rerun_resumes(tmp_path):
    interrupted, clean = tmp_path / "interrupted", tmp_path / "clean"
    cmd = [sys.executable, str(SCRIPT), "--quick", "--no-progress", "--only", "flagship", "--out", str(interrupted)]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while not list((interrupted / ".cache").glob("*.pt")) and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)  # wait until the first epoch of the first run is checkpointed
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err[-2000:]
    assert "run the same command again to resume" in err and "Traceback" not in err
    assert not [p for p in interrupted.rglob("*") if p.name.endswith(".tmp")], "a half-written file was left"
    assert not (interrupted / "results.json").exists()
    resumed = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=170)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    fresh = run_script("--quick", "--no-progress", "--only", "flagship", "--out", str(clean))
    assert fresh.returncode == 0, fresh.stderr[-2000:]
    assert histories(interrupted) == histories(clean)  # resuming gives what an uninterrupted run gives

