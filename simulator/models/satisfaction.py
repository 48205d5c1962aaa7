"""Satisfaction and impact: the felt wait against what the customer expected (the model is
described in docs/model.md).

Two reference points per customer (Zeithaml, Berry & Parasuraman 1993): the expected wait
``E`` (the class's ``expected_wait`` times the customer's own multiplier, lognormal with mean
1 and log-sd ``expectation_sd``) and the acceptable wait ``A = max(E x acceptable_ratio, E +
acceptable_min_minutes)``. With the felt wait ``P``, points lost (negative: gained)::

    U0(P; E) = -gain_per_minute x min(E - P, gain_cap / gain_per_minute)   if P < E
             =  zone_per_minute x (P - E)                                  if E <= P <= A
             =  zone_per_minute x (A - E) + beyond_per_minute x (P - A)    if P > A
    S = clip(at_expectation + environment_bonus - fairness_penalty - U, 0, 100)

**Promises.** When the firm announced the wait, ``Q`` is the felt wait the customer would have
had had the promise been kept to the minute (:mod:`simulator.analysis.experience`). The
announcement moves the reference part of the way, and the tolerance zone with it::

    Q' = min(Q, P + overstatement_credit x (Q - P))     the promise as far as it is credited
    R  = max(E, E + promise_anchoring x (Q' - E))       the moved reference
    U  = U0(min(P, Q); R, with A - E the width of the tolerance zone above R)
         + beyond_per_minute x max(P - Q, 0)            a broken promise hurts at once

With ``overstatement_credit`` 0 (the default) an over-stated wait eases the wait no more than
an honest one; ``promise_anchoring`` 1 with ``overstatement_credit`` 1 is the first version's
model (the promise becomes the expectation). A booked time is a promise of another kind: the
expectation is counted from the slot, so a booked customer is judged by ``U0(P - Q; E)``.

**Blame.** A positive ``U`` is multiplied by ``blame_factor`` when the customer saw a
disruption nobody explained, and by ``explained_blame_factor`` when it was explained as the
provider's own failure (an external cause removes the blame). Customers who abandoned or
balked score ``abandoned_score`` / ``balked_score``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.spec.parameters import SatisfactionParameters


def points_lost(felt: np.ndarray, expected: np.ndarray, acceptable: np.ndarray,
                most_gained: np.ndarray | float, gain_per_minute: np.ndarray | float,
                zone_per_minute: np.ndarray | float, beyond_per_minute: np.ndarray | float
                ) -> np.ndarray:
    """``U0``: points lost (negative: gained) for a felt wait (minutes) against the reference
    ``expected`` and the acceptable wait ``acceptable`` (minutes); ``most_gained`` is the most
    minutes of gain counted (``gain_cap / gain_per_minute``). Every argument broadcasts, so
    that a fit can evaluate many parameter sets at once."""
    gain = -np.minimum(expected - felt, most_gained) * gain_per_minute
    zone = zone_per_minute * (np.minimum(felt, acceptable) - expected)
    beyond = beyond_per_minute * np.maximum(felt - acceptable, 0.0)
    return np.where(felt < expected, gain, zone + beyond)


def _unpromised(felt: np.ndarray, expected: np.ndarray, acceptable: np.ndarray,
                most_gained: float, p: SatisfactionParameters) -> np.ndarray:
    """:func:`points_lost` with the slopes of ``p``."""
    return points_lost(felt, expected, acceptable, most_gained, p.gain_per_minute,
                       p.zone_per_minute, p.beyond_per_minute)


def dissatisfaction(felt: np.ndarray, expected: np.ndarray, promise: np.ndarray,
                    p: SatisfactionParameters, booked: np.ndarray | None = None
                    ) -> np.ndarray:
    """``U`` of the module docstring (points lost; negative = gained), element-wise.
    ``promise``: felt minutes of a kept promise, NaN where nothing was promised; ``booked``:
    where the promise is a booked time, whose expectation is counted from it."""
    acceptable = np.maximum(expected * p.acceptable_ratio, expected + p.acceptable_min_minutes)
    # Parameters may be arrays of one value per draw (shape (draws, 1): an uncertainty
    # analysis scores every draw at once); the formulas broadcast.
    gain_per_minute = np.asarray(p.gain_per_minute, dtype=float)
    most_gained = np.divide(p.gain_cap, gain_per_minute, out=np.zeros_like(gain_per_minute),
                            where=gain_per_minute != 0)
    if booked is not None and booked.any():
        from_slot = _unpromised(felt - np.nan_to_num(promise), expected, acceptable,
                                most_gained, p)
        return np.where(booked, from_slot,
                        dissatisfaction(felt, expected, np.where(booked, np.nan, promise), p))
    unpromised = _unpromised(felt, expected, acceptable, most_gained, p)
    with np.errstate(invalid="ignore"):
        # The promise as far as it is credited: minutes it over-stated count at the credit.
        credited = promise - (1.0 - p.overstatement_credit) * np.maximum(promise - felt, 0.0)
        reference = np.maximum(expected, expected + p.promise_anchoring * (credited - expected))
        kept = np.minimum(felt, promise)
        promised = (_unpromised(kept, reference, reference + (acceptable - expected),
                                most_gained, p)
                    + p.beyond_per_minute * np.maximum(felt - promise, 0.0))
    return np.where(np.isnan(promise), unpromised, promised)


@dataclass(frozen=True)
class Experience:
    """What each served customer lived through, as satisfaction reads it (arrays by customer)."""

    felt: np.ndarray
    """Felt minutes of waiting."""
    expected: np.ndarray
    """The class's expected wait, minutes."""
    promise: np.ndarray
    """Felt minutes of the wait had the promise been kept (NaN where none was made)."""
    booked: np.ndarray
    """True where the promise is a booked time: the expectation is counted from it."""
    blame: np.ndarray
    """0: no disruption held against the provider; 1: one explained as the provider's own
    failure; 2: one nobody explained."""
    overtaken: np.ndarray
    """Times a later customer was served first, visibly."""
    parallel_lines: np.ndarray
    """True where the customer waited at a station with a line per server."""
    bonus: np.ndarray
    """Environment bonus points (pleasant waiting room)."""


def scores(e: Experience, p: SatisfactionParameters) -> np.ndarray:
    """Satisfaction (0-100) of served customers."""
    u = dissatisfaction(e.felt, e.expected, e.promise, p, e.booked)
    factor = np.choose(e.blame, [1.0, p.explained_blame_factor, p.blame_factor])
    u = np.where(u > 0, u * factor, u)
    fairness = (np.minimum(p.overtaken_penalty * e.overtaken, p.overtaken_cap)
                + np.where(e.parallel_lines, p.parallel_lines_penalty, 0.0))
    return np.clip(p.at_expectation + p.environment_bonus + e.bonus - fairness - u, 0.0, 100.0)


IMPACT_METRICS = ("satisfaction_mean", "dissatisfied_share", "satisfied_share",
                  "complaints_per_100", "negative_word_of_mouth_per_100",
                  "positive_word_of_mouth_per_100", "customers_lost_per_100")
"""The metrics :func:`impact` returns."""


def impact(score: np.ndarray, p: SatisfactionParameters) -> dict[str, float]:
    """The impact metrics (:data:`IMPACT_METRICS`), per 100 arrivals, from the scores
    of all arrivals (NaN when there are none)."""
    if not len(score):
        return dict.fromkeys(IMPACT_METRICS, float("nan"))
    return {name: float(value) for name, value in impact_by_draw(score, p).items()}


def row_means(values: np.ndarray) -> np.ndarray:
    """Means along the last axis, each row summed on its own as a 1-D array is (numpy sums
    the rows of a 2-D array in another order, which changes the last bits)."""
    values = np.asarray(values, dtype=float)
    rows = values.reshape(-1, values.shape[-1])
    return np.array([np.mean(row) for row in rows]).reshape(values.shape[:-1])


def impact_by_draw(score: np.ndarray, p: SatisfactionParameters) -> dict[str, np.ndarray]:
    """:func:`impact` along the last axis of ``score`` (e.g. ``score[draw, customer]``, with
    parameters that may be arrays of shape (draws, 1): one value per draw)."""
    dissatisfied = row_means(score < p.dissatisfied_below)[..., None]
    satisfied = row_means(score >= p.satisfied_above)[..., None]
    result = {
        "satisfaction_mean": row_means(score)[..., None],
        "dissatisfied_share": dissatisfied,
        "satisfied_share": satisfied,
        "complaints_per_100": 100 * dissatisfied * p.complaint_rate,
        "negative_word_of_mouth_per_100": 100 * dissatisfied * p.tells_when_dissatisfied,
        "positive_word_of_mouth_per_100": 100 * satisfied * p.tells_when_satisfied,
        "customers_lost_per_100": 100 * dissatisfied * ((1 - p.complaint_rate) * p.churn_silent
                                                        + p.complaint_rate
                                                        * (1 - p.retained_if_handled)),
    }
    return {name: np.reshape(value, score.shape[:-1]) for name, value in result.items()}
