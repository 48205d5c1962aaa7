"""What ``waitsim sweep`` shows: the console table and the ``--json`` document."""

from __future__ import annotations

import json
from typing import Any

from simulator.analysis.statistics import json_ready
from simulator.metrics import HEADLINE
from simulator.report.console import format_interval
from simulator.report.text import grid, paragraph
from simulator.runs.sweep import SweepResult


def sweep_document(result: SweepResult) -> dict[str, Any]:
    """The ``--json`` document of ``waitsim sweep``: every point in id order, with its
    parameters and the mean and 95% interval of each metric (``metrics`` null and ``error``
    set for a point that is invalid or whose tasks failed)."""
    sweep = result.sweep
    points = []
    for p in sweep.points:
        entry: dict[str, Any] = {"id": p.id, "params": p.params,
                                 "replications": len(result.metrics.get(p.id, {}))}
        if result.status(p.id) == "ok":
            entry["metrics"] = {m: i.as_dict() for m, i in result.intervals(p.id).items()}
        else:
            entry["metrics"] = None
            entry["error"] = result.error(p.id) or "not run"
        points.append(entry)
    return json_ready({"scenario": sweep.scenario_name, "seed": sweep.seed,
                       "replications": sweep.replications, "points": points})


def sweep_table(result: SweepResult, width: int | None = None) -> str:
    """One row per point: its parameters and the headline metrics, ``mean [95% CI]``, in
    blocks of columns that fit ``width`` (default: the terminal's, else 100), each repeating
    the point and its parameters."""
    sweep = result.sweep
    header = ["point", *sweep.parameters, *HEADLINE]
    rows = []
    for p in sweep.points:
        cells = [str(p.id), *(json.dumps(p.params[k], default=str) for k in sweep.parameters)]
        status = result.status(p.id)
        if status == "ok":
            intervals = result.intervals(p.id)
            cells += [format_interval(intervals[m], m) for m in HEADLINE]
        else:
            cells += [status, *([""] * (len(HEADLINE) - 1))]
        rows.append(cells)
    title = (f"{sweep.scenario_name}: {len(sweep.points)} points x {sweep.replications} "
             f"replications, seed {sweep.seed} (mean [95% confidence interval])")
    keep = 1 + len(sweep.parameters)
    return "\n".join([paragraph(title, width), "", *grid(header, rows, width, keep=keep)])
