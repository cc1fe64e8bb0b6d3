"""Every wall time the pages quote names the machine it was measured on: the CPU model when its record kept it,
and says so when the record predates that."""

from __future__ import annotations

from lstm_book.book.pipeline.runner import run_timing
from lstm_book.book.pipeline.tables import machine
from lstm_book.matmul import cpu_model

FULL_RUN = {"wall_seconds": 360.0, "quick": False, "jobs": 2, "threads": 1, "timings": {"parallel training": 300.0},
            "forced": True, "load_average_at_end": [1.5, 1.0, 1.0], "cpu_count": 2}


def test_a_record_with_its_cpu_names_it_and_an_older_one_says_it_was_not_recorded():
    assert machine({"cpu_count": 2, "cpu_model": "Some CPU 9000"}) == "2-core Some CPU 9000"
    assert machine({"cpu_count": 2}) == "2-core machine (CPU not recorded)"
    assert machine({"cpu_count": 2, "cpu_model": None}) == "2-core machine (CPU not recorded)"


def test_the_full_run_timing_names_the_cpu_of_its_record():
    (fragment,) = run_timing({"full_run": {**FULL_RUN, "cpu_model": cpu_model()}})
    assert f"on a 2-core {cpu_model()}." in fragment.text
    (older,) = run_timing({"full_run": FULL_RUN})
    assert "(CPU not recorded)" in older.text


def test_the_character_tier_timing_names_the_cpu_of_its_record():
    from lstm_book.book.experiments.charlm import timing_text

    section = {"config": {"lstm": {"hidden_size": 8}}, "train_seconds": {"lstm": 60.0},
               "sweep": {"widths": [4, 8], "train_seconds": [30.0, 60.0]}}
    run = {"wall_seconds": 120.0, "experiments": ["charlm"], "jobs": 2, "cpu_count": 2, "runs": 3, "reused": 0}
    assert "on a 2-core Some CPU shared" in timing_text({**run, "cpu_model": "Some CPU"}, section)
