"""Load a scenario file: parse YAML, validate the base and every variant, compile plans.

All checking happens here, once. Every failure becomes a :class:`ScenarioError` whose text
names the file, the line and the field path, and says what was expected::

    scenarios/bank.yaml:14: stations.teller.servers: must be a whole number >= 1 (got -1)

Variants are deep-merge patches of the base: mappings merge key by key, anything else replaces,
``null`` removes a key, and a block whose ``dist`` or ``process`` changes is replaced whole.
Schedules and rate tables merge by time (:data:`TIMED_TABLES`): a variant adds, changes or
(with ``null``) removes a time, and the table stays in time order.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from simulator.errors import PlanError, ScenarioError
from simulator.plan.compiled import Plan
from simulator.plan.compiler import compile_plan
from simulator.plan.digest import digest_of
from simulator.plan.workload import check_replication, total_customers_problem, workload
from simulator.spec.base import (
    describe_error,
    parse_clock,
    variant_label_problem,
    variant_name_problem,
)
from simulator.spec.scenario import Scenario
from simulator.spec.yamlsource import Path_, YamlDocument, dotted, read_yaml_file

BASE = "base"
RUN_SETTINGS = {
    key: (f"a variant cannot set '{key}': every variant runs with the scenario's {key} "
          "(replication r of every variant sees the same customers: common random numbers); "
          f"set it at the top of the file, or with --{key}")
    for key in ("seed", "replications")} | {
    "uncertainty": "a variant cannot set 'uncertainty': every variant is evaluated under the "
                   "same draws of the model's parameters; set it at the top of the file",
    "limits": "a variant cannot set 'limits': the caps bound the work of the whole run, every "
              "variant together; set them at the top of the file",
    "cost_per_unserved_customer": "a variant cannot set 'cost_per_unserved_customer': what a "
                                  "lost visit costs is a fact of the business, the same under "
                                  "every option (so that their lost visits are priced alike); "
                                  "set it at the top of the file"}
"""Keys of a scenario that say how it is run, not what is simulated: not a variant's to
patch, nor a sweep's to vary."""
LABEL = "label"
"""The key of a variant that names it for people (not a patch of the scenario)."""
_REPLACE_WHEN_CHANGED = ("dist", "process")
_MAX_ERRORS = 5


@dataclass(frozen=True)
class LoadedScenario:
    """A scenario file, validated: the base and each variant as a scenario and a plan."""

    path: Path
    scenarios: dict[str, Scenario]
    """``base`` first, then the variants in file order."""
    plans: dict[str, Plan]
    digest: str
    """SHA-256 of the compiled plans (:mod:`simulator.plan.digest`): changes whenever
    anything the engine uses changes."""
    labels: dict[str, str] = field(default_factory=dict)
    """Variants' ``label:`` texts by name (only those given): see
    :func:`simulator.metrics.display_name`."""
    warnings: tuple[str, ...] = ()
    """Assumptions made for the user (``file:line: field: message``), once each."""
    document: YamlDocument | None = None
    """The parsed file, for errors about data derived from it (e.g. a sweep's points)."""
    data: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)
    """Per name in :attr:`scenarios`: the mapping validated as that scenario (the base's
    without ``variants``; a variant's merged into it). Shared: copy before changing it."""

    @property
    def base(self) -> Scenario:
        return self.scenarios[BASE]

    @property
    def variant_names(self) -> list[str]:
        return list(self.plans)


def _replaces(base: Any, patch: Any) -> bool:
    """Whether ``patch`` replaces ``base`` whole instead of merging into it: anything but two
    mappings, or a block whose ``dist`` or ``process`` changes."""
    if not isinstance(base, dict) or not isinstance(patch, dict):
        return True
    return any(k in patch and k in base and patch[k] != base[k] for k in _REPLACE_WHEN_CHANGED)


TIMED_TABLES = (("stations", "*", "schedule"), ("customers", "*", "arrivals", "rate_per_hour"))
"""Tables {clock time: value} that a variant merges by time (``*``: any name)."""


def _timed_table(path: Path_) -> bool:
    return any(len(path) == len(pattern) and all(p in ("*", part) for p, part in
                                                 zip(pattern, path, strict=True))
               for pattern in TIMED_TABLES)


def _time_of(key: Any) -> tuple[str, float] | None:
    """A table key as (kind, minutes): a clock time, or a number of run minutes; None when
    it is neither (the table is then refused when it is checked)."""
    if isinstance(key, str):
        try:
            return "clock", parse_clock(key)
        except ValueError:
            return None
    if isinstance(key, int | float) and not isinstance(key, bool):
        return "minutes", float(key)
    return None


def _merge_by_time(base: dict[Any, Any], patch: dict[Any, Any]) -> dict[Any, Any]:
    """A variant's rows merged into a {time: value} table: a row replaces the row of the
    same time however it is written (``9:00`` and ``"09:00"``), ``null`` removes it, and the
    rows end up in time order (when the keys are all clock times or all minutes)."""
    merged = copy.deepcopy(base)
    for key, value in patch.items():
        when = _time_of(key)
        for old in [k for k in merged if k == key or (when is not None and _time_of(k) == when)]:
            del merged[old]
        if value is not None:
            merged[key] = copy.deepcopy(value)
    times = [_time_of(k) for k in merged]
    if all(t is not None for t in times) and len({t[0] for t in times if t}) <= 1:
        merged = dict(sorted(merged.items(), key=lambda row: _time_of(row[0]) or ("", 0.0)))
    return merged


def deep_merge(base: Any, patch: Any, path: Path_ = ()) -> Any:
    """``patch`` applied to ``base`` (neither is modified); ``path``: where they stand in the
    scenario (tables of :data:`TIMED_TABLES` merge by time)."""
    if _replaces(base, patch):
        return copy.deepcopy(patch)
    if _timed_table(path):
        return _merge_by_time(base, patch)
    merged = copy.deepcopy(base)
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = deep_merge(base.get(key), value, (*path, key))
    return merged


_INTERNAL = set("[]()-,")
"""Characters of pydantic's internal location names ('constrained-float', '[key]', ...)."""


def _user_path(loc: Path_, data: Any) -> Path_:
    """pydantic's error location as the path the user wrote: union tags (the value of a block's
    ``dist`` or ``process``) and pydantic's internal names are dropped."""
    path: list[str | int | float] = []
    here = data
    for part in loc:
        written = (isinstance(here, dict) and part in here) or (
            isinstance(here, list) and isinstance(part, int) and part < len(here))
        tag = isinstance(here, dict) and part in (here.get("dist"), here.get("process"))
        internal = isinstance(part, str) and bool(_INTERNAL & set(part))
        if written:
            if isinstance(here, dict):  # the key itself: pydantic may give True as 1
                part = next(k for k in here if k == part)
            path.append(part)
            here = here[part]  # type: ignore[index]
        elif not (tag or internal):
            path.append(part)  # a key the user did not write (e.g. a missing one)
            here = None
    return tuple(path)


def _from_patch(base: Any, patch: Any, path: Path_) -> bool:
    """Whether the merged value at ``path`` was written by the patch (see :func:`deep_merge`)."""
    for part in path:
        if not isinstance(patch, dict) or part not in patch:
            return False
        value = patch[part]
        before = base.get(part) if isinstance(base, dict) else None
        if _replaces(before, value):
            return True  # replaced whole: everything below comes from the patch
        base, patch = before, value
    return True


class _Reporter:
    """Turns errors into ``file:line: field: message`` text for a base or a variant."""

    def __init__(self, doc: YamlDocument, variant: str | None = None, data: Any = None) -> None:
        self.doc, self.variant = doc, variant
        self.data = doc.data if data is None else data

    def line(self, path: Path_, message: str) -> str:
        path = _user_path(path, self.data)
        where, prefix = self.doc.locate(path), ""
        if self.variant is not None:
            prefix = f"variants.{self.variant} -> "
            base = {k: v for k, v in self.doc.data.items() if k != "variants"}
            patch = self.doc.data["variants"][self.variant]
            if _from_patch(base, patch, path) or self.doc.matched_depth(path) == 0:
                where = self.doc.locate(("variants", self.variant, *path))
        return f"{where.file}:{where.line}: {prefix}{dotted(self.doc.as_written(path))}: " \
            f"{message}"

    def from_validation(self, exc: ValidationError) -> ScenarioError:
        lines = [self.line(*describe_error(e)) for e in exc.errors()[:_MAX_ERRORS]]
        more = len(exc.errors()) - _MAX_ERRORS
        if more > 0:
            lines.append(f"... and {more} more error(s)")
        return ScenarioError("\n".join(lines))


def _validate(data: Any, reporter: _Reporter, base_dir: Path) -> tuple[Scenario, Plan]:
    if not isinstance(data, dict):
        raise ScenarioError(reporter.line((), "a scenario must be a mapping of key: value "
                                              f"(got {type(data).__name__})"))
    try:
        scenario = Scenario.model_validate(data, context={"base_dir": base_dir})
    except ValidationError as exc:
        raise reporter.from_validation(exc) from None
    try:
        plan = compile_plan(scenario, base_dir)
        check_replication(plan, scenario)
        return scenario, plan
    except PlanError as exc:
        raise ScenarioError(reporter.line(exc.path, exc.message)) from None


def load_scenario(path: str | Path) -> LoadedScenario:
    """Read, validate and compile a scenario file and its variants.

    Raises :class:`ScenarioError` (with file, line and field) on any invalid input.
    """
    doc = read_yaml_file(path)
    if doc.data is None:
        raise ScenarioError(f"{doc.file}: the file is empty; expected a scenario "
                            "(see docs/tutorial.md)")
    base_dir = Path(path).resolve().parent
    base_scenario, base_plan = _validate(doc.data, _Reporter(doc), base_dir)
    scenarios, plans = {BASE: base_scenario}, {BASE: base_plan}
    base_data = {k: v for k, v in doc.data.items() if k != "variants"}
    data = {BASE: base_data}
    labels: dict[str, str] = {}
    for name, written in base_scenario.variants.items():
        if name == BASE:
            raise ScenarioError(_Reporter(doc).line(
                ("variants", BASE),
                "'base' is the name of the unpatched scenario; give the variant another name"))
        problem = variant_name_problem(name)
        if problem is not None:  # names become file names in results folders
            raise ScenarioError(_Reporter(doc).line(("variants", name), problem))
        patch = {k: v for k, v in written.items() if k != LABEL}  # for people, not the model
        if LABEL in written:
            problem = variant_label_problem(written[LABEL])
            if problem is not None:
                raise ScenarioError(_Reporter(doc).line(("variants", name, LABEL), problem))
            labels[name] = written[LABEL]
        merged = deep_merge(base_data, patch)
        reporter = _Reporter(doc, name, merged)
        if "variants" in patch:
            raise ScenarioError(reporter.line(("variants",), "a variant cannot hold variants"))
        for key in RUN_SETTINGS:
            if key in patch:
                raise ScenarioError(reporter.line((key,), RUN_SETTINGS[key]))
        scenarios[name], plans[name] = _validate(merged, reporter, base_dir)
        data[name] = merged
    digest = digest_of(plans)
    warnings = dict.fromkeys(_Reporter(doc).line(where, f"warning: {message}")
                             for plan in plans.values() for where, message in plan.notes)
    return LoadedScenario(path=Path(path), scenarios=scenarios, plans=plans, digest=digest,
                          labels=labels, warnings=tuple(warnings), document=doc, data=data)


def check_total_work(loaded: LoadedScenario, variants: Sequence[str] | None = None,
                     replications: int | None = None) -> None:
    """Refuse running ``replications`` (default: the file's) of ``variants`` (default: all)
    when the customers expected exceed the scenario's cap (``limits.customers``): a
    :class:`ScenarioError` at the line of what to change (the file's ``replications``, or the
    class that brings the most customers). Not part of :func:`load_scenario`: the command
    line may run fewer replications than the file says."""
    names = list(variants) if variants else loaded.variant_names
    reps = replications if replications is not None else loaded.base.replications
    problem = total_customers_problem([loaded.plans[v] for v in names], reps,
                                      loaded.base.limits)
    if problem is None:
        return
    doc = loaded.document
    if doc is None:
        raise ScenarioError(f"{loaded.path}: {problem}")
    written = replications is None and isinstance(doc.data, dict) and "replications" in doc.data
    where = ("replications",) if written else workload(loaded.plans[names[0]]).busiest
    raise ScenarioError(_Reporter(doc).line(where, problem))


def validation_error(doc: YamlDocument, exc: ValidationError) -> ScenarioError:
    """pydantic's errors on the data of ``doc`` (any YAML file validated by a schema, e.g. a
    sweep file) as ``file:line: field: message`` lines."""
    return _Reporter(doc).from_validation(exc)


def error_at(doc: YamlDocument, path: Path_, message: str) -> ScenarioError:
    """An error about the value at ``path`` of ``doc``, at the closest line written."""
    return ScenarioError(_Reporter(doc).line(path, message))


def validate_derived(doc: YamlDocument, data: dict[str, Any], base_dir: Path
                     ) -> tuple[Scenario, Plan]:
    """Validate and compile scenario ``data`` derived from the scenario file ``doc`` (e.g. a
    sweep point: the base with some values changed). Errors name ``doc``'s file and the line
    closest to the field."""
    return _validate(data, _Reporter(doc, data=data), base_dir)
