"""Sweep files: a base scenario and the parameters to vary, expanded into validated points.

A sweep file (``waitsim sweep SWEEP.yaml``; the format is in docs/how-to/sweeps.md)::

    scenario: bank_branch.yaml            # relative to the sweep file
    replications: 10                      # per point (default: the scenario's)
    seed: 1                               # root seed of every point (default: the scenario's)
    grid:                                 # full factorial, last parameter fastest
      stations.teller.servers: [2, 3, 4]
      customers.walk_in.arrivals.rate_per_hour: {from: 40, to: 80, step: 10}
    # or: sample: {method: latin_hypercube, points: 200, seed: 3,
    #              ranges: {stations.teller.service.mean: [2.5, 4.5]}}

Each point is the scenario's base (or ``variant``) with the values set at the dotted paths,
validated like a scenario file; a point that fails validation is kept with its error and
parameters (it does not stop the sweep). The sweep file itself is validated with
``file:line: field: message`` errors (exit 2). Running points is :mod:`simulator.runs.sweep`.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import Discriminator, Field, Tag, ValidationError, model_validator

from simulator.errors import ScenarioError
from simulator.plan.compiled import Plan
from simulator.plan.digest import plan_digest
from simulator.plan.loader import (
    BASE,
    RUN_SETTINGS,
    error_at,
    load_scenario,
    validate_derived,
    validation_error,
)
from simulator.plan.workload import total_customers_problem
from simulator.spec.base import Strict, field_error
from simulator.spec.bounds import MAX_REPLICATIONS, Seed
from simulator.spec.inputfiles import file_problem
from simulator.spec.yamlsource import YamlDocument, read_yaml_file
from simulator.version import __version__

MAX_POINTS = 100_000
"""Most points a sweep may expand to (a guard against a step of 0.0001 by mistake)."""

Number = Annotated[int | float, Field(allow_inf_nan=False)]


class Steps(Strict):
    """``{from, to, step}``: from, from + step, ... up to ``to`` (included when reached)."""

    start: Number = Field(alias="from")
    to: Number
    step: Annotated[Number, Field(gt=0)]

    @model_validator(mode="after")
    def _ordered(self) -> Steps:
        if self.to < self.start:
            raise field_error("to", f"must be >= from ({self.start}) (got {self.to})")
        if (self.to - self.start) / self.step >= MAX_POINTS:
            raise field_error("step", f"gives more than {MAX_POINTS:,} values")
        return self

    @property
    def count(self) -> int:
        """How many values the range gives."""
        return math.floor((self.to - self.start) / self.step + 1e-9) + 1

    def values(self) -> list[int | float]:
        """Whole numbers when from, to and step are whole; floats rounded to 12 decimals
        (so 0.1 steps give 0.3, not 0.30000000000000004)."""
        count = self.count
        if all(isinstance(v, int) for v in (self.start, self.to, self.step)):
            return [int(self.start + k * self.step) for k in range(count)]
        return [round(self.start + k * self.step, 12) for k in range(count)]


def _grid_kind(value: Any) -> str:
    return "values[]" if isinstance(value, list) else "range()"


# The tags are pydantic's internal names for the two forms; the loader leaves names with
# brackets out of error paths, so errors read ``grid.PATH.step: ...``.
GridValues = Annotated[
    Annotated[Annotated[list[Any], Field(min_length=1, strict=False)], Tag("values[]")]
    | Annotated[Steps, Tag("range()")],
    Discriminator(_grid_kind),
]


class Sample(Strict):
    """A Latin hypercube sample of ``points`` points over ``ranges`` (scipy.stats.qmc)."""

    method: Literal["latin_hypercube"]
    points: Annotated[int, Field(ge=1, le=MAX_POINTS)]
    ranges: Annotated[dict[str, Annotated[tuple[Number, Number], Field(strict=False)]],
                      Field(min_length=1)]
    seed: Annotated[int, Field(ge=0)] | None = None
    """Seed of the sample (default: the sweep's seed)."""

    def values(self, seed: int) -> list[tuple[int | float, ...]]:
        """The sample, in the sampler's order. A range whose bounds are both whole numbers
        gives whole numbers (each of low..high covers an equal share of [0, 1))."""
        from scipy.stats import qmc

        rng = np.random.default_rng(self.seed if self.seed is not None else seed)
        try:
            engine = qmc.LatinHypercube(d=len(self.ranges), rng=rng)
        except TypeError:  # SciPy < 1.15 names the generator 'seed'
            engine = qmc.LatinHypercube(d=len(self.ranges), seed=rng)
        unit = engine.random(self.points)
        columns: list[list[int | float]] = []
        for k, (low, high) in enumerate(self.ranges.values()):
            if isinstance(low, int) and isinstance(high, int):
                whole = np.minimum(low + np.floor(unit[:, k] * (high - low + 1)), high)
                columns.append([int(v) for v in whole])
            else:
                columns.append([float(v) for v in low + unit[:, k] * (high - low)])
        return list(zip(*columns, strict=True))


class SweepSpec(Strict):
    """The sweep file's schema."""

    scenario: Annotated[str, Field(min_length=1)]
    replications: Annotated[int, Field(ge=1, le=MAX_REPLICATIONS)] | None = None
    seed: Seed | None = None
    variant: Annotated[str, Field(min_length=1)] | None = None
    """Sweep around this variant of the scenario instead of its base."""
    grid: Annotated[dict[str, GridValues], Field(min_length=1)] | None = None
    sample: Sample | None = None

    @model_validator(mode="after")
    def _one_design(self) -> SweepSpec:
        if (self.grid is None) == (self.sample is None):
            raise field_error("grid", "give either 'grid' (every combination) or 'sample' "
                                      "(a Latin hypercube), not both or neither")
        return self


@dataclass(frozen=True)
class Point:
    """One point of a sweep: its parameter values and its plan, or why it is invalid."""

    id: int
    params: dict[str, Any]
    plan: Plan | None
    error: str | None = None
    key: str | None = None
    """The digest of the point's plan (:func:`simulator.plan.digest.plan_digest`): with the
    seed and a replication, its tasks' keys (:func:`simulator.runs.store.task_key`)."""


@dataclass(frozen=True)
class Sweep:
    """A validated sweep file, expanded into points (in a stable order)."""

    path: Path
    scenario_path: Path
    scenario_name: str
    scenario_digest: str
    """The scenario file's digest (:attr:`simulator.plan.loader.LoadedScenario.digest`)."""
    seed: int
    replications: int
    parameters: tuple[str, ...]
    points: tuple[Point, ...]
    digest: str
    """SHA-256 of everything the results depend on: waitsim's version, the seed, the
    replications and every point's parameters and plan (or that it is invalid)."""
    warnings: tuple[str, ...] = ()
    """The scenario file's warnings (assumptions made for the user)."""


def _parse_path(doc: YamlDocument, where: tuple[str, ...], path: str) -> list[str]:
    parts = path.split(".")
    if not all(p.strip() for p in parts):
        raise error_at(doc, where, f"'{path}' is not a dotted path into the scenario "
                                   "(e.g. stations.teller.servers)")
    if parts[0] == "limits":
        raise error_at(doc, where, "a sweep cannot vary 'limits': the caps bound the work of "
                                   "the whole sweep; set them in the scenario file")
    if path in ("seed", "replications"):
        raise error_at(doc, where, f"a sweep cannot vary '{path}': every point runs with the "
                                   f"sweep's own '{path}:' (set it at the top of the sweep "
                                   "file); points share it so that they share customers")
    if path in RUN_SETTINGS:
        raise error_at(doc, where, f"a sweep cannot vary '{path}': it is set once, for every "
                                   "point alike (in the scenario file)")
    return parts


def set_path(data: Any, parts: list[str], value: Any) -> str | None:
    """Set ``value`` at the dotted path in nested mappings and lists, creating missing
    mappings on the way; a key matches by its text (YAML's ``8:`` is the path part ``8``).
    Returns why it cannot be set, or None when done."""
    here = data
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        if isinstance(here, dict):
            key = next((k for k in here if str(k) == part), part)
            if last:
                here[key] = copy.deepcopy(value)
            else:
                here = here.setdefault(key, {})
        elif isinstance(here, list) and part.isdigit() and int(part) < len(here):
            if last:
                here[int(part)] = copy.deepcopy(value)
            else:
                here = here[int(part)]
        else:
            reached = ".".join(parts[:depth]) or "the scenario"
            what = (f"a list of {len(here)} (no item '{part}')" if isinstance(here, list)
                    else f"{type(here).__name__}, not a mapping")
            return f"cannot set '{'.'.join(parts)}': {reached} is {what}"
    return None


def design_size(spec: SweepSpec) -> int:
    """How many points the design gives: for a grid, the product of its axes' lengths,
    computed without building the grid."""
    if spec.grid is not None:
        return math.prod(v.count if isinstance(v, Steps) else len(v) for v in spec.grid.values())
    assert spec.sample is not None
    return spec.sample.points


def _design(spec: SweepSpec, seed: int) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Parameter paths and the values of each point."""
    if spec.grid is not None:
        paths = list(spec.grid)
        axes = [v.values() if isinstance(v, Steps) else v for v in spec.grid.values()]
        return paths, list(itertools.product(*axes))
    assert spec.sample is not None
    return list(spec.sample.ranges), spec.sample.values(seed)


def shown(params: dict[str, Any]) -> str:
    """A point's parameters as ``path=value, ...`` (values as JSON)."""
    return ", ".join(f"{k}={json.dumps(v, default=str)}" for k, v in params.items())


def load_sweep(path: str | Path) -> Sweep:
    """Read and validate a sweep file, its scenario and every point.

    Raises :class:`ScenarioError` (exit 2) for a bad sweep file or scenario file, or when
    no point at all is valid; a single invalid point is kept in the sweep with its error.
    """
    doc = read_yaml_file(path)
    if not isinstance(doc.data, dict):
        raise ScenarioError(f"{doc.file}: a sweep file must be a mapping with 'scenario' and "
                            "'grid' or 'sample' (see docs/how-to/sweeps.md)")
    try:
        spec = SweepSpec.model_validate(doc.data)
    except ValidationError as exc:
        raise validation_error(doc, exc) from None
    design = "grid" if spec.grid is not None else "sample"
    where = {"grid": ("grid",), "sample": ("sample", "ranges")}[design]
    paths = spec.grid or (spec.sample.ranges if spec.sample else {})
    parts = {p: _parse_path(doc, (*where, p), p) for p in paths}
    for name, (low, high) in (spec.sample.ranges.items() if spec.sample else ()):
        if not low < high:
            raise error_at(doc, (*where, name),
                           f"must be [low, high] with low < high (got [{low}, {high}])")

    scenario_path = Path(path).resolve().parent / spec.scenario
    problem = file_problem(scenario_path)
    if problem is not None:  # "no such file", "is a named pipe (FIFO)..."
        raise error_at(doc, ("scenario",), f"scenario file {scenario_path}: {problem}")
    loaded = load_scenario(scenario_path)  # the scenario file must be valid on its own
    scenario_doc = loaded.document
    assert scenario_doc is not None  # load_scenario keeps it
    variant = spec.variant or BASE
    if variant not in loaded.data:
        raise error_at(doc, ("variant",), f"no variant '{variant}' in {spec.scenario} "
                                          f"(variants: {', '.join(loaded.variant_names)})")
    base_data = loaded.data[variant]  # deep-copied below before a point changes it
    seed = spec.seed if spec.seed is not None else loaded.base.seed
    replications = spec.replications or loaded.base.replications

    size = design_size(spec)
    if size > MAX_POINTS:  # before the grid is built: three long axes make 10^15 points
        raise error_at(doc, (design,), f"expands to {size:,} points; at most "
                                       f"{MAX_POINTS:,} are allowed")
    names, rows = _design(spec, seed)
    points = []
    for index, values in enumerate(rows):
        params = dict(zip(names, values, strict=True))
        data = copy.deepcopy(base_data)
        for name, value in params.items():
            problem = set_path(data, parts[name], value)
            if problem is not None:  # the same for every value: the sweep file is wrong
                raise error_at(doc, (*where, name), problem)
        try:
            _, plan = validate_derived(scenario_doc, data, scenario_path.parent)
        except ScenarioError as exc:
            # At the line of the parameter the error names, if one does.
            culprit = next((n for n in names if f" {n}:" in str(exc) or f" {n}." in str(exc)),
                           None)
            line = doc.locate((*where, culprit) if culprit else where).line
            points.append(Point(index, params, None, f"{doc.file}:{line}: point {index} "
                                                     f"({shown(params)}): {exc}"))
            continue
        points.append(Point(index, params, plan, key=plan_digest(plan)))
    if not any(p.plan is not None for p in points):
        first = points[0].error if points else "no points"
        raise ScenarioError(f"{doc.file}: no valid point in the sweep; the first: {first}")
    valid = [p.plan for p in points if p.plan is not None]
    problem = total_customers_problem(valid, replications, loaded.base.limits,
                                      f"{len(valid):,} valid point(s)")
    if problem is not None:
        raise error_at(doc, ("replications",) if spec.replications else (design,), problem)
    fingerprint = json.dumps(
        {"waitsim": __version__, "seed": seed, "replications": replications,
         # Not the error's text: it names the files as typed on the command line.
         "points": [[p.id, p.params, p.key or "invalid"] for p in points]},
        sort_keys=True, default=str)
    return Sweep(path=Path(path), scenario_path=scenario_path,
                 scenario_name=loaded.base.name, scenario_digest=loaded.digest, seed=seed,
                 replications=replications,
                 parameters=tuple(names), points=tuple(points),
                 digest=hashlib.sha256(fingerprint.encode()).hexdigest(),
                 warnings=loaded.warnings)
