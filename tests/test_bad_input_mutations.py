"""Random mutations of a valid scenario (keys deleted, renamed with typos, values replaced,
keys inserted): loading the result either works or raises :class:`simulator.ScenarioError`
whose message starts with the file, never any other exception. And special files: a data
``file:`` that is a folder, a named pipe, /dev/zero or far too large is refused at once."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
from bad_scenarios import BASE, ROUTED, special_file, without_blocking
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator import ScenarioError
from simulator.plan.loader import load_scenario

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


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(doc=mutated_scenarios())
def test_random_mutations_load_or_raise_scenario_error(doc: Any, tmp_path: Path) -> None:
    path = tmp_path / "mutated.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    try:
        load_scenario(path)
    except ScenarioError as exc:
        message = str(exc)
        assert message.startswith(f"{path}:"), message
        assert "Traceback" not in message


SPECIAL_FILES = {"dir": "is a directory", "fifo": "named pipe", "zero": "is a device",
                 "huge": "over the limit"}


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(base=st.sampled_from(BASE_DOCS), kind=st.sampled_from(sorted(SPECIAL_FILES)),
       where=st.sampled_from(["service", "arrivals", "patience", "repair"]),
       relative=st.booleans())
def test_data_file_that_is_a_special_file_is_refused(base: Any, kind: str, where: str,
                                                     relative: bool, tmp_path: Path) -> None:
    """A ``file:`` (empirical distribution or arrival trace) naming a special file: refused
    with file and line, within seconds (a pipe or /dev/zero would block or fill memory)."""
    doc = copy.deepcopy(base)
    special = special_file(kind, tmp_path)
    name = special.name if relative else str(special)
    empirical = {"dist": "empirical", "file": name, "column": "minutes"}
    if where == "arrivals":
        doc["customers"]["walk_in"]["arrivals"] = {"process": "trace", "file": name}
    elif where == "patience":
        doc["customers"]["walk_in"]["patience"] = empirical
    elif where == "repair":
        doc["stations"]["teller"]["breakdowns"]["repair"] = empirical
    else:
        doc["stations"]["teller"]["service"] = empirical
    path = tmp_path / "special.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    try:
        without_blocking(lambda: load_scenario(path), (special,), seconds=30)
    except ScenarioError as exc:
        message = str(exc)
        assert message.startswith(f"{path}:"), message
        assert SPECIAL_FILES[kind] in message, message
        assert f"{where}" in message, message
    else:
        raise AssertionError(f"{kind} as {where} file was accepted")
