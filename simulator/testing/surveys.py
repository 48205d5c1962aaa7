"""Synthetic customer surveys drawn from the perception and satisfaction models, with known
parameters: to test that ``waitsim calibrate`` recovers them, and for the bundled example.

Each respondent waits a gamma-distributed number of clock minutes, occupied and informed with
given shares; the felt wait comes from :mod:`simulator.models.perception` (with the customer's
time sense and the class's anxiety), the score from :mod:`simulator.models.satisfaction` (with
the customer's expectation multiplier). The survey then records what a real one would: the
felt wait times a recall error (lognormal, mean 1), rounded as respondents round, and the
score plus answering noise, clipped to the scale and, for a Likert scale, rounded to its
points.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from simulator.models.codes import Flag
from simulator.models.perception import ClassPerception
from simulator.models.satisfaction import Experience, scores
from simulator.spec.parameters import PerceptionParameters, SatisfactionParameters


@dataclass(frozen=True)
class SurveyClass:
    """How one class of respondents waited and what they expected (minutes)."""

    name: str
    respondents: int
    expected_wait: float
    wait_mean: float
    wait_sd: float
    anxiety: float = 0.0
    occupied_share: float = 0.0
    informed_share: float = 0.0
    perception: PerceptionParameters = field(default_factory=PerceptionParameters)
    satisfaction: SatisfactionParameters = field(default_factory=SatisfactionParameters)


def lognormal_mean_one(rng: np.random.Generator, sd: float, size: int) -> np.ndarray:
    """Multipliers with mean 1 and log-sd ``sd`` (the models' time sense and expectation)."""
    return rng.lognormal(-sd ** 2 / 2, sd, size)


def synthetic_survey(classes: list[SurveyClass], seed: int, *, recall_sd: float = 0.15,
                     answer_sd: float = 5.0, round_to: float = 1.0,
                     scale: tuple[float, float] = (0.0, 100.0)) -> pd.DataFrame:
    """A survey of the given classes (columns ``class``, ``actual_wait``, ``reported_wait``,
    ``satisfaction``, ``occupied``, ``informed``). ``recall_sd``: log-sd of the recall error;
    ``answer_sd``: sd of the answering noise (points of 0-100); ``round_to``: minutes that
    reports are rounded to (0: nothing is rounded; else also actual waits to 0.1 minute and
    answers on 0-100 to 0.1 point, as a survey file would hold them); ``scale``: the
    satisfaction scale's lowest and highest answers (a Likert scale is rounded to whole
    points)."""
    rng = np.random.default_rng(seed)
    tables = []
    for c in classes:
        n = c.respondents
        actual = rng.gamma((c.wait_mean / c.wait_sd) ** 2, c.wait_sd ** 2 / c.wait_mean, n)
        occupied = rng.random(n) < c.occupied_share
        informed = rng.random(n) < c.informed_share
        flags = np.where(occupied, int(Flag.OCCUPIED), 0) | np.where(informed,
                                                                       int(Flag.INFORMED), 0)
        model = ClassPerception([c.perception], [c.anxiety])
        index = np.zeros(n, dtype=int)
        sense = lognormal_mean_one(rng, c.perception.time_sense_sd, n)
        felt = model.felt(index, model.weighted_minutes(index, flags, actual), sense)
        expected = c.expected_wait * lognormal_mean_one(rng, c.satisfaction.expectation_sd, n)
        none = np.zeros(n)
        score = scores(Experience(felt=felt, expected=expected, promise=np.full(n, np.nan),
                                  booked=none.astype(bool), blame=none.astype(int),
                                  overtaken=none, parallel_lines=none.astype(bool),
                                  bonus=none), c.satisfaction)
        reported = felt * lognormal_mean_one(rng, recall_sd, n)
        if round_to:
            reported = np.maximum(np.round(reported / round_to) * round_to, round_to)
        answer = np.clip(score + rng.normal(0.0, answer_sd, n), 0.0, 100.0)
        low, high = scale
        answer = low + answer / 100.0 * (high - low)
        if scale != (0.0, 100.0):
            answer = np.round(answer)
        tables.append(pd.DataFrame({
            "class": c.name,
            "actual_wait": np.round(actual, 1) if round_to else actual,
            "reported_wait": np.round(reported, 2) if round_to else reported,
            "satisfaction": np.round(answer, 1) if round_to else answer,
            "occupied": occupied.astype(int), "informed": informed.astype(int)}))
    return pd.concat(tables, ignore_index=True)
