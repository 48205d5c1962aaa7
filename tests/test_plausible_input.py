"""Legitimate inputs near the plausibility bounds and the work caps: what they give.

Refusals (exit 2 with file, line and field) are cases of test_bad_input.py
(absurd_scenarios.py); here: caps raised on purpose, variants that add, change and remove
times of a schedule or rate table, a sweep grid too large to build, the run's own
replications checked against the caps, and the utilisation of a day with only an initial
queue."""

from __future__ import annotations

import math
import time
from pathlib import Path

import pytest
from absurd_scenarios import BIG_RATE
from bad_scenarios import BASE

from simulator import ScenarioError
from simulator.api import run
from simulator.cli import main
from simulator.plan.loader import check_total_work, load_scenario
from simulator.runs.sweep_points import load_sweep


def _write(tmp_path: Path, text: str, name: str = "scenario.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_cap_raised_on_purpose_lets_the_scenario_run(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match=r"limits\.customers"):
        check_total_work(load_scenario(_write(tmp_path, BIG_RATE)))
    loaded = load_scenario(_write(tmp_path, BIG_RATE + "limits: {customers: 200000000}\n"))
    assert loaded.base.limits.customers == 200_000_000
    check_total_work(loaded)


@pytest.mark.parametrize(("text", "where"), [
    (BIG_RATE, "6: customers.walk_in.arrivals"),
    (BIG_RATE + "replications: 40\n", "16: replications"),
])
def test_validate_checks_the_customers_of_the_file_as_written(
        text: str, where: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # 1,000,000 an hour for 3 hours, in 2 variants: 6,000,000 customers a replication.
    path = _write(tmp_path, text)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{path}:{where}: expects about "), err
    assert "(6,000,000 in one replication of each of 2 variant(s), x " in err
    assert "the cap is 100,000,000 (limits.customers)" in err and "limits: {customers: N}" in err
    # The command line may run fewer: one replication of both variants is within the cap.
    check_total_work(load_scenario(path), replications=1)


def test_replications_from_the_command_line_are_checked_before_running(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, BASE)
    out = tmp_path / "out"
    started = time.perf_counter()
    code = main(["run", str(path), "--replications", "100000000", "--out", str(out)])
    assert code == 2
    assert time.perf_counter() - started < 10
    err = capsys.readouterr().err
    assert f"{path}:6: customers.walk_in.arrivals: expects about 26,000,000,000 " in err
    assert "limits.customers" in err
    assert not out.exists()


VARIANT_TIMES = """\
name: Times in variants
open: "09:00"
close: "12:00"
customers:
  walk_in:
    arrivals: {process: poisson, rate_per_hour: {"09:00": 30, "11:00": 50}}
    expected_wait: 5
stations:
  teller:
    servers: 1
    schedule: {"09:00": 1, "11:00": 3}
    service: {dist: exponential, mean: 3}
variants:
  added:
    stations: {teller: {schedule: {"10:00": 2}}}
    customers: {walk_in: {arrivals: {rate_per_hour: {"10:30": 70}}}}
  changed:
    stations: {teller: {schedule: {"11:00": 4}}}
  same-time-written-otherwise:
    stations: {teller: {schedule: {"9:00": 2}}}
  removed:
    stations: {teller: {schedule: {"11:00": null}}}
"""


def test_variants_add_change_and_remove_times_of_tables(tmp_path: Path) -> None:
    plans = load_scenario(_write(tmp_path, VARIANT_TIMES)).plans
    assert plans["base"].stations[0].duty == ((0.0, 1), (120.0, 3))
    assert plans["added"].stations[0].duty == ((0.0, 1), (60.0, 2), (120.0, 3))
    pieces = plans["added"].classes[0].arrivals.pieces  # type: ignore[union-attr]
    assert [(a, b, round(r * 60, 9)) for a, b, r in pieces] == [
        (0.0, 90.0, 30.0), (90.0, 120.0, 70.0), (120.0, 180.0, 50.0)]
    assert plans["changed"].stations[0].duty == ((0.0, 1), (120.0, 4))
    assert plans["same-time-written-otherwise"].stations[0].duty == ((0.0, 2), (120.0, 3))
    assert plans["removed"].stations[0].duty == ((0.0, 1),)


def test_a_base_table_out_of_order_is_still_refused(tmp_path: Path) -> None:
    text = VARIANT_TIMES.replace('{"09:00": 1, "11:00": 3}', '{"11:00": 3, "09:00": 1}')
    with pytest.raises(ScenarioError, match="is not after the time above it"):
        load_scenario(_write(tmp_path, text))


def _sweep(tmp_path: Path, design: str, replications: int = 2) -> Path:
    _write(tmp_path, BASE)
    return _write(tmp_path, f"scenario: scenario.yaml\nreplications: {replications}\n{design}",
                  "sweep.yaml")


def test_a_grid_too_large_is_refused_before_it_is_built(tmp_path: Path) -> None:
    axis = "{from: 1, to: 99999, step: 1}"
    path = _sweep(tmp_path, f"grid:\n  stations.teller.servers: {axis}\n"
                            f"  warmup: {axis}\n  customers.walk_in.expected_wait: {axis}\n")
    started = time.perf_counter()
    with pytest.raises(ScenarioError, match="expands to 999,970,000,299,999 points"):
        load_sweep(path)
    assert time.perf_counter() - started < 5


def test_a_sweep_whose_points_together_ask_too_much_is_refused(tmp_path: Path) -> None:
    rates = ", ".join(str(r) for r in range(100_000, 1_000_001, 100_000))
    path = _sweep(tmp_path, f"grid:\n  customers.walk_in.arrivals.rate_per_hour: [{rates}]\n",
                  replications=10)
    with pytest.raises(ScenarioError, match=r"sweep.yaml:2: replications: expects about "
                                            r"[\d,]+ customers .* 10 valid point\(s\)"):
        load_sweep(path)


def test_utilisation_of_a_day_with_only_an_initial_queue_counts_until_close(
        tmp_path: Path) -> None:
    # Ten customers of one minute each, one server, doors open for an hour: busy 10 of 60.
    path = _write(tmp_path, "name: Queue at opening\nclose: 60\ncustomers:\n  early:\n"
                            "    initial_queue: 10\n    expected_wait: 5\nstations:\n"
                            "  desk:\n    servers: 1\n"
                            "    service: {dist: deterministic, value: 1}\n")
    result = run(path, replications=1)
    utilisation = result.replications()["utilisation"].iloc[0]
    assert math.isclose(float(utilisation), 10 / 60)
