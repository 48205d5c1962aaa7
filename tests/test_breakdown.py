"""Metrics per customer class and per station: exact values on a constructed day, pooled =
the weighted combination of the classes, and where they appear (JSON, files, API, console)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import simulator
from simulator.analysis import breakdown
from simulator.cli import main
from simulator.runs.replication import run_replication

# Five "queued" customers arrive together at a single server with 1-minute services: they wait
# 0, 1, 2, 3 and 4 minutes (mean 2, three of five more than 2). Three "free" customers go to a
# station of ten servers and never wait.
TWO_CLASSES = """
name: two_classes
seed: 3
replications: 3
horizon: 60
end: 60
stations:
  single: {servers: 1, service: {dist: deterministic, value: 1}}
  many: {servers: 10, service: {dist: deterministic, value: 1}}
customers:
  queued:
    arrivals: {process: trace, file: queued.csv}
    route: {start: single, single: exit}
  free:
    arrivals: {process: trace, file: free.csv}
    route: {start: many, many: exit}
variants:
  second_server:
    stations: {single: {servers: 2}}
"""


@pytest.fixture
def two_classes(write_yaml):
    write_yaml("time\n10\n10\n10\n10\n10\n", "queued.csv")
    write_yaml("time\n5\n20\n30\n", "free.csv")
    return write_yaml(TWO_CLASSES)


def _replication(path, variant="base"):
    plan = simulator.load_scenario(path).plans[variant]
    return run_replication(plan, 0, bin_minutes=15)


def test_each_class_and_station_has_its_own_exact_waits(two_classes):
    r = _replication(two_classes)
    b = r.breakdown

    def k(group, member, metric):
        return b[breakdown.key(group, member, metric)]

    assert k("classes", "queued", "wait_mean") == pytest.approx(2.0)
    assert k("classes", "free", "wait_mean") == 0.0
    assert k("classes", "queued", "arrivals") == 5 and k("classes", "free", "arrivals") == 3
    assert k("classes", "queued", "wait_probability") == pytest.approx(4 / 5)
    assert k("classes", "free", "wait_probability") == 0.0
    assert k("stations", "single", "wait_mean") == pytest.approx(2.0)
    assert k("stations", "many", "wait_mean") == 0.0
    # 0 + 1 + 2 + 3 + 4 = 10 customer-minutes waiting in the 60-minute window
    assert k("stations", "single", "queue_length_mean") == pytest.approx(10 / 60)
    assert k("stations", "single", "utilisation") == pytest.approx(5 / 60)
    assert k("stations", "many", "utilisation") == pytest.approx(3 / 600)
    # pooled: the waiter-weighted combination (5 waiting 2 min, 3 waiting none)
    assert r.metrics["wait_mean"] == pytest.approx(10 / 8)
    assert set(b) == set(breakdown.keys(simulator.load_scenario(two_classes).plans["base"]))
    assert not any(k.endswith("/utilisation") for k in b if k.startswith("class/"))


def test_pooled_shares_and_means_are_the_arrival_weighted_classes():
    """On the bundled clinic (booked patients and walk-ins, abandonment, satisfaction), each
    pooled share or per-arrival mean is the classes' combination weighted by arrivals, and
    each count the classes' sum."""
    plan = simulator.load_scenario("scenarios/outpatient_clinic.yaml").plans["base"]
    r = run_replication(plan, 1, bin_minutes=15)
    classes = [cp.name for cp in plan.classes]
    per = {c: {m: r.breakdown[breakdown.key("classes", c, m)]
               for m in breakdown.CLASS_METRICS} for c in classes}
    arrivals = np.array([per[c]["arrivals"] for c in classes])
    assert arrivals.sum() == r.metrics["arrivals"] and (arrivals > 0).all()
    assert per["booked"]["wait_mean"] < per["walk_in"]["wait_mean"]  # booked go first
    for m in ("abandoned_share", "balked_share", "satisfaction_mean", "dissatisfied_share",
              "complaints_per_100", "customers_lost_per_100"):
        combined = sum(per[c][m] * a for c, a in zip(classes, arrivals, strict=True))
        assert combined / arrivals.sum() == pytest.approx(r.metrics[m], rel=1e-12), m
    for m in ("served", "censored", "queue_length_mean"):
        assert sum(per[c][m] for c in classes) == pytest.approx(r.metrics[m], rel=1e-12), m


def test_run_json_lists_classes_and_stations_with_intervals(two_classes, capsys):
    assert main(["run", str(two_classes), "--json", "--out", str(two_classes.parent / "o")]) == 0
    document = json.loads(capsys.readouterr().out)
    base = document["variants"]["base"]
    assert list(base["classes"]) == ["queued", "free"]
    assert list(base["stations"]) == ["single", "many"]
    assert list(base["classes"]["queued"]["metrics"]) == list(breakdown.CLASS_METRICS)
    assert list(base["stations"]["single"]["metrics"]) == list(breakdown.STATION_METRICS)
    wait = base["classes"]["queued"]["metrics"]["wait_mean"]
    assert set(wait) == {"mean", "ci_low", "ci_high"} and wait["mean"] == pytest.approx(2.0)


def test_compare_json_has_paired_differences_per_class(two_classes, capsys):
    assert main(["compare", str(two_classes), "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    vs_base = document["variants"]["second_server"]["vs_base"]
    assert "wait_mean" in vs_base  # the pooled differences stay where they were
    queued = vs_base["classes"]["queued"]["wait_mean"]
    # two servers: waits 0, 0, 1, 1, 2 (mean 0.8) instead of mean 2
    assert queued["mean"] == pytest.approx(-1.2)
    assert vs_base["classes"]["free"]["wait_mean"]["mean"] == 0.0
    assert vs_base["stations"]["single"]["wait_mean"]["mean"] == pytest.approx(-1.2)
    assert "vs_base" not in document["variants"]["base"]


def test_files_api_and_console_show_the_classes(two_classes, tmp_path, capsys):
    out = tmp_path / "out"
    result = simulator.compare(two_classes, out=out, records="none")
    classes = result.classes()
    assert list(classes.columns) == ["variant", "class", "metric", "mean", "ci_low",
                                     "ci_high", "n"]
    row = classes[(classes["variant"] == "base") & (classes["class"] == "queued")
                  & (classes["metric"] == "wait_mean")]
    assert row["mean"].item() == pytest.approx(2.0)
    assert set(result.stations()["station"]) == {"single", "many"}
    differences = result.group_differences("classes")
    queued = differences[(differences["class"] == "queued")
                         & (differences["metric"] == "wait_mean")]
    assert queued["variant"].tolist() == ["second_server"]
    assert queued["diff_mean"].item() == pytest.approx(-1.2)
    assert set(result.group_differences("stations")["station"]) == {"single", "many"}
    folder = simulator.load_results(out)
    assert folder.classes is not None and folder.classes.equals(classes)
    assert folder.to_json() == result.experiment.to_json()
    # summary.csv keeps its columns
    assert folder.summary.columns.tolist() == ["variant", "metric", "mean", "ci_low",
                                               "ci_high", "n"]
    text = str(result)
    assert "Per customer class" in text
    assert max(len(line) for line in text.split("Per customer class")[1].splitlines()) <= 100


def test_a_marker_without_the_breakdown_is_run_again(two_classes, tmp_path):
    """A folder from before per-class metrics (markers without them) resumes: those
    replications run again, and the results have every class."""
    out = tmp_path / "out"
    simulator.run(two_classes, out=out, records="none")
    for marker in (out / "tasks" / "base").glob("r*.json"):
        document = json.loads(marker.read_text())
        document["metrics"] = {k: v for k, v in document["metrics"].items() if "/" not in k}
        marker.write_text(json.dumps(document))
    again = simulator.run(two_classes, out=out, records="none")
    assert again.experiment.reused == 3  # the variant's markers only
    assert list(again.to_json()["variants"]["base"]["classes"]) == ["queued", "free"]


def test_group_intervals_skip_undefined_values():
    reps = [{"wait_mean": 1.0, "class/a/wait_mean": 1.0, "station/s/x/utilisation": 0.5},
            {"wait_mean": 2.0, "class/a/wait_mean": math.nan, "station/s/x/utilisation": 0.7}]
    groups = breakdown.group_intervals(reps)
    assert groups["classes"]["a"]["wait_mean"].n == 1
    assert groups["stations"]["s/x"]["utilisation"].mean == pytest.approx(0.6)
