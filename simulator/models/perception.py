"""The perceived-wait model: how long waits *feel* (the model is described in docs/model.md).

A wait is recorded as pieces under constant conditions (:class:`simulator.models.codes.Flag`).
Each piece has a **weight**, the product of one factor per condition that holds::

    weight = occupied_factor^occupied x in_process_factor^in_process
           x (1 + anxiety_effect x anxiety) x informed_factor^informed
           x unexplained_factor^(disrupted and not explained) x group_factor^in_group
           x before_appointment_factor^before_booked_time x progress_factor^progress

The customer's weighted minutes ``W`` are the sum of weight x clock minutes over all their
pieces, and the felt wait is ``P = m x c x W ** duration_exponent`` with
``c = overestimation x reference_minutes ** (1 - duration_exponent)``: an idle, uncertain,
pre-process wait of ``reference_minutes`` feels ``overestimation`` times as long, and the
overestimation shrinks for long waits. ``m`` is the customer's own time sense, lognormal with
mean 1 and log-sd ``time_sense_sd`` (1 for everyone at 0, and under ``model: identity``).

The engine uses the model through a small seam (:class:`FeltTime`): patience (felt minutes) is
a budget of weighted minutes, ``(patience / (m x c)) ** (1 / duration_exponent)``, spent at
``weight`` per clock minute (times ``informed_patience_factor`` while informed, and times
``broken_promise_factor`` once an announced wait has passed). Everything else is vectorised
numpy over the piece arrays, so recorded journeys can be rescored with other parameters without
simulating again (as long as patience does not depend on them).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

from simulator.models.codes import Flag
from simulator.spec.parameters import PerceptionParameters

_FLAGS = 256
"""Number of distinct condition sets (8 flag bits)."""


class FeltTime(Protocol):
    """What the engine asks of a perception model (the seam)."""

    def threshold(self, class_index: int, patience: float, time_sense: float = 1.0) -> float:
        """A patience of ``patience`` felt minutes, for a customer of time sense
        ``time_sense``, as a budget in the model's unit."""
        ...

    def rate(self, class_index: int, station_index: int, flags: int) -> float:
        """Budget spent per clock minute under the conditions ``flags``."""
        ...

    def after_promise(self, class_index: int) -> float:
        """How many times as fast patience is spent once an announced wait has passed."""
        ...

    def leaves_when_told(self, class_index: int) -> bool:
        """Whether customers of the class leave when told a wait longer than their patience."""
        ...


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
            * factor(Flag.BEFORE_APPOINTMENT, p.before_appointment_factor)
            * factor(Flag.PROGRESS, p.progress_factor))


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
        self._after_promise = [1.0 if p.model == "identity" else p.broken_promise_factor
                               for p in parameters]
        self.senses_time = np.array([p.model != "identity" for p in parameters])
        """Whether a class's felt minutes depend on the customer's own time sense."""
        self._senses = self.senses_time.tolist()
        self._told = [p.leave_when_told for p in parameters]

    # -- the seam (FeltTime) ---------------------------------------------------------------

    def threshold(self, class_index: int, patience: float, time_sense: float = 1.0) -> float:
        c, e = self._scales[class_index], self._exponents[class_index]
        if self._senses[class_index]:
            c *= time_sense
        return float((patience / c) ** (1.0 / e))

    def rate(self, class_index: int, station_index: int, flags: int) -> float:
        return float(self._rates[class_index][flags])

    def after_promise(self, class_index: int) -> float:
        return self._after_promise[class_index]

    def leaves_when_told(self, class_index: int) -> bool:
        return self._told[class_index]

    # -- vectorised ------------------------------------------------------------------------

    def weighted_minutes(self, customer_class: np.ndarray, flags: np.ndarray,
                         minutes: np.ndarray) -> np.ndarray:
        """Weighted minutes of pieces of wait (arrays of equal length)."""
        return self.weights[customer_class, flags] * minutes

    def felt(self, customer_class: np.ndarray, weighted: np.ndarray,
             time_sense: np.ndarray | float = 1.0) -> np.ndarray:
        """Felt minutes of customers' total weighted minutes, each with their time sense
        (which ``model: identity`` ignores)."""
        sense = np.where(self.senses_time[customer_class], time_sense, 1.0)
        return sense * self.scales[customer_class] * weighted ** self.exponents[customer_class]


def felt_waits(model: ClassPerception, customers_class: np.ndarray, segment_customer: np.ndarray,
               segment_flags: np.ndarray, segment_minutes: np.ndarray,
               time_sense: np.ndarray | float = 1.0) -> np.ndarray:
    """Felt minutes of waiting of every customer (index = customer id), from all their pieces
    of wait: ``m x c x (sum of weight x minutes) ** duration_exponent``."""
    weighted = model.weighted_minutes(customers_class[segment_customer], segment_flags,
                                      segment_minutes)
    total = np.bincount(segment_customer, weights=weighted, minlength=len(customers_class))
    return model.felt(customers_class, total, time_sense)
