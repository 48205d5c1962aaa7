"""What ``waitsim calibrate`` shows: the table of fitted parameters (at most 100 columns) and
its rows for a pandas table."""

from __future__ import annotations

import textwrap

from simulator.analysis.calibration import Calibration
from simulator.analysis.calibration.fitting import Estimate
from simulator.report.console import grid

UNITS = {"overestimation": "ratio", "duration_exponent": "power",
         "time_sense_sd": "log-sd", "occupied_factor": "ratio", "informed_factor": "ratio",
         "at_expectation": "points", "expected_wait": "min",
         "gain_per_minute": "points/min", "zone_per_minute": "points/min",
         "beyond_per_minute": "points/min", "expectation_sd": "log-sd"}
"""Each fitted parameter's unit (a ratio, a power and a log-sd have none to speak of)."""
ROW_COLUMNS = ("group", "rows", "block", "parameter", "unit", "value", "ci_low", "ci_high",
               "fitted", "reason")
"""Columns of :func:`calibration_rows` (one row a parameter of a group)."""
WIDTH = 100


def _groups(calibration: Calibration) -> dict[str, Calibration]:
    return {"all respondents": calibration, **{f"class {name}": c for name, c in
                                               calibration.classes.items()}}


def _estimates(c: Calibration) -> list[tuple[str, str, Estimate]]:
    return ([("perception", name, e) for name, e in c.perception.estimates.items()]
            + [("satisfaction", name, e) for name, e in c.satisfaction.estimates.items()])


def calibration_rows(calibration: Calibration) -> list[tuple[object, ...]]:
    """One row a parameter of each group (the whole survey, then each class):
    :data:`ROW_COLUMNS`."""
    return [(group, c.rows, block, name, UNITS[name], e.value, e.ci_low, e.ci_high, e.fitted,
             e.reason or "")
            for group, c in _groups(calibration).items() for block, name, e in _estimates(c)]


def _cell(e: Estimate) -> str:
    if e.value is None:
        held = "" if e.fixed_at is None else f" (held at {e.fixed_at:.4g})"
        return f"not fitted{held}"
    if e.ci_low is None or e.ci_high is None:
        return f"{e.value:.3g}"
    return f"{e.value:.3g} [{e.ci_low:.3g}, {e.ci_high:.3g}]"


def calibration_text(calibration: Calibration, path: str, bootstrap: int, seed: int) -> str:
    """The console report: per group, each parameter's value with its 95% interval, and
    below each table why a parameter was not fitted."""
    lines = textwrap.wrap(
        f"Calibration from {path}: {calibration.rows} respondents (value [95% interval: "
        f"bootstrap over respondents, {bootstrap} resamples, seed {seed}; time_sense_sd's "
        "from the residuals' spread and kurtosis])", WIDTH)
    for group, c in _groups(calibration).items():
        lines += ["", f"{group} ({c.rows} rows)"]
        rows: list[list[str]] = []
        notes: dict[str, int] = {}  # a reason shared by several parameters is said once
        for block, name, e in _estimates(c):
            mark = ""
            if e.reason:
                mark = f" ({notes.setdefault(e.reason, len(notes) + 1)})"
            rows.append([block, f"{name} ({UNITS[name]})", _cell(e) + mark])
        lines += grid(["block", "parameter", "value [95% interval]"], rows)
        lines.append(textwrap.fill(f"felt wait for the satisfaction fit: {c.felt_source}",
                                   WIDTH, subsequent_indent="  "))
        for note, i in notes.items():
            lines.append(textwrap.fill(f"({i}) {note}", WIDTH, subsequent_indent="    "))
    return "\n".join(lines)
