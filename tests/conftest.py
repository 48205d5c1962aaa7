"""Shared helpers: build plans from YAML text written to a temporary folder."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from simulator import load_scenario
from simulator.plan import Plan


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
