"""Compile a validated :class:`~simulator.spec.scenario.Scenario` into a
:class:`~simulator.plan.compiled.Plan` for the engine.

Every check that needs more than one field is here: tables in time order, close after open,
routes that name existing stations and always end, a service time for every station a class
visits (arrivals and bookings: :mod:`simulator.plan.arrivals`). A failed check raises
:class:`~simulator.spec.base.PlanError` with the YAML path of the field at fault.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from pydantic import ValidationError

from simulator.errors import PlanError
from simulator.plan.arrivals import ArrivalCompiler
from simulator.plan.compiled import (
    DEFAULT_EXPECTED_WAIT,
    DRAIN_LIMIT,
    EXIT,
    EXIT_NAME,
    MAX_EXPECTED_VISITS,
    RESERVED_STATION_NAMES,
    ClassPlan,
    Plan,
    RoutePlan,
    StationPlan,
)
from simulator.plan.levers import check_names, compile_levers
from simulator.spec.base import describe_error, parse_clock, suggest
from simulator.spec.distributions import Distribution
from simulator.spec.parameters import PerceptionParameters, SatisfactionParameters
from simulator.spec.scenario import CustomerClass, Scenario, Station
from simulator.spec.yamlsource import Path_

ParametersT = TypeVar("ParametersT", PerceptionParameters, SatisfactionParameters)


class _Compiler:
    """One scenario's compilation; :meth:`compile` runs it."""

    def __init__(self, scenario: Scenario, base_dir: Path) -> None:
        self.s = scenario
        self.base_dir = base_dir
        self.anchor = parse_clock(scenario.open) if isinstance(scenario.open, str) else None
        self.station_names = list(scenario.stations)
        self.notes: list[tuple[Path_, str]] = []

    def time(self, value: str | float, path: Path_) -> float:
        """A clock time or number as run minutes."""
        if isinstance(value, str):
            if self.anchor is None:
                raise PlanError(
                    path,
                    f"clock time {value!r} needs 'open' to be a clock time too "
                    "(or give minutes from the start of the run)",
                )
            minutes = parse_clock(value) - self.anchor
            if minutes < 0:
                raise PlanError(path, f"{value} is before the start of the run ({self.s.open})")
            return minutes
        if value < 0:
            raise PlanError(path, f"must be >= 0 minutes from the start of the run (got {value})")
        return float(value)

    def table(self, table: Mapping[Any, Any], path: Path_) -> list[tuple[float, Any]]:
        """A {time: value} table as (run minutes, value), checked to be in time order."""
        rows: list[tuple[float, Any]] = []
        for key, value in table.items():
            t = self.time(key, (*path, key))
            if rows and t <= rows[-1][0]:
                raise PlanError((*path, key), f"times must increase down the table ({key!r} "
                                "is not after the time above it)")
            rows.append((t, value))
        return rows

    def compile(self) -> Plan:
        s = self.s
        for name in RESERVED_STATION_NAMES:
            if name in s.stations:
                raise PlanError(("stations", name), f"'{name}' is reserved in routes; rename it")
        open_ = self.time(s.open, ("open",))
        if s.close is not None:
            arrivals_end = self.time(s.close, ("close",))
            if arrivals_end <= open_:
                raise PlanError(("close",), f"close ({s.close}) must be after open ({s.open})")
        elif s.horizon is not None:
            arrivals_end = open_ + s.horizon
        else:
            raise PlanError(
                (), "give 'close' (when the doors close) or 'horizon' (minutes of arrivals)"
            )
        if s.close is not None and s.horizon is not None:
            raise PlanError(("horizon",), "give either 'close' or 'horizon', not both")
        stats_start = open_ + s.warmup
        if stats_start >= arrivals_end:
            raise PlanError(("warmup",), f"warmup ({s.warmup:g} min) leaves no arrivals to study")
        end = arrivals_end + DRAIN_LIMIT
        if s.end is not None:
            end = self.time(s.end, ("end",))
            if end < arrivals_end:
                raise PlanError(("end",), "end must not be before arrivals stop")
        self.arrival_plans = ArrivalCompiler((open_, arrivals_end), self, self.base_dir)
        fair = self.fair_queue()
        stations = tuple(self.station(i, n, st.model_copy(
            update={"layout": "single_line", "jockeying": None}) if n in fair else st)
            for i, (n, st) in enumerate(s.stations.items()))
        classes = self.arrival_plans.with_bookings([
            self.customer_class(name, c) for name, c in s.customers.items()
        ], s.interventions.appointments)
        # Priority levels: lower ``priority`` first; within one priority, booked customers
        # before walk-ins.
        keys = [(s.customers[cp.origin].priority, cp.name == cp.origin)  # booked: name differs
                for cp in classes]
        levels = sorted(set(keys))
        classes = [dataclasses.replace(cp, index=i, priority_level=levels.index(key))
                   for i, (cp, key) in enumerate(zip(classes, keys, strict=True))]
        return Plan(
            name=s.name, seed=s.seed, replications=s.replications, clock_at_zero=self.anchor,
            open=open_, arrivals_end=arrivals_end, stats_start=stats_start, end=end,
            classes=tuple(classes), stations=stations, priority_levels=len(levels),
            levers=compile_levers(s.interventions, [cp.origin for cp in classes],
                                  self.station_names),
            notes=tuple(self.notes),
        )

    def fair_queue(self) -> set[str]:
        """Stations that the fair_queue intervention turns into one serpentine line."""
        block = self.s.interventions.fair_queue
        if block is None:
            return set()
        path = ("interventions", "fair_queue", "stations")
        parallel = [n for n, st in self.s.stations.items() if st.layout == "line_per_server"]
        check_names(block.stations, self.station_names, path, "station")
        for i, name in enumerate(block.stations or []):
            if name not in parallel:
                raise PlanError((*path, i), f"station {name!r} already has one line "
                                "(fair_queue acts on layout: line_per_server)")
        if block.stations is None and not parallel:
            raise PlanError(("interventions", "fair_queue"),
                            "no station has layout: line_per_server, so there is nothing to "
                            "merge into one line")
        return set(block.stations if block.stations is not None else parallel)

    def station(self, index: int, name: str, st: Station) -> StationPlan:
        path: Path_ = ("stations", name)
        duty = [(0.0, st.servers or 0)]
        if st.schedule:
            for t, count in self.table(st.schedule, (*path, "schedule")):
                if t == 0.0:
                    duty[0] = (0.0, count)
                else:
                    duty.append((t, count))
        most = max(count for _, count in duty)
        if most == 0:
            raise PlanError((*path, "schedule"), "never has a server on duty")
        return StationPlan(
            name=name, index=index, layout=st.layout,
            jockey_margin=st.jockeying.margin if st.jockeying else None,
            servers=most, duty=tuple(duty),
            mtbf=st.breakdowns.mtbf if st.breakdowns else None,
            repair=st.breakdowns.repair if st.breakdowns else None,
        )

    def station_index(self, name: Any, path: Path_) -> int:
        if name == EXIT_NAME:
            return EXIT
        if not isinstance(name, str) or name not in self.station_names:
            hint = suggest(str(name), self.station_names)
            raise PlanError(path, f"no station named {name!r}{hint}")
        return self.station_names.index(name)

    def route(self, table: Mapping[str, Any] | None, path: Path_) -> RoutePlan:
        n = len(self.station_names)
        if table is None:
            transitions = tuple(((i + 1 if i + 1 < n else EXIT,), (1.0,)) for i in range(n))
            return RoutePlan(start=0, transitions=transitions, fixed_path=tuple(range(n)))
        start = self.station_index(table.get("start", self.station_names[0]), (*path, "start"))
        if start == EXIT:
            raise PlanError((*path, "start"), "a route must start at a station")
        steps: list[tuple[tuple[int, ...], tuple[float, ...]]] = [((EXIT,), (1.0,))] * n
        for key, target in table.items():
            if key == "start":
                continue
            if key == EXIT_NAME:
                raise PlanError((*path, key), "'exit' is where customers leave: it has no next "
                                "step (name stations, and 'start', here)")
            here = self.station_index(key, (*path, key))
            steps[here] = self.branch(target, (*path, key))
        reachable = self._reachable(start, steps)
        for station in reachable:
            if EXIT not in self._reachable_targets(station, steps):
                raise PlanError(
                    (*path, self.station_names[station]),
                    "customers who reach this station can never leave (the route loops "
                    "without a way to 'exit')",
                )
        visits = expected_visits(start, steps)
        if visits > MAX_EXPECTED_VISITS:
            raise PlanError(path, f"gives each customer about {visits:,.0f} station visits on "
                            f"average (its loops are taken too often); at most "
                            f"{MAX_EXPECTED_VISITS:g} are supported")
        fixed = None
        if all(len(steps[i][0]) == 1 for i in reachable):
            fixed_list, here = [start], steps[start][0][0]
            while here != EXIT and here not in fixed_list:
                fixed_list.append(here)
                here = steps[here][0][0]
            fixed = tuple(fixed_list)
        return RoutePlan(start=start, transitions=tuple(steps), fixed_path=fixed)

    def branch(self, target: Any, path: Path_) -> tuple[tuple[int, ...], tuple[float, ...]]:
        if isinstance(target, str):
            return (self.station_index(target, path),), (1.0,)
        if not isinstance(target, dict) or not target:
            raise PlanError(path, "must be a station name, 'exit', or a table {next: probability}"
                            f" (got {target!r})")
        targets, cumulative, total = [], [], 0.0
        for name, p in target.items():
            if isinstance(p, bool) or not isinstance(p, int | float) or not 0 <= p <= 1:
                raise PlanError((*path, name), f"must be a probability in [0, 1] (got {p!r})")
            index = self.station_index(name, (*path, name))
            total += p
            if p > 0:  # a step never taken is no way out of a loop
                targets.append(index)
                cumulative.append(total)
        if not math.isclose(total, 1.0, abs_tol=1e-9):
            raise PlanError(path, f"probabilities must add up to 1 (they add up to {total:g})")
        cumulative[-1] = 1.0
        return tuple(targets), tuple(cumulative)

    @staticmethod
    def _reachable(start: int, steps: list[tuple[tuple[int, ...], tuple[float, ...]]]) -> set[int]:
        seen, todo = set(), [start]
        while todo:
            here = todo.pop()
            if here == EXIT or here in seen:
                continue
            seen.add(here)
            todo.extend(steps[here][0])
        return seen

    def _reachable_targets(self, station: int, steps: list[Any]) -> set[int]:
        seen, todo = set(), list(steps[station][0])
        while todo:
            here = todo.pop()
            if here in seen:
                continue
            seen.add(here)
            if here != EXIT:
                todo.extend(steps[here][0])
        return seen

    def customer_class(self, name: str, c: CustomerClass) -> ClassPlan:
        """A class as the engine runs it (its index and priority level are set in
        :meth:`compile`, once every class, booked ones included, is known)."""
        path: Path_ = ("customers", name)
        route = self.route(
            c.route if c.route is not None else self.s.route,
            (*path, "route") if c.route is not None else ("route",),
        )
        for station_name in c.service:
            self.station_index(station_name, (*path, "service", station_name))
        visited = self._reachable(route.start, list(route.transitions))
        service: list[Distribution | None] = []
        for i, (station_name, st) in enumerate(self.s.stations.items()):
            dist = c.service.get(station_name, st.service)
            if i in visited and dist is None:
                raise PlanError(
                    ("stations", station_name),
                    f"has no 'service' time, and class '{name}', which visits it, gives none "
                    f"(customers.{name}.service.{station_name})",
                )
            service.append(dist if i in visited else None)
        expected = c.expected_wait
        if expected is None:
            expected = DEFAULT_EXPECTED_WAIT
            self.notes.append((path, f"no 'expected_wait': satisfaction assumes "
                                     f"{DEFAULT_EXPECTED_WAIT:g} minutes"))
        balk_table = None
        if c.balk is not None and c.balk.probability is not None:
            balk_table = tuple(sorted(c.balk.probability.items()))
        return ClassPlan(
            name=name, index=-1, arrivals=self.arrival_plans.arrivals(
                name, c, (*path, "arrivals")),
            initial_queue=c.initial_queue, route=route, service=tuple(service),
            patience=c.patience,
            balk_threshold=c.balk.queue_length if c.balk is not None else None,
            balk_table=balk_table, priority_level=-1, expected_wait=expected,
            anxiety=c.anxiety, group_share=c.group_share, origin=name,
            perception=self.overridden(self.s.perception, c.perception, (*path, "perception")),
            satisfaction=self.overridden(self.s.satisfaction, c.satisfaction,
                                         (*path, "satisfaction")),
        )

    @staticmethod
    def overridden(base: ParametersT, overrides: Mapping[str, Any], path: Path_
                   ) -> ParametersT:
        """The global parameters with a class's overrides, validated like the global ones."""
        if "model" in overrides:
            raise PlanError((*path, "model"), "the model is chosen for the whole scenario "
                            "(top-level perception.model), not per class")
        try:
            return type(base).model_validate({**base.model_dump(), **overrides})
        except ValidationError as exc:
            described: tuple[Path_, str] = describe_error(exc.errors()[0])
            raise PlanError((*path, *described[0]), described[1]) from None


def expected_visits(start: int, steps: list[tuple[tuple[int, ...], tuple[float, ...]]]
                    ) -> float:
    """Expected station visits of a customer starting at ``start`` (the route's transitions:
    targets and cumulative probabilities per station); infinite when some never leave."""
    n = len(steps)
    moves = np.zeros((n, n))
    for here, (targets, cumulative) in enumerate(steps):
        before = 0.0
        for target, total in zip(targets, cumulative, strict=True):
            if target != EXIT:
                moves[here, target] += total - before
            before = total
    # Visits per station: the start row of the fundamental matrix (I - moves)^-1.
    try:
        visits = np.linalg.solve((np.eye(n) - moves).T, np.eye(n)[start])
    except np.linalg.LinAlgError:
        return math.inf
    return float(visits.sum())


def compile_plan(scenario: Scenario, base_dir: Path) -> Plan:
    """Check how the scenario's parts fit together and compile it for the engine."""
    return _Compiler(scenario, base_dir).compile()
