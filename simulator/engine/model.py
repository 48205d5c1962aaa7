"""The SimPy model of one replication: arrivals, stations, schedules, breakdowns.

Everything random about a customer (route, service time at each station, patience, the
balking draw, their time sense and expectation) is drawn when the customer arrives, from
streams keyed by the customer's class (:mod:`simulator.engine.randomness`). A variant with
other servers therefore gives the same customer the same service times: the comparison is
between systems, not between luck.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterator

import numpy as np
import simpy

from simulator.engine.arrivals import arrival_times
from simulator.engine.core import ARRIVE, RELEASE, Action, Customer
from simulator.engine.journeys import Journeys, Table
from simulator.engine.randomness import Streams, mean_one_lognormal
from simulator.engine.recorder import BLOCK_CUSTOMERS, BlockHandler, JourneyRecorder
from simulator.engine.station import Station
from simulator.models.codes import Flag, Outcome
from simulator.models.perception import FeltTime
from simulator.plan.compiled import EXIT, ClassPlan, Plan

NAN = math.nan
_IN_PROCESS = int(Flag.IN_PROCESS)
_IN_GROUP = int(Flag.IN_GROUP)
_INFORMED = int(Flag.INFORMED)
_SERVED = int(Outcome.SERVED)
MAX_HOPS = 100_000
"""A random route longer than this is taken to be a modelling error."""


class _ClassDraws:
    """A class's per-customer draws, one stream each."""

    def __init__(self, plan: ClassPlan, streams: Streams) -> None:
        name = plan.name
        self.service = [
            streams.draws(f"service:{name}:{station}", dist.sample) if dist is not None else None
            for station, dist in enumerate(plan.service)
        ]
        self.patience = (streams.draws(f"patience:{name}", plan.patience.sample)
                         if plan.patience is not None else None)
        self.balk = streams.uniforms(f"balk:{name}") if plan.balk_table is not None else None
        self.route = streams.uniforms(f"route:{name}") if plan.route.fixed_path is None else None
        self.group = streams.uniforms(f"group:{name}") if plan.group_share > 0 else None
        identity = plan.perception.model == "identity"
        self.sense = _spread(streams, f"time_sense:{name}",
                             0.0 if identity else plan.perception.time_sense_sd)
        self.expectation = _spread(streams, f"expectation:{name}",
                                   plan.satisfaction.expectation_sd)


def _spread(streams: Streams, name: str, sd: float) -> Iterator[float] | None:
    """Per-customer multipliers, lognormal with mean 1 and log-sd ``sd`` (None at 0: every
    customer gets exactly 1, and nothing is drawn)."""
    if sd <= 0:
        return None
    return streams.draws(name, lambda rng, n: mean_one_lognormal(rng.standard_normal(n), sd))


class Model:
    """One replication of a plan. ``run()`` returns the journeys.

    With ``on_block`` the records stream: finished customers' rows go to ``on_block`` in
    blocks of ``block_customers`` (:mod:`simulator.engine.recorder`) and the journeys returned keep
    only the run-wide tables (duty changes, breakdowns).
    """

    def __init__(self, plan: Plan, replication: int, felt: FeltTime | None = None,
                 seed: int | None = None, on_block: BlockHandler | None = None,
                 block_customers: int = BLOCK_CUSTOMERS) -> None:
        self.plan = plan
        self.env = simpy.Environment()
        self.streams = Streams(plan.seed if seed is None else seed, replication)
        self.felt: FeltTime = felt or plan.perception()
        self.recorder = JourneyRecorder(
            None if on_block is None else self.after_block(on_block), block_customers,
            self.joined_inside)
        self.stations = [Station(self, sp, plan.priority_levels) for sp in plan.stations]
        self.draws = [_ClassDraws(cp, self.streams) for cp in plan.classes]
        info = plan.levers.wait_time_info
        self.balk_on_displayed = (info.balk_on_displayed if info is not None
                                  and info.balk_on_displayed is not None else math.inf)
        """Arrivals shown this many minutes or more at the first station do not join."""
        self.reads_display = [
            info is not None and plan.levers.stations[cp.route.start].informed[cp.index]
            and (info.balk_on_displayed is not None
                 or (cp.patience is not None and self.felt.leaves_when_told(cp.index)))
            for cp in plan.classes]
        """Per class: whether an arrival reads the first station's display before joining
        (to balk on the shown wait, or to leave when told too long a wait)."""
        self.next_id = 0
        self.in_system = 0
        self.sources = 0
        self.done = simpy.Event(self.env)

    # -- customers -------------------------------------------------------------------------

    def arrive(self, cp: ClassPlan, booked: float, initial: int = 0) -> None:
        """A customer of class ``cp`` arrives now: draw what is theirs, balk or join."""
        now = self.env.now
        draws = self.draws[cp.index]
        path = cp.route.fixed_path or self.random_path(cp, draws)
        services = [next(draws.service[s]) for s in path]  # type: ignore[arg-type]
        sense = next(draws.sense) if draws.sense is not None else 1.0
        expectation = next(draws.expectation) if draws.expectation is not None else 1.0
        if draws.patience is not None:
            patience = next(draws.patience)
            budget = self.felt.threshold(cp.index, patience, sense)
        else:
            patience = budget = NAN
        cid = self.next_id
        self.next_id += 1
        first = self.stations[path[0]]
        balk_draw = next(draws.balk) if draws.balk is not None else 1.0
        # Drawn for every arrival, balking or not, so the streams stay in step across variants.
        flags = _IN_GROUP if draws.group is not None and next(draws.group) < cp.group_share else 0
        customer = Customer(cid, cp.index, cp.priority_level, now, booked, path, services,
                            patience, budget, initial, sense, expectation)
        customer.flags = flags
        shown = NAN
        told_too_long = False
        if not initial and self.reads_display[cp.index]:
            shown, told = first.conditions.shown_on_arrival(cp.index)
            # Told a wait that would use more patience than they have, they do not join.
            told_too_long = (budget == budget and self.felt.leaves_when_told(cp.index)
                             and told * self.felt.rate(cp.index, first.index, _INFORMED
                                                       | first.conditions.joining_flags(
                                                           customer, now)) > budget)
        if not initial and (self.balks(cp, first.waiting, balk_draw) or told_too_long
                            or shown >= self.balk_on_displayed):
            self.recorder.customer(cid, cp.index, now, now, Outcome.BALKED, booked, patience, 0,
                                   time_sense=sense, expectation=expectation)
            return
        self.in_system += 1
        first.join(customer, now, shown)

    @staticmethod
    def balks(cp: ClassPlan, waiting: int, u: float) -> bool:
        if cp.balk_threshold is not None:
            return waiting >= cp.balk_threshold
        if cp.balk_table is not None:
            probability = 0.0
            for count, p in cp.balk_table:
                if waiting < count:
                    break
                probability = p
            return u < probability
        return False

    def random_path(self, cp: ClassPlan, draws: _ClassDraws) -> tuple[int, ...]:
        assert draws.route is not None
        path, here = [], cp.route.start
        while here != EXIT:
            path.append(here)
            if len(path) > MAX_HOPS:
                raise RuntimeError(f"class {cp.name}: a route visited over {MAX_HOPS} stations")
            targets, cumulative = cp.route.transitions[here]
            if len(targets) == 1:
                here = targets[0]
                continue
            u = next(draws.route)
            here = next(t for t, c in zip(targets, cumulative, strict=True) if u < c)
        return tuple(path)

    def onward(self, customer: Customer, now: float) -> None:
        """After service: the next station of the route, or home."""
        customer.hop += 1
        if customer.hop < len(customer.path):
            customer.flags |= _IN_PROCESS
            self.stations[customer.path[customer.hop]].join(customer, now)
        else:
            self.depart(customer, now, _SERVED)

    def depart(self, customer: Customer, now: float, outcome: int) -> None:
        self.recorder.customer(customer.id, customer.cls, customer.arrival, now, outcome,
                               customer.booked, customer.patience, customer.initial,
                               customer.promise, customer.promise_station,
                               customer.promise_hop, customer.sense, customer.expectation)
        self.left(customer)

    def left(self, customer: Customer) -> None:
        self.in_system -= 1
        self.finish_if_done()

    def finish_if_done(self) -> None:
        """The run ends when no source will send anyone and nobody is inside."""
        if not self.in_system and not self.sources:
            self.finish_run()

    def after_block(self, on_block: BlockHandler) -> BlockHandler:
        """``on_block``, then :meth:`drop_void_events`: what a streamed run keeps of the past
        is bounded by a block."""
        def handle(tables: dict[str, Table], starts: Table) -> None:
            on_block(tables, starts)
            self.drop_void_events()
        return handle

    def drop_void_events(self) -> None:
        """Take out of SimPy's event queue the events nobody listens to any more: patience
        deadlines voided when the wait ended (a customer served long before their patience
        would run out leaves one for as long as that patience). Firing one does nothing, and
        the others keep their (time, priority, order) keys, so the run is unchanged; only
        memory is saved."""
        queue = getattr(self.env, "_queue", None)  # SimPy's heap of (time, priority, id, event)
        if not isinstance(queue, list):
            return
        live = [entry for entry in queue if entry[3].callbacks]
        if len(live) < len(queue):
            heapq.heapify(live)
            queue[:] = live

    def joined_inside(self) -> np.ndarray:
        """Per station, the earliest time one of the customers there now joined it (now if
        nobody is there)."""
        now = self.env.now
        return np.array([min((c.joined for c in station.present()), default=now)
                         for station in self.stations])

    def finish_run(self) -> None:
        if not self.done.triggered:
            self.done.succeed()

    # -- processes -------------------------------------------------------------------------

    def seat_initial_queue(self, _event: object) -> None:
        plan = self.plan
        for cp in plan.classes:
            for _ in range(cp.initial_queue):
                self.arrive(cp, NAN, initial=1)
        if self.env.now < plan.arrivals_end and all(cp.arrivals is None for cp in plan.classes):
            # No arrival process holds the doors open until close: the initial queue does,
            # so the day (servers' available time, time series) lasts until close.
            Action(self.env, plan.arrivals_end - self.env.now, RELEASE, self.doors_close)
        else:
            self.doors_close(None)

    def doors_close(self, _event: object) -> None:
        self.sources -= 1
        self.finish_if_done()

    def source(self, cp: ClassPlan, times: Iterator[tuple[float, float]]):  # type: ignore[no-untyped-def]
        env = self.env
        for t, booked in times:
            yield env.timeout(t - env.now)
            self.arrive(cp, booked)
        if env.now < self.plan.arrivals_end:  # the doors stay open until close
            yield env.timeout(self.plan.arrivals_end - env.now)
        self.sources -= 1
        self.finish_if_done()

    def duty_schedule(self, station: Station):  # type: ignore[no-untyped-def]
        for t, count in station.plan.duty[1:]:
            yield Action(self.env, t - self.env.now, RELEASE, None)
            station.set_on_duty(count, self.env.now)

    def server_failures(self, station: Station, index: int):  # type: ignore[no-untyped-def]
        """Failures of one server: exponential clock time between them (mean ``mtbf``), on
        duty or not; then ``repair`` minutes down."""
        plan, server = station.plan, station.servers[index]
        mtbf = plan.mtbf
        assert mtbf is not None and plan.repair is not None
        fail = self.streams.draws(f"failures:{plan.name}:{index}",
                                  lambda rng, n: rng.standard_exponential(n) * mtbf)
        repair = self.streams.draws(f"repairs:{plan.name}:{index}", plan.repair.sample)
        while True:
            yield Action(self.env, next(fail), RELEASE, None)
            station.break_down(server, self.env.now)
            yield Action(self.env, next(repair), RELEASE, None)
            station.repair(server, self.env.now)

    # -- the run ---------------------------------------------------------------------------

    def run(self) -> Journeys:
        plan, env = self.plan, self.env
        for station in self.stations:
            station.set_on_duty(station.plan.duty[0][1], 0.0)
            if len(station.plan.duty) > 1:
                env.process(self.duty_schedule(station))
            if station.plan.mtbf is not None:
                for server in station.servers:
                    env.process(self.server_failures(station, server.index))
        # The initial queue is seated at opening like an arrival: after schedule changes due
        # at that instant. Until then it counts as a source, so the run does not end early.
        self.sources += 1
        Action(env, plan.open, ARRIVE, self.seat_initial_queue)
        for cp in plan.classes:
            if cp.arrivals is not None:
                self.sources += 1
                env.process(self.source(cp, arrival_times(cp.arrivals, self.streams, cp.name,
                                                           plan.open)))
        self.finish_if_done()
        Action(env, plan.end - env.now, RELEASE, lambda _: self.finish_run())
        env.run(until=self.done)
        end_time = env.now
        for station in self.stations:
            station.censor(end_time)
        return Journeys.of(plan, self.recorder.finish(), end_time)


def simulate(plan: Plan, replication: int = 0, *, felt: FeltTime | None = None,
             seed: int | None = None) -> Journeys:
    """Run one replication of ``plan`` (seed: the plan's unless given) and return its
    journeys."""
    return Model(plan, replication, felt=felt, seed=seed).run()
