"""Confidence intervals and paired comparisons, checked against scipy.stats."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from simulator.analysis.statistics import paired_difference, student_t_interval


def test_student_t_interval_matches_scipy():
    x = np.random.default_rng(3).normal(5, 2, 25)
    ci = stats.ttest_1samp(x, 0).confidence_interval()
    i = student_t_interval(x)
    assert (i.mean, i.ci_low, i.ci_high, i.n) == pytest.approx((x.mean(), ci.low, ci.high, 25))


def test_paired_difference_matches_ttest_rel_and_welch():
    rng = np.random.default_rng(1)
    base = rng.normal(10, 2, 30)
    variant = base + rng.normal(0.5, 0.3, 30)  # strongly correlated, as under common numbers
    p = paired_difference(variant, base)
    paired = stats.ttest_rel(variant, base).confidence_interval()
    welch = stats.ttest_ind(variant, base, equal_var=False).confidence_interval()
    assert (p.difference.ci_low, p.difference.ci_high) == pytest.approx((paired.low, paired.high))
    assert p.unpaired_half_width == pytest.approx((welch.high - welch.low) / 2)
    assert p.variance_reduction > 5  # pairing removed most of the noise
    assert p.distinguishable


def test_paired_difference_not_distinguishable_and_nan_pairs_dropped():
    rng = np.random.default_rng(2)
    base = rng.normal(0, 1, 20)
    variant = base + rng.normal(0, 1, 20)
    variant[3] = math.nan
    p = paired_difference(variant, base)
    assert p.difference.n == 19
    assert p.difference.ci_low < 0 < p.difference.ci_high
    assert not p.distinguishable
    with pytest.raises(ValueError, match="equal length"):
        paired_difference([1.0, 2.0], [1.0])
