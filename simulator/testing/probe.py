"""Running one replication under watch: the live SimPy state checked after every event, a
time limit against hangs, then every record invariant."""

from __future__ import annotations

import math
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from simulator.engine.core import SERVING, WAITING
from simulator.engine.journeys import Journeys
from simulator.engine.model import Model
from simulator.models.codes import Flag
from simulator.plan.compiled import Plan
from simulator.testing.base import EPS
from simulator.testing.records import Observed, check_journeys
from simulator.testing.summary import check_summary


class Hang(Exception):
    """A run did not finish within its time limit."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`Hang` in the block if it runs longer than ``seconds`` (a SIGALRM timer:
    Unix, main thread only)."""

    def expire(*_: object) -> None:
        raise Hang(f"the run did not finish within {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class Probe:
    """One replication of ``plan`` whose live state is checked after every SimPy event.

    Checked live: counters, idle servers, lines, duty (idle servers go off duty first, those
    leaving take nobody new), jockeying, patience never overrun, each waiting customer's
    conditions against the station's state, greeters; at the end, that a repair still going
    on is recorded. ``model`` is the engine's model, open to inject events before
    :meth:`run`; ``observed`` is what the run drew, for :func:`check_journeys`.
    """

    def __init__(self, plan: Plan, replication: int = 0) -> None:
        self.plan = plan
        self.model = Model(plan, replication)
        self.observed = Observed()
        self.events = 0
        env = self.model.env
        step = env.step

        def checked_step() -> None:
            step()
            self.events += 1
            self.check_state()

        env.step = checked_step  # type: ignore[method-assign]
        for station in self.model.stations:
            self._wrap(station)

    def _wrap(self, station: Any) -> None:
        """Check every service start and change of duty at ``station``; log the minutes
        each service is due."""
        start, set_on_duty = station.start, station.set_on_duty
        greeters = station.greeters
        if greeters is not None:
            self._wrap_greeters(station, greeters)

        def checked_start(server: Any, customer: Any, now: float) -> None:
            assert server.on_duty and not server.leaving and not server.down, \
                f"{station.plan.name}: server {server.index} starts while unavailable at {now}"
            assert server.customer is None, f"server {server.index} already serves at {now}"
            assert customer.state == WAITING, f"customer {customer.id} starts without waiting"
            assert all(server not in line.idle for line in station.lines), (
                f"server {server.index} starts while listed idle at {now}")
            drawn = customer.services[customer.hop]
            task = self.observed.greets.get((customer.id, customer.hop))
            # A task that ended by now (at this very instant included) saves service time.
            if task is not None and task[0] + task[1] <= now:
                drawn = self.plan.levers.greeter.saves.apply(drawn)  # type: ignore[union-attr]
            self.observed.durations[(customer.id, customer.hop)] = drawn
            start(server, customer, now)

        def checked_set_on_duty(count: int, now: float) -> None:
            before = {s.index: s.customer for s in station.servers}
            was_leaving = {s.index for s in station.servers if s.leaving}
            idle = [s for s in station.servers
                    if s.on_duty and not s.leaving and not s.down and s.customer is None]
            set_on_duty(count, now)
            staying = [s for s in station.servers if s.on_duty and not s.leaving]
            assert len(staying) == count, f"{len(staying)} servers stay on duty, not {count}"
            # Idle servers go off duty first; busy ones only when no idle one is left.
            sent_busy = [s.index for s in station.servers if s.leaving
                         and s.index not in was_leaving and before[s.index] is not None]
            kept_idle = [s.index for s in idle if s in staying]
            assert not (sent_busy and kept_idle), (
                f"{station.plan.name} at {now}: busy servers {sent_busy} sent off duty while "
                f"idle ones {kept_idle} stay")
            for s in station.servers:
                assert not s.leaving or s.customer is before[s.index], (
                    f"server {s.index}, sent off duty at {now}, took a new customer")

        station.start = checked_start
        station.set_on_duty = checked_set_on_duty

    def _wrap_greeters(self, station: Any, greeters: Any) -> None:
        """Log every task (start, drawn minutes) a greeter of ``station`` takes on."""
        greet, tasks, last = greeters.greet, greeters.tasks, [math.nan]
        covers = self.plan.levers.stations[station.index].greeted

        def logged_tasks() -> Any:
            for task in tasks:
                last[0] = task
                yield task

        def checked_greet(customer: Any, now: float) -> None:
            assert customer.state == WAITING and customer.line is not None, (
                f"greeter took customer {customer.id}, who is not in line, at {now}")
            assert covers[customer.cls], f"greeter took customer {customer.id} of a class " \
                "it does not cover"
            key = (customer.id, customer.hop)
            assert key not in self.observed.greets, \
                f"customer {customer.id} greeted twice in a wait"
            greet(customer, now)
            self.observed.greets[key] = (now, last[0])

        greeters.tasks = logged_tasks()
        greeters.greet = checked_greet

    def scheduled_counts(self, station: Any, now: float) -> set[int]:
        """The servers the schedule may have on duty at ``now`` (both counts at an instant
        the schedule changes)."""
        counts = {station.plan.duty[0][1]}
        for t, count in station.plan.duty[1:]:
            if t < now:
                counts = {count}
            elif t == now:
                counts = counts | {count}
        return counts

    def check_state(self) -> None:
        """Check the whole model's live state now (after an event)."""
        model = self.model
        now = model.env.now
        present = 0
        for station in model.stations:
            name = station.plan.name
            total = 0
            seen: set[int] = set()
            any_open = any(line.is_open for line in station.lines)
            for line in station.lines:
                waiting = list(line.waiting_customers())
                assert len(waiting) == line.waiting, f"{name}: line {line.index} count at {now}"
                for customer in waiting:
                    assert customer.line is line, f"customer {customer.id}: wrong line at {now}"
                    assert customer.id not in seen, f"customer {customer.id} in two lines"
                    seen.add(customer.id)
                    self.check_conditions(station, customer, now)
                    if customer.budget == customer.budget:
                        # Armed unless felt time stands still (a weight of 0).
                        assert (customer.patience_event is None) == (customer.rate <= 0), (
                            f"customer {customer.id}: patience not armed at {now}")
                        spent = customer.spent + customer.rate * (now - customer.rate_since)
                        assert spent <= customer.budget + EPS, (
                            f"customer {customer.id} still waits past their patience at {now}")
                total += len(waiting)
                assert len({id(s) for s in line.idle}) == len(line.idle), "idle twice"
                assert not (line.idle and waiting), (
                    f"{name}: customers wait in line {line.index} while its server "
                    f"{line.idle[0].index} is idle at {now}")
                if len(station.lines) > 1 and waiting:
                    assert line.is_open or not any_open, (
                        f"{name}: customers {[c.id for c in waiting]} wait in closed line "
                        f"{line.index} while another line is open at {now}")
            assert total == station.waiting, f"{name}: station.waiting at {now}"
            margin = station.jockey_margin
            if margin is not None:
                open_lines = [line for line in station.lines if line.is_open]
                for a in open_lines:
                    for b in open_lines:
                        assert not (a.waiting and a.people - b.people >= margin), (
                            f"{name}: line {a.index} ({a.people} people) and line {b.index} "
                            f"({b.people}) differ by >= {margin} at {now}: nobody jockeyed")
            for server in station.servers:
                free = (server.on_duty and not server.leaving and not server.down
                        and server.customer is None)
                assert free == (server in server.line.idle), (
                    f"{name}: server {server.index} idle-list membership wrong at {now}")
                what = f"{name}: server {server.index} at {now}"
                if server.leaving:
                    assert server.on_duty and server.customer is not None, \
                        f"{what}: leaving, but off duty or idle"
                if not server.on_duty:
                    assert server.customer is None, f"{what}: serves off duty"
                if server.customer is not None:
                    assert server.customer.state == SERVING, \
                        f"{what}: its customer is not in service"
                    present += 1
                    if server.down:
                        assert server.pending is None, f"{what}: a completion due while down"
                    else:
                        assert server.pending is not None, f"{what}: no completion due"
                        assert server.service_end >= now - EPS, f"{what}: service overran"
            self.check_greeters(station, now)
            staying = sum(s.on_duty and not s.leaving for s in station.servers)
            assert staying in self.scheduled_counts(station, now), (
                f"{name}: {staying} servers on duty at {now}")
            present += total
        assert present == model.in_system, f"in_system {model.in_system} != {present} at {now}"

    def check_conditions(self, station: Any, customer: Any, now: float) -> None:
        """The conditions of a waiting customer agree with the station's state now."""
        f, cls, cond = customer.flags, customer.cls, station.conditions
        here = self.plan.levers.stations[station.index]
        where = f"customer {customer.id} at {station.plan.name}, {now}: flags {Flag(f)!r}"
        assert bool(f & Flag.DISRUPTED) == (cond.down > 0 or customer.saw_leaving), where
        assert not f & Flag.EXPLAINED or here.explained[cls], where
        booked = customer.booked == customer.booked and customer.hop == 0
        assert bool(f & Flag.INFORMED) >= booked, where
        assert not f & Flag.INFORMED or here.informed[cls] or booked or (
            cond.announce and here.explained[cls]), where
        assert bool(f & Flag.BEFORE_APPOINTMENT) == (booked and now < customer.booked) or (
            booked and now == customer.booked), where
        assert not f & Flag.OCCUPIED or here.occupied[cls] > 0, where
        greeted = (customer.id, customer.hop) in self.observed.greets
        assert bool(f & Flag.IN_PROCESS) == (customer.hop > 0 or greeted), where

    def check_greeters(self, station: Any, now: float) -> None:
        """Every greeter is idle or with one waiting customer; none idles while a covered
        customer waits ungreeted."""
        for server in station.servers:
            assert server.customer is None or server.customer.greeting is None, (
                f"customer {server.customer.id} in service still with a greeter at {now}")
        greeters = station.greeters
        if greeters is None:
            return
        waiting = station.waiting_customers()
        busy = sum(c.greeting is not None for c in waiting)
        staff = self.plan.levers.greeter.staff  # type: ignore[union-attr]
        assert busy + greeters.idle == staff, f"{station.plan.name}: greeters at {now}"
        if greeters.idle:
            skipped = [c.id for c in waiting if greeters.covers[c.cls]
                       and (c.id, c.hop) not in self.observed.greets]
            assert not skipped, f"a greeter idles while {skipped} wait ungreeted at {now}"

    def run(self, seconds: float = 60.0) -> Journeys:
        """Run to the end (:class:`Hang` after ``seconds``) and return the journeys."""
        # A hang guard, not a speed check: drawn runs take well under a second, and a loaded
        # machine must not turn a slow run into a failure.
        with time_limit(seconds):
            journeys = self.model.run()
        # A repair still going on when the run stops is recorded up to the end of the run.
        down = journeys.tables["breakdowns"]
        recorded = set(zip(down["station"].tolist(), down["server"].tolist(),
                           down["start"].tolist(), down["end"].tolist(), strict=True))
        for station in self.model.stations:
            for server in station.servers:
                if server.down:
                    assert (station.index, server.index, server.down_since,
                            journeys.end_time) in recorded, "repair in progress not recorded"
        return journeys


def run_checked(plan: Plan, replication: int = 0, *, seconds: float = 60.0) -> Journeys:
    """Run one replication of ``plan`` under a :class:`Probe`, then check its records
    (:func:`check_journeys`, with what the probe observed) and its summary
    (:func:`check_summary`); return the journeys. Raises ``AssertionError`` at the first
    invariant broken, live or in the records, and :class:`Hang` after ``seconds``."""
    probe = Probe(plan, replication)
    journeys = probe.run(seconds)
    check_journeys(journeys, probe.observed)
    check_summary(journeys)
    return journeys
