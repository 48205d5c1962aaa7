"""The compiled scenario the engine reads: a :class:`Plan` in run-clock minutes (0 = the start of
the run) with station and class indices, and the constants it uses.

:func:`~simulator.plan.compiler.compile_plan` builds it from a validated
:class:`~simulator.spec.scenario.Scenario`, with every check that needs more than one
field; a failed check raises :class:`PlanError` with the YAML path of the field at fault.
"""

from __future__ import annotations

from dataclasses import dataclass

from simulator.errors import PlanError as PlanError
from simulator.models.perception import ClassPerception
from simulator.plan.levers import Levers
from simulator.spec.base import format_clock
from simulator.spec.distributions import Distribution
from simulator.spec.parameters import PerceptionParameters, SatisfactionParameters
from simulator.spec.yamlsource import Path_

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
MAX_EXPECTED_VISITS = 100.0
"""Most station visits a route may give a customer on average (a loop taken with
probability p gives 1 / (1 - p)): the visit number is stored in a 16-bit record column (at
most 32,767), which a route of 100 visits on average exceeds with probability below
10^-140."""
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
