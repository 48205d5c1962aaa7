"""The conditions of waiting at one station, as they change at events (docs/model.md).

What this module sets on a waiting customer (:class:`simulator.engine.journeys.Flag`):

- ``DISRUPTED``: the customer sees a server broken down (while it is down) or a server go off
  duty while they wait (for the rest of that wait);
- ``EXPLAINED``: staff explained the disruption (``explained_delays``);
- ``INFORMED``: the customer was shown the expected wait or their place in line
  (``wait_time_info``, or an announcing ``explained_delays``), or has a booked time;
- ``BEFORE_APPOINTMENT``: a booked customer waiting before their booked time;
- ``PROGRESS``: a customer shown their place in line has seen it fall.

Each change is a new piece of wait (``Station.change_conditions``), which also re-arms
patience at the new rate. A promise (an announced wait, a booked time) is kept on the customer
(``promise``: the run minute service was promised to start) for satisfaction; once an
announced wait has passed, patience is spent faster (``past_promise``). A customer told a
remaining wait (shown, announced, or inferred from a place in line) weighs it against the
patience they have left (``Station.hear``).

Timers (the booked time passing, a periodic display, an explanation after N minutes) are
scheduled events that check, when they fire, that the customer is still in the same wait.
"""

from __future__ import annotations

import math
from collections import deque

from simulator.engine.core import RELEASE, WAITING, Action, Customer
from simulator.engine.lines import StationView
from simulator.models.codes import Flag

_DISRUPTED = int(Flag.DISRUPTED)
_EXPLAINED = int(Flag.EXPLAINED)
_INFORMED = int(Flag.INFORMED)
_BEFORE = int(Flag.BEFORE_APPOINTMENT)
_IN_GROUP = int(Flag.IN_GROUP)
_PROGRESS = int(Flag.PROGRESS)
_REPAIR = int(Flag.IN_PROCESS | Flag.DISRUPTED)
_PER_WAIT = int(Flag.OCCUPIED | Flag.DISRUPTED | Flag.EXPLAINED | Flag.INFORMED
                | Flag.BEFORE_APPOINTMENT | Flag.PROGRESS)
"""Conditions of one wait at one station: cleared when service starts."""


class Conditions:
    """Disruption, explanation, information and booked times at one station."""

    def __init__(self, station: StationView) -> None:
        self.station = station
        model, levers = station.model, station.model.plan.levers
        here = levers.stations[station.index]
        classes = model.plan.classes
        self.down = 0
        """Servers of this station under repair now."""
        explain = levers.explained_delays
        self.explain_mode = explain.on if explain is not None else None
        self.explain_after = explain.minutes if explain is not None else None
        self.announce = bool(explain and explain.announce)
        self.explained = here.explained
        self.info = levers.wait_time_info
        self.informed = here.informed
        self.mean_service = [dist.expected if dist is not None else 0.0
                             for dist in (cp.service[station.index] for cp in classes)]
        self.recent: deque[float] | None = (
            deque(maxlen=self.info.recent_customers)
            if self.info is not None and self.info.estimator == "recent" else None)
        """The last waits that ended in service here (kept for the recent estimator only)."""
        self.levels = [cp.priority_level for cp in classes]
        self.noise = (model.streams.draws(f"display:{station.plan.name}",
                                          lambda rng, n: rng.standard_normal(n))
                      if self.info is not None and self.info.noise > 0 else None)
        self.timed = any(self.explained) and self.explain_mode == "after_minutes"
        self.shows = self.info is not None and any(self.informed)
        felt = model.felt
        self.after_promise = [felt.after_promise(cp.index) for cp in classes]
        # Progress is a condition only where it weighs: at a factor of 1 it changes nothing.
        self.progress = [cp.perception.model != "identity" and cp.perception.progress_factor != 1
                         for cp in classes]

    # -- the start of a wait ---------------------------------------------------------------

    def begin(self, customer: Customer, now: float, shown: float) -> None:
        """A customer starts waiting here: the conditions they find, and their timers.
        ``shown``: the wait already displayed to them on arrival (NaN if none)."""
        cls = customer.cls
        flags = self.joining_flags(customer, now)
        booked = customer.booked
        if booked == booked and customer.hop == 0:  # a booked time: known start
            customer.promise = max(booked, customer.arrival)
            customer.promise_station = self.station.index
            customer.promise_hop = customer.hop
            if now < booked:
                self.later(customer, booked - now, self.booked_time_passes)
        customer.flags = flags
        customer.saw_leaving = False
        customer.past_promise = False
        customer.place = -1
        if flags & _EXPLAINED and self.announce:  # joined during an explained breakdown
            self.announce_wait(customer, now)
        if self.timed and self.explained[cls]:
            self.later(customer, self.explain_after, self.explain_now)  # type: ignore[arg-type]
        if self.shows and self.informed[cls]:
            self.display(customer, now, shown)

    def joining_flags(self, customer: Customer, now: float) -> int:
        """The conditions a customer joining now finds here (before any display): a
        disruption under way, and a booked time."""
        flags = customer.flags
        if self.down:
            flags |= _DISRUPTED | self.explains(customer, "breakdowns")
        if customer.booked == customer.booked and customer.hop == 0:
            flags |= _INFORMED | (_BEFORE if now < customer.booked else 0)
        return flags

    def later(self, customer: Customer, delay: float, callback) -> None:  # type: ignore[no-untyped-def]
        """Call ``callback(customer, now)`` in ``delay`` minutes if the customer is still in
        this wait then."""
        visit = customer.visit

        def fire(event: Action) -> None:
            if customer.state == WAITING and customer.visit == visit:
                callback(customer, event.env.now)

        Action(self.station.env, delay, RELEASE, fire)

    def end(self, customer: Customer, wait: float) -> None:
        """The customer's wait here ends as service starts (``wait``: its clock minutes)."""
        customer.flags &= ~_PER_WAIT
        customer.past_promise = False
        if self.recent is not None:
            self.recent.append(wait)

    # -- disruptions -----------------------------------------------------------------------

    def explains(self, customer: Customer, cause: str) -> int:
        """EXPLAINED if staff explain a disruption of this ``cause`` to this customer now
        (``breakdowns`` or ``leaving``), else 0."""
        if not self.explained[customer.cls]:
            return 0
        mode = self.explain_mode
        if mode == "always" or (mode == "breakdowns" and cause == "breakdowns") or (
                mode == "after_minutes" and customer.flags & _EXPLAINED):
            return _EXPLAINED
        return 0

    def disrupt(self, cause: str, now: float) -> None:
        """Everyone waiting here sees a disruption (``breakdowns`` or ``leaving``)."""
        station = self.station
        for customer in station.waiting_customers():
            explained = self.explains(customer, cause)
            flags = customer.flags | _DISRUPTED | explained
            if cause == "leaving":
                customer.saw_leaving = True
            if flags != customer.flags:
                station.change_conditions(customer, flags, now)
                if explained and self.announce:
                    self.announce_wait(customer, now)

    def broke_down(self, now: float) -> None:
        self.down += 1
        if self.down == 1:
            self.disrupt("breakdowns", now)

    def repaired(self, now: float) -> None:
        self.down -= 1
        if self.down:
            return
        for customer in self.station.waiting_customers():
            if not customer.flags & _DISRUPTED:
                continue
            flags = customer.flags if customer.saw_leaving else customer.flags & ~_DISRUPTED
            if self.explain_mode != "after_minutes":
                # The explanation was of the breakdown; what is left to see (a server that
                # left) is explained only if this mode explains that.
                flags &= ~_EXPLAINED
                if customer.saw_leaving:
                    flags |= self.explains(customer, "leaving")
            self.station.change_conditions(customer, flags, now)

    def repair_flags(self, customer: Customer) -> int:
        """Conditions of a customer whose service stopped for a repair: in process and
        disrupted, in company if they wait in a group, and explained by staff at the counter
        under every mode of explained_delays."""
        told = _EXPLAINED if self.explain_mode is not None and self.explained[customer.cls] else 0
        return _REPAIR | (customer.flags & _IN_GROUP) | told

    def explain_now(self, customer: Customer, now: float) -> None:
        """after_minutes: the customer has waited long enough to be told why."""
        self.station.change_conditions(customer, customer.flags | _EXPLAINED, now)
        if self.announce:
            self.announce_wait(customer, now)

    def booked_time_passes(self, customer: Customer, now: float) -> None:
        self.station.change_conditions(customer, customer.flags & ~_BEFORE, now)

    # -- information -----------------------------------------------------------------------

    def estimate(self, cls: int, customer: Customer | None, estimator: str | None = None
                 ) -> float:
        """Expected wait (minutes) before bias and noise, for ``customer`` in line, or (None)
        for a customer of class ``cls`` about to join, by ``estimator`` (default: the
        display's): ``queue``: (people ahead + 1) x the class's mean service / servers
        working for the line (0 with a free server); ``recent``: the mean of the last waits
        that ended in service here."""
        if estimator is None and self.info is not None:
            estimator = self.info.estimator
        if estimator == "recent":
            return sum(self.recent) / len(self.recent) if self.recent else 0.0
        if customer is None or customer.line is None:
            line = self.station.choose_line()
            if line.idle:
                return 0.0
            ahead = line.ahead(self.levels[cls])
        else:
            line = customer.line
            ahead = line.ahead(customer.level, customer)
        working = sum(1 for s in line.servers if s.on_duty and not s.down and not s.leaving)
        return (ahead + 1) * self.mean_service[cls] / max(working, 1)

    def shown_wait(self, cls: int, customer: Customer | None) -> float:
        """What the display shows: the estimate x (1 + bias) x lognormal noise of mean 1."""
        info = self.info
        assert info is not None
        value = self.estimate(cls, customer) * (1.0 + info.bias)
        if self.noise is not None:
            value *= math.exp(info.noise * next(self.noise) - info.noise**2 / 2)
        return value

    def shown_on_arrival(self, cls: int) -> tuple[float, float]:
        """What the display tells an arriving customer of class ``cls``: the wait shown
        (``duration`` mode; NaN in ``position`` mode) and the wait the customer takes from it
        (the shown wait, or the one a place in line implies: the queue estimate); NaNs where
        the display does not cover the class; no wait taken where a server is free to serve
        them at once (the shown wait still counts for ``balk_on_displayed``)."""
        if self.info is None or not self.informed[cls]:
            return math.nan, math.nan
        # A customer a free server takes at once hears nothing that could make them leave.
        served_at_once = bool(self.station.choose_line().idle)
        if self.info.mode == "duration":
            shown = self.shown_wait(cls, None)
            return shown, math.nan if served_at_once else shown
        return math.nan, math.nan if served_at_once else self.estimate(cls, None, "queue")

    def display(self, customer: Customer, now: float, shown: float = math.nan) -> None:
        """Show the customer the wait (or their place), and schedule the next update."""
        info = self.info
        assert info is not None
        if info.mode == "duration":
            wait = shown if shown == shown else self.shown_wait(customer.cls, customer)
            self.inform(customer, now, wait, wait)
        else:
            if self.progress[customer.cls]:
                self.show_place(customer, now)
            self.inform(customer, now, math.nan, self.estimate(customer.cls, customer, "queue"))
        if info.every_minutes is not None:
            self.later(customer, info.every_minutes, self.display)

    def show_place(self, customer: Customer, now: float) -> None:
        """Position information: a customer who sees their place fall has a sense of
        progress for the rest of the wait."""
        place = customer.line.ahead(customer.level, customer) + 1
        if customer.place >= 0 and place < customer.place and not customer.flags & _PROGRESS:
            self.station.change_conditions(customer, customer.flags | _PROGRESS, now)
        customer.place = place

    def announce_wait(self, customer: Customer, now: float) -> None:
        """explained_delays' announce: staff tell the queue estimate of the remaining wait
        (no bias, no noise), a promise."""
        wait = self.estimate(customer.cls, customer, "queue")
        self.inform(customer, now, wait, wait)

    def inform(self, customer: Customer, now: float, wait: float, told: float) -> None:
        """The customer is informed; a wait of ``wait`` minutes (not NaN) is a promise. It
        replaces a promise still standing (expectations are reset), but not one already
        broken (a new time does not undo the minutes the customer was kept past the old),
        nor a booked time in the wait for the booked service. ``told``: the remaining wait
        the customer takes from what they were told (NaN: none)."""
        broken = customer.promise_hop == customer.hop and customer.promise < now  # this wait
        booked = customer.hop == 0 and customer.booked == customer.booked
        if wait == wait and not broken and not booked:
            if customer.past_promise:  # a new promise replaces one passing at this instant
                self.station.promise_broken(customer, now, broken=False)
            customer.promise = now + wait
            customer.promise_station = self.station.index
            customer.promise_hop = customer.hop
            if self.after_promise[customer.cls] != 1 and customer.budget == customer.budget:
                self.later(customer, wait, self.promise_passes)
        self.station.change_conditions(customer, customer.flags | _INFORMED, now)
        self.station.hear(customer, told, now)

    def promise_passes(self, customer: Customer, now: float) -> None:
        """An announced time arrives with the customer still waiting: from now on patience
        is spent ``broken_promise_factor`` times as fast (unless a later promise replaced
        this one)."""
        if customer.promise == now and not customer.past_promise:
            self.station.promise_broken(customer, now)
