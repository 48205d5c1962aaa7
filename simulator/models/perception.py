"""The perceived-wait model: how long waits *feel* (docs/model.md, "Felt wait").

A wait is recorded as pieces under constant conditions (:class:`simulator.engine.journeys.Flag`).
Each piece has a **weight**, the product of one factor per condition that holds::

    weight = occupied_factor^occupied x in_process_factor^in_process
           x (1 + anxiety_effect x anxiety) x informed_factor^informed
           x unexplained_factor^(disrupted and not explained) x group_factor^in_group
           x before_appointment_factor^before_booked_time

The customer's weighted minutes ``W`` are the sum of weight x clock minutes over all their
pieces, and the felt wait is ``P = c x W ** duration_exponent`` with
``c = overestimation x reference_minutes ** (1 - duration_exponent)``: an idle, uncertain,
pre-process wait of ``reference_minutes`` feels ``overestimation`` times as long, and the
overestimation shrinks for long waits.

The engine uses the model through a small seam (:class:`FeltTime`): patience (felt minutes) is
a budget of weighted minutes, ``(patience / c) ** (1 / duration_exponent)``, spent at ``weight``
per clock minute (times ``informed_patience_factor`` while informed). Everything else is
vectorised numpy over the piece arrays, so recorded journeys can be rescored with other
parameters without simulating again (as long as patience does not depend on them).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

from simulator.models.codes import Flag
from simulator.spec.parameters import PerceptionParameters

_FLAGS = 128
"""Number of distinct condition sets (7 flag bits)."""


class FeltTime(Protocol):
    """What the engine asks of a perception model (the seam)."""

    def threshold(self, class_index: int, patience: float) -> float:
        """A patience of ``patience`` felt minutes as a budget in the model's unit."""
        ...

    def rate(self, class_index: int, station_index: int, flags: int) -> float:
        """Budget spent per clock minute under the conditions ``flags``."""
        ...


class IdentityPerception:
    """``perception: {model: identity}``: felt minutes are clock minutes."""

    def threshold(self, class_index: int, patience: float) -> float:
        return patience

    def rate(self, class_index: int, station_index: int, flags: int) -> float:
        return 1.0


def weight_table(p: PerceptionParameters, anxiety: float) -> np.ndarray:
    """Weight of every condition set (index: the flag bits), for a class of the given
    anxiety (0..1). All ones under ``model: identity``."""
    flags = np.arange(_FLAGS)
    if p.model == "identity":
        return np.ones(_FLAGS)

    def factor(bit: int, value: float) -> np.ndarray:
        return np.where(flags & bit, value, 1.0)

    unexplained = ((flags & Flag.DISRUPTED) != 0) & ((flags & Flag.EXPLAINED) == 0)
    return (factor(Flag.OCCUPIED, p.occupied_factor)
            * factor(Flag.IN_PROCESS, p.in_process_factor)
            * (1.0 + p.anxiety_effect * anxiety)
            * factor(Flag.INFORMED, p.informed_factor)
            * np.where(unexplained, p.unexplained_factor, 1.0)
            * factor(Flag.IN_GROUP, p.group_factor)
            * factor(Flag.BEFORE_APPOINTMENT, p.before_appointment_factor))


def scale(p: PerceptionParameters) -> float:
    """``c``: felt minutes of one weighted minute (before the power law)."""
    if p.model == "identity":
        return 1.0
    return p.overestimation * p.reference_minutes ** (1.0 - p.duration_exponent)


def exponent(p: PerceptionParameters) -> float:
    return 1.0 if p.model == "identity" else p.duration_exponent


class ClassPerception:
    """The model as the engine and the summaries use it: parameters and weights per class."""

    def __init__(self, parameters: Sequence[PerceptionParameters],
                 anxiety: Sequence[float]) -> None:
        self.parameters = tuple(parameters)
        self.weights = np.stack([weight_table(p, a) for p, a in
                                 zip(parameters, anxiety, strict=True)])
        self.scales = np.array([scale(p) for p in parameters])
        self.exponents = np.array([exponent(p) for p in parameters])
        patience_speed = np.array([1.0 if p.model == "identity" else p.informed_patience_factor
                                   for p in parameters])
        informed = (np.arange(_FLAGS) & Flag.INFORMED) != 0
        # Budget spent per clock minute: the weight, faster or slower while informed.
        self._rates = (self.weights * np.where(informed, patience_speed[:, None], 1.0)).tolist()
        self._scales, self._exponents = self.scales.tolist(), self.exponents.tolist()

    # -- the seam (FeltTime) ---------------------------------------------------------------

    def threshold(self, class_index: int, patience: float) -> float:
        c, e = self._scales[class_index], self._exponents[class_index]
        return float((patience / c) ** (1.0 / e))

    def rate(self, class_index: int, station_index: int, flags: int) -> float:
        return float(self._rates[class_index][flags])

    # -- vectorised ------------------------------------------------------------------------

    def weighted_minutes(self, customer_class: np.ndarray, flags: np.ndarray,
                         minutes: np.ndarray) -> np.ndarray:
        """Weighted minutes of pieces of wait (arrays of equal length)."""
        return self.weights[customer_class, flags] * minutes

    def felt(self, customer_class: np.ndarray, weighted: np.ndarray) -> np.ndarray:
        """Felt minutes of a customer's total weighted minutes."""
        return self.scales[customer_class] * weighted ** self.exponents[customer_class]


def felt_waits(model: ClassPerception, customers_class: np.ndarray, segment_customer: np.ndarray,
               segment_flags: np.ndarray, segment_minutes: np.ndarray) -> np.ndarray:
    """Felt minutes of waiting of every customer (index = customer id), from all their pieces
    of wait: ``c x (sum of weight x minutes) ** duration_exponent``."""
    weighted = model.weighted_minutes(customers_class[segment_customer], segment_flags,
                                      segment_minutes)
    total = np.bincount(segment_customer, weights=weighted, minlength=len(customers_class))
    return model.felt(customers_class, total)
