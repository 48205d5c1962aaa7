"""The work a run implies, estimated from its plans before anything is built, and checked
against the scenario's caps (``limits:``, :class:`~simulator.spec.limits.Limits`).

Each number of a scenario has a plausibility bound (:mod:`simulator.spec.bounds`), but their
product can still ask for billions of customers or gigabytes of time bins: a rate x a
window x replications x variants (x sweep points). The estimates are expectations (Poisson
arrivals may bring a few more).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from simulator.errors import PlanError
from simulator.plan.compiled import AppointmentPlan, Plan, PoissonPlan, TracePlan
from simulator.spec.limits import Limits
from simulator.spec.scenario import Scenario
from simulator.spec.yamlsource import Path_

DAY_MINUTES = 24 * 60.0


def timeseries_bin(plan: Plan) -> float:
    """Minutes per time-series bin: 15 for a day; coarser for long steady-state runs."""
    span = plan.arrivals_end
    return 15.0 if span <= 2 * DAY_MINUTES else float(math.ceil(span / 192))


@dataclass(frozen=True)
class Workload:
    """Expected work of one replication of a plan."""

    customers: float
    """Expected customers: arrivals, bookings and initial queues."""
    busiest: Path_
    """The YAML path of the class that brings the most customers."""
    time_bins: int
    """Time-series bins at the latest end of the run, over all stations."""
    breakdowns: float
    """Expected server failures up to the time arrivals stop (servers x minutes / mtbf)."""
    most_failing: Path_ | None
    """The YAML path of the station that fails most often, if any fails."""


def _expected_arrivals(plan: Plan, index: int) -> float:
    cp = plan.classes[index]
    a = cp.arrivals
    count = float(cp.initial_queue)
    if isinstance(a, PoissonPlan):
        count += sum(rate * (end - start) for start, end, rate in a.pieces)
    elif isinstance(a, TracePlan):
        count += len(a.times)
    elif isinstance(a, AppointmentPlan):
        count += (sum(a.expected_per_slot) if a.expected_per_slot is not None
                  else len(a.slots) * a.per_slot)
    return count


def workload(plan: Plan) -> Workload:
    """The expected work of one replication of ``plan``."""
    by_class: dict[str, float] = {}
    for i, cp in enumerate(plan.classes):
        by_class[cp.origin] = by_class.get(cp.origin, 0.0) + _expected_arrivals(plan, i)
    busiest = max(by_class, key=by_class.__getitem__)
    arrives = any(cp.arrivals is not None for cp in plan.classes if cp.origin == busiest)
    failures = {sp.name: sp.servers * plan.arrivals_end / sp.mtbf
                for sp in plan.stations if sp.mtbf is not None}
    most = max(failures, key=failures.__getitem__) if failures else None
    bins = math.ceil(plan.end / timeseries_bin(plan)) * len(plan.stations)
    return Workload(customers=sum(by_class.values()),
                    busiest=("customers", busiest, "arrivals" if arrives else "initial_queue"),
                    time_bins=bins, breakdowns=sum(failures.values()),
                    most_failing=("stations", most, "breakdowns", "mtbf") if most else None)


def _raise_it(key: str, cap: int) -> str:
    return (f"the cap is {cap:,} (limits.{key}); to run it on purpose, raise the cap at the "
            f"top of the scenario file (limits: {{{key}: N}})")


def check_replication(plan: Plan, scenario: Scenario) -> None:
    """Refuse a plan (of ``scenario``) one replication of which exceeds a cap of the
    scenario's ``limits`` (:class:`PlanError` at the field that drives the estimate)."""
    limits, work = scenario.limits, workload(plan)
    if work.customers > limits.customers_per_replication:
        raise PlanError(work.busiest, f"brings about {work.customers:,.0f} customers in one "
                        "replication (expected: rate x minutes of arrivals, plus bookings "
                        "and initial queues); "
                        + _raise_it("customers_per_replication", limits.customers_per_replication))
    if work.time_bins > limits.time_bins:
        last = "end" if scenario.end is not None else \
            "close" if scenario.close is not None else "horizon"
        raise PlanError((last,), f"the run may last {plan.end:,.0f} minutes: "
                        f"{work.time_bins:,} time-series bins of {timeseries_bin(plan):g} "
                        "minutes over all stations in one replication; "
                        + _raise_it("time_bins", limits.time_bins))
    if work.most_failing is not None and work.breakdowns > limits.breakdowns_per_replication:
        raise PlanError(work.most_failing, f"gives about {work.breakdowns:,.0f} server "
                        "failures in one replication (servers x minutes / mtbf); "
                        + _raise_it("breakdowns_per_replication",
                                    limits.breakdowns_per_replication))


def total_customers_problem(plans: Sequence[Plan], replications: int, limits: Limits,
                            points: str = "") -> str | None:
    """Why running ``replications`` of each of ``plans`` is beyond ``limits.customers``
    (``points``: how the plans were counted, for the message), or None."""
    per_replication = sum(workload(plan).customers for plan in plans)
    total = per_replication * replications
    if total <= limits.customers:
        return None
    counted = points or f"{len(plans)} variant(s)"
    return (f"expects about {total:,.0f} customers in the run ({per_replication:,.0f} in one "
            f"replication of each of {counted}, x {replications:,} replications); "
            + _raise_it("customers", limits.customers)
            + ", or run fewer replications or variants")
