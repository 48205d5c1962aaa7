"""The metrics of one recorded run under many draws of the model's parameters at once, without
simulating again: valid when the draws cannot change a clock time (no patience in play, or
only satisfaction parameters drawn; :func:`simulator.plan.uncertain.changes_behaviour`).

Everything that does not depend on the parameters (who waited where and under which
conditions, who was overtaken, who was served) is computed once; the rest is numpy over arrays
with a leading axis of draws: each segment's weight under each draw (the class's weight table
per draw, indexed by the segment's condition set), the customers' own time sense and
expectation redrawn from their random streams with each draw's spread (the k-th arrival of a
class takes the k-th value of the class's stream, as in the engine), felt minutes, promises and
scores. Sums over segments and customers are taken in the order the summaries take them, so
each draw's metrics are exactly those of :func:`simulator.analysis.summary.summarise` on a run
simulated with that draw's parameters (a test checks it to the last bit).
"""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

import numpy as np

from simulator.analysis.experience import (
    by_customer,
    per_customer_wait,
    promised_weighted,
    score,
    scoring_inputs,
)
from simulator.analysis.summary import summarise
from simulator.engine.journeys import Journeys
from simulator.engine.randomness import BLOCK, Streams, mean_one_lognormal
from simulator.models.codes import Flag, Outcome, SegmentKind
from simulator.models.perception import exponent, scale, weight_table
from simulator.models.satisfaction import impact_by_draw
from simulator.plan.compiled import Plan
from simulator.spec.base import Strict


def _by_draw(parameters: Sequence[Strict]) -> Any:
    """One class's parameters under each draw, as one object whose numeric attributes are
    arrays of shape (draws, 1) (the others, never drawn, as the first draw's)."""
    first = parameters[0]
    values: dict[str, Any] = {}
    for name in type(first).model_fields:
        value = getattr(first, name)
        numeric = isinstance(value, int | float) and not isinstance(value, bool)
        values[name] = (np.array([getattr(p, name) for p in parameters], dtype=float)[:, None]
                        if numeric else value)
    return SimpleNamespace(**values)


def own_multipliers(streams: Streams, stream: str, count: int, sd: np.ndarray) -> np.ndarray:
    """Per draw, the first ``count`` customers' multipliers from ``stream`` (lognormal, mean
    1, log-sd ``sd[draw, 0]``): the engine's values, drawn the engine's way (standard normals
    in blocks of :data:`~simulator.engine.randomness.BLOCK`)."""
    rng = streams.generator(stream)
    normals = np.concatenate([rng.standard_normal(BLOCK)
                              for _ in range(-(-count // BLOCK))] or [np.zeros(0)])[:count]
    return mean_one_lognormal(normals, sd)


def row_sums(values: np.ndarray) -> np.ndarray:
    """Sums of the rows of ``values``, each summed as a 1-D array is (see
    :func:`~simulator.models.satisfaction.row_means`)."""
    return np.array([row.sum() for row in values])


def rescore_draws(j: Journeys, plans: Sequence[Plan], seed: int, replication: int
                  ) -> dict[str, np.ndarray]:
    """Each metric of :data:`simulator.analysis.summary.METRICS` of the run ``j`` (replication
    ``replication`` under root ``seed``) under each plan of ``plans`` (the run's plan with
    other perception and satisfaction parameters: one per draw), as an array over draws."""
    c, s = j.customers, j.segments
    n, draws = len(c["customer"]), len(plans)
    cls = c["customer_class"].astype(np.intp)
    perception = [_by_draw([p.classes[k].perception for p in plans])
                  for k in range(len(j.plan.classes))]
    satisfaction = [_by_draw([p.classes[k].satisfaction for p in plans])
                    for k in range(len(j.plan.classes))]
    # Per draw and class: the weight of each condition set, felt minutes of a weighted one.
    weights = np.stack([np.broadcast_to(weight_table(pp, cp.anxiety), (draws, 256))
                        for pp, cp in zip(perception, j.plan.classes, strict=True)], axis=1)
    # One draw at a time, as the model computes them (numpy's vectorised power can differ
    # from the scalar one in the last bit).
    scales = np.array([[scale(p.classes[k].perception) for k in range(len(p.classes))]
                       for p in plans])
    exponents = np.array([[exponent(p.classes[k].perception) for k in range(len(p.classes))]
                          for p in plans])
    streams = Streams(seed, replication)
    sense, expectation = np.ones((draws, n)), np.ones((draws, n))
    for k, cp in enumerate(j.plan.classes):
        mine = np.flatnonzero(cls == k)
        if cp.perception.model != "identity":
            sense[:, mine] = own_multipliers(streams, f"time_sense:{cp.name}", len(mine),
                                             perception[k].time_sense_sd)
        expectation[:, mine] = own_multipliers(streams, f"expectation:{cp.name}", len(mine),
                                               satisfaction[k].expectation_sd)

    def felt(weighted: np.ndarray) -> np.ndarray:  # as ClassPerception.felt, per draw
        return sense * scales[:, cls] * weighted ** exponents[:, cls]

    who, flags = s["customer"], s["flags"].astype(np.intp)
    segment_weights = weights[:, cls[who], flags]
    minutes = s["end"] - s["start"]
    queue = s["kind"] == SegmentKind.QUEUE
    felt_all = felt(by_customer(who, segment_weights * minutes, n))
    felt_in_line = felt(by_customer(who[queue], segment_weights[:, queue] * minutes[queue], n))
    promise = promised_weighted(j, segment_weights, weights[:, cls, int(Flag.INFORMED)], felt)
    scores = score(scoring_inputs(j), satisfaction, felt_all, promise, expectation)
    return _metrics(j, felt_all, felt_in_line, scores, satisfaction)


def _metrics(j: Journeys, felt_all: np.ndarray, felt_in_line: np.ndarray, scores: np.ndarray,
             satisfaction: Sequence[Any]) -> dict[str, np.ndarray]:
    """The metrics, as :class:`~simulator.analysis.summary.SummaryAccumulator` takes them
    from one block, per draw (rows of the arrays)."""
    c, v = j.customers, j.visits
    draws, n = felt_all.shape
    nominal = summarise(j)
    result = {m: np.full(draws, value) for m, value in nominal.items()}
    present = (c["arrival"] >= j.stats_start) & (c["outcome"] != Outcome.CENSORED)
    started = np.bincount(v["customer"], weights=~np.isnan(v["service_start"]),
                          minlength=n) > 0
    waited = started & present
    counted = int(waited.sum())
    in_line = felt_in_line[:, waited]
    result["perceived_wait_mean"] = (row_sums(in_line) / counted if counted
                                     else np.full(draws, np.nan))
    result["perceived_wait_p90"] = (np.array([np.percentile(row, 90) for row in in_line])
                                    if counted else np.full(draws, np.nan))
    clock_all = per_customer_wait(j, None)[present].sum()
    result["overestimation_ratio"] = (row_sums(felt_all[:, present]) / clock_all
                                      if clock_all > 0 else np.full(draws, np.nan))
    arrivals = present.sum()
    totals: dict[str, np.ndarray] = {}
    for k, p in enumerate(satisfaction):
        mine = present & (c["customer_class"] == k)
        if mine.any():
            for key, value in impact_by_draw(scores[:, mine], p).items():
                totals[key] = totals.get(key, 0.0) + value * mine.sum()
    for key, total in totals.items():
        result[key] = total / arrivals
    return result
