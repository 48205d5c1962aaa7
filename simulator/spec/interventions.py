"""Interventions: the ``interventions:`` block of a scenario.

Each intervention is a validated block that can be limited to some stations and customer
classes (``stations: [...]``, ``classes: [...]``; default all) and carries an optional cost
(``cost_per_day``, ``cost_per_hour`` of opening, for comparing levers). Durations are minutes.

Perception levers (the queue itself is unchanged; their draws come from their own streams):
``occupied_waiting``, ``explained_delays``, ``wait_time_info`` (unless ``balk_on_displayed``).
Levers that change the queue and its perception: ``greeter``, ``appointments``,
``fair_queue``, and ``wait_time_info`` with ``balk_on_displayed``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from simulator.spec.base import Strict
from simulator.spec.bounds import (
    MAX_FACTOR,
    MAX_LOG_SD,
    MAX_MINUTES,
    MIN_UPDATE_MINUTES,
    Cost,
    PositiveCount,
    Staff,
)
from simulator.spec.bounds import Minutes as NonNegativeMinutes
from simulator.spec.bounds import PositiveMinutes as Minutes
from simulator.spec.distributions import Deterministic, Distribution, Duration

Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]


class Costed(Strict):
    """What every intervention may cost (currency units)."""

    cost_per_day: Cost = 0.0
    """Fixed cost per day of the intervention."""
    cost_per_hour: Cost = 0.0
    """Cost per opening hour (e.g. staff)."""


class Scope(Costed):
    """Where an intervention acts: the named stations and classes (default: all)."""

    stations: list[str] | None = None
    """Stations covered (default: all)."""
    classes: list[str] | None = None
    """Customer classes covered (default: all)."""


class OccupiedWaiting(Scope):
    """Something to do while waiting (a TV, reading matter, a phone charger, samples).

    Each wait in line at a covered station is occupied with probability ``share``, drawn per
    customer and wait from its own random stream (perception only: the queue is unchanged).
    Occupied minutes weigh ``occupied_factor`` (perception). ``satisfaction_bonus``: points
    added for a pleasant waiting room to customers who waited at a covered station (Pruyn &
    Smidts 1998 found the setting mattered more than the minutes; the value is yours)."""

    share: Share
    """Probability that a wait in line at a covered station is occupied."""
    satisfaction_bonus: Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)] = 0.0
    """Points added for a pleasant waiting room, for those who waited in it."""


class ExplainedDelays(Scope):
    """Staff explain the cause of a delay (Maister's fifth proposition; Taylor 1994).

    The engine marks a wait *disrupted* when the customer sees a server break down (while it
    is down) or a server go off duty while they wait (for the rest of that wait); unexplained
    disrupted minutes weigh ``unexplained_factor`` and such a customer blames the provider
    (``blame_factor``). ``on`` says what staff explain:

    - ``breakdowns``: breakdowns, at once (to those in line and to the customer whose service
      stopped); a server leaving stays unexplained;
    - ``always``: every disruption, at once;
    - ``after_minutes``: every customer who has waited ``minutes`` at the station is told why,
      and from then on every disruption they see is explained.

    With ``announce: true`` the explanation also gives the expected remaining wait (the
    ``queue`` estimator of ``wait_time_info``): the customer is informed from then on and the
    announced time becomes a promise (see satisfaction); a customer told a wait longer than
    their patience leaves (perception's ``leave_when_told``).

    ``cause``: what the explanation says caused the delay. An explanation always removes the
    uncertainty (``unexplained_factor``); it removes the blame only for an ``external`` cause
    (a power cut, a supplier); for the ``provider``'s own failure (its equipment, its
    staffing) the customer's dissatisfaction is still multiplied by ``explained_blame_factor``
    (Taylor 1994: delays the provider controls anger more).
    """

    on: Literal["breakdowns", "always", "after_minutes"] = "breakdowns"
    """What staff explain: ``breakdowns``, ``always`` (every disruption) or ``after_minutes`` (every
    wait that reaches ``minutes``)."""
    cause: Literal["external", "provider"] = "provider"
    """What the explanation says caused the delay: an ``external`` cause removes the blame,
    the ``provider``'s own failure leaves ``explained_blame_factor`` of it."""
    minutes: Minutes | None = None
    """With ``on: after_minutes``: minutes of waiting before customers are told why."""
    announce: bool = False
    """Also announce the expected remaining wait (a promise)."""

    @model_validator(mode="after")
    def _minutes_with_after(self) -> ExplainedDelays:
        if (self.on == "after_minutes") != (self.minutes is not None):
            raise ValueError("give 'minutes' exactly when on: after_minutes")
        return self


class WaitTimeInfo(Scope):
    """A display or announcement of the expected wait (``mode: duration``) or of the place in
    line (``mode: position``), shown when a customer joins a line and every ``every_minutes``
    after (default: once).

    ``estimator``: ``queue`` (people ahead, plus one, x the class's mean service time / servers
    working for the line) or ``recent`` (the mean wait of the last ``recent_customers`` who
    started service at the station). The shown value is ``estimate x (1 + bias)`` times
    lognormal noise of log-sd ``noise`` (mean 1), from its own random stream: a negative bias
    over-promises. Informed customers feel the wait as ``informed_factor`` and spend patience
    ``informed_patience_factor`` times as fast; in ``duration`` mode the last shown wait is a
    promise (satisfaction). ``balk_on_displayed``: an arriving customer shown this many
    minutes or more at the first station does not join (this changes the queue)."""

    mode: Literal["duration", "position"] = "duration"
    """Show the expected wait (``duration``, a promise) or the place in line (``position``)."""
    estimator: Literal["queue", "recent"] = "queue"
    """``queue``: from the people ahead and the servers working; ``recent``: the mean wait of the
    last ``recent_customers``."""
    recent_customers: PositiveCount = 10
    """Customers averaged by the ``recent`` estimator."""
    every_minutes: Annotated[float, Field(ge=MIN_UPDATE_MINUTES, le=MAX_MINUTES,
                                          allow_inf_nan=False)] | None = None
    """Minutes between updates while waiting (default: shown once, on joining)."""
    bias: Annotated[float, Field(gt=-1, le=MAX_FACTOR, allow_inf_nan=False)] = 0.0
    """Shown = estimate x (1 + bias); negative over-promises."""
    noise: Annotated[float, Field(ge=0, le=MAX_LOG_SD, allow_inf_nan=False)] = 0.0
    """Log-sd of the lognormal noise (mean 1) on the shown value."""
    balk_on_displayed: Minutes | None = None
    """Arrivals shown at least this many minutes at the first station do not join."""

    @model_validator(mode="after")
    def _balking_reads_durations(self) -> WaitTimeInfo:
        if self.balk_on_displayed is not None and self.mode != "duration":
            raise ValueError("balk_on_displayed needs mode: duration (a shown wait in minutes)")
        return self


class Saving(Strict):
    """How much a greeter's task shortens the service: ``minutes`` or a ``fraction``."""

    minutes: NonNegativeMinutes | None = None
    """Minutes taken off the service."""
    fraction: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)] | None = None
    """Share of the service taken off."""

    @model_validator(mode="after")
    def _one(self) -> Saving:
        if (self.minutes is None) == (self.fraction is None):
            raise ValueError("give exactly one of 'minutes' or 'fraction'")
        return self

    def apply(self, service: float) -> float:
        """The service time (minutes) after a completed task."""
        if self.minutes is not None:
            return max(service - self.minutes, 0.0)
        return service * (1.0 - (self.fraction or 0.0))


class Greeter(Scope):
    """Staff who start the process while customers wait (hand out and explain forms, triage):
    ``staff`` greeters per covered station take waiting customers in the order they joined,
    each for ``task`` minutes; the customer keeps their place in line. From the start of the
    task the wait is in-process (``in_process_factor``), and a task finished before service
    starts shortens that service by ``saves``. A customer called to a server mid-task goes
    (no saving). Changes the queue and its perception."""

    staff: Staff = 1
    """Greeters per covered station."""
    task: Duration
    """Minutes a greeter spends with each customer."""
    saves: Saving = Saving(minutes=0.0)
    """How much a finished task shortens the service."""


class Appointments(Costed):
    """A ``share`` of each covered class (Poisson arrivals) books a slot instead of walking
    in: their arrivals become ``slot_minutes`` slots over the opening hours, each holding a
    Poisson number of bookings with the expected count of that share of the arrival rate, and
    each booking arrives ``punctuality`` minutes after its slot unless a no-show. Booked
    customers know their start time (informed; waiting before it weighs
    ``before_appointment_factor``), have anxiety ``anxiety`` (an assumption: a known time
    removes the worry of not knowing), count their expectation from the slot (a promise), and
    are served before the class's walk-ins at the stations they visit. Walk-ins they overtake
    count as overtaken unless ``explained`` (a sign or staff saying appointments go first).
    ``classes``: the classes that book (default: every class with Poisson arrivals)."""

    classes: list[str] | None = None
    """Classes that book (default: every class with Poisson arrivals)."""
    share: Share
    """Share of each covered class's arrivals that book instead of walking in."""
    slot_minutes: Minutes = 15.0
    """Minutes between slots; each holds a Poisson number of bookings."""
    punctuality: Distribution = Deterministic(dist="deterministic", value=0.0)
    """Minutes after the slot a booked customer arrives (negative: early)."""
    no_show: Share = 0.0
    """Probability that a booking does not come."""
    anxiety: Share = 0.0
    """Booked customers' anxiety, 0..1 (a known time removes the worry)."""
    explained: bool = False
    """Walk-ins are told booked customers go first: not counted as overtaken."""


class FairQueue(Costed):
    """One serpentine line instead of a line per server at the named ``stations`` (default:
    every station with ``layout: line_per_server``): nobody is overtaken by a neighbouring
    line, and the parallel-lines penalty goes (Rafaeli, Barron & Haber 2002; Larson 1987).
    Changes the queue (first come, first served across the servers) and its perception."""

    stations: list[str] | None = None
    """Stations given one line (default: every station with ``layout: line_per_server``)."""


class Interventions(Strict):
    occupied_waiting: OccupiedWaiting | None = None
    """Something to do while waiting (perception only)."""
    explained_delays: ExplainedDelays | None = None
    """Staff explain why the line stopped (perception only)."""
    wait_time_info: WaitTimeInfo | None = None
    """A display or announcement of the wait or the place in line."""
    greeter: Greeter | None = None
    """Staff who start the process while customers wait (changes the queue)."""
    appointments: Appointments | None = None
    """A share of walk-ins books slots instead (changes the queue)."""
    fair_queue: FairQueue | None = None
    """One serpentine line instead of a line per server (changes the queue)."""
