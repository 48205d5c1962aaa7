"""simulator.testing as a user would use it: check the records of their own runs, and draw
scenarios to check the engine on."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings

from simulator import Journeys, Outcome, SegmentKind, load_scenario, simulate
from simulator.testing import check_journeys, check_summary, plan_from, run_checked, scenarios

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
PLANS = [(path, variant) for path in sorted(SCENARIOS.glob("*.yaml"))
         for variant in load_scenario(path).plans]


@pytest.mark.parametrize(("path", "variant"), PLANS,
                         ids=[f"{p.stem}-{v}" for p, v in PLANS])
def test_every_bundled_plan_keeps_the_invariants(path: Path, variant: str) -> None:
    journeys = simulate(load_scenario(path).plans[variant], replication=1)
    check_journeys(journeys)
    check_summary(journeys)


@pytest.fixture(scope="module")
def bank() -> Journeys:
    return simulate(load_scenario(SCENARIOS / "bank_branch.yaml").plans["base"])


def _corrupt(j: Journeys, table: str, column: str,
             change: Callable[[np.ndarray], None]) -> Journeys:
    """``j`` with one column of one table changed in a copy (``j`` is left as it was)."""
    values = j.tables[table][column].copy()
    change(values)
    return dataclasses.replace(j, tables={**j.tables, table: {**j.tables[table],
                                                              column: values}})


def test_a_departure_before_the_arrival_is_named(bank: Journeys) -> None:
    c = bank.customers
    i = int(np.flatnonzero(c["outcome"] == Outcome.SERVED)[3])

    def leave_early(departure: np.ndarray) -> None:
        departure[i] = c["arrival"][i] - 1

    with pytest.raises(AssertionError, match=rf"customers \[{i}\] depart before they arrive"):
        check_journeys(_corrupt(bank, "customers", "departure", leave_early))
    check_journeys(bank)  # the original is untouched


def test_a_service_before_joining_is_named(bank: Journeys) -> None:
    v = bank.visits
    r = int(np.flatnonzero(~np.isnan(v["service_start"]))[0])

    def start_early(start: np.ndarray) -> None:
        start[r] = v["joined"][r] - 1

    with pytest.raises(AssertionError, match="a service started before the customer joined"):
        check_journeys(_corrupt(bank, "visits", "service_start", start_early))


def test_a_gap_in_a_wait_is_named(bank: Journeys) -> None:
    s = bank.segments
    k = int(np.flatnonzero((s["kind"] == SegmentKind.QUEUE) & (s["end"] - s["start"] > 1))[0])

    def shorten(end: np.ndarray) -> None:
        end[k] -= 0.5

    with pytest.raises(AssertionError, match=f"customer {s['customer'][k]} hop .*: queue "
                                             "segments"):
        check_journeys(_corrupt(bank, "segments", "end", shorten))


@settings(max_examples=20, deadline=None)
@given(scenarios())
def test_drawn_scenarios_run_checked(data: dict[str, Any]) -> None:
    run_checked(plan_from(data))
