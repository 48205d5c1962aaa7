"""The console's per-class section: each variant's headline metrics per customer class, so
that booked patients' waits show beside walk-ins' (means only; the intervals are in
``--json``, ``classes.csv`` and :meth:`simulator.api.RunResult.classes`)."""

from __future__ import annotations

from simulator.analysis.result import ExperimentResult
from simulator.report.console import format_number, grid

CLASS_COLUMNS = {"arrivals": "arrivals", "wait_mean": "wait (min)",
                 "perceived_wait_mean": "felt wait (min)", "abandoned_share": "abandoned",
                 "satisfaction_mean": "satisfaction (0-100)"}
"""The metrics the section shows, one column each, with their short headers (the section
must fit 100 columns)."""


def classes_section(result: ExperimentResult) -> str:
    """Rows of variant and class, a column per metric of :data:`CLASS_COLUMNS`, preceded by a
    blank line; empty when every variant has a single class (the pooled table says it all)
    or the results have no per-class metrics."""
    groups = result.group_intervals()
    classes = {v: g.get("classes", {}) for v, g in groups.items()}
    if all(len(by_class) <= 1 for by_class in classes.values()):
        return ""
    rows = []
    for variant, by_class in classes.items():
        for k, (name, by_metric) in enumerate(by_class.items()):
            rows.append([variant if k == 0 else "", name,
                         *(format_number(by_metric[m].mean, m) for m in CLASS_COLUMNS)])
    header = ["variant", "class", *CLASS_COLUMNS.values()]
    return "\n".join(["", "", "Per customer class (means; intervals in --json and "
                      "classes.csv):", "", *grid(header, rows)])
