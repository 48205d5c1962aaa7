"""Percentiles of a stream of non-negative values (minutes of waiting), in bounded memory.

Exact (``numpy.percentile``, linear interpolation) while the values seen fit a fixed budget
(:data:`EXACT_VALUES`); beyond it, every value is counted in a logarithmic histogram whose
buckets are about twice :data:`RELATIVE_ACCURACY` wide, each value counted as its bucket's
midpoint (the idea of DDSketch, Masson, Rim and Lee 2019), so a percentile is within
:data:`RELATIVE_ACCURACY` of the exact one (or :data:`SMALLEST` minutes for
values below it). Either way the result depends only on the values, not on the order or the
blocks they came in.
"""

from __future__ import annotations

import math

import numpy as np

EXACT_VALUES = 1 << 20
"""Values kept exactly (8 MiB) before switching to the histogram."""
RELATIVE_ACCURACY = 1e-4
"""Relative error of a percentile from the histogram: 0.01%."""
SMALLEST = 1e-6
"""Minutes: positive values below this are counted as this (zero is counted exactly)."""

_GAMMA = (1 + RELATIVE_ACCURACY) / (1 - RELATIVE_ACCURACY)
_LOG_GAMMA = math.log(_GAMMA)
_FIRST = math.ceil(math.log(SMALLEST) / _LOG_GAMMA)
"""Index of the bucket of SMALLEST: bucket k holds (gamma^(k-1), gamma^k]."""


class StreamPercentiles:
    """Percentiles of all the values given to :meth:`add`."""

    def __init__(self, exact_values: int | None = None) -> None:
        self.exact_values = EXACT_VALUES if exact_values is None else exact_values
        self.count = 0
        self._values: list[np.ndarray] = []
        self._zeros = 0
        self._buckets: np.ndarray | None = None
        """Counts per bucket (index k - _FIRST); None while the values are kept exactly."""

    def add(self, values: np.ndarray) -> None:
        """Count ``values``: finite and not negative (minutes), or ValueError."""
        values = np.asarray(values, dtype=float)
        if len(values) and not (np.isfinite(values).all() and values.min() >= 0):
            raise ValueError("percentiles are of finite, non-negative values")
        self.count += len(values)
        if self._buckets is None:
            self._values.append(values)
            if self.count <= self.exact_values:
                return
            values = np.concatenate(self._values)
            self._values = []
            self._buckets = np.zeros(0, dtype=np.int64)
        positive = values[values > 0]
        self._zeros += len(values) - len(positive)
        index = np.ceil(np.log(np.maximum(positive, SMALLEST)) / _LOG_GAMMA).astype(np.int64)
        counts = np.bincount(index - _FIRST)
        if len(counts) > len(self._buckets):
            self._buckets = np.concatenate(
                [self._buckets, np.zeros(len(counts) - len(self._buckets), dtype=np.int64)])
        self._buckets[:len(counts)] += counts

    @property
    def exact(self) -> bool:
        return self._buckets is None

    def percentile(self, q: float) -> float:
        """The ``q``-th percentile (0-100), as ``numpy.percentile`` (NaN if no values)."""
        if not self.count:
            return math.nan
        if self._buckets is None:
            return float(np.percentile(np.concatenate(self._values), q))
        rank = (self.count - 1) * q / 100
        low, high = math.floor(rank), math.ceil(rank)
        a, b = self._order_statistic(low), self._order_statistic(high)
        return a + (rank - low) * (b - a)

    def _order_statistic(self, rank: int) -> float:
        """The value of rank ``rank`` (0 = smallest): its bucket's midpoint in relative
        terms, within RELATIVE_ACCURACY of every value in the bucket."""
        if rank < self._zeros:
            return 0.0
        assert self._buckets is not None
        bucket = int(np.searchsorted(np.cumsum(self._buckets), rank - self._zeros,
                                     side="right"))
        return 2 * _GAMMA ** (bucket + _FIRST) / (_GAMMA + 1)
