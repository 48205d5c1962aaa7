"""What each customer lived through, from the journey records, vectorised with numpy: clock and
felt minutes of waiting, times overtaken, promises, and the satisfaction score
(the models of docs/model.md). Arrays are indexed by customer id.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from simulator.engine.journeys import Journeys, Table
from simulator.models.codes import Flag, Outcome, SegmentKind
from simulator.models.perception import ClassPerception, felt_waits
from simulator.models.satisfaction import Experience, scores
from simulator.spec.parameters import SatisfactionParameters


def wait_ends(j: Journeys) -> np.ndarray:
    """Per visit: when its wait in line ended (service start, leaving, or the end of the run)."""
    v = j.visits
    end = np.where(np.isnan(v["service_start"]), v["left"], v["service_start"])
    return np.where(np.isnan(end), j.end_time, end)


def _of_kind(j: Journeys, kind: SegmentKind | None) -> np.ndarray:
    """Mask of the segments of ``kind`` (None: all waiting, in line and during repairs)."""
    kinds = j.segments["kind"]
    return kinds == kind if kind is not None else np.ones(len(kinds), dtype=bool)


def per_customer_wait(j: Journeys, kind: SegmentKind | None = SegmentKind.QUEUE) -> np.ndarray:
    """Clock minutes each customer spent in segments of ``kind``."""
    s, mask = j.segments, _of_kind(j, kind)
    # float even with no segments at all (bincount then counts in int64)
    return np.bincount(s["customer"][mask], weights=(s["end"] - s["start"])[mask],
                       minlength=len(j.customers["customer"])).astype(float, copy=False)


def felt_minutes(j: Journeys, kind: SegmentKind | None = SegmentKind.QUEUE,
                 model: ClassPerception | None = None) -> np.ndarray:
    """Felt minutes each customer spent in segments of ``kind``."""
    s, mask = j.segments, _of_kind(j, kind)
    c = j.customers
    return felt_waits(model or j.plan.perception(), c["customer_class"].astype(np.intp),
                      s["customer"][mask], s["flags"][mask].astype(np.intp),
                      (s["end"] - s["start"])[mask], c["time_sense"])


def times_overtaken(j: Journeys, starts: Table | None = None) -> np.ndarray:
    """How many later arrivals at the same station started service while the customer was
    still waiting there (every line of a station is in view). With ``appointments:
    {explained: true}``, being passed by a booked customer does not count.

    ``starts``: the service starts that can have overtaken these customers (a ``starts``
    table, :mod:`simulator.engine.journeys`), when others than theirs count (a block of a streamed
    run); by default the starts of ``j``'s own visits."""
    v, c = j.visits, j.customers
    n = len(c["customer"])
    if starts is None:
        begun = ~np.isnan(v["service_start"])
        starts = {"station": v["station"][begun], "joined": v["joined"][begun],
                  "start": v["service_start"][begun],
                  "booked": ~np.isnan(c["booked"][v["customer"][begun]])}
    counts = np.zeros(n)
    wait_end = wait_ends(j)
    passing = np.ones(len(starts["station"]), dtype=bool)
    if j.plan.levers.bookings_explained:
        passing = starts["booked"] == 0  # passing by a booked customer was explained
    for station in np.unique(v["station"]):
        at = np.flatnonzero(v["station"] == station)
        mine = np.flatnonzero(passing & (starts["station"] == station))
        order = mine[np.argsort(starts["joined"][mine], kind="stable")]
        joined, begun = starts["joined"][order], starts["start"][order]
        ends = wait_end[at]
        # Only those who joined during i's wait can overtake i: a window in join order.
        first = np.searchsorted(joined, v["joined"][at], side="right")
        last = np.searchsorted(joined, ends, side="left")
        width = np.maximum(last - first, 0)
        if not width.sum():
            continue
        waiter = np.repeat(np.arange(len(at)), width)
        other = np.repeat(first, width) + (np.arange(width.sum())
                                           - np.repeat(np.cumsum(width) - width, width))
        passed = begun[other] < ends[waiter]
        counts += np.bincount(v["customer"][at][waiter], weights=passed, minlength=n)
    return counts


def by_customer(who: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Sums of ``values[..., piece]`` per customer ``who[piece]`` (``n`` customers), along
    the last axis; a leading axis (one row per draw of the parameters) is summed row by row,
    each exactly as one row alone would be."""
    if values.ndim == 1:
        return np.bincount(who, weights=values, minlength=n)
    return np.stack([np.bincount(who, weights=row, minlength=n) for row in values])


def promised_felt(j: Journeys, model: ClassPerception) -> np.ndarray:
    """Felt minutes of all waiting had the last promise been kept to the minute: the wait in
    line in the visit where the promise was made is cut at the promised time, or, where
    service there began earlier, lengthened to it at the customer's mean weight. NaN where
    nothing was promised."""
    c = j.customers
    cls = c["customer_class"].astype(np.intp)
    weights = model.weights[cls[j.segments["customer"]], j.segments["flags"].astype(np.intp)]
    return promised_weighted(j, weights, model.weights[cls, int(Flag.INFORMED)],
                             lambda weighted: model.felt(cls, weighted, c["time_sense"]))


def promised_weighted(j: Journeys, weights: np.ndarray, idle_informed: np.ndarray,
                      felt: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """:func:`promised_felt` from each segment's weight (``weights[..., segment]``), each
    customer's weight of an informed idle minute (``idle_informed[..., customer]``) and the
    felt minutes of weighted minutes (``felt``); a leading axis holds draws of the
    parameters."""
    c, s, v = j.customers, j.segments, j.visits
    n = len(c["customer"])
    promised = c["promised"]
    has = c["promise_hop"] >= 0
    if not has.any():
        return np.full(np.broadcast_shapes((*weights.shape[:-1], n), idle_informed.shape),
                       np.nan)
    # The promise's visit: rows of ``visits`` are in (customer, hop) order.
    row = np.where(has, np.searchsorted(v["customer"], c["customer"]) + c["promise_hop"], 0)
    joined = np.where(has, v["joined"][row], np.nan)
    wait_end = np.where(has, wait_ends(j)[row], np.nan)
    began = np.where(has, v["service_start"][row], np.nan)
    who = s["customer"]
    minutes = s["end"] - s["start"]
    cut = ((s["kind"] == SegmentKind.QUEUE) & (s["station"] == v["station"][row][who])
           & (s["start"] >= joined[who]) & (s["end"] <= wait_end[who]))
    kept = np.where(cut, np.clip(np.fmin(s["end"], promised[who]) - s["start"], 0, None),
                    minutes)
    weighted = by_customer(who, weights * kept, n)
    total_weight = by_customer(who, weights * minutes, n)
    clock = np.bincount(who, weights=minutes, minlength=n)
    # Where service in that visit began before the promised time.
    early = np.nan_to_num(promised - began, nan=0.0).clip(0, None)
    mean_weight = np.divide(total_weight, clock,
                            out=np.broadcast_to(idle_informed, total_weight.shape).copy(),
                            where=clock > 0)
    return np.where(has, felt(weighted + mean_weight * early), np.nan)


def _blame(j: Journeys) -> np.ndarray:
    """Per customer, how a disruption they saw counts against the provider: 0 none (or one
    explained as having an external cause), 1 explained as the provider's own failure
    (``explained_delays.cause: provider``), 2 unexplained (the strongest counts)."""
    s, n = j.segments, len(j.customers["customer"])
    flags = s["flags"]
    disrupted = (flags & Flag.DISRUPTED) != 0
    explained = (flags & Flag.EXPLAINED) != 0
    explain = j.plan.levers.explained_delays
    own_failure = explain is not None and explain.cause == "provider"
    level = np.where(disrupted & ~explained, 2, np.where(disrupted & own_failure, 1, 0))
    blame = np.zeros(n, dtype=np.int8)
    np.maximum.at(blame, s["customer"], level.astype(np.int8))
    return blame


@dataclass(frozen=True)
class ScoringInputs:
    """What the scores of customers rest on that no perception or satisfaction parameter
    changes (arrays by customer)."""

    customer_class: np.ndarray
    outcome: np.ndarray
    expected_wait: np.ndarray
    """The class's expected wait (minutes), before the customer's own multiplier."""
    booked: np.ndarray
    blame: np.ndarray
    overtaken: np.ndarray
    parallel_lines: np.ndarray
    bonus: np.ndarray


def scoring_inputs(j: Journeys, starts: Table | None = None) -> ScoringInputs:
    """The :class:`ScoringInputs` of a run (``starts``: as for :func:`times_overtaken`)."""
    c, s, v = j.customers, j.segments, j.visits
    n = len(c["customer"])
    parallel_station = np.array([st.layout == "line_per_server" for st in j.plan.stations])
    parallel = np.bincount(v["customer"], weights=parallel_station[v["station"]],
                           minlength=n) > 0
    bonus = np.zeros(n)
    room = np.array([lv.room_bonus for lv in j.plan.levers.stations]).T  # [class, station]
    if room.any():  # a pleasant waiting room, for those who waited in it
        queue = s["kind"] == SegmentKind.QUEUE
        waited = s["customer"][queue]
        np.maximum.at(bonus, waited, room[c["customer_class"][waited], s["station"][queue]])
    return ScoringInputs(
        customer_class=c["customer_class"], outcome=c["outcome"],
        expected_wait=np.array([cp.expected_wait for cp in j.plan.classes])[c["customer_class"]],
        booked=~np.isnan(c["booked"]) & (c["promise_hop"] == 0),  # the promise is the booking
        blame=_blame(j), overtaken=times_overtaken(j, starts), parallel_lines=parallel,
        bonus=bonus)


def score(inputs: ScoringInputs, parameters: Sequence[SatisfactionParameters],
          felt: np.ndarray, promise: np.ndarray, expectation: np.ndarray) -> np.ndarray:
    """Satisfaction (0-100) of every customer: :func:`simulator.models.satisfaction.scores`
    for those served, the class's scores for those who abandoned or balked, NaN for the
    censored. ``parameters``: per class; ``felt``, ``promise`` (felt minutes) and
    ``expectation`` (the customer's multiplier of the expected wait) may carry a leading
    axis of draws, the parameters then being arrays of shape (draws, 1)."""
    shape = np.broadcast_shapes(felt.shape, promise.shape, expectation.shape)
    everyone = {"felt": felt, "expected": inputs.expected_wait * expectation,
                "promise": promise, "booked": inputs.booked, "blame": inputs.blame,
                "overtaken": inputs.overtaken, "parallel_lines": inputs.parallel_lines,
                "bonus": inputs.bonus}
    result = np.full(shape, np.nan)
    outcome = inputs.outcome
    for index, p in enumerate(parameters):
        mine = np.flatnonzero(inputs.customer_class == index)
        ex = Experience(**{name: values[..., mine] for name, values in everyone.items()})
        result[..., mine] = np.select(
            [outcome[mine] == Outcome.ABANDONED, outcome[mine] == Outcome.BALKED,
             outcome[mine] == Outcome.CENSORED],
            [p.abandoned_score, p.balked_score, np.nan], scores(ex, p))
    return result


def satisfaction_scores(j: Journeys, felt: np.ndarray, model: ClassPerception,
                        starts: Table | None = None) -> np.ndarray:
    """Satisfaction (0-100) of every customer from ``felt`` (felt minutes of all waiting),
    as :func:`score` says. ``starts``: as for :func:`times_overtaken`."""
    return score(scoring_inputs(j, starts), [cp.satisfaction for cp in j.plan.classes], felt,
                 promised_felt(j, model), j.customers["expectation"])


def customer_experience(j: Journeys, starts: Table | None = None) -> Table:
    """Per customer: ``wait`` and ``perceived_wait`` (clock and felt minutes in line, all
    stations), ``felt_all`` (felt minutes of all waiting, repairs mid-service included) and
    ``satisfaction`` (0-100; NaN if censored). ``starts``: as for :func:`times_overtaken`."""
    model = j.plan.perception()
    felt_all = felt_minutes(j, None, model)
    return {"wait": per_customer_wait(j), "perceived_wait": felt_minutes(j, model=model),
            "felt_all": felt_all, "satisfaction": satisfaction_scores(j, felt_all, model, starts)}
