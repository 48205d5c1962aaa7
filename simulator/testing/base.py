"""What every record check shares: the tolerance of time comparisons and duty intervals."""

from __future__ import annotations

import math

from simulator.plan.compiled import ClassPlan, Plan

EPS = 1e-7
"""Minutes within which two clock times count as the same instant (float rounding)."""


def close(a: float, b: float) -> bool:
    """``a`` and ``b`` are the same time or duration, up to rounding."""
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=EPS)


def on_intervals(times: list[float], flags: list[int], end: float) -> list[tuple[float, float]]:
    """A server's on-duty intervals from its duty rows (which must alternate on, off...)."""
    intervals, since = [], None
    for t, on in zip(times, flags, strict=True):
        if on:
            assert since is None, "a server came on duty twice in a row"
            since = t
        else:
            assert since is not None, "a server went off duty without being on"
            intervals.append((since, t))
            since = None
    if since is not None:
        intervals.append((since, end))
    return intervals


def reads_display(plan: Plan, cp: ClassPlan) -> bool:
    """Whether arrivals of ``cp`` may balk on what the first station's display tells them:
    ``balk_on_displayed``, or (with patience) leaving when told too long a wait."""
    info = plan.levers.wait_time_info
    if info is None or not plan.levers.stations[cp.route.start].informed[cp.index]:
        return False
    told = (cp.patience is not None and cp.perception.leave_when_told)
    return info.balk_on_displayed is not None or told
