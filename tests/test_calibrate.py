"""``waitsim calibrate``: parameters recovered from surveys drawn with known values, broken
survey files refused at their line and column, Likert scales, too few respondents said
plainly, and ``--write`` keeping a scenario's comments and layout."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import simulator
from simulator.analysis.calibration import calibrate_survey, read_survey
from simulator.cli import main
from simulator.plan.loader import load_scenario
from simulator.plan.uncertain import drawn_ranges
from simulator.report.scenario_update import set_values
from simulator.testing.surveys import SurveyClass, synthetic_survey

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "docs" / "examples" / "clinic_survey.csv"
CLINIC = ROOT / "scenarios" / "outpatient_clinic.yaml"
TRUTH = {"overestimation": 1.35, "duration_exponent": 0.9, "time_sense_sd": 0.3,
         "expected_wait": 20.0}
"""The model's defaults, and the expected wait of the surveys drawn below."""


def _survey(tmp_path: Path, table: pd.DataFrame, name: str = "survey.csv") -> Path:
    path = tmp_path / name
    table.to_csv(path, index=False)
    return path


@pytest.mark.slow
def test_true_values_lie_inside_the_95_intervals_of_at_least_90_percent_of_surveys(
        tmp_path: Path) -> None:
    # 50 surveys of 300 respondents drawn from the models with known values; reports without
    # recall error, so that the residual spread is the time sense (recall_sd 0 is then right).
    inside = dict.fromkeys(TRUTH, 0)
    for seed in range(50):
        drawn = synthetic_survey([SurveyClass("x", 300, expected_wait=20, wait_mean=18,
                                              wait_sd=10, occupied_share=0.4,
                                              informed_share=0.4)],
                                 seed, recall_sd=0.0, round_to=0, answer_sd=5)
        path = _survey(tmp_path, drawn.drop(columns="class"))
        fit = calibrate_survey(read_survey(path), bootstrap=150, seed=seed)
        for name, true in TRUTH.items():
            e = (fit.perception.estimates | fit.satisfaction.estimates)[name]
            assert e.fitted and e.ci_low is not None and e.ci_high is not None
            inside[name] += e.ci_low <= true <= e.ci_high
    assert all(count >= 45 for count in inside.values()), inside


def test_recovers_condition_factors_and_recall_error(tmp_path: Path) -> None:
    drawn = synthetic_survey([SurveyClass("x", 2000, expected_wait=20, wait_mean=18,
                                          wait_sd=10, occupied_share=0.5, informed_share=0.5)],
                             7, recall_sd=0.2, round_to=0)
    fit = calibrate_survey(read_survey(_survey(tmp_path, drawn)), bootstrap=100, recall_sd=0.2)
    estimates = fit.perception.estimates
    assert estimates["occupied_factor"].value == pytest.approx(0.9, abs=0.03)
    assert estimates["informed_factor"].value == pytest.approx(0.95, abs=0.03)
    assert estimates["time_sense_sd"].value == pytest.approx(0.3, abs=0.03)
    # Without the recall error taken out, the whole spread counts as time sense.
    naive = calibrate_survey(read_survey(_survey(tmp_path, drawn)), bootstrap=0)
    assert naive.perception.estimates["time_sense_sd"].value == pytest.approx(
        np.hypot(0.3, 0.2), abs=0.03)


@pytest.mark.parametrize(("text", "line", "column", "message"), [
    ("reported_wait\n3\n", 1, "actual_wait", "required column missing"),
    ("actual_wait,reported_wait\n3,4\nfive,4\n", 3, "actual_wait", "not a number"),
    ("actual_wait,reported_wait\n3,4\n4,-2\n", 3, "reported_wait", "cannot be negative"),
    ("# a comment\nactual_wait,satisfaction\n3,4\n4,6\n", 4, "satisfaction",
     "off the 1-5 scale"),
    ("actual_wait,occupied\n3,1\n4,2\n", 3, "occupied", "must be 0 or 1"),
    ("actual_wait,reported_wait\n3,4\n,4\n", 3, "actual_wait", "required, but empty"),
])
def test_broken_survey_exits_2_naming_file_line_and_column(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, line: int, column: str,
        message: str) -> None:
    path = tmp_path / "survey.csv"
    path.write_text(text, encoding="utf-8")
    code = main(["calibrate", str(path), "--scale", "1-5"])
    err = capsys.readouterr().err
    assert code == 2
    assert f"{path}:{line}: column {column}: " in err
    assert message in err
    assert "Traceback" not in err


@pytest.mark.parametrize(("scale", "answers", "mapped"), [
    ("1-5", [1, 2, 3, 5], [0, 25, 50, 100]),
    ("1-7", [1, 4, 7], [0, 50, 100]),
    ("0-100", [0, 37.5, 100], [0, 37.5, 100]),
])
def test_likert_answers_map_linearly_to_0_100(tmp_path: Path, scale: str, answers: list[float],
                                               mapped: list[float]) -> None:
    path = _survey(tmp_path, pd.DataFrame({"actual_wait": 5.0, "satisfaction": answers}))
    assert read_survey(path, scale).satisfaction.tolist() == mapped  # type: ignore[union-attr]


def test_too_few_rows_are_said_plainly(tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    drawn = synthetic_survey([SurveyClass("x", 12, expected_wait=10, wait_mean=10,
                                          wait_sd=5)], 1)
    path = _survey(tmp_path, drawn)
    assert main(["calibrate", str(path), "--json", "--bootstrap", "10"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["rows"] == 12
    overestimation = document["perception"]["overestimation"]
    assert overestimation["fitted"] is False and overestimation["value"] is None
    assert "needs at least 20 respondents with both waits above 0; the survey has 12" in (
        overestimation["reason"])
    assert "needs at least 30 respondents" in document["satisfaction"]["expected_wait"]["reason"]
    assert main(["calibrate", str(path), "--bootstrap", "10"]) == 0
    assert "not fitted" in capsys.readouterr().out


def test_json_table_and_figure(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    figure = tmp_path / "fit.png"
    argv = ["calibrate", str(EXAMPLE), "--bootstrap", "20", "--seed", "3"]
    assert main([*argv, "--json", "--figure", str(figure)]) == 0
    document = json.loads(capsys.readouterr().out)
    assert figure.read_bytes().startswith(b"\x89PNG")
    assert document["rows"] == 400 and set(document["classes"]) == {"booked", "walk_in"}
    for block, names in [("perception", ["overestimation", "duration_exponent",
                                         "time_sense_sd", "occupied_factor",
                                         "informed_factor"]),
                         ("satisfaction", ["expected_wait", "beyond_per_minute",
                                           "expectation_sd"])]:
        for name in names:
            entry = document["classes"]["walk_in"][block][name]
            assert entry["fitted"] and entry["ci_low"] <= entry["value"] <= entry["ci_high"]
    assert document["satisfaction"]["zone_per_minute"]["fitted"] is False
    # The same seed gives the same document; the table fits in 100 columns.
    assert main([*argv, "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == document
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert max(len(line) for line in text.splitlines()) <= 100
    assert "class walk_in (240 rows)" in text
    table = simulator.calibrate(EXAMPLE, bootstrap=20, seed=3).table()
    assert set(table["group"]) == {"all respondents", "class booked", "class walk_in"}


def test_write_keeps_comments_and_layout_and_validates(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenario = tmp_path / "clinic.yaml"
    shutil.copy(CLINIC, scenario)
    before = scenario.read_text(encoding="utf-8").splitlines()
    assert main(["calibrate", str(EXAMPLE), "--bootstrap", "20", "--write",
                 str(scenario)]) == 0
    capsys.readouterr()
    after = scenario.read_text(encoding="utf-8").splitlines()
    changed = [line for line in before if line not in after]
    # Only the two expected_wait lines were replaced; every comment and line else is kept.
    assert len(changed) == 2 and all("expected_wait" in line for line in changed)
    kept = [line for line in after if line in before]
    assert kept == [line for line in before if line not in changed]
    loaded = load_scenario(scenario)
    walk_in = loaded.base.customers["walk_in"]
    assert walk_in.expected_wait != 30 and "overestimation" in walk_in.perception
    assert any("calibrated from clinic_survey.csv: 95% interval [" in line for line in after)


def test_write_without_classes_goes_to_the_top_level_blocks(tmp_path: Path) -> None:
    drawn = synthetic_survey([SurveyClass("x", 200, expected_wait=10, wait_mean=10,
                                          wait_sd=6)], 2)
    scenario = tmp_path / "one.yaml"
    text = CLINIC.read_text(encoding="utf-8").replace(
        "close: \"16:00\"", "close: \"16:00\"\nperception: {time_sense_sd: 0.2}  # old")
    scenario.write_text(text, encoding="utf-8")
    result = simulator.calibrate(_survey(tmp_path, drawn.drop(columns="class")), bootstrap=10)
    notes = result.write(scenario)
    assert any("expected_wait was not written" in note for note in notes)
    loaded = load_scenario(scenario)
    fitted = result.calibration.perception.estimates["time_sense_sd"].value
    assert loaded.base.perception.time_sense_sd == pytest.approx(fitted, rel=1e-3)
    assert "perception:  # old" in scenario.read_text(encoding="utf-8")
    # The intervals become the ranges an uncertainty analysis draws these parameters from.
    estimate = result.calibration.perception.estimates["time_sense_sd"]
    low, high = loaded.base.uncertainty.ranges["perception.time_sense_sd"]
    assert low == pytest.approx(estimate.ci_low, rel=1e-3)
    assert high == pytest.approx(estimate.ci_high, rel=1e-3)
    assert drawn_ranges(loaded)["perception.time_sense_sd"] == (low, high)


def test_set_values_replaces_in_place_and_adds_missing_blocks() -> None:
    text = ("# top\nname: x\n\n# the customers\ncustomers:\n  a:\n    arrivals: {}\n"
            "    expected_wait: 3   # guess\n")
    edited = set_values(text, "f.yaml", ("perception",), {"overestimation": (1.5, "c1")})
    edited = set_values(edited, "f.yaml", ("customers", "a"), {"expected_wait": (4.25, "c2")})
    edited = set_values(edited, "f.yaml", ("customers", "a", "satisfaction"),
                        {"beyond_per_minute": (7.0, "c3")})
    assert edited.splitlines() == [
        "# top", "name: x", "", "perception:",
        "  overestimation: 1.5               # c1", "", "# the customers", "customers:", "  a:",
        "    satisfaction:", "      beyond_per_minute: 7          # c3", "    arrivals: {}",
        "    expected_wait: 4.25             # c2"]


def test_missing_columns_are_reasons_not_errors(tmp_path: Path) -> None:
    path = _survey(tmp_path, pd.DataFrame({"actual_wait": [3.0, 5.0, 8.0]}))
    result = simulator.calibrate(path, bootstrap=5)
    document = result.to_json()
    assert document["perception"]["duration_exponent"]["reason"] == (
        "the survey has no reported_wait column")
    assert document["satisfaction"]["expected_wait"]["reason"] == (
        "the survey has no satisfaction column")
    assert result.figure().axes  # draws, saying what was not fitted
