"""Building blocks of the scenario schema: a strict frozen base model and clock times."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, PlainValidator, model_validator
from pydantic_core import PydanticCustomError

from simulator.spec.bounds import MAX_MINUTES
from simulator.spec.yamlsource import Path_


def did_you_mean(name: str, options: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` for the option closest to an unknown ``name``, or ``""``."""
    close = difflib.get_close_matches(name, list(options), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def suggest(name: str, options: Sequence[str]) -> str:
    """A "did you mean" hint and the known names, for an unknown name."""
    return f"{did_you_mean(name, options)} (known: {', '.join(options)})"


class Strict(BaseModel):
    """A frozen configuration object that rejects unknown keys, suggesting the closest name."""

    # strict: YAML's true is not the number 1, and 3.5 is not the whole number 3
    # use_attribute_docstrings: a key's docstring is its description (the generated reference)
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True, strict=True,
                              use_attribute_docstrings=True)

    @model_validator(mode="before")
    @classmethod
    def _reject_unknown_keys(cls, data: Any) -> Any:
        if isinstance(data, dict):
            allowed = set(cls.model_fields)
            allowed |= {f.alias for f in cls.model_fields.values() if f.alias}
            for key in data:
                if key not in allowed:
                    hint = did_you_mean(str(key), sorted(allowed))
                    raise PydanticCustomError(
                        "unknown_key",
                        "unknown key '{key}'{hint} (allowed: {allowed})",
                        {"key": str(key), "hint": hint, "allowed": ", ".join(sorted(allowed))},
                    )
        return data


VARIANT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
"""A variant name: letters, digits, ``_``, ``-`` and ``.``, 1 to 100 characters, the first a
letter or digit. Names become file names in a results folder, so nothing else may appear in
them; and readers of a folder of Parquet files (pyarrow, pandas) skip files whose names start
with ``_`` or ``.``, so a variant named so would silently vanish from its records."""


def variant_name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a variant's name (see :data:`VARIANT_NAME`), or None."""
    if VARIANT_NAME.fullmatch(name):
        return None
    shown = repr(name) if len(name) <= 40 else f"{name[:40]!r}... ({len(name)} characters)"
    return ("a variant name may hold only letters, digits, '_', '-' and '.', must start with "
            f"a letter or digit, and has at most 100 characters (got {shown})")


def field_error(field: str, message: str) -> PydanticCustomError:
    """An error found by a model-level check but caused by one field: the loader reports it
    at that field's line."""
    return PydanticCustomError("field_error", "{message}", {"field": field, "message": message})


_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")


def parse_clock(value: str) -> float:
    """``"09:30"`` or ``"09:30:15"`` -> minutes after midnight (570.0, 570.25)."""
    match = _CLOCK.match(value.strip())
    if not match:
        raise ValueError(f"must be a clock time \"HH:MM\" or a number of minutes (got {value!r})")
    hours, minutes, seconds = int(match[1]), int(match[2]), int(match[3] or 0)
    if hours > 24 or minutes > 59 or seconds > 59 or (hours == 24 and (minutes or seconds)):
        raise ValueError(f"is not a valid clock time (got {value!r})")
    return hours * 60 + minutes + seconds / 60


def format_clock(minutes_after_midnight: float) -> str:
    """570.0 -> ``"09:30"`` (minutes rounded to the nearest whole minute)."""
    total = round(minutes_after_midnight)
    return f"{total // 60:02d}:{total % 60:02d}"


def _clock_value(value: Any) -> str | float:
    """Validate a clock time; text is kept as text so the run's anchor can be applied later."""
    if isinstance(value, str):
        parse_clock(value)
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if abs(value) <= MAX_MINUTES:  # also refuses nan
            return float(value)
        raise ValueError(f"must be a clock time \"HH:MM\" or a number of minutes from the "
                         f"start of the run within +-{MAX_MINUTES:,.0f} (about "
                         f"{MAX_MINUTES / 525_960:.0f} years) (got {value!r})")
    raise ValueError(f"must be a clock time \"HH:MM\" or a number of minutes (got {value!r})")


ClockTime = Annotated[str | float, PlainValidator(_clock_value)]
"""A clock time: ``"HH:MM"`` text, or a number of minutes from the start of the run."""


_LEADING_ZERO = re.compile(r"^[-+]?0[0-9_]+(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?$")
"""A number with a leading zero (``0777``): the YAML reader leaves it as text."""


def shown_number(value: Any) -> str:
    """A bound as a reader writes it: ``2,000,000``, not ``2000000.0``; ``1e-06`` as is."""
    if isinstance(value, int | float) and float(value).is_integer() and abs(value) >= 1000:
        return f"{int(value):,}"
    return str(value)


def describe_error(error: Mapping[str, Any]) -> tuple[Path_, str]:
    """A pydantic error as (YAML path, plain-language message)."""
    kind, ctx, value = error["type"], error.get("ctx") or {}, error.get("input")
    path: Path_ = tuple(error["loc"])
    shown = f" (got {value!r})" if not isinstance(value, dict | list) else ""
    bound = shown_number(next((ctx[k] for k in ("ge", "gt", "le", "lt") if k in ctx), None))
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
    if kind == "field_error":
        return (*path, ctx["field"]), ctx["message"]
    discriminator = str(ctx.get("discriminator", "")).strip("'")
    if kind == "union_tag_not_found":
        return path, f"needs a '{discriminator}' key"
    if kind == "union_tag_invalid":
        return path, (f"unknown {discriminator} {ctx.get('tag')!r}; expected one of "
                      f"{ctx.get('expected_tags')}").replace("''", "'")
    if kind in simple and isinstance(value, str) and _LEADING_ZERO.match(value):
        return path, (f"{simple[kind][0]}, but {value} was read as text: a number written "
                      f"with a leading zero is ambiguous (YAML 1.1 reads 0777 as the octal "
                      f"number 511, YAML 1.2 as 777); write it without the leading zero")
    if kind in simple:
        text, with_value = simple[kind]
        if kind == "greater_than_equal" and bound == "1" and isinstance(value, int):
            text = "must be a whole number >= 1"
        return path, text + (shown if with_value else "")
    message = str(error["msg"]).removeprefix("Value error, ")
    return path, message
