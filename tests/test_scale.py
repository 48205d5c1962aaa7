"""Scale: records modes, chunked parallel execution, failures in workers, Dask."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from simulator import load_scenario
from simulator.cli import main
from simulator.runs import executor as cluster
from simulator.runs import experiment as experiment_module
from simulator.runs.executor import open_executor
from simulator.runs.experiment import chunk_size, run_experiment
from simulator.runs.store import task_file

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
    assert {"manifest.json", "summary.csv", "replications.csv", "classes.csv", "stations.csv",
            ".waitsim.lock"} <= set(files)
    assert len([f for f in files if f.startswith("tasks/")]) == 24
    assert len(files) == 24 + 6, files


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
    real = experiment_module.run_replication

    out = tmp_path / "run"

    def flaky(plan, replication, **options):
        if plan.stations[0].servers == 3 and replication == 5:
            # Fail only once a finished task is on disk, so "finished ones are kept" is
            # tested whatever the order the pool's workers get to their tasks in.
            deadline = time.monotonic() + 60
            while not task_file(out, "base", 0).exists() and time.monotonic() < deadline:
                time.sleep(0.01)
            raise ValueError("engine trouble")
        return real(plan, replication, **options)

    # The pool's workers are forked from this process, so they see the patch too.
    monkeypatch.setattr(experiment_module, "run_replication", flaky)
    with pytest.raises(RuntimeError, match=r"variant extra, replication 5: ValueError: engine"):
        run_experiment(loaded, out=out, records="none", workers=workers)
    assert task_file(out, "base", 0).exists()
    monkeypatch.setattr(experiment_module, "run_replication", real)
    again = run_experiment(loaded, out=out, records="none", workers=workers)
    assert again.reused >= 1
    assert again.metrics == run_experiment(loaded).metrics


def test_chunks_spread_over_workers_and_stay_small():
    assert chunk_size(1, 2) == 1
    assert chunk_size(16, 2) == 2
    assert chunk_size(10_000, 2) == experiment_module.MAX_CHUNK
    assert chunk_size(10_000, 2, 32) == 32 and chunk_size(64, 2, 32) == 8
    assert chunk_size(5, 1) == 1


SWEEP = """
    scenario: scenario.yaml
    replications: 3
    grid:
      stations.teller.servers: [1, 2]
      customers.walk_in.arrivals.rate_per_hour: [40, 60, 80]
"""


def test_sweep_is_the_same_sequential_parallel_and_on_a_dask_local_cluster(
        write_yaml, tmp_path, capsys):
    pytest.importorskip("distributed")
    write_yaml(SCENARIO)
    sweep = write_yaml(SWEEP, "sweep.yaml")
    outputs = {}
    for name, options in {"sequential": ["--workers", "1"], "pool": ["--workers", "2"],
                          "dask": ["--dask", "local", "--workers", "2"]}.items():
        assert main(["sweep", str(sweep), "--json", "--out", str(tmp_path / name),
                     *options]) == 0
        outputs[name] = capsys.readouterr().out
    assert outputs["sequential"] == outputs["pool"] == outputs["dask"]
    assert len(json.loads(outputs["dask"])["points"]) == 6
    tables = {name: (tmp_path / name / "replications.csv").read_text() for name in outputs}
    assert tables["sequential"] == tables["pool"] == tables["dask"]


def test_run_on_a_dask_local_cluster_equals_one_worker(loaded, tmp_path):
    pytest.importorskip("distributed")
    one = run_experiment(loaded, workers=1, out=tmp_path / "one", records="summary")
    with open_executor("local", 2) as (executor, workers):
        assert workers == 2
        on_dask = run_experiment(loaded, workers=workers, executor=executor,
                                 out=tmp_path / "dask", records="summary")
    assert on_dask.metrics == one.metrics
    pd.testing.assert_frame_equal(
        pd.read_parquet(tmp_path / "one" / "timeseries").sort_values(["variant", "replication",
                                                                      "station", "bin_start"],
                                                                     ignore_index=True),
        pd.read_parquet(tmp_path / "dask" / "timeseries").sort_values(["variant", "replication",
                                                                       "station", "bin_start"],
                                                                      ignore_index=True))


def test_dask_missing_is_a_clear_error(write_yaml, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import fails as if not installed
    path = write_yaml(SCENARIO)
    assert main(["run", str(path), "--dask", "local", "--records", "none"]) == 2
    err = capsys.readouterr().err
    assert "pip install 'waitsim[dask]'" in err and "Traceback" not in err


def test_an_unreachable_scheduler_is_an_error_not_a_hang(write_yaml, monkeypatch, capsys):
    pytest.importorskip("distributed")
    monkeypatch.setattr(cluster, "CONNECT_SECONDS", 1)
    path = write_yaml(SCENARIO)
    assert main(["run", str(path), "--dask", "tcp://127.0.0.1:9", "--records", "none",
                 "--out", str(path.parent / "out")]) == 1
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in capsys.readouterr().err


def children_of(pid):
    """Process ids whose parent is ``pid`` (Linux /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


@pytest.mark.skipif(not Path("/proc").exists(), reason="needs Linux /proc")
def test_pool_workers_exit_when_the_command_is_killed(write_yaml, tmp_path):
    write_yaml(SCENARIO.replace('close: "10:30"', 'close: "23:00"'))
    sweep = write_yaml(SWEEP.replace("replications: 3", "replications: 40"), "sweep.yaml")
    process = subprocess.Popen([sys.executable, "-m", "simulator", "sweep", str(sweep),
                                "--workers", "2", "--out", str(tmp_path / "out")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    log = tmp_path / "out" / "tasks.jsonl"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (log.exists() and log.read_bytes().count(b"\n")):
        time.sleep(0.01)
    workers = children_of(process.pid)
    process.kill()
    process.wait()
    assert len(workers) == 2, "the pool was running"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(Path(f"/proc/{w}").exists() for w in workers):
        time.sleep(0.05)
    alive = [w for w in workers if Path(f"/proc/{w}").exists()]
    for pid in alive:  # do not leave them behind if the test fails
        os.kill(pid, signal.SIGKILL)
    assert not alive, "pool workers outlived the killed command"
