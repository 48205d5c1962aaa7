"""Load a scenario file: parse YAML, validate the base and every variant, compile plans.

All checking happens here, once. Every failure becomes a :class:`ScenarioError` whose text
names the file, the line and the field path, and says what was expected::

    scenarios/bank.yaml:14: stations.teller.servers: must be a whole number >= 1 (got -1)

Variants are deep-merge patches of the base: mappings merge key by key, anything else replaces,
``null`` removes a key, and a block whose ``dist`` or ``process`` changes is replaced whole.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .plan import Plan, PlanError, compile_plan
from .scenario import Scenario
from .yamlsource import Path_, ScenarioError, YamlDocument, dotted, read_yaml_file

BASE = "base"
"""Name of the unpatched scenario among the variants."""
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
    """SHA-256 of the compiled plans: changes whenever anything the engine uses changes."""

    @property
    def base(self) -> Scenario:
        return self.scenarios[BASE]

    @property
    def variant_names(self) -> list[str]:
        return list(self.plans)


def deep_merge(base: Any, patch: Any) -> Any:
    """``patch`` applied to ``base`` (neither is modified)."""
    if not isinstance(base, dict) or not isinstance(patch, dict):
        return copy.deepcopy(patch)
    if any(k in patch and k in base and patch[k] != base[k] for k in _REPLACE_WHEN_CHANGED):
        return copy.deepcopy(patch)
    merged = copy.deepcopy(base)
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = deep_merge(base.get(key), value)
    return merged


def _describe(error: Mapping[str, Any]) -> tuple[Path_, str]:
    """A pydantic error as (YAML path, plain-language message)."""
    kind, ctx, value = error["type"], error.get("ctx") or {}, error.get("input")
    path: Path_ = tuple(error["loc"])
    shown = f" (got {value!r})" if not isinstance(value, dict | list) else ""
    bound = next((ctx[k] for k in ("ge", "gt", "le", "lt") if k in ctx), None)
    simple = {
        "missing": ("is required", False),
        "int_type": ("must be a whole number", True),
        "int_parsing": ("must be a whole number", True),
        "int_from_float": ("must be a whole number", True),
        "float_type": ("must be a number", True),
        "float_parsing": ("must be a number", True),
        "finite_number": ("must be a finite number", True),
        "string_type": ("must be text", True),
        "bool_type": ("must be true or false", True),
        "dict_type": ("must be a mapping of key: value", True),
        "model_type": ("must be a mapping of key: value", True),
        "model_attributes_type": ("must be a mapping of key: value", True),
        "tuple_type": ("must be a list", True),
        "list_type": ("must be a list", True),
        "greater_than_equal": (f"must be >= {bound}", True),
        "greater_than": (f"must be > {bound}", True),
        "less_than_equal": (f"must be <= {bound}", True),
        "less_than": (f"must be < {bound}", True),
        "too_short": (f"must have at least {ctx.get('min_length')} entr"
                      f"{'y' if ctx.get('min_length') == 1 else 'ies'}", False),
        "string_too_short": ("must not be empty", True),
        "literal_error": (f"must be one of {ctx.get('expected')}", True),
    }
    if kind == "unknown_key":
        return (*path, ctx["key"]), error["msg"]
    if kind == "union_tag_not_found":
        return path, f"needs a '{ctx.get('discriminator', '')}' key".replace("'''", "'")
    if kind == "union_tag_invalid":
        return path, (f"unknown {ctx.get('discriminator')} {ctx.get('tag')!r}; expected one of "
                      f"{ctx.get('expected_tags')}").replace("''", "'")
    if kind in simple:
        text, with_value = simple[kind]
        if kind == "greater_than_equal" and bound == 1 and isinstance(value, int):
            text = "must be a whole number >= 1"
        return path, text + (shown if with_value else "")
    message = str(error["msg"]).removeprefix("Value error, ")
    return path, message


class _Reporter:
    """Turns errors into ``file:line: field: message`` text for a base or a variant."""

    def __init__(self, doc: YamlDocument, variant: str | None) -> None:
        self.doc, self.variant = doc, variant

    def line(self, path: Path_, message: str) -> str:
        where, prefix = self.doc.locate(path), ""
        if self.variant is not None:
            prefix = f"variants.{self.variant} -> "
            in_patch = ("variants", self.variant, *path)
            # Point at the patch when it wrote (a deeper part of) the field at fault.
            if self.doc.matched_depth(in_patch) - 2 >= max(self.doc.matched_depth(path), 1):
                where = self.doc.locate(in_patch)
            elif self.doc.matched_depth(path) == 0:
                where = self.doc.locate(("variants", self.variant))
        return f"{where.file}:{where.line}: {prefix}{dotted(path)}: {message}"

    def from_validation(self, exc: ValidationError) -> ScenarioError:
        lines = [self.line(*_describe(e)) for e in exc.errors()[:_MAX_ERRORS]]
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
        return scenario, compile_plan(scenario, base_dir)
    except PlanError as exc:
        raise ScenarioError(reporter.line(exc.path, exc.message)) from None


def load_scenario(path: str | Path) -> LoadedScenario:
    """Read, validate and compile a scenario file and its variants.

    Raises :class:`ScenarioError` (with file, line and field) on any invalid input.
    """
    doc = read_yaml_file(path)
    if doc.data is None:
        raise ScenarioError(f"{doc.file}: the file is empty; expected a scenario (see README)")
    base_dir = Path(path).resolve().parent
    base_scenario, base_plan = _validate(doc.data, _Reporter(doc, None), base_dir)
    scenarios, plans = {BASE: base_scenario}, {BASE: base_plan}
    base_data = {k: v for k, v in doc.data.items() if k != "variants"}
    for name, patch in base_scenario.variants.items():
        reporter = _Reporter(doc, name)
        if name == BASE:
            raise ScenarioError(reporter.line((), "'base' is the name of the unpatched "
                                                  "scenario; give the variant another name"))
        if "variants" in patch:
            raise ScenarioError(reporter.line(("variants",), "a variant cannot hold variants"))
        scenarios[name], plans[name] = _validate(deep_merge(base_data, patch), reporter, base_dir)
    digest = hashlib.sha256(repr(sorted(plans.items())).encode()).hexdigest()
    return LoadedScenario(path=Path(path), scenarios=scenarios, plans=plans, digest=digest)
