"""scripts/regenerate_figures.py: the --quick run writes everything, deterministically; user mistakes get clear errors."""

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "regenerate_figures.py"
TARGETS = ["part1", "flagship", "ablation", "gradients", "gates", "length", "seq2seq", "frontier", "claims"]
FIGURES = ["sigmoid_tanh", "jacobian_products", "accuracy_curves", "forget_bias_ablation", "gradient_flow",
           "cell_gradients", "gate_heatmaps", "gate_positions", "gate_saturation", "length_sweep", "seq2seq_curve"]
FRAGMENTS = ["reproduction", "claims", "param_search", "flagship_summary", "flagship_table", "flagship_setup",
             "flagship_params", "ablation_table", "gradient_table", "gate_table", "length_table", "seq2seq_examples",
             "seq2seq_summary", "jacobian_products"]


def run_script(*args, timeout=170):
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=timeout,
                          cwd=ROOT)


def test_unknown_only_name_lists_the_valid_ones_and_exits_2(tmp_path):
    result = run_script("--only", "flagship", "nonsense", "--out", str(tmp_path))
    assert result.returncode == 2
    assert "nonsense" in result.stderr
    for name in TARGETS:
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


def test_bad_numbers_are_rejected(tmp_path):
    for args in (["--threads", "0"], ["--jobs", "0"]):
        result = run_script("--only", "part1", "--out", str(tmp_path), *args)
        assert result.returncode == 2 and "Traceback" not in result.stderr


def test_part1_figures_are_svg_with_sidecars(tmp_path):
    result = run_script("--only", "part1", "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr
    for name in ("sigmoid_tanh", "jacobian_products"):
        root = ET.parse(tmp_path / f"{name}.svg").getroot()
        assert root.tag.endswith("svg")
        sidecar = json.loads((tmp_path / f"{name}.json").read_text())
        assert {"config", "seed", "torch", "git_commit", "wall_seconds"} <= set(sidecar)
    assert (tmp_path / "sigma_one.md").read_text().strip() == "0.7311"
    assert not list(tmp_path.glob("*.tmp")) and not list(tmp_path.glob(".*.tmp"))


def histories(out: Path) -> dict:
    results = json.loads((out / "results.json").read_text())
    return {r["name"]: {k: v for k, v in r["history"].items() if k != "seconds"} for r in results["runs"]}


@pytest.mark.slow
def test_quick_run_writes_everything_and_is_deterministic(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    first = run_script("--quick", "--no-progress", "--out", str(a))
    assert first.returncode == 0, first.stderr[-3000:]
    for name in FIGURES:
        assert (a / f"{name}.svg").stat().st_size > 1000, name
        ET.parse(a / f"{name}.svg")
        assert json.loads((a / f"{name}.json").read_text())["quick"] is True
    for name in FRAGMENTS:
        assert (a / f"{name}.md").read_text().strip(), name

    results = json.loads((a / "results.json").read_text())
    env = results["environment"]
    assert {"torch", "threads", "device", "git_commit", "wall_seconds"} <= set(env)
    runs = results["runs"]
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

    second = run_script("--quick", "--no-progress", "--out", str(b))
    assert second.returncode == 0, second.stderr[-3000:]
    assert histories(a) == histories(b)  # same seed, same machine: same numbers
    assert not any(name.startswith("frontier-") for name in histories(a))  # the frontier runs only when asked
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
    assert pooled == ran  # the workers trained every run the rule reaches: none was left to the serial pass
    results = json.loads((a / "results.json").read_text())
    grid = results["frontier"]["grid"]
    lengths = [str(T) for T in results["frontier"]["config"]["lengths"]]
    for key, cells in grid.items():
        for shorter, longer in zip(lengths, lengths[1:]):  # the rule: go on only after a solved seed
            assert cells[longer]["run"] == (cells[shorter]["run"] and cells[shorter]["solved"] > 0), (key, longer)
            assert any(f"frontier-{key}-T{longer}-" in n for n in ran) or not cells[longer]["run"]
    assert any(c["run"] for cells in grid.values() for c in list(cells.values())[1:])  # both branches taken
    assert any(not c["run"] for cells in grid.values() for c in cells.values())
    for name in ("frontier", "highway_gradients", "highway_forget", "frontier_gates"):
        ET.parse(a / f"{name}.svg")
    for name in ("frontier_table", "frontier_budget", "highway_table", "frontier_gate_table", "frontier_timing"):
        assert (a / f"{name}.md").read_text().strip(), name
    assert "T = 40" in (a / "claims.md").read_text() and len(results["claims"]) >= 7
