"""The ``waitsim`` command: the contract's options, output and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from simulator.cli import main

ROOT = Path(__file__).resolve().parent.parent

CONTRACT_METRICS = {"wait_mean", "perceived_wait_mean", "abandoned_share", "balked_share",
                    "served", "utilisation"}
SCENARIO = """
    name: CLI branch
    replications: 3
    close: 60
    customers:
      a: {arrivals: {process: poisson, rate_per_hour: 50}}
    stations:
      s: {servers: 1, service: {dist: exponential, mean: 1}}
    variants:
      two: {stations: {s: {servers: 2}}}
"""


def test_run_json_prints_exactly_the_contract_document(write_yaml, tmp_path, capsys):
    path = write_yaml(SCENARIO)
    code = main(["run", str(path), "--json", "--out", str(tmp_path / "out"), "--seed", "5",
                 "--replications", "4", "--workers", "1"])
    captured = capsys.readouterr()
    assert code == 0
    document = json.loads(captured.out)  # exactly one JSON document
    assert set(document) == {"scenario", "seed", "replications", "variants"}
    assert (document["scenario"], document["seed"], document["replications"]) == \
        ("CLI branch", 5, 4)
    assert list(document["variants"]) == ["base", "two"]
    metrics = document["variants"]["base"]["metrics"]
    assert set(metrics) >= CONTRACT_METRICS
    for interval in metrics.values():
        assert set(interval) == {"mean", "ci_low", "ci_high"}
    wait = metrics["wait_mean"]
    assert wait["ci_low"] <= wait["mean"] <= wait["ci_high"]


def test_run_only_the_chosen_variants(write_yaml, tmp_path, capsys):
    path = write_yaml(SCENARIO)
    assert main(["run", str(path), "--json", "--variant", "two", "--out",
                 str(tmp_path / "o")]) == 0
    assert list(json.loads(capsys.readouterr().out)["variants"]) == ["two"]


def test_run_prints_a_table_and_where_results_went(write_yaml, tmp_path, capsys):
    out = tmp_path / "results"
    assert main(["run", str(write_yaml(SCENARIO)), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "wait_mean (min)" in text and "base" in text and "two" in text
    assert "95% confidence interval" in text and str(out) in text
    assert (out / "summary.csv").exists()


def test_default_results_folder_is_named_after_the_scenario_file(write_yaml, tmp_path,
                                                                monkeypatch, capsys):
    path = write_yaml(SCENARIO, "my_branch.yaml")
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(path), "--replications", "2"]) == 0
    assert (tmp_path / "results" / "my_branch" / "manifest.json").exists()


def test_unknown_variant_is_invalid_input(write_yaml, tmp_path, capsys):
    code = main(["run", str(write_yaml(SCENARIO)), "--variant", "tow", "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and "did you mean 'two'" in err and "Traceback" not in err


@pytest.mark.parametrize("option", [["--replications", "0"], ["--seed", "-1"],
                                    ["--workers", "x"], ["--records", "all"]])
def test_bad_options_exit_2(write_yaml, option, capsys):
    assert main(["run", str(write_yaml(SCENARIO)), *option]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_validate_prints_a_line_per_valid_file_and_fails_on_any_invalid(write_yaml, capsys):
    good = write_yaml(SCENARIO, "good.yaml")
    bad = write_yaml("name: x\n", "bad.yaml")
    assert main(["validate", str(good)]) == 0
    line = capsys.readouterr().out
    assert line.startswith(f"ok  {good}: 'CLI branch'") and "1 variant(s)" in line
    assert main(["validate", str(good), str(bad)]) == 2
    captured = capsys.readouterr()
    assert "ok  " in captured.out and f"{bad}:1:" in captured.err


def test_python_dash_m_simulator_is_the_same_command():
    done = subprocess.run([sys.executable, "-m", "simulator", "validate",
                           str(ROOT / "scenarios" / "bank_branch.yaml")],
                          capture_output=True, text=True, cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ok  ")


def test_running_out_of_memory_is_said_in_a_line_not_a_traceback(write_yaml, tmp_path,
                                                                 monkeypatch, capsys):
    # A replication short of memory stops the command (not one failed task among others).
    import simulator.runs.experiment as experiment

    def exhausted(self: object, progress: object = None) -> None:
        raise MemoryError("cannot allocate 8 GiB")

    monkeypatch.setattr(experiment.Task, "run", exhausted)
    code = main(["run", str(write_yaml(SCENARIO)), "--out", str(tmp_path / "out"),
                 "--workers", "1"])
    err = capsys.readouterr().err
    assert code == 1
    said = [line for line in err.splitlines() if "warning" not in line]
    assert len(said) == 1 and "Traceback" not in err
    assert said[0].startswith("waitsim: error: out of memory. Results already written are kept")
