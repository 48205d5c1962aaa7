"""Version 2 of the perception model nests version 1: with version 1's parameters (no spread
between customers, promises that become the expectation, nobody leaving when told, no faster
patience after a broken promise, no sense of progress, explanations that remove all blame, and
version 1's occupied and group factors) every bundled scenario gives version 1's numbers to
the last digit. The reference numbers were made by version 1 (3 replications of every
variant, the scenario's seed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

import simulator

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = json.loads((ROOT / "tests" / "data" / "version1_reference.json").read_text())
VERSION1 = {
    "perception": {"time_sense_sd": 0.0, "leave_when_told": False, "broken_promise_factor": 1.0,
                   "progress_factor": 1.0, "occupied_factor": 0.85, "group_factor": 0.95},
    "satisfaction": {"expectation_sd": 0.0, "promise_anchoring": 1.0,
                     "overstatement_credit": 1.0, "explained_blame_factor": 1.0},
}


def with_version1_parameters(source: Path, folder: Path) -> Path:
    """The scenario with version 1's parameters appended (the bundled scenarios set none)."""
    text = source.read_text()
    assert "\nperception:" not in text and "\nsatisfaction:" not in text
    path = folder / source.name
    path.write_text(text + "\n" + yaml.safe_dump(VERSION1))
    return path


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_version1_parameters_give_version1_numbers(name, tmp_path):
    scenario = with_version1_parameters(ROOT / "scenarios" / f"{name}.yaml", tmp_path)
    document = simulator.run(scenario, replications=3, workers=1).to_json()
    for variant in document["variants"].values():  # the reference predates these sections
        assert set(variant.pop("classes")) and set(variant.pop("stations"))
    assert document == REFERENCE[name]
