"""Arrival times of one customer class in one replication, in run minutes, in time order.

Each generator yields ``(arrival time, booked time)``; the booked time is NaN except for
appointments.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from simulator.engine.randomness import Streams
from simulator.plan.compiled import AppointmentPlan, ArrivalPlan, PoissonPlan, TracePlan

NAN = math.nan


def poisson_arrivals(plan: PoissonPlan, exponentials: Iterator[float]
                     ) -> Iterator[tuple[float, float]]:
    """Exact piecewise-constant-rate Poisson arrivals: within a piece the gaps are exponential
    at that piece's rate; at a boundary the process restarts (memorylessness makes this
    exact, unlike carrying the rate at the last arrival across the boundary)."""
    for start, end, rate in plan.pieces:
        if rate <= 0:
            continue
        t = start
        while True:
            t += next(exponentials) / rate
            if t >= end:
                break
            yield t, NAN


def appointment_arrivals(plan: AppointmentPlan, lateness: Iterator[float],
                         uniforms: Iterator[float], opening: float,
                         bookings: Iterator[int] | None = None
                         ) -> Iterator[tuple[float, float]]:
    """Customers of each slot arrive ``punctuality`` minutes after the booked time (never
    before ``opening``) unless they do not show; every booking draws both values, so a change
    of ``no_show`` or ``punctuality`` does not shift the other customers' draws. Each slot
    holds ``per_slot`` bookings, or with ``expected_per_slot`` the next value of
    ``bookings`` (Poisson counts, one per slot)."""
    arrivals = []
    for booked in plan.slots:
        count = plan.per_slot if bookings is None else next(bookings)
        for _ in range(count):
            late, u = next(lateness), next(uniforms)
            if u >= plan.no_show:
                arrivals.append((max(booked + late, opening), booked))
    arrivals.sort()
    return iter(arrivals)


def arrival_times(plan: ArrivalPlan, streams: Streams, class_name: str, opening: float
                  ) -> Iterator[tuple[float, float]]:
    """The arrival generator for a class's plan, on that class's own streams."""
    if isinstance(plan, PoissonPlan):
        gaps = streams.draws(f"arrivals:{class_name}", lambda rng, n: rng.standard_exponential(n))
        return poisson_arrivals(plan, gaps)
    if isinstance(plan, TracePlan):
        return ((t, NAN) for t in plan.times)
    bookings = None
    if plan.expected_per_slot is not None:
        rng = streams.generator(f"bookings:{class_name}")
        bookings = iter(rng.poisson(plan.expected_per_slot).tolist())
    return appointment_arrivals(
        plan,
        streams.draws(f"punctuality:{class_name}", plan.punctuality.sample),
        streams.uniforms(f"no_show:{class_name}"),
        opening,
        bookings,
    )
