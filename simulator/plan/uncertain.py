"""Which model parameters an uncertainty analysis draws, and plans under one draw.

A parameter is drawn from its plausible range (:func:`simulator.spec.parameters.uncertain_ranges`)
unless the scenario sets it at the top of the file (the user pinned it); a range under
``uncertainty.ranges`` replaces the plausible one and is drawn even where the top of the
file sets the value (a range with equal ends pins the parameter at that value). Where a
variant or a customer class sets a drawn parameter itself, its own value stays: a variant that
asks "what if customers anchored fully on promises" keeps that setting under every draw. A
parameter every class of the base sets is not drawn at all (no draw would reach anyone).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
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
    classes = [c or {} for c in (base.get("customers") or {}).values()]
    return {name: r for name, r in chosen.items() if r[0] < r[1]
            and not all(_sets(c, name) for c in classes)}


def _sets(data: Mapping[str, Any], dotted: str) -> bool:
    """Whether a mapping (a class, a variant's patch) sets a parameter itself."""
    block, _, name = dotted.partition(".")
    return name in (data.get(block) or {})


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
        class_data = classes_data.get(cp.origin or cp.name) or {}
        updates: dict[str, dict[str, float]] = {"perception": {}, "satisfaction": {}}
        for dotted, value in values.items():
            if not (_sets(own, dotted) or _sets(class_data, dotted)):
                block, _, name = dotted.partition(".")
                updates[block][name] = value
        classes.append(_with_updates(cp, updates))
    return dataclasses.replace(plan, classes=tuple(classes))


PROGRESS = "perception.progress_factor"
RECORDED_PROGRESS = 0.5
"""A progress factor other than 1 for the run whose journeys are rescored: the engine marks
the progress condition only where the factor is not 1, and rescoring needs the marks (where no
patience is in play, the factor changes no clock time)."""


def recording_plan(loaded: LoadedScenario, variant: str,
                   ranges: Mapping[str, tuple[float, float]]) -> Plan:
    """The plan whose journeys are rescored under every draw: the variant's own, with the
    progress condition marked wherever a draw may weigh it."""
    if PROGRESS not in ranges:
        return loaded.plans[variant]
    return with_parameters(loaded, variant, {PROGRESS: RECORDED_PROGRESS})


def _with_updates(cp: ClassPlan, updates: Mapping[str, Mapping[str, float]]) -> ClassPlan:
    return dataclasses.replace(
        cp, perception=cp.perception.model_copy(update=dict(updates["perception"])),
        satisfaction=cp.satisfaction.model_copy(update=dict(updates["satisfaction"])))


def changes_behaviour(loaded: LoadedScenario, variants: list[str],
                      changed: Iterable[str]) -> bool:
    """Whether changing the parameters ``changed`` (dotted names: those drawn, and those
    pinned by a range of equal ends) can change who joins, leaves or is served in any of
    the ``variants``: a perception parameter changes and some class has patience (it is
    spent in felt minutes, and announcements are weighed against it)."""
    perception_drawn = any(name.partition(".")[0] == BEHAVIOURAL_BLOCK for name in changed)
    patient = any(cp.patience is not None and cp.perception.model != "identity"
                  for v in variants for cp in loaded.plans[v].classes)
    return perception_drawn and patient
