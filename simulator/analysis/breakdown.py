"""Metrics of one replication per customer class and per station, beside the pooled ones.

A class's metrics are those of :data:`simulator.metrics.TABLE` counted over that class's
customers only (their waits, shares, satisfaction, queue length...), less ``utilisation``
(servers serve every class). A station's metrics are its own wait in line, queue length and
utilisation (:data:`STATION_METRICS`). Pooled shares and means are the arrival- (or
waiter-) weighted combinations of the classes' ones.

They travel with the pooled metrics in one flat dict per replication, under keys
``class/<name>/<metric>`` and ``station/<name>/<metric>`` (:func:`key`), so that the markers
of finished replications, resumed runs and workers carry them unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence

import numpy as np

from simulator.analysis.experience import wait_ends
from simulator.analysis.quantiles import StreamPercentiles
from simulator.analysis.statistics import Interval, student_t_interval
from simulator.analysis.summary import SummaryAccumulator, utilisation
from simulator.analysis.timeline import busy_time, interval_integrals
from simulator.engine.journeys import Journeys, Table
from simulator.metrics import NAMES
from simulator.models.codes import Outcome
from simulator.plan.compiled import Plan

GROUPS = ("classes", "stations")
"""The breakdowns, by their name in the ``--json`` document."""
_PREFIX = {"classes": "class", "stations": "station"}
CLASS_METRICS: tuple[str, ...] = tuple(m for m in NAMES if m != "utilisation")
"""The metrics of each class: every metric but utilisation."""
STATION_METRICS: tuple[str, ...] = ("wait_mean", "wait_p90", "wait_probability",
                                    "queue_length_mean", "utilisation")
"""The metrics of each station: clock minutes waiting in its line before service (mean, 90th
percentile, share who waited at all) of the visits that started service there, the
time-average number waiting in its line, and its servers' busy share of available time."""
GROUP_METRICS = {"classes": CLASS_METRICS, "stations": STATION_METRICS}

GroupIntervals = dict[str, dict[str, dict[str, Interval]]]
"""Per group (``classes``, ``stations``), member (class or station name) and metric: the mean
over replications and its confidence interval."""


def key(group: str, member: str, metric: str) -> str:
    """The key of a member's metric in a replication's metrics."""
    return f"{_PREFIX[group]}/{member}/{metric}"


def members(plan: Plan) -> dict[str, list[str]]:
    """The class and station names of ``plan``, per group."""
    return {"classes": [cp.name for cp in plan.classes],
            "stations": [sp.name for sp in plan.stations]}


def keys(plan: Plan) -> list[str]:
    """Every breakdown key a replication of ``plan`` has (a finished replication without
    them was made before breakdowns existed, and is run again)."""
    return [key(group, name, m) for group, names in members(plan).items()
            for name in names for m in GROUP_METRICS[group]]


def split(metrics: Mapping[str, float]) -> Iterator[tuple[str, str, str, float]]:
    """The breakdown entries of a replication's metrics: (group, member, metric, value)."""
    groups = {prefix: group for group, prefix in _PREFIX.items()}
    for name, value in metrics.items():
        prefix, _, rest = name.partition("/")
        if prefix in groups and "/" in rest:
            member, _, metric = rest.rpartition("/")
            yield groups[prefix], member, metric, value


def group_intervals(replications: Sequence[Mapping[str, float]], level: float = 0.95
                    ) -> GroupIntervals:
    """Per group, member and metric: the Student-t interval over ``replications`` (members
    and metrics in the order of the first replication; empty when it has no breakdown)."""
    values: dict[str, dict[str, dict[str, list[float]]]] = {}
    for replication in replications:
        for group, member, metric, value in split(replication):
            values.setdefault(group, {}).setdefault(member, {}).setdefault(metric, []
                                                                           ).append(value)
    return {group: {member: {m: student_t_interval(v, level) for m, v in by_metric.items()}
                    for member, by_metric in by_member.items()}
            for group, by_member in values.items()}


class BreakdownAccumulator:
    """The per-class and per-station metrics of one replication, from its records in
    blocks (as :class:`~simulator.analysis.summary.SummaryAccumulator`)."""

    def __init__(self, plan: Plan, stats_start: float, arrivals_end: float) -> None:
        self.plan = plan
        self.stats_start = stats_start
        self.window = np.array([stats_start, arrivals_end])
        self.classes = [SummaryAccumulator(plan, stats_start, arrivals_end, customer_class=k)
                        for k in range(len(plan.classes))]
        n = len(plan.stations)
        self.waited, self.wait, self.positive, self.area, self.busy = (
            np.zeros(n) for _ in range(5))
        self.waits = [StreamPercentiles() for _ in range(n)]

    def add(self, block: Journeys, experience: Table) -> None:
        """Count a block (customers numbered from 0) and their experience."""
        for accumulator in self.classes:
            accumulator.add(block, experience)
        c, v = block.customers, block.visits
        customer = v["customer"]
        present = ((c["arrival"] >= self.stats_start)
                   & (c["outcome"] != Outcome.CENSORED))[customer]
        started = present & ~np.isnan(v["service_start"])
        waits = v["service_start"] - v["joined"]
        ends = wait_ends(block)
        for station in range(len(self.plan.stations)):
            at = v["station"] == station
            mine = waits[started & at]
            self.waited[station] += len(mine)
            self.wait[station] += mine.sum()
            self.positive[station] += (mine > 0).sum()
            self.waits[station].add(mine)
            self.area[station] += interval_integrals(v["joined"][at], ends[at], self.window)[0]
            self.busy[station] += busy_time(block, station, self.window)[0]

    def metrics(self, run: Journeys) -> dict[str, float]:
        """The breakdown, keyed by :func:`key`, once every block is in."""
        names = members(self.plan)
        out: dict[str, float] = {}
        for name, accumulator in zip(names["classes"], self.classes, strict=True):
            for m, value in accumulator.metrics(run).items():
                out[key("classes", name, m)] = value
        span = float(self.window[1] - self.window[0])
        for s, name in enumerate(names["stations"]):
            waited = self.waited[s]
            values = {
                "wait_mean": self.wait[s] / waited if waited else math.nan,
                "wait_p90": self.waits[s].percentile(90),
                "wait_probability": self.positive[s] / waited if waited else math.nan,
                "queue_length_mean": self.area[s] / span if span > 0 else math.nan,
                "utilisation": utilisation(float(self.busy[s]), run, s, self.window),
            }
            out.update({key("stations", name, m): float(x) for m, x in values.items()})
        return out
