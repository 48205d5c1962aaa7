"""Comparison of variants against the base: paired differences, ranking, replications to a
target precision.

All variants of an experiment run with the same root seed, so replication ``r`` of every
variant sees the same customers (common random numbers). A variant's difference from the base
is therefore taken replication by replication (paired Student t), which removes the noise the
two share; :class:`simulator.analysis.statistics.PairedDifference` also keeps the width an
unpaired (Welch) interval would have had, so the gain from pairing can be shown.

Pure: no files, no printing. :mod:`simulator.report.comparison` renders a :class:`Comparison`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy.special import stdtrit

from simulator.analysis.breakdown import key
from simulator.analysis.result import ExperimentResult
from simulator.analysis.statistics import Interval, PairedDifference, paired_difference
from simulator.analysis.summary import METRICS
from simulator.metrics import RANKABLE as RANKABLE
from simulator.metrics import TABLE, Better
from simulator.plan.loader import BASE

BETTER: dict[str, Better] = {m.name: m.better for m in TABLE}
"""Which direction is better, per metric (from :data:`simulator.metrics.TABLE`)."""



@dataclass(frozen=True)
class VariantMetric:
    """One metric of one variant: its mean with a 95% interval across replications, and (for
    a variant other than the base) its paired difference ``variant - base``."""

    interval: Interval
    paired: PairedDifference | None = None

    @property
    def distinguishable(self) -> bool | None:
        """Whether the paired interval excludes 0; None for the base or when the interval is
        undefined (fewer than two replications with a value). A variant identical to the base
        has the degenerate interval [0, 0], which includes 0: not distinguishable."""
        if self.paired is None or math.isnan(self.paired.difference.ci_low):
            return None
        return self.paired.distinguishable


@dataclass(frozen=True)
class Comparison:
    """Every variant against the base, metric by metric (variants in the result's order)."""

    result: ExperimentResult
    base: str
    metrics: dict[str, dict[str, VariantMetric]]
    """Per variant, then per metric of :data:`METRICS`."""
    groups: dict[str, dict[str, dict[str, dict[str, VariantMetric]]]] = field(
        default_factory=dict)
    """Per variant, then per group (``classes``, ``stations``), member and metric: the same
    for each class and station (:mod:`simulator.analysis.breakdown`), when the results have
    them."""

    @property
    def variants(self) -> list[str]:
        return list(self.metrics)

    @property
    def intervals(self) -> dict[str, dict[str, Interval]]:
        """Per variant and metric: the mean and its interval (what
        :meth:`ExperimentResult.intervals` gives, already computed here)."""
        return {v: {m: vm.interval for m, vm in by.items()} for v, by in self.metrics.items()}


def compare(result: ExperimentResult, base: str = BASE, level: float = 0.95) -> Comparison:
    """Intervals and paired differences of every variant of ``result`` against ``base``."""
    if base not in result.metrics:
        raise ValueError(f"the comparison needs the base variant {base!r} among the results "
                         f"(have: {', '.join(result.metrics)})")
    reference = result.metrics[base]
    intervals = result.intervals(level)
    table: dict[str, dict[str, VariantMetric]] = {}
    for variant, reps in result.metrics.items():
        if len(reps) != len(reference):
            raise ValueError(f"variant {variant!r} has {len(reps)} replications, the base "
                             f"{len(reference)}: pairing needs the same replications")
        table[variant] = {}
        for m in METRICS:
            paired = (None if variant == base else
                      paired_difference([r[m] for r in reps], [r[m] for r in reference], level))
            table[variant][m] = VariantMetric(intervals[variant][m], paired)
    return Comparison(result=result, base=base, metrics=table,
                      groups=_group_comparison(result, base, level))


def _group_comparison(result: ExperimentResult, base: str, level: float
                      ) -> dict[str, dict[str, dict[str, dict[str, VariantMetric]]]]:
    """:attr:`Comparison.groups`: each class's and station's intervals and, against the
    base's same class or station, paired differences."""
    reference = result.metrics[base]
    table: dict[str, dict[str, dict[str, dict[str, VariantMetric]]]] = {}
    for variant, groups in result.group_intervals(level).items():
        reps = result.metrics[variant]
        table[variant] = {}
        for group, by_member in groups.items():
            table[variant][group] = {}
            for member, by_metric in by_member.items():
                table[variant][group][member] = {}
                for m, interval in by_metric.items():
                    paired = None
                    if variant != base:
                        k = key(group, member, m)
                        if all(k in r for r in reference):
                            paired = paired_difference([r[k] for r in reps],
                                                       [r[k] for r in reference], level)
                    table[variant][group][member][m] = VariantMetric(interval, paired)
    return table



@dataclass(frozen=True)
class Ranked:
    """A place in a ranking: the variant's mean and its paired difference from the base."""

    place: int
    variant: str
    interval: Interval
    difference: Interval | None
    """``variant - base`` (None for the base)."""
    distinguishable: bool | None
    """See :attr:`VariantMetric.distinguishable`."""


def rank(comparison: Comparison, metric: str) -> list[Ranked]:
    """Variants, the base included, best first by their mean of ``metric`` (in its better
    direction, :data:`BETTER`); a variant whose mean is undefined comes last. Ties keep the
    result's order."""
    better = BETTER.get(metric, "neither")
    if better == "neither":
        raise ValueError(f"{metric!r} has no better direction; rank by one of "
                         f"{', '.join(RANKABLE)}")
    sign = -1.0 if better == "higher" else 1.0

    def key(variant: str) -> tuple[bool, float]:
        mean = comparison.metrics[variant][metric].interval.mean
        return (math.isnan(mean), 0.0 if math.isnan(mean) else sign * mean)

    order = sorted(comparison.variants, key=key)
    ranked = []
    for place, variant in enumerate(order, start=1):
        vm = comparison.metrics[variant][metric]
        ranked.append(Ranked(place, variant, vm.interval,
                             vm.paired.difference if vm.paired else None, vm.distinguishable))
    return ranked


LEAVING = ("abandoned_share", "balked_share")
"""The metrics of customers who left without service: those who gave up in line and those
who did not join."""


def turned_away(comparison: Comparison, metric: str, level: float = 0.95
                ) -> dict[str, Interval]:
    """Variants that do better than the base by ``metric`` while losing customers: those
    whose share of arrivals who left without service (abandoned or balked) is distinguishably
    higher than the base's, with that paired difference per 100 arrivals.

    Fewer customers in line shorten the wait of those who stay, so a lever that turns
    customers away (a display that over-states the wait) can raise the mean satisfaction of
    all arrivals while it loses customers; the report says so beside the ranking. Ranked by
    one way of leaving (``abandoned_share``), such a lever can win by turning those who would
    have given up in line into customers who never join: flagged too."""
    if BETTER.get(metric) not in ("higher", "lower"):
        return {}
    sign = 1.0 if BETTER[metric] == "higher" else -1.0

    def left(rows: list[dict[str, float]]) -> list[float]:
        return [100 * sum(r[m] for m in LEAVING) for r in rows]

    reference = left(comparison.result.metrics[comparison.base])
    found = {}
    for variant, rows in comparison.result.metrics.items():
        gain = comparison.metrics[variant][metric].paired
        if gain is None or not sign * gain.difference.mean > 0:
            continue
        pair = paired_difference(left(rows), reference, level)
        if pair.distinguishable and pair.difference.mean > 0:
            found[variant] = pair.difference
    return found

def half_widths(comparison: Comparison, metric: str) -> dict[str, float]:
    """The 95% half-width that a precision target is set on: per variant other than the base,
    that of its paired difference of ``metric`` from the base; with the base alone, that of the
    base's own mean. NaN when undefined."""
    def half(i: Interval) -> float:
        return (i.ci_high - i.ci_low) / 2

    rows = comparison.metrics
    if len(rows) == 1:
        return {comparison.base: half(rows[comparison.base][metric].interval)}
    return {v: half(paired.difference) for v, by in rows.items()
            if (paired := by[metric].paired) is not None}


@dataclass(frozen=True)
class AutoReplications:
    """What ``--replications auto`` did: the final comparison and the rounds it took."""

    comparison: Comparison
    precision: float
    cap: int
    rounds: tuple[int, ...]
    """Replications per variant after each round."""
    widest: tuple[str, float]
    """The variant with the widest half-width at the end, and that half-width."""

    @property
    def reached(self) -> bool:
        return self.widest[1] <= self.precision

    @property
    def capped(self) -> bool:
        """Stopped at the cap with the target not reached."""
        return not self.reached and self.rounds[-1] >= self.cap


def replications_needed(n: int, half_width: float, precision: float, cap: int,
                        level: float = 0.95) -> int:
    """The smallest ``i > n`` (at most ``cap``) with ``t(i-1) x s / sqrt(i) <= precision``,
    where ``s`` is the standard deviation that gave ``half_width`` over ``n`` replications
    (the sequential procedure of Law & Kelton, *Simulation Modeling and Analysis*, 9.4.1;
    unlike ``n x (half_width / precision)^2`` it lets the t quantile shrink with ``i``)."""
    q = 0.5 + level / 2
    sd = half_width * math.sqrt(n) / float(stdtrit(n - 1, q))
    candidates = np.arange(n + 1, cap + 1)
    enough = stdtrit(candidates - 1, q) * sd / np.sqrt(candidates) <= precision
    return int(candidates[enough][0]) if enough.any() else cap


def run_until_precise(run: Callable[[int], ExperimentResult], start: int, precision: float,
                      cap: int, metric: str) -> AutoReplications:
    """Run ``run(n)`` (an experiment with ``n`` replications per variant, reusing those already
    done) with growing ``n`` from ``start`` until every half-width of :func:`half_widths` of
    ``metric`` is at most ``precision``, or ``n`` reaches ``cap``.

    The next ``n`` is :func:`replications_needed` for the widest half-width. It stops early,
    without reaching the target, if a half-width is undefined (fewer than two replications
    with a value).
    """
    if not precision > 0:
        raise ValueError(f"precision must be > 0 (got {precision})")
    n = min(start, cap)
    rounds: list[int] = []
    while True:
        comparison = compare(run(n))
        rounds.append(n)
        widths = half_widths(comparison, metric)
        # NaN (undefined) counts as widest: never reported as reached.
        widest = max(widths.items(), key=lambda kv: math.inf if math.isnan(kv[1]) else kv[1])
        done = widest[1] <= precision or math.isnan(widest[1]) or n >= cap
        if done:
            return AutoReplications(comparison, precision, cap, tuple(rounds), widest)
        n = replications_needed(n, widest[1], precision, cap)
