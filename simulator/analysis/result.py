"""What an experiment produced: every variant's metrics, replication by replication, and their
confidence intervals."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from simulator.analysis.breakdown import GROUP_METRICS, GroupIntervals, group_intervals
from simulator.analysis.statistics import Interval, json_ready, student_t_interval
from simulator.analysis.summary import METRICS


@dataclass(frozen=True)
class ExperimentResult:
    scenario: str
    seed: int
    replications: int
    metrics: dict[str, list[dict[str, float]]]
    """Per variant (base first), the metrics of each replication in order."""
    reused: int
    """Replications found finished in the output directory and not run again."""
    seconds: float

    def intervals(self, level: float = 0.95) -> dict[str, dict[str, Interval]]:
        """Per variant and metric: mean and Student-t confidence interval."""
        return {variant: metric_intervals(reps, level) for variant, reps in self.metrics.items()}

    def group_intervals(self, level: float = 0.95) -> dict[str, GroupIntervals]:
        """Per variant, then per group (``classes``, ``stations``), member and metric: mean
        and Student-t interval (empty for results without a breakdown, e.g. read from an
        older folder)."""
        return {variant: group_intervals(reps, level) for variant, reps in self.metrics.items()}

    def group_table(self, group: str) -> tuple[list[str], list[list[Any]]]:
        """The header and rows of ``classes.csv`` (``group`` classes) or ``stations.csv``
        (stations): as ``summary.csv`` with a column for the class or station."""
        member = {"classes": "class", "stations": "station"}[group]
        return (["variant", member, "metric", "mean", "ci_low", "ci_high", "n"],
                [[v, name, m, i.mean, i.ci_low, i.ci_high, i.n]
                 for v, groups in self.group_intervals().items()
                 for name, by_metric in groups.get(group, {}).items()
                 for m, i in by_metric.items() if m in GROUP_METRICS[group]])

    def summary_table(self) -> tuple[list[str], list[list[Any]]]:
        """The header and rows of ``summary.csv``: one row per variant and metric, its mean
        and 95% Student-t interval, and the replications it rests on."""
        return (["variant", "metric", "mean", "ci_low", "ci_high", "n"],
                [[v, m, i.mean, i.ci_low, i.ci_high, i.n]
                 for v, by_metric in self.intervals().items() for m, i in by_metric.items()])

    def replications_table(self) -> tuple[list[str], list[list[Any]]]:
        """The header and rows of ``replications.csv``: one row per variant and
        replication, a column per metric."""
        return (["variant", "replication", *METRICS],
                [[v, r, *(row[m] for m in METRICS)]
                 for v, rows in self.metrics.items() for r, row in enumerate(rows)])

    def to_json(self, intervals: dict[str, dict[str, Interval]] | None = None
                ) -> dict[str, Any]:
        """The ``--json`` document of a run (NaN as null): per variant its ``metrics``, and
        its ``classes`` and ``stations``, each {name: {"metrics": ...}} (when the results
        have them). ``intervals``: those of :meth:`intervals` when already computed (e.g. by
        a comparison)."""
        if intervals is None:
            intervals = self.intervals()
        groups = self.group_intervals()

        def metrics(by_metric: dict[str, Interval]) -> dict[str, Any]:
            return {"metrics": {m: i.as_dict() for m, i in by_metric.items()}}

        return json_ready({
            "scenario": self.scenario,
            "seed": self.seed,
            "replications": self.replications,
            "variants": {
                variant: {**metrics(by_metric),
                          **{group: {name: metrics(by) for name, by in members.items()}
                             for group, members in groups[variant].items()}}
                for variant, by_metric in intervals.items()
            },
        })


def metric_intervals(replications: Sequence[Mapping[str, float]], level: float = 0.95
                     ) -> dict[str, Interval]:
    """Per metric of :data:`METRICS`: the mean over ``replications`` (each the metrics of one
    replication) and its Student-t confidence interval at ``level``."""
    return {m: student_t_interval([r[m] for r in replications], level) for m in METRICS}
