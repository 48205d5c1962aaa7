"""Figures of a sweep: each metric against each swept parameter, with 95% intervals, from the
sweep folder's summary.csv (:class:`~simulator.results.SweepSummary`)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from simulator.metrics import BY_NAME, HEADLINE
from simulator.plots.style import (
    EDGE,
    PALETTE,
    FigureUnavailable,
    _figure,
    _scale,
    _styled,
    _subtitle,
    integer_ticks,
)
from simulator.results import SweepSummary

SWEEP_METRICS = HEADLINE
"""The metrics of a sweep figure by default: the headline metrics, a panel each."""


def short_name(parameter: str) -> str:
    """``adviser servers``: a swept parameter (a dotted scenario path) as figures name it, by
    the last parts of its path that say what it is (``teller service mean``)."""
    parts = parameter.split(".")
    return " ".join(parts[-3:] if len(parts) > 3 else parts[-2:]).replace("_", " ")


def _value(value: object) -> str:
    """A parameter's value as a legend shows it (3.0 as 3)."""
    return f"{value:g}" if isinstance(value, float) else str(value)


def _value_label(parameter: str, value: object) -> str:
    """``adviser servers = 2``: a swept parameter's short name and a value."""
    return f"{short_name(parameter)} = {_value(value)}"


def _axis_label(metric: str) -> str:
    """A metric's name with its unit as drawn (shares in %)."""
    m = BY_NAME[metric]
    unit = "%" if m.kind == "share" else m.unit
    return f"{m.label} ({unit})"


def _whole(values: Sequence[float]) -> bool:
    """Whether every value of a parameter is a whole number (servers, counts)."""
    return all(float(v).is_integer() for v in values)


@_styled
def sweep_figure(sweep: SweepSummary, parameter: str,
                 metrics: Sequence[str] = SWEEP_METRICS) -> Figure:
    """Each metric of ``metrics`` (a panel each) against ``parameter``: the mean over the
    replications of each point with its 95% Student-t interval, a line per combination of
    the other swept parameters (dodged a little sideways so that intervals do not hide each
    other)."""
    table = sweep.summary
    if parameter not in sweep.parameters:
        raise ValueError(f"{parameter!r} was not swept (swept: {', '.join(sweep.parameters)})")
    if table.empty:
        raise FigureUnavailable(f"{sweep.folder / 'summary.csv'}: no point finished")
    others = [p for p in sweep.parameters if p != parameter]
    groups = (list(table.groupby(others, sort=True)) if others
              else [((), table)])
    xs = np.sort(table[parameter].unique().astype(float))
    step = float(np.min(np.diff(xs))) if len(xs) > 1 else 1.0
    dodge = 0.12 * step / max(len(groups) - 1, 1) if len(groups) > 1 else 0.0
    cols = min(2, len(metrics))
    rows = math.ceil(len(metrics) / cols)
    fig = _figure(rows)
    axes = fig.subplots(rows, cols, sharex=True, squeeze=False)
    panels: list[Axes] = list(axes.flat[:len(metrics)])
    for ax in axes.flat[len(metrics):]:
        ax.set_visible(False)
    handles = []
    for k, (key, rows_of) in enumerate(groups):
        colour = "#000000" if len(groups) == 1 else PALETTE[k % len(PALETTE)]
        values = key if isinstance(key, tuple) else (key,)
        label = (_value(values[0]) if len(others) == 1 else
                 ", ".join(_value_label(p, v) for p, v in zip(others, values, strict=True)))
        offset = (k - (len(groups) - 1) / 2) * dodge
        for ax, metric in zip(panels, metrics, strict=True):
            mine = rows_of[rows_of["metric"] == metric].sort_values(parameter)
            if mine.empty:
                continue
            scale = _scale(metric)
            x = mine[parameter].to_numpy(dtype=float) + offset
            mean = scale * mine["mean"].to_numpy(dtype=float)
            low = scale * mine["ci_low"].to_numpy(dtype=float)
            high = scale * mine["ci_high"].to_numpy(dtype=float)
            error = np.nan_to_num(np.array([mean - low, high - mean]))
            ax.errorbar(x, mean, yerr=error, fmt="-o", color=colour, ms=6, lw=1.8,
                        capsize=4, mec=EDGE, mew=0.6)
        if label:
            handles.append(Line2D([], [], color=colour, marker="o", lw=1.8, label=label))
    for k, (ax, metric) in enumerate(zip(panels, metrics, strict=True)):
        ax.set_title(_axis_label(metric))  # a title: as a y label it would not fit the panel
        if k + cols >= len(metrics):
            ax.set_xlabel(short_name(parameter))
            ax.xaxis.set_tick_params(labelbottom=True)
        if _whole(xs):
            integer_ticks(ax.xaxis)
        if BY_NAME[metric].kind == "count":
            integer_ticks(ax.yaxis)
    if handles:  # beside the panels: the names of points can be long
        fig.legend(handles=handles, loc="outside right center",
                   title=short_name(others[0]) if len(others) == 1 else None)
    n = int(pd.to_numeric(table["n"]).max())
    _subtitle(fig, f"What changes with {short_name(parameter)}",
              f"{sweep.manifest.get('scenario', '')}, swept {parameter}: mean of each point's "
              f"{n} replications with its 95% CI (Student t)")
    return fig
