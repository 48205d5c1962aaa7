"""What each variant costs per day, and what its extra cost buys in satisfaction and in
minutes of perceived wait.

Cost keys of a scenario (currency units of your choice, all >= 0, default 0):

- ``stations.<name>.cost_per_server_hour``: times the server-hours on duty at that station
  between opening and the end of arrivals (``open`` to ``close``, or the horizon), from the
  station's ``servers`` and ``schedule`` (a server under repair is still paid);
- ``cost_per_day`` and ``cost_per_hour`` of any intervention block: ``cost_per_day`` +
  ``cost_per_hour`` x opening hours (every intervention is a
  :class:`~simulator.spec.interventions.Costed` block, so new ones need no change here);
- a top-level ``cost_per_day``: any other lever (training for faster service, a new form);
- a top-level ``cost_per_unserved_customer``: times the variant's mean customers a day who
  left without service (balked or abandoned), so that a lever that turns customers away pays
  for them.

"Per day" is per simulated run: for a ``horizon`` scenario, per horizon. A variant *has cost
data* when its scenario (base plus patch) writes at least one cost key, even a 0; levers it
does not price then count as free. A variant without cost data shows no cost ("-", null).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from simulator.analysis.comparison import LEAVING, Comparison
from simulator.analysis.statistics import Interval, paired_difference
from simulator.plan.compiled import Plan, StationPlan
from simulator.plan.loader import LoadedScenario
from simulator.spec.interventions import Costed
from simulator.spec.scenario import Scenario


def opening_hours(plan: Plan) -> float:
    """Hours from opening to the end of arrivals."""
    return (plan.arrivals_end - plan.open) / 60


def server_hours(station: StationPlan, start: float, end: float) -> float:
    """Server-hours on duty at ``station`` between run minutes ``start`` and ``end`` (its
    duty is a step function: servers on duty from each time on)."""
    total = 0.0
    for k, (since, count) in enumerate(station.duty):
        until = station.duty[k + 1][0] if k + 1 < len(station.duty) else math.inf
        total += count * max(0.0, min(until, end) - max(since, start))
    return total / 60


def _cost_blocks(scenario: Scenario) -> list[Costed]:
    """The intervention blocks present (each carries its costs)."""
    return [block for _, block in scenario.interventions if isinstance(block, Costed)]


def has_cost_data(scenario: Scenario) -> bool:
    """Whether the scenario writes any cost key (an explicit 0 counts)."""
    return (bool({"cost_per_day", "cost_per_unserved_customer"} & scenario.model_fields_set)
            or any("cost_per_server_hour" in st.model_fields_set
                   for st in scenario.stations.values())
            or any({"cost_per_day", "cost_per_hour"} & b.model_fields_set
                   for b in _cost_blocks(scenario)))


@dataclass(frozen=True)
class DailyCost:
    """Cost of one day (one run) of a scenario, by kind of lever (currency units)."""

    servers: float
    interventions: float
    other: float
    """The top-level ``cost_per_day``."""
    hours: float
    """Opening hours the hourly costs were counted over."""
    unserved: float = 0.0
    """``cost_per_unserved_customer`` x the mean customers a day who left without service."""

    @property
    def total(self) -> float:
        return self.servers + self.interventions + self.other + self.unserved


def daily_cost(scenario: Scenario, plan: Plan, unserved_per_day: float = 0.0
               ) -> DailyCost | None:
    """The day's cost of ``scenario`` (compiled as ``plan``), whose runs saw
    ``unserved_per_day`` customers a day leave without service; None without cost data."""
    if not has_cost_data(scenario):
        return None
    hours = opening_hours(plan)
    servers = sum((scenario.stations[st.name].cost_per_server_hour
                  * server_hours(st, plan.open, plan.arrivals_end) for st in plan.stations), 0.0)
    interventions = sum((b.cost_per_day + b.cost_per_hour * hours
                         for b in _cost_blocks(scenario)), 0.0)
    return DailyCost(servers, interventions, scenario.cost_per_day, hours,
                     scenario.cost_per_unserved_customer * unserved_per_day)


def unserved_days(comparison: Comparison, variant: str, plan: Plan) -> np.ndarray:
    """A variant's customers who left without service (balked or abandoned), per day (per
    run, in replication order). The summaries count the customers who arrived after the
    warm-up; the count is scaled to the whole of the opening hours (from ``open`` to the end
    of arrivals), the window the other costs are counted over (0 on a day without arrivals)."""
    counted = plan.arrivals_end - plan.stats_start
    scale = (plan.arrivals_end - plan.open) / counted if counted > 0 else 0.0
    days = [r["arrivals"] * sum(r[m] for m in LEAVING) for r in comparison.result.metrics[variant]]
    return scale * np.nan_to_num(np.asarray(days, dtype=float))


def _gain(i: Interval) -> Interval:
    """A difference ``variant - base`` of a lower-is-better metric as a saving."""
    return Interval(-i.mean, -i.ci_high, -i.ci_low, i.n)


def _ratio(cost: float | None, gain: float) -> float | None:
    """Cost per unit gained: only for a real gain (> 0) at a known, non-negative extra cost
    (a cheaper variant that is also better has no meaningful ratio: it simply dominates)."""
    if cost is None or math.isnan(gain) or gain <= 0 or cost < 0:
        return None
    return cost / gain


@dataclass(frozen=True)
class CostEffect:
    """A variant's cost and what it buys against the base (all per day = per run).

    - ``cost_per_day``: :func:`daily_cost` total (None without cost data).
    - ``extra_cost_per_day``: ``cost_per_day`` minus the base's (a base without cost data
      counts 0: its unpriced running costs are the same in every variant).
    - ``extra_cost_interval``: when customers who leave unserved are priced, the extra cost
      varies from day to day: its paired 95% interval (None when the extra cost is exact).
    - ``satisfaction_gain``: paired difference of ``satisfaction_mean`` (0-100 points),
      variant - base, with its 95% interval (None for the base).
    - ``perceived_wait_saved``: paired difference of ``perceived_wait_mean``, base - variant:
      felt minutes of waiting in line saved per customer who started service (None for the
      base).
    - ``served``: the variant's mean customers served per day.
    """

    variant: str
    daily: DailyCost | None
    extra_cost_per_day: float | None
    satisfaction_gain: Interval | None
    perceived_wait_saved: Interval | None
    served: float
    extra_cost_interval: Interval | None = None

    @property
    def cost_per_day(self) -> float | None:
        return None if self.daily is None else self.daily.total

    @property
    def cost_per_satisfaction_point(self) -> float | None:
        """Extra cost per day per satisfaction point gained (mean gain > 0 only)."""
        gain = self.satisfaction_gain.mean if self.satisfaction_gain else math.nan
        return _ratio(self.extra_cost_per_day, gain)

    @property
    def cheaper_and_better(self) -> bool:
        """A known negative extra cost with a mean satisfaction gain > 0: no ratio needed."""
        gain = self.satisfaction_gain
        extra = self.extra_cost_per_day
        surely = self.extra_cost_interval is None or self.extra_cost_interval.ci_high < 0
        return gain is not None and extra is not None and extra < 0 < gain.mean and surely

    @property
    def cost_unsure(self) -> bool:
        """The extra cost, lost visits included, is not distinguishable from 0."""
        i = self.extra_cost_interval
        return i is not None and not i.ci_low > 0 and not i.ci_high < 0

    @property
    def perceived_wait_saved_per_day(self) -> float | None:
        """Felt minutes saved per day: the saving per customer x the variant's customers
        served per day."""
        if self.perceived_wait_saved is None or math.isnan(self.perceived_wait_saved.mean):
            return None
        return self.perceived_wait_saved.mean * self.served

    @property
    def cost_per_felt_minute_saved(self) -> float | None:
        """Extra cost per day / felt minutes saved per day (a saving > 0 only)."""
        saved = self.perceived_wait_saved_per_day
        return _ratio(self.extra_cost_per_day, math.nan if saved is None else saved)


def cost_effects(loaded: LoadedScenario, comparison: Comparison) -> list[CostEffect]:
    """One :class:`CostEffect` per variant of ``comparison``, in its order."""
    lost = {v: unserved_days(comparison, v, loaded.plans[v]) for v in comparison.variants}
    daily = {v: daily_cost(loaded.scenarios[v], loaded.plans[v],
                           float(lost[v].mean()) if len(lost[v]) else 0.0)
             for v in comparison.variants}
    base_cost = daily[comparison.base]
    reference = 0.0 if base_cost is None else base_cost.total
    price = loaded.scenarios[comparison.base].cost_per_unserved_customer  # no variant's to set
    effects = []
    for variant in comparison.variants:
        row = comparison.metrics[variant]
        satisfaction, felt = row["satisfaction_mean"].paired, row["perceived_wait_mean"].paired
        cost = daily[variant]
        extra = None if cost is None else cost.total - reference
        interval = None
        if extra is not None and price > 0 and variant != comparison.base:
            # Only the lost visits' part varies by day: its paired interval (against the base's
            # same days) around the extra cost, whose other parts are exact.
            d = paired_difference(price * lost[variant], price * lost[comparison.base]).difference
            interval = Interval(extra, extra + d.ci_low - d.mean, extra + d.ci_high - d.mean, d.n)
        effects.append(CostEffect(
            variant=variant, daily=cost, extra_cost_per_day=extra,
            satisfaction_gain=satisfaction.difference if satisfaction else None,
            perceived_wait_saved=_gain(felt.difference) if felt else None,
            served=row["served"].interval.mean, extra_cost_interval=interval))
    return effects
