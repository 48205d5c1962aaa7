"""Scale: records modes, chunked parallel execution, failures in workers, Dask."""

from __future__ import annotations

import pandas as pd
import pytest

from simulator import experiment as experiment_module
from simulator import load_scenario
from simulator.experiment import chunk_size, run_experiment
from simulator.results import task_file

SCENARIO = """
    name: Small branch
    seed: 11
    replications: 12
    open: "09:00"
    close: "10:30"
    customers:
      walk_in:
        arrivals: {process: poisson, rate_per_hour: 50}
        patience: {dist: exponential, mean: 10}
    stations:
      teller:
        servers: 2
        service: {dist: lognormal, mean: 3.5, sd: 2}
    variants:
      extra: {stations: {teller: {servers: 3}}}
"""


@pytest.fixture
def loaded(write_yaml):
    return load_scenario(write_yaml(SCENARIO))


def files_under(folder):
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def test_records_none_writes_only_markers_and_summaries(loaded, tmp_path):
    out = tmp_path / "run"
    run_experiment(loaded, out=out, records="none", workers=2)
    files = files_under(out)
    assert {"manifest.json", "summary.csv", "replications.csv"} <= set(files)
    assert len([f for f in files if f.startswith("tasks/")]) == 24
    assert len(files) == 24 + 3, files


def test_records_modes_give_the_same_metrics_and_switching_prunes_files(loaded, tmp_path):
    out = tmp_path / "run"
    full = run_experiment(loaded, out=out, records="full")
    assert len(pd.read_parquet(out / "customers")) > 0
    summary = run_experiment(loaded, out=out, records="summary")
    # The markers are valid for summary mode (the time series are there): nothing reruns.
    assert summary.reused == 24 and summary.metrics == full.metrics
    assert not list((out / "customers").glob("*.parquet"))
    none = run_experiment(loaded, out=out, records="none")
    assert none.reused == 24 and none.metrics == full.metrics
    assert not list((out / "timeseries").glob("*.parquet"))


@pytest.mark.parametrize("workers", [1, 2])
def test_one_failing_task_is_reported_by_name_and_finished_ones_are_kept(
        loaded, tmp_path, monkeypatch, workers):
    real = experiment_module.simulate

    def flaky(plan, replication, seed=None):
        if plan.stations[0].servers == 3 and replication == 5:
            raise ValueError("engine trouble")
        return real(plan, replication, seed=seed)

    # The pool's workers are forked from this process, so they see the patch too.
    monkeypatch.setattr(experiment_module, "simulate", flaky)
    out = tmp_path / "run"
    with pytest.raises(RuntimeError, match=r"variant extra, replication 5: ValueError: engine"):
        run_experiment(loaded, out=out, records="none", workers=workers)
    assert task_file(out, "base", 0).exists()
    monkeypatch.setattr(experiment_module, "simulate", real)
    again = run_experiment(loaded, out=out, records="none", workers=workers)
    assert again.reused >= 1
    assert again.metrics == run_experiment(loaded).metrics


def test_chunks_spread_over_workers_and_stay_small():
    assert chunk_size(1, 2) == 1
    assert chunk_size(16, 2) == 2
    assert chunk_size(10_000, 2) == experiment_module.MAX_CHUNK
    assert chunk_size(5, 1) == 1
