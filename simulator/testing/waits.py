"""The invariants of waits: how the pieces of each wait tile it and what conditions (flags)
they carry, and the promises customers were made."""

from __future__ import annotations

import math
from itertools import pairwise

import numpy as np

from simulator.engine.journeys import Journeys
from simulator.models.codes import Flag, SegmentKind
from simulator.testing.base import EPS, close


def merged(intervals: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The union of intervals, as disjoint ones in time order."""
    result: list[tuple[float, float]] = []
    for a, b in sorted(intervals):
        if result and a <= result[-1][1] + EPS:
            result[-1] = (result[-1][0], max(result[-1][1], b))
        else:
            result.append((a, b))
    return result


def check_pieces(j: Journeys, pieces_of: dict[int, list[int]], wait_end: np.ndarray,
                 greets: dict[tuple[int, int], tuple[float, float]] | None) -> None:
    """The pieces of each wait tile it exactly, and their conditions agree with the events:
    breakdowns and servers leaving (disrupted), explanations, displays and bookings
    (informed, before the booked time), greeters (in process), occupied waiting.

    ``pieces_of``: each visit row's queue segments; ``wait_end``: when each visit's wait
    ended; ``greets``: (customer, hop) -> (start, minutes) of each greeter's task, or None if
    unknown (then when a greeter took a covered customer is not checked).
    """
    c, v, s, plan = j.customers, j.visits, j.segments, j.plan
    levers, explain, info = plan.levers, plan.levers.explained_delays, plan.levers.wait_time_info
    down = j.tables["breakdowns"]
    repairs = {sp.index: [(float(a), float(b)) for st_, a, b in zip(
        down["station"], down["start"], down["end"], strict=True) if st_ == sp.index]
        for sp in plan.stations}
    # Servers leave only at schedule times when the count drops.
    drops = {sp.index: [t for (_, before), (t, after) in pairwise(sp.duty) if after < before]
             for sp in plan.stations}
    group_bit: dict[int, int] = {}  # per customer: in company in every piece, or in none
    for k in range(len(s["customer"])):
        bit = int(s["flags"][k]) & Flag.IN_GROUP
        assert group_bit.setdefault(int(s["customer"][k]), bit) == bit, (
            f"customer {s['customer'][k]} in a group in some pieces only")
    for cp in plan.classes:
        if cp.group_share == 0:
            mine = np.isin(s["customer"], np.flatnonzero(c["customer_class"] == cp.index))
            assert not np.any(s["flags"][mine] & Flag.IN_GROUP), \
                f"class {cp.name} waits in company with a group share of 0"
    for r in range(len(v["customer"])):
        ks = sorted(pieces_of.get(r, []), key=lambda k: (s["start"][k], s["end"][k]))
        joined, end = float(v["joined"][r]), float(wait_end[r])
        cust, st, hop = int(v["customer"][r]), int(v["station"][r]), int(v["hop"][r])
        where = f"customer {cust} hop {hop} at {plan.stations[st].name}"
        if not ks:
            assert end - joined <= EPS, f"{where}: waited {end - joined} with no pieces"
            continue
        # Tiling: from joining to the end of the wait, no gap, no overlap, no empty piece
        # in a wait that is not empty, and a new piece only when conditions change.
        assert close(s["start"][ks[0]], joined) and close(s["end"][ks[-1]], end), \
            f"{where}: the pieces do not span the wait"
        for k0, k1 in pairwise(ks):
            assert s["end"][k0] == s["start"][k1], f"{where}: pieces {k0}, {k1} do not meet"
            assert s["flags"][k0] != s["flags"][k1], f"{where}: pieces {k0}, {k1} alike"
        if end > joined:
            assert all(s["end"][k] > s["start"][k] for k in ks), f"{where}: empty piece"
        cls = int(c["customer_class"][cust])
        here = levers.stations[st]
        booked_at = float(c["booked"][cust])
        booked = booked_at == booked_at and hop == 0
        greet = None if greets is None else greets.get((cust, hop))
        if greet is not None:
            assert joined - EPS <= greet[0] <= end + EPS, f"{where}: greeted outside the wait"
        # Without the greeters' log, whether a covered first wait is in process is unknown.
        process_known = hop > 0 or greets is not None or not here.greeted[cls]
        told_at = math.inf  # when the customer was first explained something
        assert len({int(s["flags"][k]) & Flag.OCCUPIED for k in ks}) == 1, \
            f"{where}: occupied in some pieces only"
        for k in ks:
            lo, hi, f = float(s["start"][k]), float(s["end"][k]), int(s["flags"][k])
            what = f"{where}, piece {lo}-{hi} {Flag(f)!r}"
            assert not f & Flag.OCCUPIED or here.occupied[cls] > 0, what
            assert not f & Flag.EXPLAINED or (explain is not None and here.explained[cls]), what
            if f & Flag.EXPLAINED:
                told_at = min(told_at, lo)
            covered = info is not None and here.informed[cls]
            assert bool(f & Flag.INFORMED) >= (covered or booked), what
            if f & Flag.INFORMED and not (covered or booked):
                assert explain is not None and explain.announce and told_at <= lo, what
            assert not f & Flag.BEFORE_APPOINTMENT or (booked and hi <= booked_at + EPS), what
            if hi <= lo:
                continue  # an empty piece at an instant where the order of events decides
            if booked:
                assert bool(f & Flag.BEFORE_APPOINTMENT) == (hi <= booked_at + EPS), what
            if process_known:
                in_process = hop > 0 or (greet is not None and greet[0] <= lo + EPS)
                assert bool(f & Flag.IN_PROCESS) == in_process, what
            seen_down = any(a < hi - EPS and b > lo + EPS for a, b in repairs[st])
            # Disrupted: while a server is down, and from a server leaving to the end of
            # the wait.
            left = [t for t in drops[st] if t >= joined - EPS]
            spells = merged(repairs[st] + ([(min(left), math.inf)] if left else []))
            disrupted = bool(f & Flag.DISRUPTED)
            assert disrupted >= seen_down, f"{what}: a server was down"
            assert not disrupted or any(a - EPS <= lo and hi <= b + EPS for a, b in spells), (
                f"{what}: nothing disrupted")
            if explain is None or not here.explained[cls]:
                continue
            explained = bool(f & Flag.EXPLAINED)
            if explain.on == "after_minutes":
                assert explained == (lo >= joined + (explain.minutes or 0) - EPS), what
            elif explain.on == "always":
                assert explained == disrupted, what
            else:
                assert explained == seen_down, what


def check_promises(j: Journeys) -> None:
    """A promise (NaN: none) only where one was made: a display in duration mode, an
    announced explanation, or a booked time; at a station the customer waited at, informed."""
    c, v, s, plan = j.customers, j.visits, j.segments, j.plan
    promised, station = c["promised"], c["promise_station"]
    assert np.array_equal(np.isnan(promised), station == -1), "a promise without its station"
    assert np.array_equal(np.isnan(promised), c["promise_hop"] == -1), \
        "a promise without its visit"
    visit_station = {(int(x), int(h)): int(st_) for x, h, st_ in zip(
        v["customer"], v["hop"], v["station"], strict=True)}
    for x in np.flatnonzero(~np.isnan(promised)):
        assert visit_station[(int(x), int(c["promise_hop"][x]))] == station[x], (
            f"customer {x}: the promise's visit is not at its station")
    info, explain = plan.levers.wait_time_info, plan.levers.explained_delays
    shows = info is not None and info.mode == "duration"
    announces = explain is not None and explain.announce
    first_wait = {int(x): float(e - a) for x, h, a, e in zip(
        v["customer"], v["hop"], v["joined"], np.where(np.isnan(v["service_start"]), np.where(
            np.isnan(v["left"]), j.end_time, v["left"]), v["service_start"]), strict=True)
        if h == 0}
    for i in range(len(promised)):
        cls, booked = int(c["customer_class"][i]), float(c["booked"][i])
        if math.isnan(promised[i]):
            if booked == booked and not shows and not announces and first_wait.get(i, 0) > 0:
                raise AssertionError(f"booked customer {i} waited without a promise")
            continue
        here = plan.levers.stations[int(station[i])]
        assert (shows and here.informed[cls]) or (announces and here.explained[cls]) or (
            booked == booked), f"customer {i}: a promise nobody made"
        if not shows and not announces:
            assert promised[i] == max(booked, c["arrival"][i]), \
                f"customer {i}: promised {promised[i]}, not the booked time"
        assert promised[i] >= c["arrival"][i] - EPS, f"customer {i}: promised before arriving"
        mine = (s["customer"] == i) & (s["station"] == station[i]) & (
            s["kind"] == SegmentKind.QUEUE)
        # (A 0-minute wait leaves no piece to show it, nor does an announcement at the
        # instant service starts.)
        assert not mine.any() or np.any(s["flags"][mine] & Flag.INFORMED) or announces, (
            f"customer {i}: promised, uninformed")
