"""Time integrals over a run: customer-minutes waiting, server-minutes busy, on duty and
available, per time bin (run minutes). Sums over intervals, so records taken in blocks add
up bin by bin."""

from __future__ import annotations

import numpy as np

from simulator.engine.journeys import Journeys
from simulator.models.codes import SegmentKind


def bin_edges(end_time: float, bin_minutes: float) -> np.ndarray:
    """Edges of the time bins from the start of a run to ``end_time`` (at least one bin)."""
    edges = np.arange(0.0, end_time + bin_minutes, bin_minutes)
    return edges if len(edges) >= 2 else np.array([0.0, bin_minutes])


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


def server_time(j: Journeys, station: int, edges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
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


def busy_time(j: Journeys, station: int, edges: np.ndarray) -> np.ndarray:
    """Server-minutes spent serving per bin (repair pauses mid-service excluded)."""
    v, s = j.visits, j.segments
    served = (v["station"] == station) & ~np.isnan(v["service_start"])
    ends = np.where(np.isnan(v["left"][served]), j.end_time, v["left"][served])
    pauses = (s["station"] == station) & (s["kind"] == SegmentKind.SERVICE_INTERRUPTED)
    return (interval_integrals(v["service_start"][served], ends, edges)
            - interval_integrals(s["start"][pauses], s["end"][pauses], edges))


