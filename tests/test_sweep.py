"""`waitsim sweep`: sweep files, points, resume after kill -9, refusals, failing points."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulator.analysis.summary import METRICS
from simulator.cli import main
from simulator.errors import ScenarioError
from simulator.report.sweep import sweep_document
from simulator.runs import experiment as experiment_module
from simulator.runs.files import AppendLog
from simulator.runs.sweep import run_sweep
from simulator.runs.sweep_points import load_sweep

SCENARIO = """
    name: Sweep branch
    seed: 5
    replications: 2
    open: 0
    close: {close}
    customers:
      walk_in:
        arrivals: {{process: poisson, rate_per_hour: 60}}
        patience: {{dist: exponential, mean: 15}}
    stations:
      teller:
        servers: 2
        service: {{dist: lognormal, mean: 3, sd: 2}}
"""

SWEEP = """
    scenario: scenario.yaml
    replications: 3
    seed: 9
    grid:
      stations.teller.servers: [1, 2, 3]
      customers.walk_in.arrivals.rate_per_hour: {from: 30, to: 50, step: 10}
"""


@pytest.fixture
def sweep_file(tmp_path):
    """Write a scenario and a sweep file beside it; return the sweep file's path."""

    def write(sweep: str = SWEEP, close: int = 120) -> Path:
        (tmp_path / "scenario.yaml").write_text(textwrap.dedent(SCENARIO.format(close=close)))
        path = tmp_path / "sweep.yaml"
        path.write_text(textwrap.dedent(sweep))
        return path

    return write


def test_a_grid_is_every_combination_last_parameter_fastest(sweep_file):
    sweep = load_sweep(sweep_file())
    assert sweep.parameters == ("stations.teller.servers",
                                "customers.walk_in.arrivals.rate_per_hour")
    assert [tuple(p.params.values()) for p in sweep.points] == [
        (s, r) for s in (1, 2, 3) for r in (30, 40, 50)]
    assert all(p.plan is not None for p in sweep.points)
    assert sweep.points[4].plan.stations[0].servers == 2
    assert (sweep.seed, sweep.replications) == (9, 3)


def test_float_ranges_do_not_drift(sweep_file):
    sweep = load_sweep(sweep_file("""
        scenario: scenario.yaml
        grid: {stations.teller.service.mean: {from: 2.5, to: 3.1, step: 0.2}}
    """))
    assert [p.params["stations.teller.service.mean"] for p in sweep.points] == \
        [2.5, 2.7, 2.9, 3.1]
    # Defaults: the scenario's seed and replications.
    assert (sweep.seed, sweep.replications) == (5, 2)


def test_a_latin_hypercube_puts_one_point_in_each_stratum(sweep_file):
    text = """
        scenario: scenario.yaml
        sample:
          method: latin_hypercube
          points: 8
          seed: 3
          ranges:
            stations.teller.service.mean: [2.0, 4.0]
            stations.teller.servers: [1, 4]
    """
    sweep = load_sweep(sweep_file(text))
    means = np.array([p.params["stations.teller.service.mean"] for p in sweep.points])
    servers = [p.params["stations.teller.servers"] for p in sweep.points]
    assert sorted(np.floor((means - 2.0) / 0.25).astype(int)) == list(range(8))
    assert all(isinstance(s, int) for s in servers) and sorted(servers) == [1, 1, 2, 2, 3, 3,
                                                                           4, 4]
    again = load_sweep(sweep_file(text))
    assert [p.params for p in again.points] == [p.params for p in sweep.points]
    assert again.digest == sweep.digest


def test_rerun_after_an_interruption_gives_the_same_tables(sweep_file, tmp_path):
    sweep = load_sweep(sweep_file())
    full = run_sweep(sweep, tmp_path / "full", workers=2)
    assert full.reused == 0 and full.complete
    table = pd.read_csv(tmp_path / "full" / "replications.csv")
    assert len(table) == 9 * 3
    assert list(table.columns[:4]) == ["point", "stations.teller.servers",
                                       "customers.walk_in.arrivals.rate_per_hour", "replication"]
    assert set(METRICS) <= set(table.columns)
    # An interrupted run: the log has some tasks, the last one torn mid-write.
    part = tmp_path / "part"
    part.mkdir()
    lines = (tmp_path / "full" / "tasks.jsonl").read_text().splitlines(keepends=True)
    (part / "tasks.jsonl").write_text("".join(lines[:10]) + lines[10][:25])
    (part / "manifest.json").write_text((tmp_path / "full" / "manifest.json").read_text())
    resumed = run_sweep(sweep, part, workers=1)
    assert resumed.reused == 10
    for name in ("replications.csv", "summary.csv", "points.csv"):
        assert (part / name).read_text() == (tmp_path / "full" / name).read_text(), name
    assert sweep_document(resumed) == sweep_document(full)
    assert len((part / "tasks.jsonl").read_text().splitlines()) == 27


def test_sweep_killed_with_sigkill_resumes_to_the_identical_table(sweep_file, tmp_path):
    path = sweep_file("""
        scenario: scenario.yaml
        replications: 4
        grid:
          stations.teller.servers: [2, 3, 4]
          customers.walk_in.arrivals.rate_per_hour: [100, 120, 140, 160]
    """, close=1440)
    command = [sys.executable, "-m", "simulator", "sweep", str(path), "--workers", "1"]
    killed, whole = tmp_path / "killed", tmp_path / "whole"
    process = subprocess.Popen([*command, "--out", str(killed)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    log = killed / "tasks.jsonl"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if log.exists() and log.read_bytes().count(b"\n") >= 5:
            break
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    assert process.wait() == -signal.SIGKILL, "the sweep ended before it could be killed"
    logged = log.read_bytes().count(b"\n")
    assert 5 <= logged < 48
    resumed = subprocess.run([*command, "--out", str(killed), "--json"], capture_output=True,
                             text=True, check=True)
    uninterrupted = subprocess.run([*command, "--out", str(whole), "--json"],
                                   capture_output=True, text=True, check=True)
    assert json.loads(resumed.stdout) == json.loads(uninterrupted.stdout)
    table = pd.read_csv(killed / "replications.csv")
    pd.testing.assert_frame_equal(table, pd.read_csv(whole / "replications.csv"))
    assert not table.duplicated(["point", "replication"]).any() and len(table) == 12 * 4
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    assert len({(e["point"], e["replication"]) for e in entries}) == len(entries) == 48


def test_a_changed_sweep_or_scenario_is_refused_without_replace(sweep_file, tmp_path, capsys):
    path = sweep_file()
    out = str(tmp_path / "out")
    assert main(["sweep", str(path), "--out", out, "--workers", "1"]) == 0
    capsys.readouterr()
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(scenario.read_text().replace("mean: 15", "mean: 16"))
    assert main(["sweep", str(path), "--out", out]) == 2
    err = capsys.readouterr().err
    assert "would remove 27 finished task(s) of a sweep" in err and "the sweep changed" in err
    scenario.write_text(scenario.read_text().replace("mean: 16", "mean: 15"))
    path.write_text(path.read_text().replace("seed: 9", "seed: 10"))
    assert main(["sweep", str(path), "--out", out]) == 2
    assert "--replace" in capsys.readouterr().err
    assert main(["sweep", str(path), "--out", out, "--replace", "--workers", "1"]) == 0
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["seed"] == 10 and manifest["status"] == "complete"
    # Comments do not change what runs: no refusal.
    path.write_text("# a comment\n" + path.read_text())
    assert main(["sweep", str(path), "--out", out, "--workers", "1"]) == 0
    assert "27 tasks reused" in " ".join(capsys.readouterr().out.split())  # lines wrap


def test_an_invalid_point_is_reported_with_its_parameters_and_the_others_kept(
        sweep_file, tmp_path, capsys):
    path = sweep_file(SWEEP.replace("[1, 2, 3]", "[0, 2]"))
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out), "--json", "--workers", "2"]) == 2
    captured = capsys.readouterr()
    document = json.loads(captured.out)
    bad = [p for p in document["points"] if p["metrics"] is None]
    assert [p["params"]["stations.teller.servers"] for p in bad] == [0, 0, 0]
    assert "sweep.yaml:6: point 0 (stations.teller.servers=0, " \
           "customers.walk_in.arrivals.rate_per_hour=30): " in bad[0]["error"]
    assert "scenario.yaml:13: stations.teller.servers: must be a whole number >= 1" \
        in bad[0]["error"]
    assert "point 2 (stations.teller.servers=0" in captured.err
    points = pd.read_csv(out / "points.csv")
    assert list(points["status"]) == ["invalid"] * 3 + ["ok"] * 3
    assert len(pd.read_csv(out / "replications.csv")) == 3 * 3
    # The same sweep named another way on the command line is the same sweep: resumed.
    other_spelling = str(path.parent / "." / path.name)
    assert main(["sweep", other_spelling, "--out", str(out), "--json", "--workers", "1"]) == 2
    again = capsys.readouterr()
    assert "different sweep" not in again.err
    assert [p["metrics"] for p in json.loads(again.out)["points"]] == \
        [p["metrics"] for p in document["points"]]


def test_a_point_whose_tasks_raise_is_reported_and_retried_on_rerun(
        sweep_file, tmp_path, monkeypatch):
    sweep = load_sweep(sweep_file())
    real = experiment_module.run_replication

    def flaky(plan, replication, **options):
        rate_per_hour = plan.classes[0].arrivals.pieces[0][2] * 60
        if plan.stations[0].servers == 3 and rate_per_hour == pytest.approx(40):
            raise ValueError("engine trouble")
        return real(plan, replication, **options)

    monkeypatch.setattr(experiment_module, "run_replication", flaky)
    result = run_sweep(sweep, tmp_path / "out", workers=2)
    assert result.failures == {7: "point 7 (stations.teller.servers=3, customers.walk_in."
                                  "arrivals.rate_per_hour=40), replication 0: ValueError: "
                                  "engine trouble"}
    assert result.status(7) == "failed" and not result.complete
    assert sum(result.status(p.id) == "ok" for p in sweep.points) == 8
    monkeypatch.setattr(experiment_module, "run_replication", real)
    again = run_sweep(sweep, tmp_path / "out", workers=1)
    assert again.reused == 24 and again.complete


@pytest.mark.parametrize("text, expected", [
    ("scenario: scenario.yaml\nreplications: 0\ngrid: {stations.teller.servers: [1]}\n",
     "sweep.yaml:2: replications: must be a whole number >= 1 (got 0)"),
    ("scenario: scenario.yaml\ngrid:\n  stations.teller.servers: {from: 1, to: 3, stp: 1}\n",
     "sweep.yaml:3: grid.stations.teller.servers.stp: unknown key 'stp'; did you mean 'step'?"),
    ("scenario: scenario.yaml\ngrid:\n  stations.teller.servers: {from: 3, to: 1, step: 1}\n",
     "sweep.yaml:3: grid.stations.teller.servers.to: must be >= from (3) (got 1)"),
    ("scenario: scenario.yaml\ngrid:\n  stations.teller.servers: []\n",
     "sweep.yaml:3: grid.stations.teller.servers: must have at least 1 entry"),
    ("scenario: scenario.yaml\ngrid:\n  stations..servers: [1]\n",
     "sweep.yaml:3: grid.stations..servers: 'stations..servers' is not a dotted path"),
    ("scenario: scenario.yaml\n", "sweep.yaml:1: grid: give either 'grid'"),
    ("scenario: nowhere.yaml\ngrid: {stations.teller.servers: [1]}\n",
     "sweep.yaml:1: scenario: scenario file "),
    ("scenario: scenario.yaml\nsample: {method: latin_hypercube, points: 4,\n"
     "  ranges: {stations.teller.servers: [3, 1]}}\n",
     "sweep.yaml:3: sample.ranges.stations.teller.servers: must be [low, high] with low < high"),
    ("scenario: scenario.yaml\nvariant: nope\ngrid: {stations.teller.servers: [1]}\n",
     "sweep.yaml:2: variant: no variant 'nope'"),
    ("scenario: scenario.yaml\ngrid:\n  stations.teller.servers.x: [1]\n",
     "sweep.yaml:3: grid.stations.teller.servers.x: cannot set 'stations.teller.servers.x': "
     "stations.teller.servers is int, not a mapping"),
    ("scenario: scenario.yaml\ngrid:\n  stations.teller.servers: [0, -1]\n",
     "sweep.yaml: no valid point in the sweep; the first: "),
    ("scenario: scenario.yaml\ngrid:\n  seed: [1, 2]\n",
     "sweep.yaml:3: grid.seed: a sweep cannot vary 'seed'"),
    ("scenario: scenario.yaml\nsample: {method: latin_hypercube, points: 4,\n"
     "  ranges: {replications: [2, 5]}}\n",
     "sweep.yaml:3: sample.ranges.replications: a sweep cannot vary 'replications'"),
])
def test_bad_sweep_files_exit_2_with_file_line_and_field(sweep_file, tmp_path, capsys, text,
                                                         expected):
    path = sweep_file(text)
    with pytest.raises(ScenarioError, match=None) as error:
        load_sweep(path)
    assert expected in str(error.value)
    assert main(["sweep", str(path), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err


def test_the_log_cuts_a_torn_last_line_before_appending(tmp_path):
    path = tmp_path / "log.jsonl"
    path.write_bytes(b'{"a": 1}\n{"b": 2}\n{"c"')
    with AppendLog(path) as log:
        assert log.records == [{"a": 1}, {"b": 2}]
        log.append({"d": 4})
    assert path.read_text() == '{"a": 1}\n{"b": 2}\n{"d":4}\n'
    assert os.path.getsize(path) == len(path.read_bytes())


def test_the_bundled_example_sweep_is_valid():
    sweep = load_sweep(Path(__file__).resolve().parent.parent / "scenarios" / "sweeps"
                       / "bank_staffing.yaml")
    assert len(sweep.points) == 15 and all(p.error is None for p in sweep.points)
    assert sweep.replications == 10


def test_ctrl_c_stops_the_sweep_cleanly_and_it_resumes(sweep_file, tmp_path):
    path = sweep_file(SWEEP.replace("replications: 3", "replications: 12"), close=1440)
    command = [sys.executable, "-m", "simulator", "sweep", str(path), "--workers", "2",
               "--out", str(tmp_path / "out")]
    # The default Ctrl-C handling even where the test runs with SIGINT ignored (a background
    # job): Python then turns SIGINT into KeyboardInterrupt.
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True, start_new_session=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    log = tmp_path / "out" / "tasks.jsonl"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if log.exists() and log.read_bytes().count(b"\n") >= 8:
            break
        time.sleep(0.005)
    os.killpg(process.pid, signal.SIGINT)  # Ctrl-C reaches the command and its workers
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1] == ("waitsim: interrupted; finished replications are "
                                            "saved, and running the same command again "
                                            "resumes from them")
    assert main(["sweep", str(path), "--out", str(tmp_path / "out"), "--workers", "1"]) == 0
    assert main(["sweep", str(path), "--out", str(tmp_path / "whole"), "--workers", "1"]) == 0
    assert (tmp_path / "out" / "replications.csv").read_text() == \
        (tmp_path / "whole" / "replications.csv").read_text()
