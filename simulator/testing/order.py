"""The invariants of order at a station: who is served first, nobody waits while a server is
free, and who balks."""

from __future__ import annotations

import math

import numpy as np

from simulator.engine.journeys import Journeys
from simulator.models.codes import Outcome
from simulator.plan.compiled import StationPlan
from simulator.testing.base import EPS, on_intervals, reads_display


def _available_free(j: Journeys, station: int, server: int, t: float, service_end: np.ndarray
                    ) -> bool:
    """``server`` of ``station`` is on duty, not down and serving nobody at instant ``t``."""
    v, duty, down = j.visits, j.tables["duty"], j.tables["breakdowns"]
    d = (duty["station"] == station) & (duty["server"] == server)
    on = on_intervals(duty["time"][d].tolist(), duty["on_duty"][d].tolist(), j.end_time)
    if not any(a < t < b for a, b in on):
        return False
    g = (down["station"] == station) & (down["server"] == server)
    if np.any((down["start"][g] < t) & (t < down["end"][g])):
        return False
    mine = (v["station"] == station) & (v["server"] == server)
    return not np.any((v["service_start"][mine] < t) & (t < service_end[mine]))


def check_station_order(j: Journeys, sp: StationPlan, level: dict[int, int],
                        wait_end: np.ndarray, started: np.ndarray) -> None:
    """single_line: first come first served within a priority level, a lower level never
    starts while a higher one waits, and nobody waits while a server is free and available.
    line_per_server without jockeying or schedule changes (nobody ever moves): the same per
    server's line, for customers it served.

    ``level``: each class's priority level; ``wait_end``, ``started``: per visit, when its wait
    ended and whether its service started."""
    v, c = j.visits, j.customers
    at = np.flatnonzero(v["station"] == sp.index)
    if not len(at):
        return
    lv = np.array([level[int(x)] for x in c["customer_class"][v["customer"][at]]])
    joined, leave = v["joined"][at], wait_end[at]
    start = v["service_start"][at]
    service_end = np.where(np.isnan(v["left"]), j.end_time, v["left"])
    fixed = sp.jockey_margin is None and len(sp.duty) == 1
    if sp.layout == "single_line":
        groups = [np.arange(len(at))]
    elif fixed:
        groups = [np.flatnonzero(v["server"][at] == k) for k in range(sp.servers)]
    else:
        return
    for g in groups:
        for lvl in np.unique(lv[g]):
            m = g[lv[g] == lvl]
            order = m[np.argsort(joined[m], kind="stable")]
            best, k = -math.inf, 0
            while k < len(order):
                t = joined[order[k]]
                same = [x for x in order[k:] if joined[x] == t]
                for x in same:
                    if started[at[x]]:
                        assert best <= start[x] + EPS, (
                            f"{sp.name}: customer {v['customer'][at[x]]} (joined {t}) started at "
                            f"{start[x]} while an earlier one of its level waited until {best}")
                best = max(best, *(leave[x] for x in same))
                k += len(same)
        # Non-pre-emptive priority: a lower level never starts while a higher one waits.
        for x in g[started[at[g]]]:
            ahead = g[(lv[g] < lv[x]) & (joined[g] < start[x] - EPS) & (leave[g] > start[x] + EPS)]
            assert not len(ahead), (
                f"{sp.name}: customer {v['customer'][at[x]]} of a lower priority started "
                f"at {start[x]} while a higher one waited")
    # Nobody waits while a server of their line is free, on duty and working.
    times = np.unique(np.concatenate([joined, leave, start[~np.isnan(start)],
                                      service_end[at], j.tables["duty"]["time"],
                                      j.tables["breakdowns"]["start"],
                                      j.tables["breakdowns"]["end"]]))
    times = times[(times >= 0) & (times <= j.end_time)]
    mids = ((times[:-1] + times[1:]) / 2)[np.diff(times) > 1e-9]  # no float-rounding slivers
    for t in mids:
        waiting = (joined < t) & (t < leave)
        if not waiting.any():
            continue
        if sp.layout == "single_line":
            free = [k for k in range(sp.servers)
                    if _available_free(j, sp.index, k, t, service_end)]
            assert not free, f"{sp.name}: customers wait at {t} while server(s) {free} are free"
        else:
            for x in np.flatnonzero(waiting & started[at]):
                k = int(v["server"][at[x]])
                assert not _available_free(j, sp.index, k, t, service_end), (
                    f"{sp.name}: customer {v['customer'][at[x]]} waits at {t} while its "
                    f"server {k} is free")


def check_balking(j: Journeys, wait_end: np.ndarray) -> None:
    """A customer balks iff the first station's line (all lines, not those in service) is at
    the class's threshold; instants shared with another event at that station are skipped
    (their order is the engine's tie rule, checked elsewhere)."""
    c, v, plan = j.customers, j.visits, j.plan
    for cp in plan.classes:
        # Arrivals who read a display may balk whatever the line (checked by hand elsewhere).
        reads = reads_display(plan, cp)
        if cp.balk_threshold is None and cp.balk_table is None:
            if not reads:
                assert not np.any((c["customer_class"] == cp.index)
                                  & (c["outcome"] == Outcome.BALKED)), \
                    f"class {cp.name} balks without a balking rule"
            continue
        at = np.flatnonzero(v["station"] == cp.route.start)
        joined, leave = v["joined"][at], wait_end[at]
        for i in np.flatnonzero((c["customer_class"] == cp.index) & (c["initial"] == 0)):
            t = float(c["arrival"][i])
            balked = c["outcome"][i] == Outcome.BALKED
            others = ~((v["customer"][at] == i) & (v["hop"][at] == 0))
            if np.any(joined[others] == t) or np.any(leave[others] == t):
                continue
            waiting = int(np.sum((joined < t) & (leave > t) & others))
            if reads:  # the line still turns away those it would turn away anyway
                assert balked or cp.balk_threshold is None or waiting < cp.balk_threshold, (
                    f"customer {i} saw {waiting} waiting, threshold {cp.balk_threshold}, "
                    "and stayed")
                continue
            if cp.balk_threshold is not None:
                assert balked == (waiting >= cp.balk_threshold), (
                    f"customer {i} saw {waiting} waiting, threshold {cp.balk_threshold}, "
                    f"balked={balked}")
            else:
                assert cp.balk_table is not None
                p = 0.0
                for count, q in cp.balk_table:
                    if waiting >= count:
                        p = q
                assert p not in (0.0, 1.0) or balked == (p == 1.0), (
                    f"customer {i} saw {waiting} waiting, balking probability {p}, "
                    f"balked={balked}")
