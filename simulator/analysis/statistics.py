"""Confidence intervals across replications."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

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
        """JSON-ready: NaN and infinities become None (null)."""
        return {k: (v if math.isfinite(v) else None)
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


@dataclass(frozen=True)
class PairedDifference:
    """A paired comparison of a variant against the base over the same replications (common
    random numbers): the mean difference (variant - base) with its Student-t interval, and how
    much narrower pairing made the interval than an unpaired (Welch) one would be."""

    difference: Interval
    unpaired_half_width: float
    """Half-width of the unpaired interval of the same difference (NaN if undefined)."""

    @property
    def variance_reduction(self) -> float:
        """Unpaired / paired interval width (> 1: pairing helped; NaN if undefined)."""
        paired = (self.difference.ci_high - self.difference.ci_low) / 2
        if not paired > 0 or math.isnan(self.unpaired_half_width):
            return math.nan
        return self.unpaired_half_width / paired

    @property
    def distinguishable(self) -> bool:
        """Whether the interval excludes 0 (False when it is undefined)."""
        d = self.difference
        return bool(d.ci_low > 0 or d.ci_high < 0)


def paired_difference(variant: Sequence[float] | np.ndarray, base: Sequence[float] | np.ndarray,
                      level: float = 0.95) -> PairedDifference:
    """Paired Student-t interval of ``variant - base``, replication by replication (the two
    sequences are in replication order; pairs with a NaN on either side are dropped)."""
    a, b = np.asarray(variant, dtype=float), np.asarray(base, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"paired samples must have equal length ({len(a)} vs {len(b)})")
    keep = ~(np.isnan(a) | np.isnan(b))
    a, b = a[keep], b[keep]
    difference = student_t_interval(a - b, level)
    n = len(a)
    unpaired = math.nan
    if n >= 2:
        # Welch's interval for independent samples of the same sizes (what pairing is beside).
        va, vb = a.var(ddof=1) / n, b.var(ddof=1) / n
        se = math.sqrt(va + vb)
        if se > 0:
            dof = (va + vb) ** 2 / ((va**2 + vb**2) / (n - 1)) if va + vb else n - 1
            unpaired = float(stdtrit(dof, 0.5 + level / 2)) * se
    return PairedDifference(difference, unpaired)


def json_ready(value: Any) -> Any:
    """``value`` (nested dicts, lists and tuples) with every NaN or infinite float replaced by
    None: a JSON document never holds a number JSON cannot spell (null means undefined)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(v) for v in value]
    return value
