"""Shared helpers: build plans from YAML text written to a temporary folder."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import settings

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
