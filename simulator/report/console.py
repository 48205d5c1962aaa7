"""What a run shows: the console table and the ``--json`` document."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from simulator.analysis.result import ExperimentResult
from simulator.analysis.statistics import Interval
from simulator.analysis.summary import METRICS
from simulator.metrics import TABLE, is_share
from simulator.report.text import grid, paragraph

UNITS = {m.name: m.unit for m in TABLE
         if m.kind in ("minutes", "score") or m.unit == "people"}
"""Units a table's row label shows. The others go without saying: shares print as
percentages, rates are named per 100, counts and the ratio are plain numbers."""


def format_number(value: float, metric: str, signed: bool = False) -> str:
    """A metric's value as shown in tables: shares as percentages (a difference of shares in
    percentage points), '-' when undefined; ``signed``: with a + before positive values."""
    if math.isnan(value):
        return "-"
    sign = "+" if signed else ""
    if is_share(metric):
        return f"{100 * value:{sign}.1f}%"
    return f"{value:{sign}.1f}" if abs(value) >= 100 else f"{value:{sign}.2f}"


def format_interval(i: Interval, metric: str, signed: bool = False) -> str:
    """``mean [ci_low, ci_high]``, or the mean alone when the interval is undefined."""
    if math.isnan(i.ci_low):
        return format_number(i.mean, metric, signed)
    return (f"{format_number(i.mean, metric, signed)} "
            f"[{format_number(i.ci_low, metric, signed)}, "
            f"{format_number(i.ci_high, metric, signed)}]")


def label(metric: str) -> str:
    """A metric's name with its unit, as a table's row label."""
    unit = UNITS.get(metric)
    return f"{metric} ({unit})" if unit else metric


def metric_rows(metrics: Sequence[str] | None) -> list[str]:
    """The metrics a table shows: ``metrics`` in the order given, or all of :data:`METRICS`."""
    return list(metrics) if metrics else list(METRICS)


def variant_titles(result: ExperimentResult, variants: Iterable[str]) -> list[str]:
    """Column titles of variants: each one's display name (its label, else its name with
    spaces; see :func:`simulator.metrics.display_name`)."""
    return [result.display_name(v) for v in variants]


def variant_key(result: ExperimentResult, variants: Iterable[str],
                width: int | None = None) -> list[str]:
    """Lines that tie the labels heading the columns to the variants' names (the names
    ``--variant`` takes); none when no variant shown has a label."""
    pairs = [f"{v} = {result.labels[v]}" for v in variants if v in result.labels]
    return [paragraph("Variants: " + "; ".join(pairs) + ".", width), ""] if pairs else []


def table(result: ExperimentResult, metrics: Sequence[str] | None = None,
          width: int | None = None) -> str:
    """Metrics down (``metrics``, default all), variants across in blocks that fit ``width``
    columns (default: the terminal's, else 100): ``mean [95% CI]``."""
    intervals = result.intervals()
    header = ["metric", *variant_titles(result, intervals)]
    rows = []
    for metric in metric_rows(metrics):
        cells = [format_interval(by_metric[metric], metric) for by_metric in intervals.values()]
        rows.append([label(metric), *cells])
    title = (f"{result.scenario}: {result.replications} replications, seed {result.seed} "
             "(mean [95% confidence interval, Student t across replications])")
    return "\n".join([paragraph(title, width), "", *variant_key(result, intervals, width),
                      *grid(header, rows, width)])
