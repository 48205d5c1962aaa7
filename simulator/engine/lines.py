"""Lines and servers of a station, and the views of a station and of the model that a
station's parts are written against (so that they need not import the classes that own them).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable, Iterator
from typing import Protocol

import simpy

from simulator.engine.core import WAITING, Action, Customer
from simulator.engine.randomness import Streams
from simulator.engine.recorder import JourneyRecorder
from simulator.models.perception import FeltTime
from simulator.plan.compiled import Plan, StationPlan

NAN = math.nan


class ModelView(Protocol):
    """What a station asks of the model it belongs to (:class:`simulator.engine.model.Model`)."""

    env: simpy.Environment
    plan: Plan
    streams: Streams
    recorder: JourneyRecorder
    felt: FeltTime

    def onward(self, customer: Customer, now: float) -> None: ...

    def depart(self, customer: Customer, now: float, outcome: int) -> None: ...


class StationView(Protocol):
    """What a station's conditions, greeters and servers ask of it
    (:class:`simulator.engine.station.Station`)."""

    model: ModelView
    env: simpy.Environment
    plan: StationPlan
    index: int

    def waiting_customers(self) -> Iterable[Customer]: ...

    def choose_line(self) -> Line: ...

    def change_conditions(self, customer: Customer, flags: int, now: float) -> None: ...

    def finish(self, server: Server, now: float) -> None: ...

    def hear(self, customer: Customer, told: float, now: float) -> None: ...

    def promise_broken(self, customer: Customer, now: float, broken: bool = True) -> None: ...


class Line:
    """One line of waiting customers, a deque per priority level.

    Customers who abandon stay in the deque, marked gone, and are skipped when reached
    (removing them from the middle would cost O(length)); ``waiting`` counts the others.
    """

    __slots__ = ("idle", "index", "levels", "servers", "waiting")

    def __init__(self, index: int, levels: int) -> None:
        self.index = index
        self.levels: list[deque[Customer]] = [deque() for _ in range(levels)]
        self.waiting = 0
        self.idle: deque[Server] = deque()
        """Servers of this line that are on duty, working and free."""
        self.servers: list[Server] = []

    def push(self, customer: Customer) -> None:
        self.levels[customer.level].append(customer)

    def pop_first(self) -> Customer | None:
        for queue in self.levels:
            while queue:
                customer = queue.popleft()
                if customer.state == WAITING:
                    return customer
        return None

    def pop_last(self) -> Customer | None:
        for queue in reversed(self.levels):
            while queue:
                customer = queue.pop()
                if customer.state == WAITING:
                    return customer
        return None

    def waiting_customers(self) -> Iterator[Customer]:
        for queue in self.levels:
            yield from (c for c in queue if c.state == WAITING)

    def ahead(self, level: int, customer: Customer | None = None) -> int:
        """Customers who will be served before ``customer`` of priority ``level`` (those of
        higher priority levels, then those ahead in its own level); with no customer, before
        one joining the end of that level now."""
        ahead = 0
        for queue in self.levels[:level]:
            ahead += sum(1 for other in queue if other.state == WAITING)
        for other in self.levels[level]:
            if other is customer:
                break
            if other.state == WAITING:
                ahead += 1
        return ahead

    @property
    def is_open(self) -> bool:
        return any(s.on_duty and not s.leaving for s in self.servers)

    @property
    def people(self) -> int:
        """Waiting plus in service: what a customer choosing a line looks at."""
        return self.waiting + sum(1 for s in self.servers if s.customer is not None)


class Server:
    __slots__ = (
        "customer",
        "down",
        "down_since",
        "index",
        "leaving",
        "line",
        "on_duty",
        "pending",
        "remaining",
        "service_end",
        "station",
    )

    def __init__(self, index: int, station: StationView, line: Line) -> None:
        self.index = index
        self.station = station
        self.line = line
        self.customer: Customer | None = None
        self.on_duty = False
        self.leaving = False
        self.down = False
        self.pending: Action | None = None
        """The completion event that counts; any other one that fires is stale."""
        self.service_end = NAN
        self.remaining = NAN
        self.down_since = NAN

    def on_done(self, event: Action) -> None:
        if event is self.pending:
            self.station.finish(self, event.env.now)
