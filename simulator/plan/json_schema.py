"""The scenario file's JSON Schema (draft 2020-12), for editors: ``waitsim schema``.

Generated from the pydantic models of :mod:`simulator.spec` (every key, its type, bounds,
default and description), then adjusted to describe what people write in YAML rather than
what pydantic holds: clock times are ``"HH:MM[:SS]"`` text or minutes; tables keyed by clock
times or counts have keys that read as text in an editor; model parameters' plausible ranges
join their descriptions; a variant is a partial patch (any top-level key but the run settings,
and its ``label``). The schema checks shapes, types and bounds; what only the whole scenario
can tell (a route naming a station that exists, a table in time order) is checked by
``waitsim validate``.
"""

from __future__ import annotations

import json
import typing
from typing import Any

from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from simulator.plan.loader import BASE, LABEL, RUN_SETTINGS
from simulator.spec.base import MAX_LABEL, VARIANT_NAME, ClockTime
from simulator.spec.scenario import Scenario

SCHEMA_ID = "urn:waitsim:scenario-schema"
"""The schema's ``$id``: a name, not a place to download from (the file ships in
``schema/`` and ``waitsim schema`` prints it)."""
DIALECT = "https://json-schema.org/draft/2020-12/schema"

_CLOCK_TEXT = r"[0-9]{1,2}:[0-5][0-9](?::[0-5][0-9])?"
_NUMBER = r"[-+]?[0-9]+(?:\.[0-9]+)?"
CLOCK_PATTERN = f"^{_CLOCK_TEXT}$"
"""``"HH:MM"`` or ``"HH:MM:SS"``, as :func:`simulator.spec.base.parse_clock` reads them (which
also refuses hours past 24)."""
CLOCK_KEY = f"^(?:{_CLOCK_TEXT}|{_NUMBER})$"
"""A key of a table by clock time: a clock time, or minutes from the start of the run."""
COUNT_KEY = r"^[0-9]+$"
"""A key of a table by count (a balk table's number waiting)."""


_CLOCK_VALIDATOR = typing.get_args(ClockTime)[1].func  # Annotated[str | float, PlainValidator]


def _is_clock(schema: Any) -> bool:
    """Whether ``schema`` is the clock-time validator of :data:`ClockTime`."""
    function = schema.get("function")
    return isinstance(function, dict) and function.get("function") is _CLOCK_VALIDATOR


class _Generator(GenerateJsonSchema):
    """pydantic's generator, knowing clock times and tables keyed by them or by counts."""

    def function_plain_schema(self, schema: core_schema.PlainValidatorFunctionSchema
                              ) -> JsonSchemaValue:
        if _is_clock(schema):
            return {"anyOf": [{"type": "string", "pattern": CLOCK_PATTERN},
                              {"type": "number"}],
                    "description": 'A clock time "HH:MM" (quoted), or minutes from the start '
                                   "of the run."}
        return super().function_plain_schema(schema)

    def dict_schema(self, schema: core_schema.DictSchema) -> JsonSchemaValue:
        result = super().dict_schema(schema)
        keys = schema.get("keys_schema") or {}
        if _is_clock(keys):
            result["propertyNames"] = {"pattern": CLOCK_KEY}
        elif keys.get("type") == "int":
            result["propertyNames"] = {"pattern": COUNT_KEY}
        return result


def _tidy(node: Any) -> Any:
    """Descriptions in the editor's Markdown (`key`, not ``key``), plausible ranges in words,
    and no per-key titles (the key is its own title)."""
    if isinstance(node, list):
        return [_tidy(item) for item in node]
    if not isinstance(node, dict):
        return node
    tidy = {key: _tidy(value) for key, value in node.items()}
    if "properties" in tidy:
        for value in tidy["properties"].values():
            value.pop("title", None)
    plausible = tidy.pop("range", None)
    if isinstance(plausible, list) and "description" in tidy:
        tidy["description"] += f" Plausible range: {plausible[0]:g} to {plausible[1]:g}."
    if isinstance(tidy.get("description"), str):
        tidy["description"] = tidy["description"].replace("``", "`")
    return tidy


def _variants(properties: dict[str, Any], described: str) -> dict[str, Any]:
    """The ``variants:`` block: name -> a partial patch of the top-level keys, and a label."""
    patchable = {
        key: {"description": f"A patch of the base's `{key}`: mappings merge key by key, "
                             "anything else replaces, `null` removes a key."}
        for key in properties if key not in RUN_SETTINGS and key != "variants"}
    label = {"type": "string", "minLength": 1, "maxLength": MAX_LABEL,
             "pattern": r"^[^\u0000-\u001f\u007f]*$",
             "description": f"How tables and figures name the variant (one line, at most "
                            f"{MAX_LABEL} characters); default: its name with spaces."}
    return {
        "type": "object",
        "description": described,
        "propertyNames": {"pattern": f"^{VARIANT_NAME.pattern}$", "not": {"const": BASE}},
        "additionalProperties": {"type": "object", "additionalProperties": False,
                                 "properties": {LABEL: label, **patchable}},
        "default": {},
    }


def _class_overrides(schema: dict[str, Any]) -> None:
    """A class's ``perception:`` and ``satisfaction:`` take the global parameters' keys
    (all but ``model``, which is global only): describe them so (pydantic has them as any
    mapping, checked when the plan is compiled)."""
    definitions = schema["$defs"]
    keys = definitions["CustomerClass"]["properties"]
    for name, model in (("perception", "PerceptionParameters"),
                        ("satisfaction", "SatisfactionParameters")):
        parameters = definitions[model]["properties"]
        keys[name] = {"type": "object", "additionalProperties": False,
                      "description": keys[name]["description"],
                      "properties": {k: v for k, v in parameters.items() if k != "model"}}


def scenario_schema() -> dict[str, Any]:
    """The JSON Schema of a scenario file (a plain, JSON-ready mapping)."""
    generated = Scenario.model_json_schema(schema_generator=_Generator)
    schema = _tidy(generated)
    _class_overrides(schema)
    properties = schema["properties"]
    properties["variants"] = _variants(properties, properties["variants"]["description"])
    return {
        "$schema": DIALECT,
        "$id": SCHEMA_ID,
        "title": "waitsim scenario",
        "description": "A waitsim scenario file. Durations are "
                       "minutes; rates are per hour. `waitsim validate FILE` checks what a "
                       "schema cannot (routes, tables in time order, every variant merged "
                       "into the base).",
        **{key: value for key, value in schema.items() if key not in ("title", "description")},
    }


def schema_text() -> str:
    """:func:`scenario_schema` as the text of ``schema/scenario.schema.json``."""
    return json.dumps(scenario_schema(), indent=2, ensure_ascii=False) + "\n"
