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

from .experience import customer_experience, per_customer_wait, times_overtaken, wait_ends
from .journeys import Journeys, Outcome, SegmentKind, Table
from .plan import Plan
from .satisfaction import IMPACT_METRICS, impact

__all__ = ["METRICS", "per_customer_wait", "rescore", "summarise", "times_overtaken",
           "timeseries"]

METRICS: dict[str, str] = {
    "wait_mean": "mean clock minutes waiting in line (all stations) per customer who started "
                 "service",
    "wait_p90": "90th percentile of that wait (minutes)",
    "wait_probability": "share of those customers who waited at all (P(wait > 0))",
    "perceived_wait_mean": "mean felt minutes of waiting in line of the same customers",
    "perceived_wait_p90": "90th percentile of that felt wait (minutes)",
    "overestimation_ratio": "felt / clock minutes of all waiting (in line and during repairs)",
    "time_in_system_mean": "mean minutes from arrival to departure of served customers",
    "abandoned_share": "share of arrivals who left the line before service (reneged)",
    "balked_share": "share of arrivals who saw the line and did not join",
    "served": "customers served to the end of their route",
    "arrivals": "customers who arrived (after the warm-up)",
    "censored": "customers still inside when the run stopped",
    "queue_length_mean": "time-average number of customers waiting (all stations)",
    "utilisation": "busy share of available server time at the first station (on duty and "
                   "not under repair)",
    "satisfaction_mean": "mean satisfaction (0-100) of all arrivals, those who left included",
    "dissatisfied_share": "share of arrivals whose satisfaction is below dissatisfied_below",
    "satisfied_share": "share of arrivals whose satisfaction is at least satisfied_above",
    "complaints_per_100": "expected complaints per 100 arrivals",
    "negative_word_of_mouth_per_100": "people told of a bad experience, per 100 arrivals",
    "positive_word_of_mouth_per_100": "people told of a good experience, per 100 arrivals",
    "customers_lost_per_100": "customers expected not to come back, per 100 arrivals",
}
"""Every per-replication metric, with its meaning. Order is the order of reports."""


def interval_integrals(starts: np.ndarray, ends: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """For intervals [start, end) and bin edges, the integral over each bin of the number of
    intervals covering t (e.g. customer-minutes of waiting per bin)."""
    if len(edges) < 2:
        return np.zeros(0)
    times = np.concatenate([starts, ends])
    steps = np.concatenate([np.ones(len(starts)), -np.ones(len(ends))])
    order = np.argsort(times, kind="stable")
    times, steps = times[order], steps[order]
    level = np.cumsum(steps)
    # Integral from the first event up to each event: sum of level x gap before it.
    area = np.concatenate([[0.0], np.cumsum(level[:-1] * np.diff(times))]) if len(times) else times

    def integral_to(t: np.ndarray) -> np.ndarray:
        if not len(times):
            return np.zeros(len(t))
        k = np.searchsorted(times, t, side="right") - 1
        inside = k >= 0
        result = np.zeros(len(t))
        result[inside] = area[k[inside]] + level[k[inside]] * (t[inside] - times[k[inside]])
        return result

    return np.diff(integral_to(edges))


def satisfaction_metrics(j: Journeys, present: np.ndarray, score: np.ndarray
                         ) -> dict[str, float]:
    """Satisfaction and impact over all arrivals after the warm-up (censored excluded), each
    class with its own impact parameters, weighted by its arrivals."""
    c = j.customers
    totals: dict[str, float] = {}
    counted = 0
    for cp in j.plan.classes:
        mine = present & (c["customer_class"] == cp.index)
        if not mine.any():
            continue
        for key, value in impact(score[mine], cp.satisfaction).items():
            totals[key] = totals.get(key, 0.0) + value * mine.sum()
        counted += int(mine.sum())
    if not counted:
        return dict.fromkeys(IMPACT_METRICS, math.nan)
    return {k: v / counted for k, v in totals.items()}


def _server_time(j: Journeys, station: int, edges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(on duty, available = on duty and working) server-minutes per bin at a station."""
    duty, down = j.tables["duty"], j.tables["breakdowns"]
    on_starts, on_ends, avail_starts, avail_ends = [], [], [], []
    for server in np.unique(duty["server"][duty["station"] == station]):
        mine = (duty["station"] == station) & (duty["server"] == server)
        times, flags = duty["time"][mine], duty["on_duty"][mine]
        repairs = (down["station"] == station) & (down["server"] == server)
        gaps = sorted(zip(down["start"][repairs], down["end"][repairs], strict=True))
        on_since = None
        for t, on in [*zip(times, flags, strict=True), (j.end_time, 0)]:
            if on and on_since is None:
                on_since = t
            elif not on and on_since is not None:
                on_starts.append(on_since)
                on_ends.append(t)
                cursor = on_since
                for a, b in gaps:
                    if b <= cursor or a >= t:
                        continue
                    if a > cursor:
                        avail_starts.append(cursor)
                        avail_ends.append(a)
                    cursor = max(cursor, b)
                if cursor < t:
                    avail_starts.append(cursor)
                    avail_ends.append(t)
                on_since = None
    as_array = np.asarray
    return (interval_integrals(as_array(on_starts, float), as_array(on_ends, float), edges),
            interval_integrals(as_array(avail_starts, float), as_array(avail_ends, float), edges))


def _busy_time(j: Journeys, station: int, edges: np.ndarray) -> np.ndarray:
    """Server-minutes spent serving per bin (repair pauses mid-service excluded)."""
    v, s = j.visits, j.segments
    served = (v["station"] == station) & ~np.isnan(v["service_start"])
    ends = np.where(np.isnan(v["left"][served]), j.end_time, v["left"][served])
    pauses = (s["station"] == station) & (s["kind"] == SegmentKind.SERVICE_INTERRUPTED)
    return (interval_integrals(v["service_start"][served], ends, edges)
            - interval_integrals(s["start"][pauses], s["end"][pauses], edges))


def summarise(j: Journeys, experience: Table | None = None) -> dict[str, float]:
    """The metrics of :data:`METRICS` for one replication (``experience``: the replication's
    :func:`~simulator.experience.customer_experience`, computed here if not given)."""
    e = experience if experience is not None else customer_experience(j)
    c, v = j.customers, j.visits
    counted = c["arrival"] >= j.stats_start
    outcome = c["outcome"]
    present = counted & (outcome != Outcome.CENSORED)
    arrivals = int(present.sum())
    n = len(c["customer"])
    started = np.bincount(v["customer"], weights=~np.isnan(v["service_start"]), minlength=n) > 0
    waited = e["wait"][started & present]
    served = present & (outcome == Outcome.SERVED)
    window = np.array([j.stats_start, j.arrivals_end])
    waiting_area = interval_integrals(v["joined"], wait_ends(j), window)[0]
    first = 0
    busy = _busy_time(j, first, window)[0]
    available = _server_time(j, first, window)[1][0]

    def mean(x: np.ndarray) -> float:
        return float(x.mean()) if len(x) else math.nan

    felt_in_line = e["perceived_wait"][started & present]
    felt_all, clock_all = e["felt_all"], per_customer_wait(j, None)
    return {
        "wait_mean": mean(waited),
        "wait_p90": float(np.percentile(waited, 90)) if len(waited) else math.nan,
        "wait_probability": mean(waited > 0),
        "perceived_wait_mean": mean(felt_in_line),
        "perceived_wait_p90": (float(np.percentile(felt_in_line, 90)) if len(felt_in_line)
                               else math.nan),
        "overestimation_ratio": (float(felt_all[present].sum() / clock_all[present].sum())
                                 if clock_all[present].sum() > 0 else math.nan),
        "time_in_system_mean": mean((c["departure"] - c["arrival"])[served]),
        "abandoned_share": float((present & (outcome == Outcome.ABANDONED)).sum()
                                 / arrivals) if arrivals else math.nan,
        "balked_share": float((present & (outcome == Outcome.BALKED)).sum()
                              / arrivals) if arrivals else math.nan,
        "served": float(served.sum()),
        "arrivals": float(arrivals),
        "censored": float((counted & (outcome == Outcome.CENSORED)).sum()),
        "queue_length_mean": waiting_area / (window[1] - window[0]),
        # Busy time can exceed available time only by rounding (sums of many intervals).
        "utilisation": min(busy / available, 1.0) if available > 0 else math.nan,
        **satisfaction_metrics(j, present, e["satisfaction"]),
    }


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
    """Per station and time bin (from the start of the run to its end): time-average number
    waiting, servers busy, on duty and available (on duty, not under repair), and utilisation
    (busy / available)."""
    edges = np.arange(0.0, j.end_time + bin_minutes, bin_minutes)
    if len(edges) < 2:
        edges = np.array([0.0, bin_minutes])
    width = np.diff(edges)
    v = j.visits
    ends = wait_ends(j)
    columns: dict[str, list[np.ndarray]] = {k: [] for k in (
        "station", "bin_start", "queue_length", "busy", "on_duty", "available", "utilisation")}
    for station in range(len(j.station_names)):
        at = v["station"] == station
        queue = interval_integrals(v["joined"][at], ends[at], edges) / width
        busy = _busy_time(j, station, edges) / width
        on_duty, available = (x / width for x in _server_time(j, station, edges))
        with np.errstate(invalid="ignore", divide="ignore"):
            utilisation = np.where(available > 0, np.minimum(busy / available, 1.0), np.nan)
        for key, values in (("station", np.full(len(width), station)), ("bin_start", edges[:-1]),
                            ("queue_length", queue), ("busy", busy), ("on_duty", on_duty),
                            ("available", available), ("utilisation", utilisation)):
            columns[key].append(values)
    return {k: np.concatenate(vals) for k, vals in columns.items()}
