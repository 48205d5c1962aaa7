"""Satisfaction and impact: the felt wait against what the customer expected
(docs/model.md, "Satisfaction" and "Impact").

Two reference points per class (Zeithaml, Berry & Parasuraman 1993): the expected wait ``E``
and the acceptable wait ``A = max(E x acceptable_ratio, E + acceptable_min_minutes)``. With the
felt wait ``P``::

    U(P) = -gain_per_minute x min(E - P, gain_cap / gain_per_minute)   if P < E
         =  zone_per_minute x (P - E)                                  if E <= P <= A
         =  zone_per_minute x (A - E) + beyond_per_minute x (P - A)    if P > A
    S = clip(at_expectation + environment_bonus - fairness_penalty - U, 0, 100)

When the firm promised the wait (an announced wait, a booked time), the promise ``Q`` is the
felt wait the customer would have had had the promise been kept to the minute (see
:mod:`simulator.analysis.experience`). The reference becomes ``R = max(E, E + promise_anchoring x
(Q - E))`` (with the default 1: ``max(E, Q)``), minutes from ``R`` to ``Q`` cost
``zone_per_minute``, and past ``Q`` each minute costs ``beyond_per_minute`` at once, with no
tolerance zone: a broken promise hurts at once::

    U(P) = -gain_per_minute x min(max(R - min(P, Q), 0), gain_cap / gain_per_minute)
           + zone_per_minute x max(min(P, Q) - R, 0) + beyond_per_minute x max(P - Q, 0)

A booked time is a promise of another kind, its expectation counted from the slot: the class's
``E`` and ``A`` are counted from it, so a booked customer is judged by the unpromised curve
of ``P - Q``, the felt minutes beyond those of a wait that ended on time.

A kept promise scores like an unpromised wait of the same length up to ``E`` and like a wait
exactly at expectation beyond it; over-promising (``Q < P``) always scores lower than an
honest promise (``Q = P``) on the same wait, since ``beyond_per_minute > gain_per_minute``
by default. A customer
who saw an unexplained disruption blames the provider: a positive ``U`` is multiplied by
``blame_factor`` (the gain from a short wait is not). Customers who abandoned or balked score
``abandoned_score`` / ``balked_score``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.spec.parameters import SatisfactionParameters


def dissatisfaction(felt: np.ndarray, expected: np.ndarray, promise: np.ndarray,
                    p: SatisfactionParameters, booked: np.ndarray | None = None
                    ) -> np.ndarray:
    """``U(P)`` above (points lost; negative = gained), element-wise. ``promise``:
    felt minutes of a kept promise, NaN where nothing was promised; ``booked``: where the
    promise is a booked time, whose expectation is counted from it (the unpromised curve
    of ``P - Q``)."""
    if booked is not None and booked.any():
        from_slot = dissatisfaction(felt - np.nan_to_num(promise), expected,
                                    np.full(len(felt), np.nan), p)
        return np.where(booked, from_slot, dissatisfaction(felt, expected, promise, p))
    acceptable = np.maximum(expected * p.acceptable_ratio, expected + p.acceptable_min_minutes)
    most_gained = p.gain_cap / p.gain_per_minute if p.gain_per_minute else 0.0
    gain = -np.minimum(expected - felt, most_gained) * p.gain_per_minute
    zone = p.zone_per_minute * (np.minimum(felt, acceptable) - expected)
    beyond = p.beyond_per_minute * np.maximum(felt - acceptable, 0.0)
    unpromised = np.where(felt < expected, gain, zone + beyond)
    with np.errstate(invalid="ignore"):
        reference = np.maximum(expected, expected + p.promise_anchoring * (promise - expected))
        promised = (-np.minimum(np.maximum(reference - np.minimum(felt, promise), 0.0),
                                most_gained)
                    * p.gain_per_minute
                    + p.zone_per_minute * np.maximum(np.minimum(felt, promise) - reference, 0.0)
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
    blamed: np.ndarray
    """True where the customer saw a disruption nobody explained."""
    overtaken: np.ndarray
    """Times a later customer was served first, visibly."""
    parallel_lines: np.ndarray
    """True where the customer waited at a station with a line per server."""
    bonus: np.ndarray
    """Environment bonus points (pleasant waiting room)."""


def scores(e: Experience, p: SatisfactionParameters) -> np.ndarray:
    """Satisfaction (0-100) of served customers."""
    u = dissatisfaction(e.felt, e.expected, e.promise, p, e.booked)
    u = np.where(e.blamed & (u > 0), u * p.blame_factor, u)
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
    dissatisfied = float(np.mean(score < p.dissatisfied_below))
    satisfied = float(np.mean(score >= p.satisfied_above))
    return {
        "satisfaction_mean": float(np.mean(score)),
        "dissatisfied_share": dissatisfied,
        "satisfied_share": satisfied,
        "complaints_per_100": 100 * dissatisfied * p.complaint_rate,
        "negative_word_of_mouth_per_100": 100 * dissatisfied * p.tells_when_dissatisfied,
        "positive_word_of_mouth_per_100": 100 * satisfied * p.tells_when_satisfied,
        "customers_lost_per_100": 100 * dissatisfied * ((1 - p.complaint_rate) * p.churn_silent
                                                        + p.complaint_rate
                                                        * (1 - p.retained_if_handled)),
    }
