"""What a run shows: the console table and the ``--json`` document."""

from __future__ import annotations

import math

from simulator.analysis.result import ExperimentResult
from simulator.analysis.statistics import Interval
from simulator.analysis.summary import METRICS
from simulator.metrics import TABLE, is_share

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


def grid(header: list[str], rows: list[list[str]]) -> list[str]:
    """Lines of a left-aligned text table with a rule under the header."""
    widths = [max(len(r[k]) for r in [header, *rows]) for k in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip()
             for r in [header, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return lines


def table(result: ExperimentResult) -> str:
    """Metrics down, variants across: ``mean [95% CI]``."""
    intervals = result.intervals()
    header = ["metric", *intervals]
    rows = []
    for metric in METRICS:
        cells = [format_interval(by_metric[metric], metric) for by_metric in intervals.values()]
        rows.append([label(metric), *cells])
    lines = grid(header, rows)
    title = (f"{result.scenario}: {result.replications} replications, seed {result.seed} "
             "(mean [95% confidence interval, Student t across replications])")
    return "\n".join([title, "", *lines])
