"""Interventions: the ``interventions:`` block of a scenario.

Each intervention is a validated block that can be limited to some stations and customer
classes and carries an optional cost (``cost_per_day``, ``cost_per_hour``, for comparing
levers). This version has ``occupied_waiting`` and ``fair_queue``; the others named in the
design (``explained_delays``, ``wait_time_info``, ``greeter``, ``appointments``) are refused
with a clear message until they exist.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from .config import Strict

COMING = ("explained_delays", "wait_time_info", "greeter", "appointments")
"""Interventions of the design that this version does not have yet."""

Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
Cost = Annotated[float, Field(ge=0, allow_inf_nan=False)]


class Scope(Strict):
    """Where an intervention acts: the named stations and classes (default: all)."""

    stations: list[str] | None = None
    classes: list[str] | None = None
    cost_per_day: Cost = 0.0
    """Fixed cost per day of the intervention (currency units)."""
    cost_per_hour: Cost = 0.0
    """Cost per opening hour (e.g. staff)."""


class OccupiedWaiting(Scope):
    """Something to do while waiting (a TV, reading matter, a phone charger, samples).

    Each wait in line at a covered station is occupied with probability ``share``, drawn per
    customer and wait from its own random stream (perception only: the queue is unchanged).
    Occupied minutes weigh ``occupied_factor`` (perception). ``satisfaction_bonus``: points
    added for a pleasant waiting room to customers who waited at a covered station (Pruyn &
    Smidts 1998 found the setting mattered more than the minutes; the value is yours)."""

    share: Share
    satisfaction_bonus: Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)] = 0.0


class FairQueue(Strict):
    """One serpentine line instead of a line per server at the named ``stations`` (default:
    every station with ``layout: line_per_server``): nobody is overtaken by a neighbouring
    line, and the parallel-lines penalty goes (Rafaeli, Barron & Haber 2002; Larson 1987).
    Changes the queue (first come, first served across the servers) and its perception."""

    stations: list[str] | None = None
    cost_per_day: Cost = 0.0
    cost_per_hour: Cost = 0.0


class Interventions(Strict):
    occupied_waiting: OccupiedWaiting | None = None
    fair_queue: FairQueue | None = None

    @model_validator(mode="before")
    @classmethod
    def _coming_later(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for name in COMING:
                if name in data:
                    raise PydanticCustomError(
                        "field_error", "{message}",
                        {"field": name, "message": f"the '{name}' intervention is not "
                                                    "available in this version of waitsim yet"})
        return data
