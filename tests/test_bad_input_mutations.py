"""Random mutations of a valid scenario (keys deleted, renamed with typos, values replaced,
keys inserted; numbers made huge, tiny or non-finite; a class named as a generated one):
loading the result either works or raises :class:`simulator.ScenarioError` whose message
starts with the file, never any other exception."""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from bad_scenarios import BASE, ROUTED
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator import ScenarioError
from simulator.plan.loader import LoadedScenario, load_scenario
from simulator.plan.workload import workload

BASE_DOCS = [yaml.safe_load(BASE), yaml.safe_load(ROUTED)]

SCALARS = st.one_of(
    st.integers(min_value=-(10**6), max_value=10**6),
    st.integers(max_value=-1),
    st.floats(),
    st.text(max_size=8),
    st.sampled_from(["09:00", "25:00", "9h", "12:00", "teller", "walk_in", "exit", "start",
                     "poisson", "trace", "appointments", "lognormal", "normal", "empirical",
                     "maister", "identity", "line_per_server", ""]),
    st.none(),
    st.booleans(),
)
VALUES = st.one_of(
    SCALARS,
    st.lists(SCALARS, max_size=3),
    st.dictionaries(st.one_of(st.text(max_size=8), st.integers(-3, 3)), SCALARS, max_size=3),
)
SCHEMA_KEYS = ["name", "open", "close", "horizon", "warmup", "end", "customers", "stations",
               "route", "variants", "servers", "schedule", "service", "dist", "mean", "sd",
               "process", "rate_per_hour", "patience", "balk", "start", "exit", "teller"]
KEYS = st.one_of(st.text(min_size=1, max_size=8), st.sampled_from(SCHEMA_KEYS),
                 st.integers(-3, 30))


def _locations(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Paths to every node below ``node`` (mapping keys and list indices)."""
    found = [path]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _locations(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _locations(value, (*path, index))
    return found


def _get(doc: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        doc = doc[part]
    return doc


def _typo(key: str, draw: Any) -> str:
    if len(key) < 2:
        return key + "x"
    i = draw(st.integers(0, len(key) - 1))
    return draw(st.sampled_from([key[:i] + key[i + 1 :], key[:i] + key[i] + key[i:],
                                 key.upper(), key + "s"]))


@st.composite
def mutated_scenarios(draw: Any) -> Any:
    doc = copy.deepcopy(draw(st.sampled_from(BASE_DOCS)))
    for _ in range(draw(st.integers(1, 3))):
        locations = _locations(doc)
        path = draw(st.sampled_from(locations))
        operation = draw(st.sampled_from(["delete", "replace", "rename", "insert"]))
        node = _get(doc, path)
        if operation == "insert" or not path:
            if isinstance(node, dict):
                node[draw(KEYS)] = draw(VALUES)
            elif not path:
                doc = draw(VALUES)
            continue
        parent, key = _get(doc, path[:-1]), path[-1]
        if operation == "delete":
            del parent[key]
        elif operation == "replace":
            parent[key] = draw(VALUES)
        elif isinstance(parent, dict):
            new_key = _typo(key, draw) if isinstance(key, str) and draw(st.booleans()) \
                else draw(KEYS)
            parent[new_key] = parent.pop(key)
    return doc


def load_or_refused(doc: Any, folder: Path) -> LoadedScenario | None:
    """``doc`` written to a file and loaded; None when it is refused as it must be, with a
    :class:`ScenarioError` naming the file (any other exception fails the test)."""
    path = folder / "mutated.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    try:
        return load_scenario(path)
    except ScenarioError as exc:
        message = str(exc)
        assert message.startswith(f"{path}:"), message
        assert "Traceback" not in message
        return None


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(doc=mutated_scenarios())
def test_random_mutations_load_or_raise_scenario_error(doc: Any, tmp_path: Path) -> None:
    load_or_refused(doc, tmp_path)


# --- absurd numbers and generated names --------------------------------------------------------
# A number of the scenario replaced by a huge, a tiny or a non-finite one, or a class named as
# the appointments intervention names the customers who book: each is refused at its line, or
# loads into plans whose distributions give finite draws and whose work is within the caps.
HUGE = st.sampled_from([40_000, 10**8, 10**9, 2**64, 1e12, 1e20, 1e300, 1.7e308])
TINY = st.sampled_from([1e-300, 5e-324, 1e-200, 1e-9, 1e-7, -1e-300])
NON_FINITE = st.sampled_from([math.inf, -math.inf, math.nan])


def _numbers(doc: Any) -> list[tuple[Any, ...]]:
    return [p for p in _locations(doc) if p and isinstance(_get(doc, p), int | float)
            and not isinstance(_get(doc, p), bool)]


@st.composite
def absurd_numbers(draw: Any) -> Any:
    doc = copy.deepcopy(draw(st.sampled_from(BASE_DOCS)))
    for _ in range(draw(st.integers(1, 2))):
        path = draw(st.sampled_from(_numbers(doc)))
        _get(doc, path[:-1])[path[-1]] = draw(st.one_of(HUGE, TINY, NON_FINITE))
    return doc


def _draws_are_finite(loaded: LoadedScenario) -> None:
    rng = np.random.default_rng(1)
    for plan in loaded.plans.values():
        dists = [d for cp in plan.classes for d in (*cp.service, cp.patience) if d is not None]
        dists += [sp.repair for sp in plan.stations if sp.repair is not None]
        for dist in dists:
            assert np.isfinite(dist.sample(rng, 1000)).all(), dist
        work = workload(plan)
        assert work.customers <= loaded.base.limits.customers_per_replication
        assert work.breakdowns <= loaded.base.limits.breakdowns_per_replication


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(doc=absurd_numbers())
def test_absurd_numbers_are_refused_or_harmless(doc: Any, tmp_path: Path) -> None:
    loaded = load_or_refused(doc, tmp_path)
    if loaded is not None:
        _draws_are_finite(loaded)


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(doc=st.sampled_from(BASE_DOCS), share=st.floats(0, 1), in_variant=st.booleans())
def test_a_class_named_as_a_generated_one_is_refused(doc: Any, share: float, in_variant: bool,
                                                     tmp_path: Path) -> None:
    doc = copy.deepcopy(doc)
    doc["customers"]["walk_in:booked"] = copy.deepcopy(doc["customers"]["walk_in"])
    block = {"appointments": {"classes": ["walk_in"], "share": share}}
    if in_variant:  # the base is valid; the variant that adds appointments is not
        doc["variants"] = {"booked": {"interventions": block}}
    else:
        doc["interventions"] = block
    path = tmp_path / "collision.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"customers\.walk_in:booked: this name is taken"):
        load_scenario(path)
