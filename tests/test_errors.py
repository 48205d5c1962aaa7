"""One error hierarchy: input errors exit 2, every other failure exits 1 with one line."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from simulator import api, cli
from simulator.errors import (
    FolderConflict,
    InputError,
    PlanError,
    ResultsError,
    ScenarioError,
    WaitsimError,
)

SCENARIO = str(Path(__file__).resolve().parent.parent / "scenarios" / "call_centre.yaml")


@pytest.mark.parametrize("error", [InputError, ScenarioError, ResultsError, FolderConflict])
def test_input_errors_exit_2(error):
    assert issubclass(error, WaitsimError) and error.exit_code == 2


def test_other_failures_exit_1():
    assert WaitsimError.exit_code == 1 and PlanError(("a",), "m").exit_code == 1


def test_a_missing_dask_install_is_an_input_error(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed fails
    code = cli.main(["run", SCENARIO, "--dask", "local",
                     "--replications", "1"])
    err = capsys.readouterr().err
    assert code == 2
    assert "--dask needs dask.distributed, which is not installed" in err
    assert "Traceback" not in err


def test_a_failure_inside_a_command_is_one_line_and_exit_1(monkeypatch, capsys):
    def broken(*args, **kwargs):
        raise WaitsimError("the scheduler went away")

    monkeypatch.setattr(api, "run_experiment", broken)
    code = cli.main(["run", SCENARIO, "--replications", "1"])
    err = capsys.readouterr().err
    assert code == 1
    assert err.strip() == "waitsim: error: the scheduler went away"
