"""The bundled scenario library (``scenarios/*.yaml``): every file loads, says where its numbers
come from, prices its levers, is listed in the README, and its base and every variant run
(two short replications each) with sane metrics."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from simulator import load_scenario
from simulator.analysis.costs import has_cost_data
from simulator.metrics import TABLE
from simulator.runs.experiment import run_experiment

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
IDS = [p.stem for p in SCENARIOS]

SHARES = tuple(m.name for m in TABLE if m.kind == "share")
MINUTES = tuple(m.name for m in TABLE if m.kind == "minutes")
ROUNDING = 1e-9
"""Slack for shares computed as ratios of summed minutes."""


def header(path: Path) -> str:
    """The comment block at the top of a file, without the '#' marks."""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        lines.append(line.lstrip("#").strip())
    return " ".join(lines)


def test_the_library_holds_the_six_settings():
    names = {p.stem for p in SCENARIOS}
    assert {"bank_branch", "supermarket_checkout", "outpatient_clinic", "call_centre",
            "government_office", "service_desk_breakdown"} <= names


@pytest.mark.parametrize("path", SCENARIOS, ids=IDS)
def test_header_says_where_the_numbers_come_from(path):
    text = header(path)
    assert len(text) > 200, f"{path.name}: the header comment is missing or too short"
    assert re.search(r"where the numbers come from", text, re.IGNORECASE), path.name
    # Either the numbers are said to be illustrative, or a source is named.
    assert re.search(r"illustrative|source", text, re.IGNORECASE), path.name


@pytest.mark.parametrize("path", SCENARIOS, ids=IDS)
def test_every_variant_prices_its_levers(path):
    loaded = load_scenario(path)
    assert len(loaded.scenarios) >= 4, f"{path.name}: a library file compares several levers"
    for name, scenario in loaded.scenarios.items():
        assert has_cost_data(scenario), (path.name, name)
        for block_name, block in scenario.interventions:
            if block is not None:
                assert {"cost_per_day", "cost_per_hour"} & block.model_fields_set, (
                    f"{path.name}: variant {name}: interventions.{block_name} has no cost")


def test_the_readme_lists_every_bundled_scenario():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Bundled scenarios", 1)
    assert len(section) == 2, "README.md has no 'Bundled scenarios' section"
    table = section[1].split("\n## ", 1)[0]
    for path in SCENARIOS:
        assert f"scenarios/{path.name}" in table, path.name


@pytest.mark.parametrize("path", SCENARIOS, ids=IDS)
def test_base_and_every_variant_run_with_sane_metrics(path):
    loaded = load_scenario(path)
    result = run_experiment(loaded, replications=2, workers=1)
    assert set(result.metrics) == set(loaded.plans)
    for variant, replications in result.metrics.items():
        assert len(replications) == 2
        for m in replications:
            where = f"{path.name}: {variant}"
            assert m["arrivals"] > 0 and m["served"] > 0, where
            assert m["censored"] == 0, where
            # Every arrival is accounted for: served, abandoned or balked (none censored).
            accounted = m["served"] / m["arrivals"] + m["abandoned_share"] + m["balked_share"]
            assert accounted == pytest.approx(1.0), where
            for key in MINUTES:
                assert math.isfinite(m[key]) and m[key] >= 0, (where, key, m[key])
            for key in SHARES:  # (utilisation can exceed 1 by rounding: 1 + 7e-16)
                assert -ROUNDING <= m[key] <= 1 + ROUNDING, (where, key, m[key])
            assert 0 <= m["satisfaction_mean"] <= 100, where
            # The bundled days are stable: the servers of the first station are idle some
            # of the time (a day at 100% is a queue that never empties all day).
            assert m["utilisation"] < 1 - ROUNDING, where
