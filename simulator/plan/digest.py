"""Digests of compiled plans that do not depend on how Python prints objects.

A digest is the SHA-256 of a canonical JSON text: dataclasses as mappings of their fields
(with their class name, so two kinds of block with the same fields differ), pydantic models
as ``model_dump(mode="json")``, mappings with sorted text keys, sequences as lists, and floats
written by ``json`` (which uses ``repr(float)``: the shortest text that reads back exactly).
An upgrade of pydantic or a change to a ``__repr__`` therefore leaves every digest as it was.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import json
from collections.abc import Mapping
from typing import Any

import numpy as np
from pydantic import BaseModel

from simulator.plan.compiled import Plan

NOT_IN_DIGEST = ("notes",)
"""Plan fields that do not change results (warnings shown to the user)."""


def canonical(value: Any) -> Any:
    """``value`` as plain JSON data (see the module docstring); anything else raises
    ``TypeError``, so a new kind of field cannot silently drop out of a digest."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, enum.Enum):
        return canonical(value.value)
    if isinstance(value, np.generic | np.ndarray):
        return canonical(value.tolist())
    if isinstance(value, BaseModel):
        return {"type": type(value).__name__, "fields": canonical(value.model_dump(mode="json"))}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: canonical(getattr(value, f.name)) for f in dataclasses.fields(value)
                  if f.name not in NOT_IN_DIGEST}
        return {"type": type(value).__name__, "fields": fields}
    if isinstance(value, Mapping):
        return {str(k): canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [canonical(v) for v in value]
    raise TypeError(f"no canonical form for {type(value).__name__}")


def canonical_text(value: Any) -> str:
    """The canonical JSON text of ``value``: :func:`canonical`, keys sorted, no spaces."""
    return json.dumps(canonical(value), sort_keys=True, separators=(",", ":"), allow_nan=True)


def digest_of(value: Any) -> str:
    """SHA-256 (hex) of the canonical JSON text of ``value``."""
    return hashlib.sha256(canonical_text(value).encode()).hexdigest()


def plan_digest(plan: Plan) -> str:
    """What one replication's result depends on in a plan: everything but its replication
    count and seed (a task's key adds the seed used and the replication index)."""
    return digest_of(dataclasses.replace(plan, replications=0, seed=0))
