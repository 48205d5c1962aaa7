"""Small pieces the stations and the engine share: customers, timed actions, event order.

Order of events at the same instant (SimPy processes the event heap by time, then priority,
then the order events were scheduled):

1. ``RELEASE``: service completions, repairs, schedule changes, breakdowns. A server freed at
   ``t`` is free for a customer arriving at ``t`` ("release before seize").
2. ``ARRIVE``: arrivals (SimPy's ordinary priority).
3. ``ABANDON``: patience running out. A customer whose patience ends at the very instant a
   server frees is served, not lost.

Events of one priority at one instant run in the order they were scheduled.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import simpy
from simpy.events import NORMAL, Event

RELEASE = 0
ARRIVE = int(NORMAL)
ABANDON = 2

WAITING, SERVING, GONE = 0, 1, 2
"""Customer states at a station."""


class Action(Event):
    """A callback run ``delay`` minutes from now with the given same-instant ``priority``.

    SimPy's ``Timeout`` always has the ordinary priority; this is the same few lines with a
    priority (it sets the two fields ``Timeout.__init__`` sets inline).
    """

    def __init__(self, env: simpy.Environment, delay: float, priority: int,
                 callback: Callable[[Any], None] | None, target: Any = None) -> None:
        self.env = env
        self.callbacks = [callback] if callback is not None else []
        self._value = None
        self._ok = True
        self.target = target
        env.schedule(self, priority, delay)  # type: ignore[arg-type]


class Customer:
    """A customer while inside the system. Durations in minutes; times in run minutes."""

    __slots__ = (
        "arrival",
        "booked",
        "budget",
        "cls",
        "expectation",
        "flags",
        "greeted",
        "greeting",
        "hop",
        "id",
        "initial",
        "joined",
        "level",
        "line",
        "past_promise",
        "path",
        "patience",
        "patience_event",
        "patience_running",
        "piece_start",
        "place",
        "promise",
        "promise_hop",
        "promise_station",
        "quits",
        "rate",
        "rate_since",
        "saw_leaving",
        "sense",
        "services",
        "spent",
        "started",
        "state",
        "told",
        "visit",
    )

    def __init__(self, cid: int, cls: int, level: int, arrival: float, booked: float,
                 path: tuple[int, ...], services: list[float], patience: float,
                 budget: float, initial: int, sense: float = 1.0,
                 expectation: float = 1.0) -> None:
        self.id = cid
        self.cls = cls
        self.level = level
        """Priority level: 0 is served first."""
        self.arrival = arrival
        self.booked = booked
        self.path = path
        self.services = services
        self.hop = 0
        self.initial = initial
        self.patience = patience
        """Felt minutes the customer will wait in all (NaN: never gives up)."""
        self.budget = budget
        """``patience`` in the perception model's unit; spent at ``rate`` per clock minute."""
        self.sense = sense
        """The customer's time sense: multiplies felt minutes (1: the class's average)."""
        self.expectation = expectation
        """Multiplies the class's expected wait (1: the class's average)."""
        self.spent = 0.0
        self.rate = 1.0
        self.rate_since = arrival
        self.patience_event: Action | None = None
        """When patience runs out at the current rate (None while felt time stands still)."""
        self.patience_running = False
        """Patience is being spent (armed in a wait; settled when the wait or rate ends)."""
        self.state = WAITING
        self.line: Any = None
        self.joined = arrival
        self.piece_start = arrival
        self.flags = 0
        self.started = math.nan
        self.visit = 0
        """Counts the customer's waits: a timer set in one wait is void in the next."""
        self.promise = math.nan
        """Run minute at which service was last promised to start (an announced wait, a
        booked time); NaN if never."""
        self.promise_station = -1
        self.promise_hop = -1
        """The hop (visit of the journey) in which the last promise was made; -1 if none."""
        self.past_promise = False
        """An announced wait has passed in this wait: patience is spent faster."""
        self.place = -1
        """The place in line last shown in this wait (position information); -1 if none."""
        self.told = math.nan
        """The longest remaining wait (minutes) told while joining, weighed once patience
        is armed."""
        self.quits = -1
        """The visit in which the customer decided to leave when told a wait (-1: none)."""
        self.saw_leaving = False
        """Saw a server go off duty in this wait (disrupted until it ends)."""
        self.greeting: Action | None = None
        """A greeter's task in progress."""
        self.greeted = -1
        """The visit in which a greeter's task was finished."""
