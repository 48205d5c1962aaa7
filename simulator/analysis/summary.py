"""Per-replication metrics and time series, computed from journey records with numpy.

Who counts: customers who arrived at or after ``stats_start`` (open + warmup). Time averages
(queue length, utilisation) are taken over the observation window [stats_start, arrivals_end).
Censored customers (still inside when the run stopped) are counted in ``censored`` and left out
of every share and wait.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from simulator.analysis.experience import (
    customer_experience,
    per_customer_wait,
    times_overtaken,
    wait_ends,
)
from simulator.analysis.quantiles import StreamPercentiles
from simulator.analysis.timeline import bin_edges, busy_time, interval_integrals, server_time
from simulator.engine.journeys import Journeys, Table
from simulator.metrics import NAMES
from simulator.models.codes import Outcome
from simulator.models.satisfaction import IMPACT_METRICS, impact
from simulator.plan.compiled import Plan

__all__ = ["METRICS", "SummaryAccumulator", "per_customer_wait", "rescore", "summarise",
           "times_overtaken", "timeseries"]

METRICS = NAMES
"""Every per-replication metric (:data:`simulator.metrics.TABLE`), in the order of reports."""


class SummaryAccumulator:
    """The metrics of :data:`METRICS` and the time series of one replication, from its
    records given in blocks of finished customers (:meth:`add`; each block's customers
    numbered from 0). Counts, sums and time integrals add up over blocks; percentiles come
    from :class:`~simulator.analysis.quantiles.StreamPercentiles`. Memory does not grow with the
    number of customers (beyond the percentiles' fixed budget).

    With the whole run as one block the results are those of :func:`summarise`; over several
    blocks, sums are taken in another order and may differ in the last digits.
    """

    def __init__(self, plan: Plan, stats_start: float, arrivals_end: float,
                 bin_minutes: float | None = None, customer_class: int | None = None) -> None:
        self.plan = plan
        self.customer_class = customer_class
        """Count only the customers of this class (its index in ``plan.classes``); None:
        everyone. A class's metrics have no ``utilisation`` (servers serve every class)."""
        self.stats_start = stats_start
        self.window = np.array([stats_start, arrivals_end])
        """Observation window of the time averages (run minutes)."""
        self.bin_minutes = bin_minutes
        self.sums: dict[str, float] = dict.fromkeys(_SUMS, 0.0)
        self.waits = StreamPercentiles()
        self.felt_waits = StreamPercentiles()
        self.impact_totals: dict[str, float] = {}
        """Per impact metric: sum over classes and blocks of the class mean x its arrivals."""
        stations = len(plan.stations)
        self.queue_area: list[np.ndarray] = [np.zeros(0)] * stations
        self.busy_area: list[np.ndarray] = [np.zeros(0)] * stations
        """Per station and time bin: customer-minutes waiting, server-minutes busy."""

    def add(self, block: Journeys, experience: Table | None = None) -> None:
        """Count a block: its metrics (``experience``: its
        :func:`~simulator.analysis.experience.customer_experience`, computed if not given) and, with
        ``bin_minutes``, its part of the time series."""
        self._add_metrics(block, experience if experience is not None
                          else customer_experience(block))
        if self.bin_minutes is not None:
            self.add_series(block)

    def _add_metrics(self, j: Journeys, e: Table) -> None:
        c, v, add = j.customers, j.visits, self.sums
        counted = c["arrival"] >= self.stats_start
        if self.customer_class is not None:
            counted = counted & (c["customer_class"] == self.customer_class)
        outcome = c["outcome"]
        present = counted & (outcome != Outcome.CENSORED)
        n = len(c["customer"])
        started = np.bincount(v["customer"], weights=~np.isnan(v["service_start"]),
                              minlength=n) > 0
        waited = e["wait"][started & present]
        felt_in_line = e["perceived_wait"][started & present]
        served = present & (outcome == Outcome.SERVED)
        # The waiting area counts the visits of the customers counted (all of them when
        # pooled: customers before the warm-up wait in the window too).
        mine = (slice(None) if self.customer_class is None
                else c["customer_class"][v["customer"]] == self.customer_class)
        for key, value in (
            ("waited", len(waited)), ("wait", waited.sum()), ("wait_positive", (waited > 0).sum()),
            ("felt", felt_in_line.sum()), ("felt_all", e["felt_all"][present].sum()),
            ("clock_all", per_customer_wait(j, None)[present].sum()),
            ("time_in_system", (c["departure"] - c["arrival"])[served].sum()),
            ("served", served.sum()), ("arrivals", present.sum()),
            ("abandoned", (present & (outcome == Outcome.ABANDONED)).sum()),
            ("balked", (present & (outcome == Outcome.BALKED)).sum()),
            ("censored", (counted & (outcome == Outcome.CENSORED)).sum()),
            ("waiting_area", interval_integrals(v["joined"][mine], wait_ends(j)[mine],
                                                self.window)[0]),
            ("busy", busy_time(j, FIRST_STATION, self.window)[0]
             if self.customer_class is None else 0.0),
        ):
            add[key] += float(value)
        self.waits.add(waited)
        self.felt_waits.add(felt_in_line)
        for cp in self.plan.classes:  # each class with its own impact parameters
            mine = present & (c["customer_class"] == cp.index)
            if mine.any():
                for key, value in impact(e["satisfaction"][mine], cp.satisfaction).items():
                    self.impact_totals[key] = (self.impact_totals.get(key, 0.0)
                                               + value * mine.sum())

    def add_series(self, j: Journeys) -> None:
        """Count a block's waiting and serving in the time series."""
        assert self.bin_minutes is not None, "the accumulator was made without time bins"
        v = j.visits
        edges = bin_edges(j.end_time, self.bin_minutes)
        ends = wait_ends(j)
        for station in range(len(self.plan.stations)):
            at = v["station"] == station
            self.queue_area[station] = _plus(self.queue_area[station], interval_integrals(
                v["joined"][at], ends[at], edges))
            self.busy_area[station] = _plus(self.busy_area[station],
                                            busy_time(j, station, edges))

    def metrics(self, run: Journeys) -> dict[str, float]:
        """The metrics, once every block is in. ``run``: the run's journeys, for its end time,
        duty changes and breakdowns."""
        s = self.sums
        arrivals = s["arrivals"]

        def ratio(a: float, b: float) -> float:
            return a / b if b else math.nan

        metrics = {
            "wait_mean": ratio(s["wait"], s["waited"]),
            "wait_p90": self.waits.percentile(90),
            "wait_probability": ratio(s["wait_positive"], s["waited"]),
            "perceived_wait_mean": ratio(s["felt"], s["waited"]),
            "perceived_wait_p90": self.felt_waits.percentile(90),
            "overestimation_ratio": (s["felt_all"] / s["clock_all"] if s["clock_all"] > 0
                                     else math.nan),
            "time_in_system_mean": ratio(s["time_in_system"], s["served"]),
            "abandoned_share": ratio(s["abandoned"], arrivals),
            "balked_share": ratio(s["balked"], arrivals),
            "served": s["served"],
            "arrivals": arrivals,
            "censored": s["censored"],
            "queue_length_mean": s["waiting_area"] / (self.window[1] - self.window[0]),
            "utilisation": math.nan,
            **({k: v / arrivals for k, v in self.impact_totals.items()}
               if arrivals else dict.fromkeys(IMPACT_METRICS, math.nan)),
        }
        if self.customer_class is not None:
            del metrics["utilisation"]
        else:
            metrics["utilisation"] = utilisation(s["busy"], run, FIRST_STATION, self.window)
        return metrics

    def timeseries(self, run: Journeys) -> Table:
        """Per station and time bin (from the start of the run to its end): time-average
        number waiting, servers busy, on duty and available (on duty, not under repair), and
        utilisation (busy / available). Needs ``bin_minutes``."""
        assert self.bin_minutes is not None, "the accumulator was made without time bins"
        edges = bin_edges(run.end_time, self.bin_minutes)
        width = np.diff(edges)
        columns: dict[str, list[np.ndarray]] = {k: [] for k in (
            "station", "bin_start", "queue_length", "busy", "on_duty", "available",
            "utilisation")}
        for station in range(len(self.plan.stations)):
            queue = _plus(self.queue_area[station], np.zeros(len(width))) / width
            busy = _plus(self.busy_area[station], np.zeros(len(width))) / width
            on_duty, available = (x / width for x in server_time(run, station, edges))
            with np.errstate(invalid="ignore", divide="ignore"):
                utilisation = np.where(available > 0, np.minimum(busy / available, 1.0),
                                       np.nan)
            for key, values in (("station", np.full(len(width), station)),
                                ("bin_start", edges[:-1]), ("queue_length", queue),
                                ("busy", busy), ("on_duty", on_duty),
                                ("available", available), ("utilisation", utilisation)):
                columns[key].append(values)
        return {k: np.concatenate(vals) for k, vals in columns.items()}


_SUMS = ("waited", "wait", "wait_positive", "felt", "felt_all", "clock_all", "time_in_system",
         "served", "arrivals", "abandoned", "balked", "censored", "waiting_area", "busy")
"""What :class:`SummaryAccumulator` adds up over blocks (counts, minutes, areas)."""
FIRST_STATION = 0
"""Utilisation in the metrics is the first station's."""


def utilisation(busy: float, run: Journeys, station: int, window: np.ndarray) -> float:
    """Busy share of the available server-minutes of ``station`` in ``window`` (run minutes),
    given its ``busy`` server-minutes there; NaN when no server was available."""
    available = server_time(run, station, window)[1][0]
    # Busy time can exceed available time only by rounding (sums of many intervals).
    return min(busy / available, 1.0) if available > 0 else math.nan


def _plus(total: np.ndarray, part: np.ndarray) -> np.ndarray:
    """``total + part``, the shorter padded with zeros (later blocks reach later bins)."""
    if len(part) > len(total):
        total, part = part, total
    total = total.copy()
    total[:len(part)] += part
    return total


def summarise(j: Journeys, experience: Table | None = None) -> dict[str, float]:
    """The metrics of :data:`METRICS` for one replication from all its records
    (``experience``: the replication's :func:`~simulator.analysis.experience.customer_experience`,
    computed here if not given)."""
    accumulator = SummaryAccumulator(j.plan, j.stats_start, j.arrivals_end)
    accumulator.add(j, experience)
    return accumulator.metrics(j)


def rescore(j: Journeys, plan: Plan) -> dict[str, float]:
    """The metrics of recorded journeys under another plan's perception and satisfaction
    parameters, without simulating again (a sensitivity study). Valid as long as the clock
    times would not change: no patience, or patience that does not depend on what changed.
    The plan must have the same classes and stations (e.g. the same scenario file with other
    ``perception:`` / ``satisfaction:`` settings)."""
    same = ([cp.name for cp in plan.classes] == [cp.name for cp in j.plan.classes]
            and [sp.name for sp in plan.stations] == [sp.name for sp in j.plan.stations])
    if not same:
        raise ValueError("rescore needs a plan with the same classes and stations as the run")
    return summarise(dataclasses.replace(j, plan=plan))


def timeseries(j: Journeys, bin_minutes: float) -> Table:
    """Per station and time bin of ``bin_minutes``: see
    :meth:`SummaryAccumulator.timeseries`."""
    accumulator = SummaryAccumulator(j.plan, j.stats_start, j.arrivals_end, bin_minutes)
    accumulator.add_series(j)
    return accumulator.timeseries(j)
