"""Confidence intervals across replications."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import stdtrit  # Student t quantiles; far lighter to import than scipy.stats


@dataclass(frozen=True)
class Interval:
    """A mean and its confidence interval; NaN bounds when fewer than two values exist."""

    mean: float
    ci_low: float
    ci_high: float
    n: int

    def as_dict(self) -> dict[str, float | None]:
        """JSON-ready: NaN becomes None (null)."""
        return {k: (None if math.isnan(v) else v)
                for k, v in (("mean", self.mean), ("ci_low", self.ci_low),
                             ("ci_high", self.ci_high))}


def student_t_interval(values: Sequence[float] | np.ndarray, level: float = 0.95) -> Interval:
    """Mean and two-sided Student-t confidence interval of independent replications.
    NaN values (a replication where the metric is undefined, e.g. nobody served) are dropped."""
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    n = len(x)
    if n == 0:
        return Interval(math.nan, math.nan, math.nan, 0)
    mean = float(x.mean())
    if n == 1:
        return Interval(mean, math.nan, math.nan, 1)
    sem = float(x.std(ddof=1)) / math.sqrt(n)
    half = float(stdtrit(n - 1, 0.5 + level / 2)) * sem
    return Interval(mean, mean - half, mean + half, n)
