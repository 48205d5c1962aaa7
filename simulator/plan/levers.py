"""The ``interventions:`` block compiled for the engine: per station, which classes each
intervention covers, with names checked against the scenario (errors name the YAML field).

Booked customers made by ``appointments`` are classes of their own (``NAME:booked``); every
other intervention covers them when it covers the class they were split from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from simulator.errors import PlanError
from simulator.spec.base import suggest
from simulator.spec.interventions import (
    ExplainedDelays,
    Greeter,
    Interventions,
    Scope,
    WaitTimeInfo,
)
from simulator.spec.yamlsource import Path_


@dataclass(frozen=True)
class StationLevers:
    """What the interventions do at one station, per class index."""

    occupied: tuple[float, ...]
    """Share of waits in line that are occupied (0: none)."""
    room_bonus: tuple[float, ...]
    """Satisfaction points for a pleasant waiting room."""
    explained: tuple[bool, ...]
    """Covered by explained_delays."""
    informed: tuple[bool, ...]
    """Covered by wait_time_info."""
    greeted: tuple[bool, ...]
    """Taken by the greeters (if the station has any)."""
    greeters: int
    """Greeters working at this station (0: none)."""


@dataclass(frozen=True)
class Levers:
    """Every intervention, compiled. The blocks hold the settings; ``stations`` the coverage."""

    stations: tuple[StationLevers, ...]
    explained_delays: ExplainedDelays | None = None
    wait_time_info: WaitTimeInfo | None = None
    greeter: Greeter | None = None
    bookings_explained: bool = False
    """Walk-ins overtaken by booked customers are told why (not counted as overtaken)."""


def check_names(names: Sequence[str] | None, known: Sequence[str], path: Path_, kind: str
                ) -> None:
    for i, name in enumerate(names or []):
        if name not in known:
            raise PlanError((*path, i), f"no {kind} named {name!r}{suggest(name, known)}")


def compile_levers(block: Interventions, class_origins: Sequence[str],
                   station_names: Sequence[str]) -> Levers:
    """Coverage of every intervention. ``class_origins[i]``: the YAML class that class ``i``
    comes from (its own name, or the class a booked class was split from)."""
    known_classes = list(dict.fromkeys(class_origins))

    def cover(scope: Scope | None, name: str) -> list[list[bool]]:
        """[station][class]: whether the intervention acts there."""
        if scope is None:
            return [[False] * len(class_origins) for _ in station_names]
        path = ("interventions", name)
        check_names(scope.classes, known_classes, (*path, "classes"), "class")
        check_names(scope.stations, station_names, (*path, "stations"), "station")
        return [[(scope.classes is None or c in scope.classes)
                 and (scope.stations is None or s in scope.stations) for c in class_origins]
                for s in station_names]

    occupied = cover(block.occupied_waiting, "occupied_waiting")
    explained = cover(block.explained_delays, "explained_delays")
    informed = cover(block.wait_time_info, "wait_time_info")
    greeted = cover(block.greeter, "greeter")
    ow = block.occupied_waiting
    share, bonus = (ow.share, ow.satisfaction_bonus) if ow else (0.0, 0.0)
    stations = tuple(
        StationLevers(
            occupied=tuple(share if on else 0.0 for on in occupied[s]),
            room_bonus=tuple(bonus if on else 0.0 for on in occupied[s]),
            explained=tuple(explained[s]), informed=tuple(informed[s]),
            greeted=tuple(greeted[s]),
            greeters=block.greeter.staff if block.greeter and any(greeted[s]) else 0)
        for s in range(len(station_names)))
    return Levers(stations=stations, explained_delays=block.explained_delays,
                  wait_time_info=block.wait_time_info, greeter=block.greeter,
                  bookings_explained=bool(block.appointments and block.appointments.explained))

