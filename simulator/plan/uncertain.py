"""Which model parameters an uncertainty analysis draws, and plans under one draw.

A parameter is drawn from its plausible range (:func:`simulator.spec.parameters.uncertain_ranges`)
unless the scenario sets it at the top of the file (the user pinned it); a range under
``uncertainty.ranges`` replaces the plausible one and is drawn even where the value is set
(a range with equal ends pins the parameter at that value). Where a variant or a customer
class sets a drawn parameter itself, its own value stays: a variant that asks "what if
customers anchored fully on promises" keeps that setting under every draw.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from simulator.plan.compiled import ClassPlan, Plan
from simulator.plan.loader import BASE, LoadedScenario
from simulator.spec.parameters import uncertain_ranges

BEHAVIOURAL_BLOCK = "perception"
"""Parameters of this block change who leaves when some customer has patience (patience is
spent in felt minutes); those of ``satisfaction`` never change a clock time."""


def drawn_ranges(loaded: LoadedScenario) -> dict[str, tuple[float, float]]:
    """The parameters to draw, by dotted name, with their ranges (those of equal ends are
    pinned, not drawn)."""
    base = loaded.data[BASE]
    chosen = {name: r for name, r in uncertain_ranges().items()
              if name.partition(".")[2] not in base.get(name.partition(".")[0], {})}
    chosen.update({name: (low, high) for name, (low, high)
                   in loaded.base.uncertainty.ranges.items()})
    return {name: r for name, r in chosen.items() if r[0] < r[1]}


def pinned_values(loaded: LoadedScenario) -> dict[str, float]:
    """Parameters pinned by a range of equal ends in ``uncertainty.ranges``."""
    return {name: low for name, (low, high) in loaded.base.uncertainty.ranges.items()
            if low == high}


def _own_settings(loaded: LoadedScenario, variant: str) -> dict[str, Any]:
    """What a variant's patch itself says (nothing for the base)."""
    if variant == BASE or loaded.document is None:
        return {}
    patches = loaded.document.data.get("variants") or {}
    return patches.get(variant) or {}


def with_parameters(loaded: LoadedScenario, variant: str, values: Mapping[str, float]
                    ) -> Plan:
    """The variant's plan with the parameters ``values`` (dotted names), except where the
    variant's own patch or a customer class sets them."""
    plan = loaded.plans[variant]
    own = _own_settings(loaded, variant)
    classes_data = loaded.data[variant].get("customers", {})
    classes = []
    for cp in plan.classes:
        class_data = classes_data.get(cp.name) or {}
        updates: dict[str, dict[str, float]] = {"perception": {}, "satisfaction": {}}
        for dotted, value in values.items():
            block, _, name = dotted.partition(".")
            if name in (own.get(block) or {}) or name in (class_data.get(block) or {}):
                continue
            updates[block][name] = value
        classes.append(_with_updates(cp, updates))
    return dataclasses.replace(plan, classes=tuple(classes))


def _with_updates(cp: ClassPlan, updates: Mapping[str, Mapping[str, float]]) -> ClassPlan:
    return dataclasses.replace(
        cp, perception=cp.perception.model_copy(update=dict(updates["perception"])),
        satisfaction=cp.satisfaction.model_copy(update=dict(updates["satisfaction"])))


def changes_behaviour(loaded: LoadedScenario, variants: list[str],
                      ranges: Mapping[str, tuple[float, float]]) -> bool:
    """Whether drawing ``ranges`` can change who joins, leaves or is served in any of the
    ``variants``: a perception parameter is drawn and some class has patience (it is spent
    in felt minutes, and announcements are weighed against it)."""
    perception_drawn = any(name.partition(".")[0] == BEHAVIOURAL_BLOCK for name in ranges)
    patient = any(cp.patience is not None and cp.perception.model != "identity"
                  for v in variants for cp in loaded.plans[v].classes)
    return perception_drawn and patient
