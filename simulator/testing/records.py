"""The invariants of a run's records: customers, visits, segments, duty, breakdowns and
promises agree with each other and with the plan that was run."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np

from simulator.engine.journeys import Journeys
from simulator.models.codes import Flag, Outcome, SegmentKind
from simulator.plan.compiled import EXIT, Plan
from simulator.testing.base import EPS, close, on_intervals, reads_display
from simulator.testing.order import check_balking, check_station_order
from simulator.testing.waits import check_pieces, check_promises


@dataclass
class Observed:
    """What a run drew that its records do not keep (filled in by :class:`Probe`)."""

    durations: dict[tuple[int, int], float] = field(default_factory=dict)
    """(customer, hop): the service minutes due, after a greeter's saving."""
    greets: dict[tuple[int, int], tuple[float, float]] = field(default_factory=dict)
    """(customer, hop): when a greeter's task began and how long it was drawn to take."""


def check_journeys(journeys: Journeys, observed: Observed | None = None) -> None:
    """Check every invariant of the records of one run of ``journeys.plan``; raise
    ``AssertionError`` naming the first one broken (the customer, station or server, and the
    times involved).

    Guarantees, when it returns: each customer recorded exactly once, with outcome, arrival
    and departure consistent (censored exactly at the hard stop); visits along the class's
    route, each joined when the one before was left; queue segments tiling each wait exactly
    with the conditions (flags) the interventions and events imply; repair pauses inside a
    service, matching a recorded breakdown; patience spent only in line and never exceeded;
    each server serving one customer at a time, on duty and not down; first come first served
    within a priority level, no lower level starting while a higher one waits, nobody waiting
    while a server of their line is free; balking as the class's rule says; promises only where
    one was made.

    ``observed`` (from a :class:`Probe` run) adds what the records cannot show alone: that each
    service lasted the minutes drawn for it, and when greeters took customers.
    """
    j, plan = journeys, journeys.plan
    c, v, s = j.customers, j.visits, j.segments
    end_time = j.end_time
    n = len(c["customer"])
    assert np.array_equal(c["customer"], np.arange(n)), "each customer recorded exactly once"
    outcome = c["outcome"]
    assert set(np.unique(outcome).tolist()) <= {0, 1, 2, 3}, "unknown outcome codes"
    assert np.bincount(outcome, minlength=4).sum() == n, "outcomes do not count every customer"
    censored = outcome == Outcome.CENSORED
    assert np.array_equal(np.isnan(c["departure"]), censored), \
        "a departure is missing exactly for censored customers"
    early = np.flatnonzero(c["departure"][~censored] < c["arrival"][~censored])
    assert not len(early), (
        f"customers {np.flatnonzero(~censored)[early].tolist()} depart before they arrive")
    assert end_time <= plan.end + EPS, f"the run stopped at {end_time}, after the hard stop"
    if censored.any():
        assert end_time == plan.end, "customers are censored only at the hard stop"
    assert np.all(c["arrival"] >= plan.open - EPS), "a customer arrives before the opening"
    assert np.all(c["arrival"][c["initial"] == 1] == plan.open), \
        "an initial customer arrives after the opening"
    assert not np.any((c["initial"] == 1) & (outcome == Outcome.BALKED)), \
        "an initial customer balked"
    for cp in plan.classes:
        mine = c["customer_class"] == cp.index
        assert np.all(np.isnan(c["patience"][mine]) == (cp.patience is None)), \
            f"class {cp.name}: patience recorded where none is drawn, or missing"
        if cp.patience is None:
            assert not np.any(outcome[mine] == Outcome.ABANDONED), \
                f"class {cp.name} abandons without patience"
        reads = reads_display(plan, cp)
        if cp.balk_threshold is None and cp.balk_table is None and not reads:
            assert not np.any(outcome[mine] == Outcome.BALKED), \
                f"class {cp.name} balks without a balking rule"

    # Visits: hops 0..k-1 in order, each visit joined when the one before was left.
    vc = v["customer"]
    assert np.all(np.diff(vc) >= 0), "visits not in customer order"
    bounds = np.searchsorted(vc, np.arange(n + 1))
    level = {cp.index: cp.priority_level for cp in plan.classes}
    for i in range(n):
        a, b = bounds[i], bounds[i + 1]
        cp = plan.classes[c["customer_class"][i]]
        if outcome[i] == Outcome.BALKED:
            assert a == b and c["departure"][i] == c["arrival"][i], \
                f"balked customer {i} has visits or stayed"
            continue
        assert b > a, f"customer {i} has no visit"
        where = f"customer {i}'s visits"
        assert v["hop"][a:b].tolist() == list(range(b - a)), f"{where}: hops out of order"
        stations = v["station"][a:b].tolist()
        assert stations[0] == cp.route.start, f"{where}: not at the route's start"
        for here, there in pairwise(stations):
            targets, cumulative = cp.route.transitions[here]
            probs = np.diff([0.0, *cumulative])
            assert there in [t for t, p in zip(targets, probs, strict=True) if p > 0], \
                f"{where}: a step off the route"
        assert v["joined"][a] == c["arrival"][i], f"{where}: first joined after the arrival"
        assert np.all(v["outcome"][a:b - 1] == Outcome.SERVED), f"{where}: left mid-route"
        assert np.array_equal(v["joined"][a + 1:b], v["left"][a:b - 1]), \
            f"{where}: a visit not joined when the one before was left"
        assert v["outcome"][b - 1] == outcome[i], f"{where}: last outcome is not the customer's"
        if outcome[i] == Outcome.SERVED:
            targets, cumulative = cp.route.transitions[stations[-1]]
            assert EXIT in [t for t, p in zip(targets, np.diff([0.0, *cumulative]),
                                                strict=True) if p > 0], \
                f"{where}: left where the route has no exit"
        if outcome[i] in (Outcome.SERVED, Outcome.ABANDONED):
            assert c["departure"][i] == v["left"][b - 1], f"{where}: departure != last left"

    started = ~np.isnan(v["service_start"])
    served_v = v["outcome"] == Outcome.SERVED
    abandoned_v = v["outcome"] == Outcome.ABANDONED
    censored_v = v["outcome"] == Outcome.CENSORED
    assert np.all(served_v | abandoned_v | censored_v), "a visit with an unknown outcome"
    assert np.all(started[served_v]) and not np.any(started[abandoned_v]), \
        "a served visit with no service start, or an abandoned one with one"
    assert np.all(v["server"][started] >= 0) and np.all(v["server"][~started] == -1), \
        "a visit's server does not match whether its service started"
    assert np.all(v["joined"][started] <= v["service_start"][started]), \
        "a service started before the customer joined"
    assert np.all(v["service_start"][served_v] <= v["left"][served_v]), \
        "a customer left before the service started"
    assert np.all(v["joined"][abandoned_v] <= v["left"][abandoned_v]), \
        "a customer abandoned before joining"
    assert np.all(np.isnan(v["left"]) == censored_v), "left is missing exactly for censored"
    assert np.all(v["left"][~censored_v] <= end_time + EPS), "a visit left after the run"
    wait_end = np.where(started, v["service_start"], np.where(censored_v, end_time, v["left"]))
    service_end = np.where(np.isnan(v["left"]), end_time, v["left"])

    # Segments: queue pieces tile each visit's wait; repair pauses sit inside a service
    # and match a recorded breakdown of the server exactly.
    assert np.all(s["end"] >= s["start"]), "a segment ends before it starts"
    assert set(np.unique(s["kind"]).tolist()) <= {0, 1}, "unknown segment kinds"
    queue_time = np.zeros(len(vc))
    pauses = np.zeros(len(vc))
    rows_of: dict[tuple[int, int], list[int]] = defaultdict(list)
    for r in range(len(vc)):
        rows_of[(int(vc[r]), int(v["station"][r]))].append(r)
    down = j.tables["breakdowns"]
    repairs = {(int(a), int(b), float(x), float(y)) for a, b, x, y in zip(
        down["station"], down["server"], down["start"], down["end"], strict=True)}
    pause_list: dict[int, list[tuple[float, float]]] = defaultdict(list)
    pieces_of: dict[int, list[int]] = defaultdict(list)
    """Visit row: its queue segments."""
    for k in range(len(s["customer"])):
        cust, station = int(s["customer"][k]), int(s["station"][k])
        lo, hi, kind = float(s["start"][k]), float(s["end"][k]), int(s["kind"][k])
        if kind == SegmentKind.QUEUE:
            hits = [r for r in rows_of[(cust, station)]
                    if v["joined"][r] - EPS <= lo and hi <= wait_end[r] + EPS]
            # Several visits fit only a zero-length piece at an instant the customer passed
            # through a station more than once (zero service times, loops).
            assert len(hits) == 1 or (hits and hi - lo <= EPS), (
                f"queue segment {k} of customer {cust} fits {len(hits)} visits")
            r = hits[-1]
            queue_time[r] += hi - lo
            pieces_of[r].append(k)
        else:
            hits = [r for r in rows_of[(cust, station)] if started[r]
                    and v["service_start"][r] - EPS <= lo and hi <= service_end[r] + EPS]
            assert len(hits) == 1, f"repair pause {k} of customer {cust} is not in a service"
            r = hits[0]
            pauses[r] += hi - lo
            pause_list[r].append((lo, hi))
            _check_repair_flags(plan, j, k)
            assert (station, int(v["server"][r]), lo, hi) in repairs, (
                f"pause {lo}-{hi} of customer {cust} matches no breakdown")
    for r in range(len(vc)):
        assert close(queue_time[r], wait_end[r] - v["joined"][r]), (
            f"customer {vc[r]} hop {v['hop'][r]}: queue segments {queue_time[r]} "
            f"!= wait {wait_end[r] - v['joined'][r]}")
        if served_v[r] and observed is not None:
            key = (int(vc[r]), int(v["hop"][r]))
            net = v["left"][r] - v["service_start"][r] - pauses[r]
            assert close(net, observed.durations[key]), (
                f"customer {key}: served {net} minutes, drew {observed.durations[key]}")

    _check_patience(j)
    _check_servers(j, service_end, pause_list)
    for sp in plan.stations:
        check_station_order(j, sp, level, wait_end, started)
    check_balking(j, wait_end)
    check_pieces(j, pieces_of, wait_end, None if observed is None else observed.greets)
    check_promises(j)


def _check_patience(j: Journeys) -> None:
    """Patience is spent only in line, across all stations, at each piece's felt rate (1 under
    model: identity, where the budget is the patience in clock minutes), times
    ``broken_promise_factor`` in the promise's wait once an announced time has passed. A
    customer who gave up spent their whole budget, unless they left when told a wait (while
    informed)."""
    c, s, v = j.customers, j.segments, j.visits
    outcome = c["outcome"]
    felt = j.plan.perception()
    queue = np.flatnonzero(s["kind"] == SegmentKind.QUEUE)
    who = s["customer"][queue]
    rates = np.array([felt.rate(int(c["customer_class"][x]), int(st_), int(f)) for x, st_, f in
                      zip(who, s["station"][queue], s["flags"][queue], strict=True)])
    start, end = s["start"][queue], s["end"][queue]
    # Past an announced time (not a booked one), in the wait where it was announced.
    promised, hop = c["promised"][who], c["promise_hop"][who]
    announced = (hop >= 0) & ~((hop == 0) & ~np.isnan(c["booked"][who]))
    row = np.searchsorted(v["customer"], who) + np.maximum(hop, 0)
    row = np.minimum(row, len(v["customer"]) - 1)
    in_that_wait = announced & (s["station"][queue] == v["station"][row]) & (
        start >= v["joined"][row] - EPS)
    factor = np.array([felt.after_promise(int(k)) for k in c["customer_class"][who]])
    past = np.where(in_that_wait, np.clip(end - np.maximum(start, promised), 0, None), 0.0)
    minutes = end - start + past * (factor - 1.0)
    spent = np.bincount(who, weights=rates * minutes, minlength=len(outcome))
    # Where the customer left from: a station that tells this class a wait, or not.
    levers = j.plan.levers
    info, explain = levers.wait_time_info, levers.explained_delays
    last_visit = np.searchsorted(v["customer"], np.arange(len(outcome)), side="right") - 1
    left_from = v["station"][np.maximum(last_visit, 0)] if len(v["customer"]) else last_visit
    # Only the last promise is recorded: a customer promised a wait at more than one visit
    # may have spent patience faster after an earlier one, which the records cannot show.
    promising = np.array([
        [(info is not None and info.mode == "duration" and lv.informed[cp.index])
         or (explain is not None and explain.announce and lv.explained[cp.index])
         for lv in levers.stations] for cp in j.plan.classes], dtype=bool).reshape(
        len(j.plan.classes), len(levers.stations))
    promised_visits = np.bincount(
        v["customer"], weights=promising[c["customer_class"][v["customer"]], v["station"]],
        minlength=len(outcome))
    patience = c["patience"]
    for i in np.flatnonzero(~np.isnan(patience)):
        cls = int(c["customer_class"][i])
        budget = felt.threshold(cls, float(patience[i]), float(c["time_sense"][i]))
        if promised_visits[i] > 1 and felt.after_promise(cls) != 1:
            if felt.after_promise(cls) > 1:  # earlier broken promises only add to it
                assert spent[i] <= budget * (1 + 1e-9) + 1e-6, (
                    f"customer {i} spent {spent[i]} of {budget}")
            continue
        here = levers.stations[int(left_from[i])] if outcome[i] == Outcome.ABANDONED else None
        told = here is not None and felt.leaves_when_told(cls) and (
            (info is not None and here.informed[cls])
            or (explain is not None and explain.announce and here.explained[cls]))
        if outcome[i] == Outcome.ABANDONED and not told:
            assert math.isclose(spent[i], budget, rel_tol=1e-9, abs_tol=1e-6), (
                f"customer {i} gave up after spending {spent[i]} of a budget of {budget}")
        else:
            assert spent[i] <= budget * (1 + 1e-9) + 1e-6, (
                f"customer {i} spent {spent[i]} of {budget}")


def _check_servers(j: Journeys, service_end: np.ndarray,
                   pause_list: dict[int, list[tuple[float, float]]]) -> None:
    """Servers serve one customer at a time, only on duty, never while down (outside the
    recorded pauses); a server's breakdowns do not overlap."""
    v, duty, down = j.visits, j.tables["duty"], j.tables["breakdowns"]
    vc = v["customer"]
    for sp in j.plan.stations:
        for server in range(sp.servers):
            mine = np.flatnonzero((v["station"] == sp.index) & (v["server"] == server))
            spans = sorted((float(v["service_start"][r]), float(service_end[r]), r)
                           for r in mine.tolist())
            for (_, e0, r0), (s1, _, r1) in pairwise(spans):
                assert s1 >= e0 - EPS, (
                    f"{sp.name} server {server} serves customers {vc[r0]} and {vc[r1]} at once")
            d = (duty["station"] == sp.index) & (duty["server"] == server)
            on = on_intervals(duty["time"][d].tolist(), duty["on_duty"][d].tolist(), j.end_time)
            for s0, e0, r in spans:
                assert any(a - EPS <= s0 and e0 <= b + EPS for a, b in on), (
                    f"{sp.name} server {server} serves customer {vc[r]} ({s0}-{e0}) off duty")
            gaps = sorted((float(x), float(y)) for st_, sv, x, y in zip(
                down["station"], down["server"], down["start"], down["end"], strict=True)
                if st_ == sp.index and sv == server)
            for (_, y0), (x1, _) in pairwise(gaps):
                assert x1 >= y0 - EPS, f"{sp.name} server {server}: overlapping breakdowns"
            for x, y in gaps:
                for s0, e0, r in spans:
                    if s0 < y - EPS and e0 > x + EPS:
                        assert s0 <= x + EPS, (
                            f"{sp.name} server {server} started customer {vc[r]} at {s0} "
                            f"while down ({x}-{y})")
                        assert (x, y) in pause_list[r], (
                            f"{sp.name} server {server} served customer {vc[r]} while down "
                            f"({x}-{y}) with no pause recorded")


def _check_repair_flags(plan: Plan, j: Journeys, k: int) -> None:
    """A repair pause mid-service is in-process and disrupted, explained by staff at the
    counter under every mode of explained_delays that covers the customer, and in company
    for a customer who waits in a group."""
    s, c = j.segments, j.customers
    cls, station = int(c["customer_class"][s["customer"][k]]), int(s["station"][k])
    told = (plan.levers.explained_delays is not None
            and plan.levers.stations[station].explained[cls])
    want = Flag.IN_PROCESS | Flag.DISRUPTED | (Flag.EXPLAINED if told else 0)
    assert int(s["flags"][k]) & ~Flag.IN_GROUP == want, (
        f"repair pause {k} of customer {s['customer'][k]}: flags {Flag(int(s['flags'][k]))!r}")
