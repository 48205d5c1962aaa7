"""The scenario schema: what a YAML scenario may say, with types, ranges and defaults.

Shapes, types and ranges are checked here by pydantic; how the parts fit together (routes that
name existing stations, tables in time order, close after open) is checked when the scenario is
compiled into a plan (:mod:`simulator.plan.compiled`). Both happen once, when the file is loaded
(:func:`simulator.plan.loader.load_scenario`). Durations are minutes; rates are per hour.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    Discriminator,
    Field,
    Tag,
    model_validator,
)

from simulator.spec.base import ClockTime, Strict
from simulator.spec.bounds import (
    MAX_NAMES,
    MAX_REPLICATIONS,
    Cost,
    Count,
    Minutes,
    PositiveCount,
    PositiveMinutes,
    Rate,
    Seed,
    Servers,
    Staff,
)
from simulator.spec.distributions import Deterministic, Distribution, Duration
from simulator.spec.interventions import Interventions
from simulator.spec.limits import Limits
from simulator.spec.parameters import (
    PerceptionParameters,
    SatisfactionParameters,
    UncertaintySettings,
    split_name,
)

DEFAULT_SEED = 20261122
"""Root seed used when a scenario gives none."""
DEFAULT_REPLICATIONS = 30
"""Replications used when a scenario gives none: enough for a Student-t interval to be stable."""

Probability = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
Name = Annotated[str, Field(min_length=1)]


def _rate_kind(value: Any) -> str:
    return "rate-table" if isinstance(value, dict) else "rate-number"


def _rate_shape(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float | dict):
        raise ValueError("must be a rate per hour (a number >= 0) or a table of clock time: "
                         f"rate (got {value!r})")
    if isinstance(value, dict) and not value:
        raise ValueError("the rate table needs at least one clock time: rate entry")
    return value


RatePerHour = Annotated[
    Annotated[Rate, Tag("rate-number")]
    | Annotated[dict[ClockTime, Rate], Tag("rate-table")],
    Discriminator(_rate_kind),  # validate one shape only: one clear error, not one per shape
    BeforeValidator(_rate_shape),
]
"""A rate per hour: a number, or a table {clock time: rate}."""


class PoissonArrivals(Strict):
    """Poisson arrivals. ``rate_per_hour`` is a number, or a table {clock time: rate} whose
    rates hold from each clock time to the next (the first rate also holds before its time)."""

    process: Literal["poisson"]
    rate_per_hour: RatePerHour
    """Arrivals per hour: a number, or a table {clock time: rate}."""


class TraceArrivals(Strict):
    """Replay of recorded arrival times from a CSV ``file`` (relative to the scenario file):
    ``column`` holds minutes from the start of the run or "HH:MM[:SS]" clock times; with
    ``class_column``, only rows whose value there is this class's name are used."""

    process: Literal["trace"]
    file: Name
    """CSV file of arrival times, relative to the scenario file."""
    column: Name = "time"
    """Column of the arrival times: minutes from the start of the run or "HH:MM[:SS]"."""
    class_column: Name | None = None
    """Column naming each row's class; without it every row is this class."""


class AppointmentArrivals(Strict):
    """Booked slots every ``slot_minutes`` from ``first_slot`` to ``last_slot`` (defaults: the
    opening time, and the last slot starting before arrivals stop), ``per_slot`` customers per
    slot. Each customer arrives ``punctuality`` minutes after the booked time (negative =
    early; never before the start of the run) or not at all, with probability ``no_show``."""

    process: Literal["appointments"]
    slot_minutes: PositiveMinutes
    """Minutes between slots."""
    per_slot: PositiveCount = 1
    """Customers booked per slot."""
    first_slot: ClockTime | None = None
    """Time of the first slot (default: the opening time)."""
    last_slot: ClockTime | None = None
    """Time of the last slot (default: the last slot starting before arrivals stop)."""
    punctuality: Distribution = Deterministic(dist="deterministic", value=0.0)
    """Minutes after the slot a customer arrives (negative: early)."""
    no_show: Probability = 0.0
    """Probability that a booking does not come."""


Arrivals = Annotated[
    PoissonArrivals | TraceArrivals | AppointmentArrivals, Field(discriminator="process")
]


class Balk(Strict):
    """Balking on arrival, by the number of customers seen waiting at the first station
    (all of its lines, those in service not counted). ``queue_length``: always balk when at
    least this many wait. ``probability``: {waiting: probability}, each probability holding
    from its count up to the next count."""

    queue_length: PositiveCount | None = None
    """Arrivals who see at least this many waiting do not join."""
    probability: dict[Annotated[int, Field(ge=0)], Probability] | None = None
    """{waiting: probability of not joining}, each holding up to the next count."""

    @model_validator(mode="after")
    def _one_rule(self) -> Balk:
        if (self.queue_length is None) == (self.probability is None):
            raise ValueError("give exactly one of 'queue_length' or 'probability'")
        if self.probability is not None and not self.probability:
            raise ValueError("the probability table needs at least one entry")
        return self


RouteTable = dict[Name, Any]
"""``{start: station, station: next, ...}``; next is a station, ``exit``, or {next: probability}.
Checked in :mod:`simulator.plan.compiled` (it needs the station names)."""


class CustomerClass(Strict):
    """One class of customers (walk-ins, appointments, priority...)."""

    arrivals: Arrivals | None = None
    """How customers of the class arrive (chosen by ``process``)."""
    initial_queue: Count = 0
    """Customers of the class already waiting at the start of the run."""
    service: dict[Name, Duration] = {}
    """Service time at named stations for this class, overriding the station's."""
    patience: Duration | None = None
    """Felt minutes a customer will wait in line before leaving (omit: never leaves)."""
    balk: Balk | None = None
    """When arriving customers do not join the line."""
    expected_wait: Minutes | None = None
    """Minutes the class expects to wait: satisfaction's reference (5 with a warning when
    missing)."""
    priority: int = 0
    """Lower is served first (non-pre-emptive); ties are first come, first served."""
    route: RouteTable | None = None
    """Where customers go next: {start: station, station: next}, next a station, ``exit`` or {next:
    probability} (default: the stations in the order listed)."""
    anxiety: Probability = 0.0
    """How anxious this class is, 0..1 (waits feel longer: perception's anxiety_effect)."""
    group_share: Probability = 0.0
    """Share of this class who wait in company (drawn per customer)."""
    perception: dict[str, Any] = {}
    """Overrides of the global perception parameters for this class (checked in the plan)."""
    satisfaction: dict[str, Any] = {}
    """Overrides of the global satisfaction parameters for this class (checked in the plan)."""

    @model_validator(mode="after")
    def _someone_arrives(self) -> CustomerClass:
        if self.arrivals is None and self.initial_queue == 0:
            raise ValueError("needs 'arrivals' (or an 'initial_queue' of customers)")
        return self


class Breakdowns(Strict):
    """Each server fails after exponential clock time of mean ``mtbf`` minutes and is
    repaired after ``repair`` minutes; a customer in service waits and then resumes."""

    mtbf: PositiveMinutes
    """Mean clock minutes between failures of each server (on duty or not)."""
    repair: Duration
    """Minutes a repair takes."""


class Jockeying(Strict):
    """With ``line_per_server``: the last customer of a line moves to another line that is
    shorter by at least ``margin`` people (at least 2: a move must gain a place)."""

    margin: Annotated[int, Field(ge=2)] = 2
    """How many fewer people the other line must have for the last customer to move."""


class Station(Strict):
    """A service step with servers. Give ``servers``, a ``schedule`` {clock time: servers on
    duty} (``servers`` is then the number on duty before the schedule's first time, default 0),
    or both."""

    servers: Staff | None = None
    """Servers on duty (before the schedule's first time, with a ``schedule``)."""
    schedule: dict[ClockTime, Servers] | None = None
    """Servers on duty from each clock time on."""
    service: Duration | None = None
    """Service time of a customer (a class may override it)."""
    layout: Literal["single_line", "line_per_server"] = "single_line"
    """One first-come-first-served line, or a line at each server."""
    jockeying: Jockeying | None = None
    """With ``line_per_server``: customers move to a shorter line."""
    breakdowns: Breakdowns | None = None
    """Servers fail and are repaired; a customer in service waits."""
    cost_per_server_hour: Cost = 0.0
    """Cost of one server for one hour on duty (currency units; for ``waitsim compare``)."""

    @model_validator(mode="after")
    def _consistent(self) -> Station:
        if self.servers is None and not self.schedule:
            raise ValueError("needs 'servers' (a number) or a 'schedule' of servers on duty")
        if self.jockeying is not None and self.layout != "line_per_server":
            raise ValueError("'jockeying' needs layout: line_per_server")
        return self


class Scenario(Strict):
    """A whole scenario: the base of a YAML file, or the base with one variant's patch."""

    name: Name
    """Name shown in reports."""
    description: str = ""
    """Free text for readers of the file."""
    seed: Seed = DEFAULT_SEED
    """Root seed of every random stream: the same seed gives the same results."""
    replications: Annotated[int, Field(ge=1, le=MAX_REPLICATIONS)] = DEFAULT_REPLICATIONS
    """Independent days (or horizon runs) per variant."""
    open: ClockTime = 0.0
    """Start of the run: a clock time anchors every other clock time."""
    close: ClockTime | None = None
    """Doors close: arrivals stop; everyone inside is still served."""
    horizon: PositiveMinutes | None = None
    """Instead of ``close``: minutes of arrivals (a steady-state run)."""
    warmup: Minutes = 0.0
    """Minutes from the start whose arrivals are left out of the statistics."""
    end: ClockTime | None = None
    """Hard stop: customers still inside are counted as censored (default: when the last customer
    leaves, at most 7 days after arrivals stop)."""
    customers: Annotated[dict[Name, CustomerClass], Field(min_length=1, max_length=MAX_NAMES)]
    """The customer classes, by name."""
    stations: Annotated[dict[Name, Station], Field(min_length=1, max_length=MAX_NAMES)]
    """The stations, by name, visited in the order listed unless a route says otherwise."""
    route: RouteTable | None = None
    """A route for every class without its own (as a class's ``route``)."""
    interventions: Interventions = Field(default_factory=Interventions)
    """Levers of perception and of the queue, each with its cost."""
    perception: PerceptionParameters = Field(default_factory=PerceptionParameters)
    """Parameters of the perceived-wait model (docs/model.md)."""
    satisfaction: SatisfactionParameters = Field(default_factory=SatisfactionParameters)
    """Parameters of the satisfaction and impact model (docs/model.md)."""
    uncertainty: UncertaintySettings = Field(default_factory=UncertaintySettings)
    """How ``compare --uncertainty`` draws the model's parameters."""
    cost_per_day: Cost = 0.0
    """Cost per day of a lever that is neither servers nor an intervention (e.g. training for
    faster service), in currency units; usually set in a variant."""
    cost_per_unserved_customer: Cost = 0.0
    """What each customer who leaves before being served (balks, or gives up in a line) costs,
    in currency units: the margin of the visit lost, or the cost of their coming back. Counted
    in each variant's cost per day at its mean number of such customers over the opening
    hours; set at the top of the file only (the same under every option)."""
    limits: Limits = Field(default_factory=Limits)
    """Caps on the expected work of a run (customers, time bins, breakdowns), checked before
    it starts; raise one on purpose to run more (docs/limits.md)."""
    variants: dict[Name, dict[str, Any]] = {}
    """Named patches of the base, run side by side: mappings merge key by key (a schedule or
    rate table by time, kept in time order), anything else replaces, ``null`` removes a key.
    A variant's ``label:`` (text, at most 60 characters) names it in tables and figures."""

    @model_validator(mode="after")
    def _ranges_of_known_classes(self) -> Scenario:
        for dotted in self.uncertainty.ranges:
            cls, _, _ = split_name(dotted)
            if cls is not None and cls not in self.customers:
                raise ValueError(f"uncertainty.ranges: {dotted}: no customer class {cls!r} "
                                 f"(classes: {', '.join(self.customers)})")
        return self
