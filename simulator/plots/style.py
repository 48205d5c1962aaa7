"""The look shared by every figure of :mod:`simulator.plots`: the colour-blind-safe palette,
the matplotlib style (:data:`STYLE`), metric labels and units, and the small helpers that make a
figure and its title, colour a variant and label a time axis."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, nullcontext
from contextvars import ContextVar
from typing import Any

import matplotlib as mpl
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.ticker import FuncFormatter, MaxNLocator, MultipleLocator

from simulator.metrics import BY_NAME, TABLE, is_share
from simulator.metrics import NAMES as METRICS
from simulator.metrics import display_name as metric_display_name
from simulator.results import Results

OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9")
"""Colour-blind-safe colours (Okabe & Ito 2008), less their yellow, which is hard to see on
white."""
TOL = ("#332288", "#117733", "#882255", "#44AA99", "#AA4499", "#999933", "#CC6677")
"""More colour-blind-safe colours, from Paul Tol's "muted" scheme (less its light sand and
the cyan that is close to Okabe-Ito's sky blue)."""
PALETTE = (*OKABE_ITO, *TOL)
"""The colours of the variants after the base (black), in the run's order: 13 that stay
apart for readers with a colour vision deficiency, none too light for a white page."""
SMALL_MULTIPLES = 4
"""Above this many variants, figures whose lines or curves would tangle draw one panel per
variant instead."""
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


_LABELS: ContextVar[Mapping[str, str] | None] = ContextVar("variant_labels", default=None)
"""The variants' ``label:`` texts of the results being drawn (set by :func:`labelled`)."""


def display_name(name: str) -> str:
    """A variant's name as figures show it (titles, legends, tick labels): its ``label:``
    when the results being drawn give one, else its name with underscores as spaces. Every
    variant name drawn goes through here."""
    return metric_display_name(name, _LABELS.get())


@contextmanager
def labelled(results: Results) -> Iterator[None]:
    """Name variants by ``results``' labels inside the block (figures, the report page)."""
    token = _LABELS.set(results.labels)
    try:
        yield
    finally:
        _LABELS.reset(token)


def _colour(results: Results, variant: str) -> str:
    """Black for the base, then :data:`PALETTE` in the run's order of variants."""
    index = results.variants.index(variant)
    return "#000000" if variant == "base" else PALETTE[(index - 1) % len(PALETTE)]


def _dashes(results: Results, variant: str) -> str:
    """Solid lines for the first round of colours, then dashed, then dotted, so that lines of
    more variants than colours still differ."""
    return ("-", "--", ":")[max(results.variants.index(variant) - 1, 0) // len(PALETTE) % 3]


def identical_groups(results: Results) -> list[list[str]]:
    """Variants whose results are identical, replication by replication and metric by metric
    (e.g. a lever that changed nothing on these days): groups of two or more, in the run's
    order. Their lines would hide one under the other, so figures say so instead."""
    table = results.replications.sort_values("replication")
    seen: dict[tuple[Any, ...], list[str]] = {}
    for variant in results.variants:
        rows = table[table["variant"] == variant][list(METRICS)].to_numpy(dtype=float)
        # NaN (undefined) equals NaN here: repr is the same for the same float
        seen.setdefault(tuple(map(repr, rows.ravel())), []).append(variant)
    return [group for group in seen.values() if len(group) > 1]


def identical_note(results: Results) -> str:
    """'identical results: a = b; c = d' for :func:`identical_groups`, or ''."""
    groups = identical_groups(results)
    if not groups:
        return ""
    return "identical results: " + "; ".join(" = ".join(display_name(v) for v in group)
                                              for group in groups)


def legend_name(results: Results, variant: str) -> str:
    """A variant's name in a legend: its :func:`display_name`, with ``(= other)`` when its
    results are identical to an earlier variant's (its line lies under that one)."""
    for group in identical_groups(results):
        if variant in group and group.index(variant) > 0:
            return f"{display_name(variant)} (= {display_name(group[0])})"
    return display_name(variant)


def integer_ticks(axis: Any) -> None:
    """Ticks on whole numbers only, for counts (servers, people waiting)."""
    axis.set_major_locator(MaxNLocator(nbins=6, integer=True, min_n_ticks=2))


def _counted_customers(results: Results) -> pd.DataFrame:
    customers = results.counted_customers()
    if customers is None:
        raise FigureUnavailable(f"{results.folder}: no per-customer records (the run used "
                                "--records summary or none); rerun with --records full")
    return customers


def _time_axis(results: Results, ax: Axes, hours: int = 1) -> None:
    """Label a run-minute x axis with clock times (every ``hours`` whole hours) when the
    clock is known."""
    zero = results.clock_at_zero
    if zero is None:
        ax.set_xlabel("minutes from the start of the run")
        return
    ax.xaxis.set_major_locator(MultipleLocator(60 * hours, offset=-zero % 60))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: results.clock_label(x)))
    ax.set_xlabel("time of day")


def _styled(build: Callable[..., Figure]) -> Callable[..., Figure]:
    """Build the figure under :data:`STYLE` (sizes are fixed on the artists at creation)."""
    @functools.wraps(build)  # keeps the name, docstring and signature for help()
    def wrapper(*args: Any, **kwargs: Any) -> Figure:
        names = labelled(args[0]) if args and isinstance(args[0], Results) else nullcontext()
        with mpl.rc_context(STYLE), names:
            return build(*args, **kwargs)

    return wrapper


TITLE_INCHES = 0.6
"""Height at the top of a figure left to its title and subtitle."""


def _figure(rows: int = 1) -> Figure:
    """A figure whose panels leave the top tenth to the title and subtitle; taller than the
    style's 6 inches for more than two rows of panels, so that each stays readable."""
    fig = Figure()
    width, height = fig.get_size_inches()
    if rows > 2:
        height = max(height, 1.5 + 2.4 * rows)
        fig.set_size_inches(width, height)
    fig.set_layout_engine(ConstrainedLayoutEngine(rect=(0, 0, 1, 1 - TITLE_INCHES / height)))
    return fig


def _subtitle(fig: Figure, title: str, note: str, results: Results | None = None) -> None:
    """The figure's title and, under it, ``note``; with ``results``, a second line names the
    variants whose results are identical (:func:`identical_note`), when there are any."""
    fig.suptitle(title, fontweight="bold", x=0.01, ha="left")
    same = identical_note(results) if results is not None else ""
    height = fig.get_size_inches()[1]
    if same:  # the second line of the note takes room from the panels
        fig.get_layout_engine().set(rect=(0, 0, 1, 1 - (TITLE_INCHES + 0.2) / height))
    fig.text(0.01, 1 - 0.45 / height, f"{note}\n{same}" if same else note, fontsize=11,
             color="#444444", ha="left", va="top")


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
