"""Streamed replications: records in blocks of finished customers give the records, the
per-customer results and the metrics of the whole run at once, in bounded memory."""

from __future__ import annotations

import functools
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from simulator import load_scenario, simulate
from simulator.analysis import quantiles as quantiles_module
from simulator.analysis.experience import times_overtaken
from simulator.analysis.quantiles import RELATIVE_ACCURACY, StreamPercentiles
from simulator.analysis.summary import summarise
from simulator.engine.model import Model
from simulator.runs import experiment as experiment_module
from simulator.runs.experiment import run_experiment
from simulator.runs.replication import run_replication

SCENARIOS = sorted((Path(__file__).parent.parent / "scenarios").glob("*.yaml"))

COUNTS = ("served", "arrivals", "censored")


def assert_same_metrics(whole: dict[str, float], streamed: dict[str, float],
                        rel: float = 1e-12) -> None:
    """Counts exactly, the rest to ``rel`` (sums taken in another order)."""
    assert whole.keys() == streamed.keys()
    for key, value in whole.items():
        if math.isnan(value):
            assert math.isnan(streamed[key]), key
        elif key in COUNTS:
            assert streamed[key] == value, key
        else:
            assert streamed[key] == pytest.approx(value, rel=rel, abs=1e-12), key


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_blocks_of_seven_customers_give_the_whole_run(path):
    """Every bundled scenario and variant: records, experience (overtaking across blocks
    included) and time series identical; metrics to rounding."""
    loaded = load_scenario(path)
    for plan in loaded.plans.values():
        whole = run_replication(plan, 1, bin_minutes=15, keep_records=True)
        blocks = run_replication(plan, 1, bin_minutes=15, keep_records=True,
                                 block_customers=7)
        assert whole.journeys is not None and blocks.journeys is not None
        reference = simulate(plan, 1)
        for name in ("customers", "visits", "segments"):
            for column, values in reference.tables[name].items():
                np.testing.assert_array_equal(blocks.journeys.tables[name][column], values)
        for key, values in whole.experience.items():  # type: ignore[union-attr]
            np.testing.assert_array_equal(blocks.experience[key], values)  # type: ignore[index]
        assert_same_metrics(whole.metrics, blocks.metrics)
        assert whole.metrics == summarise(reference)
        for key, values in whole.timeseries.items():
            np.testing.assert_allclose(blocks.timeseries[key], values, rtol=1e-12, atol=1e-9)


def test_overtaking_is_counted_across_blocks():
    """Customers overtaken by someone whose records went out in an earlier block."""
    plan = load_scenario(SCENARIOS[0].parent / "bank_branch.yaml").plans["lines_per_teller"]
    whole = run_replication(plan, 0, bin_minutes=15, keep_records=True)
    assert whole.journeys is not None
    overtaken = times_overtaken(whole.journeys)
    assert overtaken.sum() > 20
    blocks = run_replication(plan, 0, bin_minutes=15, keep_records=True, block_customers=3)
    # The satisfaction scores depend on the overtaking count: same scores, same counts.
    np.testing.assert_array_equal(blocks.experience["satisfaction"],  # type: ignore[index]
                                  whole.experience["satisfaction"])  # type: ignore[index]


MM1 = """
name: long M/M/1
seed: 7
horizon: {minutes}
warmup: 60
customers:
  walk_in:
    arrivals: {{process: poisson, rate_per_hour: 12}}
    expected_wait: 5
stations:
  desk: {{servers: 1, service: {{dist: exponential, mean: 4}}}}
"""


def test_a_long_run_in_small_blocks_keeps_little_and_agrees(write_yaml, monkeypatch):
    """M/M/1 at utilisation 0.8, about 60,000 customers in blocks of 500, percentiles from
    the histogram (exact budget 1,000 values): what the recorder hands over stays small, and
    the metrics agree with the whole run summarised at once."""
    monkeypatch.setattr(quantiles_module, "EXACT_VALUES", 1000)
    plan = load_scenario(write_yaml(MM1.format(minutes=300_000))).plans["base"]
    blocks: list[int] = []
    starts_held: list[int] = []

    def watch(tables, starts):
        blocks.append(len(tables["customers"]["customer"]))
        starts_held.append(len(starts["start"]))

    Model(plan, 0, on_block=watch, block_customers=500).run()
    assert sum(blocks) > 55_000 and max(blocks) == 500
    # Service starts kept for the overtaking count: those since the last block and of
    # customers who joined after the oldest one inside, not all of the run's 60,000.
    assert max(starts_held) < 1000
    streamed = run_replication(plan, 0, bin_minutes=60, block_customers=500).metrics
    whole = summarise(simulate(plan, 0))
    for key in ("wait_p90", "perceived_wait_p90"):
        assert streamed.pop(key) == pytest.approx(whole.pop(key), rel=2 * RELATIVE_ACCURACY)
    assert_same_metrics(whole, streamed, rel=1e-9)


# -- percentiles ---------------------------------------------------------------------------


def waits(n: int, seed: int = 1) -> np.ndarray:
    """Waits as a queue gives them: about 30% exactly 0, the rest spread over decades."""
    rng = np.random.default_rng(seed)
    values = rng.lognormal(1.0, 1.5, n)
    values[rng.random(n) < 0.3] = 0.0
    return values


def test_percentiles_are_exact_within_the_budget():
    values = waits(5000)
    p = StreamPercentiles(exact_values=5000)
    for part in np.array_split(values, 7):
        p.add(part)
    assert p.exact
    for q in (0, 10, 50, 90, 99, 100):
        assert p.percentile(q) == np.percentile(values, q)


@pytest.mark.parametrize("q", [0, 25, 30, 50, 90, 99, 99.9, 100])
def test_histogram_percentiles_are_within_the_stated_accuracy(q):
    values = waits(200_000)
    p = StreamPercentiles(exact_values=1000)
    for part in np.array_split(values, 13):
        p.add(part)
    assert not p.exact and p.count == len(values)
    exact = np.percentile(values, q)
    assert p.percentile(q) == pytest.approx(exact, rel=RELATIVE_ACCURACY, abs=1e-6)


def test_histogram_percentiles_do_not_depend_on_the_order_of_blocks():
    values = waits(50_000)
    forward, backward = StreamPercentiles(exact_values=100), StreamPercentiles(exact_values=100)
    for part in np.array_split(values, 9):
        forward.add(part)
    for part in reversed(np.array_split(np.random.default_rng(3).permutation(values), 4)):
        backward.add(part)
    assert forward.percentile(90) == backward.percentile(90)


def test_no_values_no_percentile():
    assert math.isnan(StreamPercentiles().percentile(90))


@pytest.mark.parametrize("opening", ["", "open: 600000\n"])
def test_a_long_replication_reports_progress_as_it_goes(write_yaml, opening):
    """About 80,000 customers (two blocks): the progress callback hears the share of the
    arrival window simulated (from open, wherever the day starts) before the replication
    ends, never going back."""
    loaded = load_scenario(write_yaml(opening + MM1.format(minutes=400_000)))
    calls: list[tuple[float, int]] = []
    run_experiment(loaded, replications=1, records="none",
                   progress=lambda done, total: calls.append((done, total)))
    done = [d for d, _ in calls]
    assert calls[-1] == (1, 1) and done == sorted(done)
    assert [d for d in done if 0 < d < 1] == [pytest.approx(0.82, abs=0.05)]


def test_a_replication_nobody_comes_to_writes_empty_records(write_yaml, tmp_path):
    text = MM1.format(minutes=80).replace("rate_per_hour: 12", "rate_per_hour: 0.001")
    result = run_experiment(load_scenario(write_yaml(text)), replications=2,
                            out=tmp_path / "out", records="full")
    assert [r["arrivals"] for r in result.metrics["base"]] == [0, 0]
    assert len(pd.read_parquet(tmp_path / "out" / "customers")) == 0


STUCK = """
name: stuck
seed: 1
horizon: 60000
end: 60000
stations:
  main: {servers: 2, service: {dist: exponential, mean: 1}}
  back: {servers: 1, schedule: {30: 0}, service: {dist: exponential, mean: 1}}
customers:
  walk_in:
    arrivals: {process: poisson, rate_per_hour: 90}
    route: {start: main, main: exit}
  late:
    arrivals: {process: trace, file: late.csv}
    route: {start: back, back: exit}
"""


def test_a_customer_stuck_at_one_station_does_not_hold_the_starts_of_another(write_yaml):
    """A customer waits all run at a station whose only server went home; the service
    starts kept for the overtaking count at the busy station stay about a block's worth."""
    write_yaml("time\n40\n", "late.csv")
    plan = load_scenario(write_yaml(STUCK)).plans["base"]
    held: list[int] = []
    Model(plan, 0, on_block=lambda tables, starts: held.append(len(starts["start"])),
          block_customers=1000).run()
    assert len(held) > 50 and max(held) < 1100


def test_full_records_of_a_long_run_are_written_block_by_block(write_yaml, tmp_path):
    """About 80,000 customers (two blocks) with --records full: the files hold every record
    of the run (sorted by customer within a block) and each customer's experience."""
    loaded = load_scenario(write_yaml(MM1.format(minutes=400_000)))
    run_experiment(loaded, replications=1, out=tmp_path / "out", records="full")
    whole = run_replication(loaded.plans["base"], 0, bin_minutes=60, keep_records=True)
    assert whole.journeys is not None and whole.experience is not None
    for table, keys in (("customers", ["customer"]), ("visits", ["customer", "hop"]),
                        ("segments", ["customer", "start"])):
        files = list((tmp_path / "out" / table).glob("*.parquet"))
        assert len(files) == 1 and pq.ParquetFile(files[0]).num_row_groups == 2  # two blocks
        written = pd.read_parquet(files[0]).sort_values(keys, kind="stable")
        for column, values in whole.journeys.tables[table].items():
            np.testing.assert_array_equal(written[column].to_numpy(), values)
        if table == "customers":
            for column in ("wait", "perceived_wait", "satisfaction"):
                np.testing.assert_array_equal(written[column].to_numpy(),
                                              whole.experience[column])


def test_full_records_in_blocks_of_three_keep_one_schema_and_every_row(tmp_path, monkeypatch):
    """The bank branch with blocks of three customers, many of whom never wait (a block
    without a single wait): each file has one schema, a row group per block, and the rows
    and experience of the whole run."""
    loaded = load_scenario(SCENARIOS[0].parent / "bank_branch.yaml")
    monkeypatch.setattr(experiment_module, "run_replication",
                        functools.partial(run_replication, block_customers=3))
    run_experiment(loaded, variants=["extra_teller"], replications=1, out=tmp_path / "out",
                   records="full")
    whole = run_replication(loaded.plans["extra_teller"], 0, bin_minutes=15,
                            keep_records=True)
    assert whole.journeys is not None and whole.experience is not None
    for table, keys in (("customers", ["customer"]), ("visits", ["customer", "hop"]),
                        ("segments", ["customer", "start"])):
        (path,) = (tmp_path / "out" / table).glob("*.parquet")
        assert pq.ParquetFile(path).num_row_groups > 50
        written = pd.read_parquet(path).sort_values(keys, kind="stable")
        expected = dict(whole.journeys.tables[table])
        if table == "customers":
            expected.update({k: whole.experience[k]
                             for k in ("wait", "perceived_wait", "satisfaction")})
        for column, values in expected.items():
            assert written[column].dtype == values.dtype, column
            np.testing.assert_array_equal(written[column].to_numpy(), values)


def test_long_replications_on_the_pool_report_progress_before_they_end(write_yaml):
    """Two replications of about 140,000 customers (three blocks each) on two workers: the
    workers' progress reaches the callback before either replication ends."""
    loaded = load_scenario(write_yaml(MM1.format(minutes=700_000)))
    calls: list[tuple[float, int]] = []
    result = run_experiment(loaded, replications=2, workers=2, records="none",
                            progress=lambda done, total: calls.append((done, total)))
    done = [d for d, _ in calls]
    assert calls[-1] == (2, 2) and done == sorted(done)
    assert any(0 < d < 1 for d in done)
    assert result.metrics == run_experiment(loaded, replications=2, records="none").metrics


def test_void_patience_deadlines_are_dropped_at_each_block(write_yaml):
    """Customers with a patience of months, almost all served within minutes: without the
    clean-up every void deadline would stay in SimPy's queue until its time (the run's
    60,000). Records are still those of the run at once."""
    text = MM1.format(minutes=300_000).replace(
        "expected_wait: 5", "expected_wait: 5\n    patience: {dist: exponential, mean: 100000}")
    plan = load_scenario(write_yaml(text)).plans["base"]
    queued: list[int] = []

    def watch(tables, starts):
        queued.append(len(model.env._queue))

    model = Model(plan, 0, on_block=watch, block_customers=500)
    model.run()
    assert len(queued) > 100 and max(queued) < 1500
    blocks = run_replication(plan, 0, bin_minutes=60, keep_records=True, block_customers=500)
    reference = simulate(plan, 0)
    assert blocks.journeys is not None
    for name in ("customers", "visits", "segments"):
        for column, values in reference.tables[name].items():
            np.testing.assert_array_equal(blocks.journeys.tables[name][column], values)
