"""Records a person can read: times of day and labels beside the numbers, and files that
describe their own columns."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

import simulator
from simulator.models.codes import Flag, Outcome
from simulator.runs.columns import CLOCK_COLUMNS, CODES, DESCRIPTIONS, LABEL_COLUMNS

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = """
    name: Readable
    replications: 2
    open: "09:00"
    close: "10:00"
    customers:
      walk_in:
        arrivals: {process: poisson, rate_per_hour: 90}
        patience: {dist: exponential, mean: 4}
        balk: {queue_length: 6}
    stations:
      teller:
        servers: 1
        service: {dist: exponential, mean: 0.9}
        breakdowns: {mtbf: 30, repair: {dist: deterministic, value: 3}}
    interventions:
      occupied_waiting: {share: 0.5}
    variants:
      late:
        label: "Opens at 10:00"
        open: "10:00"
        close: "11:00"
"""


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    where = tmp_path_factory.mktemp("readable")
    scenario = where / "scenario.yaml"
    scenario.write_text(SCENARIO.replace("\n    ", "\n"))
    out = where / "out"
    simulator.run(scenario, out=out, records="full", workers=1)
    return out


@pytest.mark.parametrize("table", list(DESCRIPTIONS))
def test_every_column_of_every_file_is_described(folder, table):
    for path in sorted((folder / table).glob("*.parquet")):
        schema = pq.read_schema(path)
        undescribed = [f.name for f in schema if not (f.metadata or {}).get(b"description")]
        assert undescribed == [], path
        assert set(schema.names) == set(DESCRIPTIONS[table]), path
        assert json.loads(schema.metadata[b"waitsim.codes"])["outcome"]["1"] == "abandoned"
    clocks = {json.loads(pq.read_schema(p).metadata[b"waitsim.clock_at_zero"])
              for p in (folder / table).glob("late-*.parquet")}
    assert clocks == {600.0}  # the variant's own opening time


@pytest.mark.parametrize("table", list(DESCRIPTIONS))
def test_readable_tables_add_columns_and_keep_the_numbers(folder, table):
    raw = pd.read_parquet(folder / table)
    readable = simulator.load_results(folder).records(table)
    added = [c for c in readable.columns if c not in raw.columns]
    expected = [*CLOCK_COLUMNS[table].values(),
                *(name for code, name in LABEL_COLUMNS.items() if code in raw.columns)]
    assert sorted(added) == sorted(expected)
    pd.testing.assert_frame_equal(readable[list(raw.columns)], raw)  # nothing renamed or changed
    for minutes, clock in CLOCK_COLUMNS[table].items():
        at_zero = readable["variant"].map({"base": 540.0, "late": 600.0})
        seconds = ((readable[minutes] + at_zero) * 60).round()
        shown = readable[clock].dt.total_seconds()
        assert np.array_equal(seconds.isna(), shown.isna())
        assert (seconds.dropna() == shown.dropna()).all()
        # the column sits beside its minutes
        assert list(readable.columns).index(clock) == list(readable.columns).index(minutes) + 1


def test_labels_name_the_codes(folder):
    customers = simulator.load_results(folder).records("customers")
    assert isinstance(customers["outcome_label"].dtype, pd.CategoricalDtype)
    for code in Outcome:
        labelled = customers.loc[customers["outcome"] == code, "outcome_label"]
        assert (labelled == code.name.lower()).all()
    assert {"served", "abandoned", "balked"} <= set(customers["outcome_label"])
    first = customers.iloc[0]
    assert str(first["arrived_at"]).startswith("0 days 09:0")
    segments = simulator.load_results(folder).records("segments")
    for bits, names in segments.groupby("flags", observed=True)["conditions"].first().items():
        expected = [f.name.lower() for f in Flag if bits & f] or ["none"]
        assert names.split(", ") == expected
    assert "disrupted" in " ".join(segments["conditions"].astype(str))
    assert set(segments["kind_label"]) <= set(CODES["kind"].values())


def test_the_run_result_gives_the_same_readable_table(folder, tmp_path):
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(SCENARIO.replace("\n    ", "\n"))
    result = simulator.run(scenario, out=tmp_path / "out", records="full", workers=1)
    pd.testing.assert_frame_equal(result.records("visits"),
                                  simulator.load_results(folder).records("visits"))
    with pytest.raises(simulator.ResultsError, match="no record table 'nope'"):
        simulator.load_results(folder).records("nope")


def test_the_documentation_lists_every_column():
    page = (ROOT / "docs" / "results-folders.md").read_text(encoding="utf-8")
    section = page[page.index("## Record columns"):page.index("## The manifest")]
    written = set(re.findall(r"`([a-z_]+)`", section))
    for table, columns in DESCRIPTIONS.items():
        assert set(columns) <= written, table
        assert set(CLOCK_COLUMNS[table].values()) <= written, table
    assert set(LABEL_COLUMNS.values()) <= written
    assert all(name in section for names in CODES.values() for name in names.values())
