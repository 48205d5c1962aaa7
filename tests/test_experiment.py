"""Replications, seeds, parallel workers, results on disk and resuming."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from simulator import load_scenario
from simulator.analysis.statistics import student_t_interval
from simulator.errors import FolderConflict
from simulator.runs.experiment import run_experiment
from simulator.runs.store import task_file

SCENARIO = """
    name: Small branch
    seed: 7
    replications: 4
    open: "09:00"
    close: "11:00"
    customers:
      walk_in:
        arrivals: {process: poisson, rate_per_hour: {"09:00": 40, "10:00": 70}}
        patience: {dist: exponential, mean: 12}
        balk: {probability: {3: 0.3, 6: 0.8}}
    stations:
      teller:
        servers: 2
        service: {dist: lognormal, mean: 3.5, sd: 2}
        breakdowns: {mtbf: 60, repair: {dist: exponential, mean: 6}}
    variants:
      extra: {stations: {teller: {servers: 3}}}
"""


@pytest.fixture
def loaded(write_yaml):
    return load_scenario(write_yaml(SCENARIO))


def read_all(out, table):
    frame = pd.read_parquet(out / table)
    return frame.sort_values(list(frame.columns[:4])).reset_index(drop=True)


def test_one_worker_and_two_workers_give_identical_results(loaded, tmp_path):
    one = run_experiment(loaded, workers=1, out=tmp_path / "one")
    two = run_experiment(loaded, workers=2, out=tmp_path / "two")
    assert one.metrics == two.metrics
    for table in ("customers", "visits", "segments", "timeseries"):
        pd.testing.assert_frame_equal(read_all(tmp_path / "one", table),
                                      read_all(tmp_path / "two", table))
    assert (tmp_path / "one" / "summary.csv").read_text() == \
        (tmp_path / "two" / "summary.csv").read_text()


def test_variants_share_random_numbers(loaded):
    result = run_experiment(loaded, replications=3)
    base, extra = result.metrics["base"], result.metrics["extra"]
    # Same arrivals in every replication (arrival streams do not depend on the variant) ...
    assert [r["arrivals"] for r in base] == [r["arrivals"] for r in extra]
    # ... while the extra teller changes the waits.
    assert [r["wait_mean"] for r in base] != [r["wait_mean"] for r in extra]


def test_seed_and_replications_override_the_file(loaded):
    a = run_experiment(loaded, variants=["base"], replications=2, seed=1)
    b = run_experiment(loaded, variants=["base"], replications=2, seed=2)
    assert a.replications == 2 and len(a.metrics["base"]) == 2 and a.seed == 1
    assert a.metrics != b.metrics


def test_files_pandas_reads_in_one_call(loaded, tmp_path):
    out = tmp_path / "run"
    run_experiment(loaded, out=out, command=["waitsim", "run"])
    customers = pd.read_parquet(out / "customers")
    assert set(customers["variant"]) == {"base", "extra"}
    assert set(customers["replication"]) == {0, 1, 2, 3}
    assert set(customers["customer_class_name"]) == {"walk_in"}
    summary = pd.read_csv(out / "summary.csv")
    assert {"variant", "metric", "mean", "ci_low", "ci_high", "n"} <= set(summary.columns)
    assert len(pd.read_csv(out / "replications.csv")) == 8
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["seed"] == 7
    assert manifest["scenario_digest"] == loaded.digest
    assert set(manifest["variants"]) == {"base", "extra"}
    assert manifest["command"] == ["waitsim", "run"]
    assert not list(out.rglob("*.tmp")), "no temporary files left behind"


def test_an_interrupted_run_resumes_without_redoing_finished_work(loaded, tmp_path):
    out = tmp_path / "run"
    full = run_experiment(loaded, out=out)
    reference = read_all(out, "customers")
    # Simulate an interruption: two replications lost their "done" marker, one its records.
    task_file(out, "base", 1).unlink()
    task_file(out, "extra", 3).unlink()
    (out / "visits" / "extra-r00000.parquet").unlink()
    resumed = run_experiment(loaded, out=out)
    assert resumed.reused == 8 - 3
    assert resumed.metrics == full.metrics
    pd.testing.assert_frame_equal(read_all(out, "customers"), reference)


def test_a_changed_scenario_is_not_mixed_with_old_results(loaded, tmp_path, write_yaml):
    out = tmp_path / "run"
    run_experiment(loaded, out=out)
    changed = load_scenario(write_yaml(SCENARIO.replace("servers: 2", "servers: 4"), "b.yaml"))
    with pytest.raises(FolderConflict, match="would remove 8 finished replication"):
        run_experiment(changed, variants=["base"], replications=2, out=out)
    result = run_experiment(changed, variants=["base"], replications=2, out=out, replace=True)
    assert result.reused == 0
    customers = pd.read_parquet(out / "customers")
    assert set(customers["variant"]) == {"base"} and set(customers["replication"]) == {0, 1}
    # Same model and seed again: everything is reused.
    again = run_experiment(changed, variants=["base"], replications=2, out=out)
    assert again.reused == 2 and again.metrics == result.metrics


def test_summary_records_mode_writes_no_per_customer_records(loaded, tmp_path):
    out = tmp_path / "run"
    run_experiment(loaded, out=out, records="summary")
    assert not (out / "customers").exists() or not list((out / "customers").iterdir())
    assert len(pd.read_parquet(out / "timeseries")) > 0


def test_student_t_interval():
    interval = student_t_interval([1.0, 2.0, 3.0, 4.0, np.nan])
    assert interval.mean == 2.5 and interval.n == 4
    # t(0.975, 3) = 3.182446; sd = 1.290994; half-width = 3.182446 * 1.290994 / 2
    assert interval.ci_high - interval.mean == pytest.approx(2.054266, rel=1e-5)
    assert np.isnan(student_t_interval([5.0]).ci_low)


def test_result_files_are_ordinary_files_not_private_ones(tmp_path):
    import os
    import stat

    from simulator.runs.files import atomic_write_text

    path = tmp_path / "x.csv"
    atomic_write_text(path, "a\n")
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~mask
