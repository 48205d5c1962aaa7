"""Greeters: staff who start the process while customers wait (the ``greeter`` intervention).

``staff`` greeters at a station take waiting customers of the covered classes in the order they
started waiting, each for a ``task`` drawn from the station's own stream. The customer keeps
their place in line; from the start of the task their wait is in-process, and a task finished
before service starts shortens that service (``saves``). A customer called to a server
mid-task goes at once, without the saving, and the greeter takes the next customer (a task
ending at the very instant service starts counts as finished).
"""

from __future__ import annotations

from collections import deque

from simulator.engine.core import RELEASE, WAITING, Action, Customer
from simulator.engine.lines import StationView
from simulator.models.codes import Flag

_IN_PROCESS = int(Flag.IN_PROCESS)


class _Task(Action):
    """A greeter's task with a customer; ``due``: the run minute it ends."""

    due: float


class Greeters:
    """The greeters of one station."""

    def __init__(self, station: StationView, staff: int) -> None:
        model = station.model
        block = model.plan.levers.greeter
        assert block is not None
        self.station = station
        self.idle = staff
        self.covers = model.plan.levers.stations[station.index].greeted
        self.saving = block.saves
        self.tasks = model.streams.draws(f"greeter:{station.plan.name}", block.task.sample)
        self.queue: deque[tuple[Customer, int]] = deque()
        """Customers waiting to be greeted, with the visit they were waiting in."""

    def arrives(self, customer: Customer, now: float) -> None:
        """A covered customer starts waiting: greeted at once, or queued for a greeter."""
        if not self.covers[customer.cls]:
            return
        if self.idle:
            self.idle -= 1
            self.greet(customer, now)
        else:
            self.queue.append((customer, customer.visit))

    def greet(self, customer: Customer, now: float) -> None:
        if not customer.flags & _IN_PROCESS:
            self.station.change_conditions(customer, customer.flags | _IN_PROCESS, now)
        task = next(self.tasks)
        customer.greeting = event = _Task(self.station.env, task, RELEASE, self.done, customer)
        event.due = now + task  # the time SimPy gives the event (the same sum)

    def done(self, event: Action) -> None:
        customer: Customer = event.target
        if customer.greeting is not event:
            return  # the customer was called to a server mid-task
        customer.greeting = None
        customer.greeted = customer.visit
        self.next(event.env.now)

    def leaves(self, customer: Customer, now: float) -> None:
        """The customer's wait ends (service or abandonment): a task in hand is dropped. A
        task ending at this very instant is finished, whichever event SimPy runs first."""
        task = customer.greeting
        if task is not None:
            if task.due <= now:  # type: ignore[attr-defined]
                customer.greeted = customer.visit
            customer.greeting = None
            self.next(now)

    def next(self, now: float) -> None:
        """A greeter is free: the longest-waiting customer not yet greeted, or idle."""
        while self.queue:
            customer, visit = self.queue.popleft()
            if customer.state == WAITING and customer.visit == visit:
                self.greet(customer, now)
                return
        self.idle += 1

    def service(self, customer: Customer, duration: float) -> float:
        """The service time after a task finished in this visit (minutes)."""
        return self.saving.apply(duration) if customer.greeted == customer.visit else duration
