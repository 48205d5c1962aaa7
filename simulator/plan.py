"""Compile a validated :class:`~simulator.scenario.Scenario` into a :class:`Plan` for the engine.

The plan holds run-clock minutes (0 = the start of the run), station and class indices, and
every check that needs more than one field: tables in time order, close after open, routes
that name existing stations and always end, a service time for every station a class visits.
A failed check raises :class:`PlanError` with the YAML path of the field at fault.
"""

from __future__ import annotations

import csv
import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError

from .config import PlanError, describe_error, format_clock, parse_clock, suggest
from .distributions import Distribution
from .levers import (
    BOOKED_SUFFIX,
    Levers,
    booking_slots,
    compile_levers,
    expected_bookings,
)
from .perception import ClassPerception, PerceptionParameters
from .satisfaction import SatisfactionParameters
from .scenario import (
    AppointmentArrivals,
    CustomerClass,
    PoissonArrivals,
    Scenario,
    Station,
    TraceArrivals,
)
from .yamlsource import Path_

ParametersT = TypeVar("ParametersT", PerceptionParameters, SatisfactionParameters)
DEFAULT_EXPECTED_WAIT = 5.0
"""Minutes a class expects to wait when its ``expected_wait`` is not given (an assumption,
announced as a warning)."""
EXIT = -1
"""Route target meaning "leave the system"."""
DRAIN_LIMIT = 7 * 24 * 60.0
"""Minutes after arrivals stop that a run may go on draining when no ``end`` is given."""
EXIT_NAME = "exit"
MAX_APPOINTMENTS = 10_000_000
"""Bookings (or, under the appointments intervention, slots) one class may have in a run: a
guard against a mistyped ``slot_minutes``."""
RESERVED_STATION_NAMES = ("start", EXIT_NAME)


@dataclass(frozen=True)
class PoissonPlan:
    """Piecewise-constant Poisson rate: (start, end, rate per minute) pieces covering the
    arrival window."""

    pieces: tuple[tuple[float, float, float], ...]


@dataclass(frozen=True)
class TracePlan:
    """Recorded arrival times (run minutes, sorted)."""

    times: tuple[float, ...]


@dataclass(frozen=True)
class AppointmentPlan:
    """Booked times (run minutes); each customer arrives ``punctuality`` minutes after the
    booked time unless a no-show."""

    slots: tuple[float, ...]
    per_slot: int
    punctuality: Distribution
    no_show: float
    expected_per_slot: tuple[float, ...] | None = None
    """When set (bookings made by the ``appointments`` intervention): each slot holds a
    Poisson number of bookings with this mean, instead of ``per_slot``."""


ArrivalPlan = PoissonPlan | TracePlan | AppointmentPlan


@dataclass(frozen=True)
class RoutePlan:
    """Where customers go. ``transitions[s]`` = (targets, cumulative probabilities) after
    station ``s``; target ``EXIT`` leaves. ``fixed_path`` is set when no step is random."""

    start: int
    transitions: tuple[tuple[tuple[int, ...], tuple[float, ...]], ...]
    fixed_path: tuple[int, ...] | None


@dataclass(frozen=True)
class ClassPlan:
    name: str
    index: int
    arrivals: ArrivalPlan | None
    initial_queue: int
    route: RoutePlan
    service: tuple[Distribution | None, ...]
    """Service time distribution per station index (None where the class never goes)."""
    patience: Distribution | None
    balk_threshold: int | None
    balk_table: tuple[tuple[int, float], ...] | None
    priority_level: int
    """0 is served first; levels are the distinct ``priority`` values in ascending order
    (within one value, booked customers of the appointments intervention first)."""
    expected_wait: float
    anxiety: float
    group_share: float
    perception: PerceptionParameters
    """The global parameters with this class's overrides."""
    satisfaction: SatisfactionParameters
    origin: str = ""
    """The YAML class this class comes from: its own name, or for ``NAME:booked`` (customers
    who book under the appointments intervention) ``NAME``."""


@dataclass(frozen=True)
class StationPlan:
    name: str
    index: int
    layout: str
    jockey_margin: int | None
    servers: int
    """Servers that exist: the most ever on duty."""
    duty: tuple[tuple[float, int], ...]
    """Servers on duty from each time on (run minutes), starting at 0."""
    mtbf: float | None
    repair: Distribution | None


@dataclass(frozen=True)
class Plan:
    """Everything the engine needs for one scenario (or variant), in run minutes."""

    name: str
    seed: int
    replications: int
    clock_at_zero: float | None
    """Clock minutes after midnight at run time 0, when the scenario uses clock times."""
    open: float
    arrivals_end: float
    stats_start: float
    """Arrivals before this time (open + warmup) are left out of statistics."""
    end: float
    """The run stops here at the latest; customers still inside are censored."""
    classes: tuple[ClassPlan, ...]
    stations: tuple[StationPlan, ...]
    priority_levels: int
    levers: Levers
    """The interventions, compiled (coverage per station and class)."""
    notes: tuple[tuple[Path_, str], ...] = ()
    """Warnings about the scenario: (YAML path, message)."""

    def perception(self) -> ClassPerception:
        """The perceived-wait model with each class's parameters and anxiety."""
        return ClassPerception([cp.perception for cp in self.classes],
                               [cp.anxiety for cp in self.classes])

    def clock(self, run_minutes: float) -> str:
        """Run minutes as a clock time, or as ``t=...`` when the scenario uses no clock."""
        if self.clock_at_zero is None:
            return f"t={run_minutes:g}"
        return format_clock(self.clock_at_zero + run_minutes)


class _Compiler:
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
        self.window = (open_, arrivals_end)
        fair = self.fair_queue()
        stations = tuple(self.station(i, n, st.model_copy(
            update={"layout": "single_line", "jockeying": None}) if n in fair else st)
            for i, (n, st) in enumerate(s.stations.items()))
        classes = self.with_bookings([
            self.customer_class(name, c) for name, c in s.customers.items()
        ])
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

    def with_bookings(self, classes: list[ClassPlan]) -> list[ClassPlan]:
        """The appointments intervention: a share of each covered class books a slot. The
        class keeps ``1 - share`` of its Poisson rate; a class ``NAME:booked`` (right after
        it) gets the rest as Poisson-many bookings per slot."""
        block = self.s.interventions.appointments
        if block is None:
            return classes
        path: Path_ = ("interventions", "appointments")
        names = [cp.name for cp in classes]
        poisson = [cp.name for cp in classes if isinstance(cp.arrivals, PoissonPlan)]
        for i, name in enumerate(block.classes or []):
            if name not in names:
                raise PlanError((*path, "classes", i), f"no class named {name!r}"
                                f"{suggest(name, names)}")
            if name not in poisson:
                raise PlanError((*path, "classes", i), f"class {name!r} does not arrive as "
                                "a Poisson stream (process: poisson), so it has no walk-ins "
                                "to turn into bookings")
        chosen = block.classes if block.classes is not None else poisson
        if not chosen:
            raise PlanError(path, "no class arrives as a Poisson stream (process: poisson): "
                            "there are no walk-ins to turn into bookings")
        open_, stop = self.window
        count = math.ceil((stop - open_) / block.slot_minutes - 1e-9)
        if count > MAX_APPOINTMENTS:  # a mistyped slot_minutes: refuse before building them
            raise PlanError((*path, "slot_minutes"), f"gives {count:,} slots; at most "
                            f"{MAX_APPOINTMENTS:,} are supported")
        slots = booking_slots(open_, stop, block.slot_minutes)
        result: list[ClassPlan] = []
        for cp in classes:
            if cp.name not in chosen:
                result.append(cp)
                continue
            assert isinstance(cp.arrivals, PoissonPlan)
            pieces = cp.arrivals.pieces
            result.append(dataclasses.replace(cp, arrivals=PoissonPlan(
                tuple((a, b, rate * (1 - block.share)) for a, b, rate in pieces))))
            booked = AppointmentPlan(
                slots=slots, per_slot=0, punctuality=block.punctuality, no_show=block.no_show,
                expected_per_slot=expected_bookings(pieces, slots, block.slot_minutes,
                                                    block.share))
            result.append(dataclasses.replace(cp, name=cp.name + BOOKED_SUFFIX, arrivals=booked,
                                              initial_queue=0, balk_threshold=None,
                                              balk_table=None, anxiety=block.anxiety))
        return result

    def fair_queue(self) -> set[str]:
        """Stations that the fair_queue intervention turns into one serpentine line."""
        block = self.s.interventions.fair_queue
        if block is None:
            return set()
        path = ("interventions", "fair_queue", "stations")
        parallel = [n for n, st in self.s.stations.items() if st.layout == "line_per_server"]
        for i, name in enumerate(block.stations or []):
            if name not in self.station_names:
                raise PlanError((*path, i), f"no station named {name!r}"
                                f"{suggest(name, self.station_names)}")
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
            name=name, index=-1, arrivals=self.arrivals(name, c, (*path, "arrivals")),
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

    def arrivals(self, name: str, c: CustomerClass, path: Path_) -> ArrivalPlan | None:
        a = c.arrivals
        open_, stop = self.window
        if isinstance(a, PoissonArrivals):
            rate = a.rate_per_hour
            rows = self.table(rate, (*path, "rate_per_hour")) if isinstance(rate, dict) else [
                (open_, rate)
            ]
            if isinstance(rate, dict) and rows[0][0] > open_:
                raise PlanError((*path, "rate_per_hour", next(iter(rate))),
                                "the rate table must start at or before 'open'")
            bounds = [min(max(t, open_), stop) for t, _ in rows] + [stop]
            pieces = tuple(
                (bounds[i], bounds[i + 1], r / 60.0)
                for i, (_, r) in enumerate(rows)
                if bounds[i] < bounds[i + 1] and bounds[i] < stop
            )
            return PoissonPlan(pieces=pieces)
        if isinstance(a, TraceArrivals):
            return TracePlan(times=self.trace(name, a, path))
        if isinstance(a, AppointmentArrivals):
            first = (open_ if a.first_slot is None
                     else self.time(a.first_slot, (*path, "first_slot")))
            if a.last_slot is None:
                last = first + math.floor((stop - first - 1e-9) / a.slot_minutes) * a.slot_minutes
            else:
                last = self.time(a.last_slot, (*path, "last_slot"))
            if not open_ <= first <= last < stop:
                raise PlanError(
                    (*path, "last_slot" if a.last_slot is not None else "first_slot"),
                    "slots must lie between open and the time arrivals stop, first before last",
                )
            count = math.floor((last - first) / a.slot_minutes + 1e-9) + 1
            if count * a.per_slot > MAX_APPOINTMENTS:
                raise PlanError((*path, "slot_minutes"), f"gives {count * a.per_slot:,} "
                                f"bookings; at most {MAX_APPOINTMENTS:,} are supported")
            slots = tuple(first + k * a.slot_minutes for k in range(count))
            return AppointmentPlan(slots=slots, per_slot=a.per_slot,
                                   punctuality=a.punctuality, no_show=a.no_show)
        return None

    def trace(self, name: str, a: TraceArrivals, path: Path_) -> tuple[float, ...]:
        file = Path(a.file) if Path(a.file).is_absolute() else self.base_dir / a.file
        try:
            with file.open(newline="", encoding="utf-8-sig") as handle:
                reader = csv.DictReader(handle)
                columns = reader.fieldnames or []
                for wanted, key in ((a.column, "column"), (a.class_column, "class_column")):
                    if wanted is not None and wanted not in columns:
                        raise PlanError((*path, key), f"{file} has no column '{wanted}' "
                                        f"(columns: {', '.join(columns)})")
                times = []
                for row_number, row in enumerate(reader, start=2):
                    if a.class_column is not None and row[a.class_column] != name:
                        continue
                    cell = (row[a.column] or "").strip()
                    try:
                        value: str | float = float(cell) if ":" not in cell else cell
                        if isinstance(value, float) and not math.isfinite(value):
                            raise ValueError(cell)
                        times.append(self.time(value, (*path, "file")))
                    except (ValueError, PlanError):
                        raise PlanError((*path, "file"), f"{file}:{row_number}: '{a.column}' "
                                        f"must be minutes or a clock time (got {cell!r})") from None
        except FileNotFoundError:
            raise PlanError((*path, "file"), f"no such trace file: {file}") from None
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            raise PlanError((*path, "file"), f"cannot read {file} as CSV text ({exc})") from None
        times.sort()
        late = [t for t in times if not self.window[0] <= t < self.window[1]]
        if late:
            raise PlanError((*path, "file"), f"{len(late)} arrival(s) in {file} fall outside the "
                            f"arrival window (first at run minute {late[0]:g})")
        return tuple(times)


def compile_plan(scenario: Scenario, base_dir: Path) -> Plan:
    """Check how the scenario's parts fit together and compile it for the engine."""
    return _Compiler(scenario, base_dir).compile()
