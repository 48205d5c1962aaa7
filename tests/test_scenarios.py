"""Every bundled scenario loads, and each of its variants runs (briefly)."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator import load_scenario
from simulator.runs.experiment import run_experiment

SCENARIOS = sorted((Path(__file__).resolve().parent.parent / "scenarios").glob("*.yaml"))


def test_there_are_bundled_scenarios():
    assert any(p.name == "bank_branch.yaml" for p in SCENARIOS)


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_bundled_scenario_loads_and_runs(path):
    loaded = load_scenario(path)
    result = run_experiment(loaded, replications=2)
    for variant, replications in result.metrics.items():
        for metrics in replications:
            assert metrics["arrivals"] > 0, variant
            assert metrics["served"] > 0, variant
            assert metrics["censored"] == 0, variant
