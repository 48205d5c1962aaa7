"""The public Python API: simulator.run, simulator.compare, simulator.sweep and
simulator.load_results give what the command line prints, as objects and pandas tables."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import simulator
from simulator.cli import main

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = """\
name: API check
seed: 5
replications: 3
open: "09:00"
close: "11:00"
customers:
  walk_in:
    arrivals: {process: poisson, rate_per_hour: 40}
    patience: {dist: exponential, mean: 15}
    expected_wait: 4
stations:
  desk:
    servers: 1
    service: {dist: exponential, mean: 1.4}
    cost_per_server_hour: 20
variants:
  two: {stations: {desk: {servers: 2}}}
  tv: {interventions: {occupied_waiting: {share: 0.8, cost_per_day: 5}}}
"""


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("api") / "api.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    return path


def cli_json(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    assert main([*args, "--json", "--workers", "1"]) == 0
    return json.loads(capsys.readouterr().out)


def test_run_gives_the_cli_document_tables_and_records(scenario, tmp_path, capsys):
    result = simulator.run(scenario, workers=1, out=tmp_path / "api", records="full")
    assert result.to_json() == cli_json(capsys, "run", str(scenario), "--out",
                                        str(tmp_path / "cli"))
    summary = result.summary()
    assert list(summary.columns) == ["variant", "metric", "mean", "ci_low", "ci_high", "n"]
    base_wait = summary[(summary.variant == "base") & (summary.metric == "wait_mean")]
    assert base_wait["mean"].item() == result.to_json()["variants"]["base"]["metrics"][
        "wait_mean"]["mean"]
    assert len(result.replications()) == 3 * 3
    customers = result.records("customers")
    assert set(customers["variant"]) == {"base", "two", "tv"}
    assert "perceived_wait" in customers.columns
    assert "wait_mean" in str(result)


def test_records_need_a_folder_with_full_records(scenario, tmp_path):
    with pytest.raises(simulator.ResultsError, match="out=FOLDER"):
        simulator.run(scenario, variants=["base"], workers=1).records()
    kept = simulator.run(scenario, variants=["base"], workers=1, out=tmp_path / "s")
    with pytest.raises(simulator.ResultsError, match="records='full'"):
        kept.records("customers")
    assert not kept.records("timeseries").empty


def test_load_results_reads_back_the_same_document(scenario, tmp_path):
    result = simulator.run(scenario, workers=1, out=tmp_path / "out")
    saved = simulator.load_results(tmp_path / "out")
    assert saved.to_json() == result.to_json()  # every float read back exactly
    assert saved.variants == ["base", "two", "tv"]


def test_compare_gives_the_cli_document_and_its_tables(scenario, tmp_path, capsys):
    result = simulator.compare(scenario, workers=1, out=tmp_path / "api")
    assert result.to_json() == cli_json(capsys, "compare", str(scenario), "--out",
                                        str(tmp_path / "cli"))
    written = pd.read_csv(tmp_path / "api" / "comparison.csv")
    assert result.differences().shape == written.shape
    ranking = result.ranking()
    assert list(ranking["variant"]) == [r["variant"] for r in
                                        result.to_json()["ranking"]["order"]]
    assert ranking.loc[ranking["variant"] == "base", "distinguishable"].item() is None
    costs = result.costs().set_index("variant")
    assert costs.loc["two", "extra_cost_per_day"] == pytest.approx(2 * 20.0)
    assert "Ranking" in str(result) or "ranking" in str(result).lower()


def test_compare_always_runs_the_base_and_checks_names(scenario):
    result = simulator.compare(scenario, variants=["tv"], workers=1)
    assert list(result.experiment.metrics) == ["base", "tv"]
    with pytest.raises(simulator.InputError, match="variant tvv: no such variant; did you "
                                                   "mean 'tv'"):
        simulator.run(scenario, variants=["tvv"])
    with pytest.raises(simulator.InputError, match="needs --precision"):
        simulator.compare(scenario, replications="auto")
    with pytest.raises(simulator.InputError, match="--replications auto only"):
        simulator.compare(scenario, precision=0.5)


def test_sweep_gives_the_cli_document(tmp_path, capsys):
    sweep_file = ROOT / "scenarios" / "sweeps" / "bank_staffing.yaml"
    text = sweep_file.read_text().replace("../bank_branch.yaml",
                                          str(ROOT / "scenarios" / "bank_branch.yaml"))
    text = text.replace("replications: 10", "replications: 2")
    small = tmp_path / "sweep.yaml"
    small.write_text(text)
    result = simulator.sweep(small, out=tmp_path / "api", workers=1)
    assert result.to_json() == cli_json(capsys, "sweep", str(small), "--out",
                                        str(tmp_path / "cli"))
    assert len(result.replications()) == 2 * len(result.sweep.points)


def test_json_documents_hold_no_nan_or_infinity(tmp_path, capsys):
    # A cost of 1e308 per server-hour (a day's cost would be infinite) is refused at its line
    # before anything runs; where a value is undefined (one replication: no interval), the
    # documents say null instead of a number JSON cannot spell.
    path = tmp_path / "costly.yaml"
    path.write_text(SCENARIO.replace("cost_per_server_hour: 20", "cost_per_server_hour: 1e308"))
    assert main(["compare", str(path), "--records", "none"]) == 2
    assert "stations.desk.cost_per_server_hour: must be <= " in capsys.readouterr().err
    path.write_text(SCENARIO)
    document = cli_json(capsys, "run", str(path), "--out", str(tmp_path / "out"),
                        "--records", "none", "--replications", "1")
    assert "null" in json.dumps(document)
    assert json.loads(json.dumps(document, allow_nan=False)) == document
