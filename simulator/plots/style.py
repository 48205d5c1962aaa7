"""The look shared by every figure of :mod:`simulator.plots`: the colour-blind-safe palette,
the matplotlib style (:data:`STYLE`), metric labels and units, and the small helpers that make a
figure and its title, colour a variant and label a time axis."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import matplotlib as mpl
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.ticker import FuncFormatter, MultipleLocator

from simulator.metrics import BY_NAME, TABLE, is_share
from simulator.results import Results

OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442")
"""Colour-blind-safe colours (Okabe & Ito 2008) for variants after the base (black)."""
CLOCK_COLOUR, FELT_COLOUR, MUTED = "#0072B2", "#D55E00", "#7F7F7F"
EDGE = "#333333"
"""Outline of filled markers, so that the palette's light colours (yellow) stand out."""
LABEL_BOX = {"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.9}
"""Behind point labels, so that a line they cross does not cut through the text."""

STYLE: Any = {  # Any: matplotlib types the keys as a Literal of every rc name
    "figure.figsize": (10.0, 6.0), "figure.dpi": 100,
    "font.size": 13, "axes.titlesize": 14, "axes.labelsize": 13, "figure.titlesize": 16,
    "xtick.labelsize": 12, "ytick.labelsize": 12, "legend.fontsize": 12,
    "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True,
    "grid.alpha": 0.3, "svg.hashsalt": "waitsim",  # same SVG bytes for the same figure
}

LABELS = {m.name: m.label for m in TABLE}
"""Each metric's name in figure titles (:attr:`simulator.metrics.Metric.label`)."""


class FigureUnavailable(Exception):
    """A figure needs data the results folder does not have; the message says what to run."""


def _colour(results: Results, variant: str) -> str:
    """Black for the base, then the palette in the run's order of variants."""
    index = results.variants.index(variant)
    return "#000000" if variant == "base" else OKABE_ITO[(index - 1) % len(OKABE_ITO)]


def _dashes(results: Results, variant: str) -> str:
    """Solid lines for the first round of colours, then dashed, then dotted, so that lines of
    more variants than colours still differ."""
    return ("-", "--", ":")[max(results.variants.index(variant) - 1, 0) // len(OKABE_ITO) % 3]


def _counted_customers(results: Results) -> pd.DataFrame:
    customers = results.counted_customers()
    if customers is None:
        raise FigureUnavailable(f"{results.folder}: no per-customer records (the run used "
                                "--records summary or none); rerun with --records full")
    return customers


def _time_axis(results: Results, ax: Axes) -> None:
    """Label a run-minute x axis with clock times (whole hours) when the clock is known."""
    zero = results.clock_at_zero
    if zero is None:
        ax.set_xlabel("minutes from the start of the run")
        return
    ax.xaxis.set_major_locator(MultipleLocator(60, offset=-zero % 60))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: results.clock_label(x)))
    ax.set_xlabel("time of day")


def _styled(build: Callable[..., Figure]) -> Callable[..., Figure]:
    """Build the figure under :data:`STYLE` (sizes are fixed on the artists at creation)."""
    @functools.wraps(build)  # keeps the name, docstring and signature for help()
    def wrapper(*args: Any, **kwargs: Any) -> Figure:
        with mpl.rc_context(STYLE):
            return build(*args, **kwargs)

    return wrapper


def _figure() -> Figure:
    """A figure whose panels leave the top tenth to the title and subtitle."""
    return Figure(layout=ConstrainedLayoutEngine(rect=(0, 0, 1, 0.9)))


def _subtitle(fig: Figure, title: str, note: str) -> None:
    fig.suptitle(title, fontweight="bold", x=0.01, ha="left")
    fig.text(0.01, 0.925, note, fontsize=11, color="#444444", ha="left", va="top")


def _runs(results: Results) -> str:
    n = results.manifest.get("replications")
    return f"{n} replication{'' if n == 1 else 's'} per variant"


_DIFFERENCE_UNITS = {"share": "percentage points", "min": "minutes", "0-100": "points on 0-100",
                     "count": "customers"}
"""A difference's unit in axis labels, by the metric's unit, where it reads better spelt out."""


def _unit(metric: str) -> str:
    """The unit of a difference in ``metric`` (shares in percentage points)."""
    unit = BY_NAME[metric].unit
    return _DIFFERENCE_UNITS.get(unit, unit)


def _scale(metric: str) -> float:
    """Factor from a metric's value to the plotted number: shares as percentages."""
    return 100.0 if is_share(metric) else 1.0
