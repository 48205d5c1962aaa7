"""Shared helpers: build plans from YAML text written to a temporary folder."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import settings

import simulator
from simulator import load_scenario
from simulator.plan.compiled import Plan

# In CI (CI=true) every property test draws the same examples each run: a red build then
# always means a change, never a new random draw; development runs keep exploring.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI", "").lower() == "true":
    settings.load_profile("ci")


@pytest.fixture
def write_yaml(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write dedented YAML text to ``tmp_path/name`` and return the path."""

    def write(text: str, name: str = "scenario.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write


@pytest.fixture
def plan_of(write_yaml: Callable[[str, str], Path]) -> Callable[..., Plan]:
    """The compiled plan of a scenario given as YAML text (``variant`` defaults to base)."""

    def build(text: str, variant: str = "base") -> Plan:
        return load_scenario(write_yaml(text, "scenario.yaml")).plans[variant]

    return build


# Small scenario of the report page's tests: names and text with markup in them.
REPORT_SCENARIO = """
    name: "Tiny <script>alert('name')</script> & branch"
    description: "A <img src=x onerror=alert(1)> description"
    seed: 11
    replications: 4
    open: "09:00"
    close: "11:00"
    customers:
      walk_in:
        arrivals: {process: poisson, rate_per_hour: {"09:00": 50, "10:00": 80}}
        patience: {dist: exponential, mean: 8}
        expected_wait: 4
        route: {start: teller}
    stations:
      teller:
        servers: 2
        schedule: {"10:00": 3}
        service: {dist: exponential, mean: 3}
        cost_per_server_hour: 20
    variants:
      extra_teller: {label: "A fourth teller",
                     stations: {teller: {servers: 3, schedule: {"10:00": 4}}}}
      tv_screens: {interventions: {occupied_waiting: {share: 0.8, cost_per_day: 10}}}
      faster_service: {stations: {teller: {service: {mean: 2.6}}}, cost_per_day: 15}
"""


@pytest.fixture(scope="session")
def report_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A compare of REPORT_SCENARIO (tiny.yaml beside it) with costs, per-customer records
    and an uncertainty analysis: what ``waitsim report`` reads (scenario text from users,
    escaped on the page, included)."""
    path = tmp_path_factory.mktemp("page") / "tiny.yaml"
    path.write_text(textwrap.dedent(REPORT_SCENARIO), encoding="utf-8")
    out = path.parent / "compared"
    simulator.compare(path, out=out, records="full", uncertainty=10, workers=1)
    return out
