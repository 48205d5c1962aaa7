"""Reading a customer survey for calibration: one row a respondent, checked cell by cell.

Columns (a header row names them; their order does not matter, other columns are ignored,
lines starting with ``#`` are comments):

- ``actual_wait`` (required): the clock minutes the respondent waited (from the queue system's
  log, or a stopwatch), >= 0;
- ``reported_wait`` (optional): the minutes the respondent said they waited, >= 0;
- ``satisfaction`` (optional): 0-100, or a Likert answer on the scale given with ``scale``
  (e.g. 1-5), mapped linearly to 0-100: the scale's low end is 0, its high end 100;
- ``class`` (optional): the customer class (a name of the scenario's ``customers:``);
- ``occupied`` and ``informed`` (optional): 0 or 1, whether the respondent had something to do
  while waiting (a TV, reading matter) and whether they were told the wait.

An empty cell of an optional column is a missing answer. Any other problem (a missing required
column, a cell that is not a number, a negative wait, a Likert answer off the scale, a flag that
is neither 0 nor 1) raises :class:`ScenarioError` naming the file, the line and the column.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from simulator.errors import ScenarioError

REQUIRED = ("actual_wait",)
OPTIONAL = ("reported_wait", "satisfaction", "class", "occupied", "informed")
FLAGS = ("occupied", "informed")
SCALES = {"0-100": (0.0, 100.0), "1-5": (1.0, 5.0), "1-7": (1.0, 7.0)}
"""Satisfaction scales a survey can declare: name -> (lowest, highest answer)."""


@dataclass(frozen=True)
class Survey:
    """A checked survey, column by column (arrays by respondent; NaN = no answer)."""

    path: Path
    lines: np.ndarray
    """The file's line number of each respondent."""
    actual: np.ndarray
    """Clock minutes waited."""
    reported: np.ndarray | None
    """Minutes the respondent reported (None: no such column)."""
    satisfaction: np.ndarray | None
    """Satisfaction mapped to 0-100 (None: no such column)."""
    classes: np.ndarray | None
    """Customer class of each respondent (None: no such column)."""
    flags: dict[str, np.ndarray]
    """``occupied`` / ``informed`` (0.0 or 1.0; NaN: no answer), for the columns present."""
    scale: str

    @property
    def rows(self) -> int:
        return len(self.actual)

    def subset(self, keep: np.ndarray) -> Survey:
        """The respondents where ``keep`` (a boolean array) is true."""
        def cut(a: np.ndarray | None) -> np.ndarray | None:
            return None if a is None else a[keep]

        return Survey(self.path, self.lines[keep], self.actual[keep], cut(self.reported),
                      cut(self.satisfaction), cut(self.classes),
                      {k: v[keep] for k, v in self.flags.items()}, self.scale)


def parse_scale(text: str) -> str:
    """The name of a satisfaction scale (``0-100``, ``1-5``, ``1-7``), checked."""
    if text not in SCALES:
        raise ScenarioError(f"--scale {text}: unknown scale (scales: {', '.join(SCALES)})")
    return text


def _number(path: Path, line: int, column: str, cell: str) -> float:
    try:
        value = float(cell)
    except ValueError:
        raise ScenarioError(f"{path}:{line}: column {column}: not a number (got {cell!r})"
                            ) from None
    if not math.isfinite(value):
        raise ScenarioError(f"{path}:{line}: column {column}: must be a finite number "
                            f"(got {cell!r})")
    return value


def _cell(path: Path, line: int, column: str, cell: str, scale: str) -> float:
    """One numeric cell, checked and (for satisfaction) mapped to 0-100; NaN when empty."""
    cell = cell.strip()
    if not cell:
        if column in REQUIRED:
            raise ScenarioError(f"{path}:{line}: column {column}: required, but empty")
        return math.nan
    value = _number(path, line, column, cell)
    if column in ("actual_wait", "reported_wait") and value < 0:
        raise ScenarioError(f"{path}:{line}: column {column}: a wait cannot be negative "
                            f"(got {cell})")
    if column in FLAGS and value not in (0.0, 1.0):
        raise ScenarioError(f"{path}:{line}: column {column}: must be 0 or 1 (got {cell})")
    if column == "satisfaction":
        low, high = SCALES[scale]
        if not low <= value <= high:
            raise ScenarioError(f"{path}:{line}: column satisfaction: {cell} is off the "
                                f"{scale} scale (declare the survey's scale with --scale; "
                                f"scales: {', '.join(SCALES)})")
        value = 100.0 * (value - low) / (high - low)
    return value


def read_survey(path: str | Path, scale: str = "0-100") -> Survey:
    """Read and check a survey CSV file (see the module docstring)."""
    path = Path(path)
    parse_scale(scale)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ScenarioError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: cannot read the survey: {exc}") from None
    numbered = [(i, line) for i, line in enumerate(text.splitlines(), start=1)
                if line.strip() and not line.lstrip().startswith("#")]
    if not numbered:
        raise ScenarioError(f"{path}: the survey is empty (a header row naming the columns, "
                            "then one row per respondent)")
    rows = list(csv.reader([line for _, line in numbered]))
    header_line, header = numbered[0][0], [name.strip() for name in rows[0]]
    for name in REQUIRED:
        if name not in header:
            raise ScenarioError(f"{path}:{header_line}: column {name}: required column missing "
                                f"(columns found: {', '.join(header)})")
    present = [name for name in (*REQUIRED, *OPTIONAL) if name in header]
    index = {name: header.index(name) for name in present}
    values: dict[str, list[float]] = {name: [] for name in present if name != "class"}
    classes: list[str] = []
    lines: list[int] = []
    for (line, _), row in zip(numbered[1:], rows[1:], strict=True):
        if len(row) != len(header):
            raise ScenarioError(f"{path}:{line}: {len(row)} cells where the header has "
                                f"{len(header)} columns")
        lines.append(line)
        for name in present:
            cell = row[index[name]]
            if name == "class":
                classes.append(cell.strip())
            else:
                values[name].append(_cell(path, line, name, cell, scale))
    if not lines:
        raise ScenarioError(f"{path}: the survey has a header but no respondents")

    def column(name: str) -> np.ndarray | None:
        return np.array(values[name]) if name in values else None

    return Survey(path=path, lines=np.array(lines), actual=np.array(values["actual_wait"]),
                  reported=column("reported_wait"), satisfaction=column("satisfaction"),
                  classes=np.array(classes) if "class" in index else None,
                  flags={name: np.array(values[name]) for name in FLAGS if name in values},
                  scale=scale)
