"""Figures for a report, from a results folder written by ``waitsim run`` (or ``compare``).

Each figure function takes a :class:`Results` (the folder's files, read once) and returns a
matplotlib :class:`~matplotlib.figure.Figure`, made without pyplot so that no window or global
figure list is involved (in a notebook the returned figure displays itself); :func:`save_all`
writes every figure as PNG and SVG. The simulation never imports this module.

Style: about 10 x 6 inches with fonts readable on a slide, the Okabe-Ito colour-blind-safe
palette, a title, axis labels with units and a legend on every figure. A figure that needs data
the folder does not have raises :class:`FigureUnavailable` with what to run, never a guess.
"""

from __future__ import annotations

import functools
import io
import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, MultipleLocator, PercentFormatter
from matplotlib.transforms import Bbox

from .compare import BETTER
from .journeys import Outcome
from .report import SHARES, UNITS
from .results import FIGURE_FORMATS, FIGURES_DIR, atomic_write_bytes
from .results_folder import Results, ResultsError
from .stats import PairedDifference, paired_difference, student_t_interval
from .summary import METRICS

__all__ = ["FIGURES", "FigureUnavailable", "Results", "ResultsError", "abandonment_by_hour",
           "cost_vs_satisfaction", "efficient_frontier", "paired_differences",
           "paired_improvement", "queue_over_day", "satisfaction_by_variant", "save_all",
           "wait_distributions"]

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

DEFAULT_METRICS = ("satisfaction_mean", "perceived_wait_mean")
"""Metrics of the paired-improvement (forest) plots that :func:`save_all` draws by default."""

LABELS = {"wait_mean": "mean clock wait", "perceived_wait_mean": "mean felt wait",
          "satisfaction_mean": "mean satisfaction", "dissatisfied_share": "share dissatisfied",
          "abandoned_share": "share who abandoned", "balked_share": "share who balked"}


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
                                "--records summary); rerun with --records full")
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


# -- 1. Clock vs felt waits ------------------------------------------------------------------

@_styled
def wait_distributions(results: Results) -> Figure:
    """Actual (clock) and perceived (felt) minutes in line per variant, as cumulative
    distributions, one panel per variant: served customers who waited, all replications."""
    c = _counted_customers(results)
    c = c[(c["outcome"] == Outcome.SERVED) & (c["wait"] > 0)]
    variants = results.variants
    upper = float(np.nanpercentile(np.r_[c["wait"], c["perceived_wait"]], 99)) if len(c) else 1
    grid = np.linspace(0.0, max(upper, 1.0), 400)
    cols = min(3, len(variants))
    rows = math.ceil(len(variants) / cols)
    fig = _figure()
    axes = fig.subplots(rows, cols, sharex=True, sharey=True, squeeze=False)
    for k, ax in enumerate(axes.flat):
        if k >= len(variants):
            ax.set_visible(False)
            continue
        mine = c[c["variant"] == variants[k]]
        ax.set_title(variants[k])
        if not len(mine):
            ax.text(0.5, 0.5, "nobody waited", transform=ax.transAxes, ha="center")
        for column, colour, style, label in (
                ("wait", CLOCK_COLOUR, "-", "clock minutes (actual)"),
                ("perceived_wait", FELT_COLOUR, "--", "felt minutes (perceived)")):
            values = np.sort(mine[column].to_numpy())
            if len(values):
                share = np.searchsorted(values, grid, side="right") / len(values)
                ax.plot(grid, share, style, color=colour, lw=2.2, label=label)
        if len(mine):
            ax.text(0.97, 0.05, f"mean: clock {mine['wait'].mean():.1f} min,\nfelt "
                    f"{mine['perceived_wait'].mean():.1f} min", transform=ax.transAxes,
                    ha="right", va="bottom", fontsize=11)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        if k % cols == 0:
            ax.set_ylabel("waited ≤ x minutes")
        if k + cols >= len(variants):
            ax.set_xlabel("minutes in line")
            ax.xaxis.set_tick_params(labelbottom=True)
    handles = [Line2D([], [], color=CLOCK_COLOUR, lw=2.2, label="clock minutes (actual)"),
               Line2D([], [], color=FELT_COLOUR, lw=2.2, ls="--",
                      label="felt minutes (perceived)")]
    fig.legend(handles=handles, loc="outside lower center", ncols=2)
    _subtitle(fig, "How long customers waited, and how long it felt",
              f"Served customers who waited, {_runs(results)} pooled (axis cut at the 99th "
              "percentile)")
    return fig


# -- 2. Satisfaction by variant ----------------------------------------------------------------

def _dot_panel(results: Results, ax: Axes, metric: str, scale: float, label: str) -> None:
    """Means and 95% CIs of ``metric`` from summary.csv, one row per variant (base on top)."""
    rows = results.summary[results.summary["metric"] == metric].set_index("variant")
    variants = [v for v in results.variants if v in rows.index]
    for y, variant in enumerate(variants):
        mean, low, high = (scale * float(rows.loc[variant, k]) for k in ("mean", "ci_low",
                                                                         "ci_high"))
        xerr = [[mean - low], [high - mean]] if not math.isnan(low) else None
        ax.errorbar(mean, y, xerr=xerr, fmt="o", ms=9, capsize=5, lw=2,
                    color=_colour(results, variant), mec=EDGE, mew=0.8)
        ax.annotate(f"{mean:.1f}", (high if not math.isnan(high) else mean, y),
                    xytext=(8, 0), textcoords="offset points", va="center", fontsize=11)
    if "base" in variants:
        ax.axvline(scale * float(rows.loc["base", "mean"]), color=MUTED, ls=":", lw=1.5)
    ax.set_yticks(range(len(variants)), variants)
    ax.set_ylim(len(variants) - 0.5, -0.5)
    ax.margins(x=0.15)
    ax.set_xlabel(label)


@_styled
def satisfaction_by_variant(results: Results) -> Figure:
    """Mean satisfaction (0-100) and share dissatisfied (% of arrivals) per variant, each with
    its 95% Student-t interval across replications (from summary.csv)."""
    fig = _figure()
    left, right = fig.subplots(1, 2, sharey=True)
    _dot_panel(results, left, "satisfaction_mean", 1.0, "mean satisfaction (0-100 points)")
    _dot_panel(results, right, "dissatisfied_share", 100.0, "dissatisfied (% of arrivals)")
    left.set_ylabel("variant")
    left.set_title("Satisfaction (higher is better)")
    right.set_title("Dissatisfied (lower is better)")
    handles = [Line2D([], [], marker="o", color="#000000", ms=9, lw=2,
                      label="mean with 95% confidence interval"),
               Line2D([], [], color=MUTED, ls=":", lw=1.5, label="base level")]
    fig.legend(handles=handles, loc="outside lower center", ncols=2)
    _subtitle(fig, "Customer satisfaction by variant",
              f"Over all arrivals, those who left included; {_runs(results)}")
    return fig


# -- 3. Paired improvement over the base (forest plot) ------------------------------------------

def _unit(metric: str) -> str:
    """The unit of a difference in ``metric`` (shares in percentage points)."""
    if metric in SHARES:
        return "percentage points"
    if metric.endswith("_per_100"):
        return "per 100 arrivals"
    if metric == "overestimation_ratio":
        return "felt / clock minutes"
    unit = UNITS.get(metric, "customers")  # served, arrivals, censored: counts
    return {"min": "minutes", "0-100": "points on 0-100"}.get(unit, unit)


def _scale(metric: str) -> float:
    return 100.0 if metric in SHARES else 1.0


def paired_differences(results: Results, metric: str = "satisfaction_mean"
                       ) -> dict[str, PairedDifference]:
    """Per variant other than the base: the paired difference (variant - base) of ``metric``
    over the replications both ran (common random numbers), from replications.csv."""
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r} (one of: {', '.join(METRICS)})")
    table = results.replications.pivot(index="replication", columns="variant", values=metric)
    if "base" not in table.columns:
        raise FigureUnavailable(f"{results.folder}: the base was not run, so there is nothing "
                                "to compare against; run without --variant")
    table = table.dropna(how="all")
    return {v: paired_difference(table[v].to_numpy(), table["base"].to_numpy())
            for v in results.variants if v != "base" and v in table.columns}


FOREST_KINDS = {  # marker, colour (None: the variant's), face (None: filled), note beside it
    "clear": ("o", "#000000", None, ""),
    "overlap": ("D", MUTED, "white", "not distinguishable"),
    "none": ("s", MUTED, "white", "fewer than 2 replications"),
}
FOREST_LEGEND = {"clear": "distinguishable (95% CI excludes 0)",
                 "overlap": "not distinguishable (95% CI includes 0)",
                 "none": "no interval (fewer than 2 replications)"}


@_styled
def paired_improvement(results: Results, metric: str = "satisfaction_mean") -> Figure:
    """Forest plot: each variant's paired difference from the base in ``metric`` with its 95%
    interval (paired t over replications); intervals that include 0 are drawn hollow and grey
    as "not distinguishable". Shares are in percentage points."""
    differences = paired_differences(results, metric)
    if not differences:
        raise FigureUnavailable(f"{results.folder}: only the base was run; nothing to compare")
    scale, unit = _scale(metric), _unit(metric)
    fig = _figure()
    ax = fig.subplots()
    kinds = set()
    for y, (variant, d) in enumerate(differences.items()):
        i = d.difference
        mean, low, high = scale * i.mean, scale * i.ci_low, scale * i.ci_high
        kind = "clear" if d.distinguishable else "overlap" if not math.isnan(low) else "none"
        kinds.add(kind)
        marker, colour, face, note = FOREST_KINDS[kind]
        colour = _colour(results, variant) if kind == "clear" else colour
        xerr = [[mean - low], [high - mean]] if kind != "none" else None
        ax.errorbar(mean, y, xerr=xerr, fmt=marker, ms=10, capsize=6, lw=2.5, color=colour,
                    mfc=colour if face is None else face, mew=2 if face else 0.8,
                    mec=colour if face else EDGE)
        text = (f"{mean:+.2f} [{low:+.2f}, {high:+.2f}]" if kind != "none"
                else f"{mean:+.2f} [no interval]")
        # Numbers in a column right of the plot, where no point or line can cross them.
        ax.annotate(f"{text}\n{note}" if note else text, (1.0, y),
                    xycoords=("axes fraction", "data"), xytext=(12, 0),
                    textcoords="offset points", va="center", fontsize=12,
                    color="#000000" if kind == "clear" else "#555555")
    ax.annotate("difference [95% CI]", (1.0, 1.0), xycoords="axes fraction", xytext=(12, 4),
                textcoords="offset points", va="bottom", fontsize=12, fontweight="bold")
    ax.axvline(0.0, color="#000000", lw=1.2)
    ax.set_yticks(range(len(differences)), list(differences))
    ax.set_ylim(len(differences) - 0.5, -0.5)
    ax.set_ylabel("variant")
    ax.margins(x=0.1)
    ax.set_xlabel(f"difference from base, variant - base ({unit})")
    better = BETTER.get(metric, "neither")
    if better != "neither":
        higher = better == "higher"
        ax.text(0.99 if higher else 0.01, 1.01, "better →" if higher else "← better",
                transform=ax.transAxes, ha="right" if higher else "left", va="bottom",
                color="#444444")
    handles = [Line2D([], [], marker=m, color=c, mfc=c if f is None else f, mew=2, ms=10,
                      lw=2.5, label=FOREST_LEGEND[kind])
               for kind, (m, c, f, _) in FOREST_KINDS.items() if kind in kinds]
    fig.legend(handles=handles, loc="outside lower center", ncols=2)
    n = max(d.difference.n for d in differences.values())
    _subtitle(fig, f"Change in {LABELS.get(metric, metric.replace('_', ' '))} vs the base",
              f"Paired difference with 95% CI (paired t over {n} replication"
              f"{'s' if n != 1 else ''}, same customers in every variant)")
    return fig


# -- 4. Queue length and servers on duty over the day -------------------------------------------

def _band(ax: Axes, table: pd.DataFrame, width: float, colour: str, dashes: str,
          label: str) -> None:
    """Mean across replications (columns) per bin (rows) as steps, with its 95% CI as a band."""
    intervals = [student_t_interval(row) for row in table.to_numpy()]
    edges = np.r_[table.index.to_numpy(dtype=float), float(table.index[-1]) + width]
    mean, low, high = (np.array([getattr(i, k) for i in intervals])
                       for k in ("mean", "ci_low", "ci_high"))
    ax.stairs(mean, edges, color=colour, ls=dashes, lw=2, label=label, baseline=None)
    ax.fill_between(edges, np.r_[low, low[-1]], np.r_[high, high[-1]], step="post",
                    color=colour, alpha=0.12, lw=0)


@_styled
def queue_over_day(results: Results) -> Figure:
    """Per station: people waiting (time average per bin) and servers on duty over the run,
    mean across replications with its 95% CI as a band, clock times on the x axis when known.
    After a replication's last customer left nobody waits, so its queue counts as 0 there; its
    last interval, which runs past its end, is left out of the staff on duty."""
    ts = results.timeseries.sort_values(["station", "bin_start"])
    stations = list(dict.fromkeys(ts["station_name"]))
    fig = _figure()
    axes = fig.subplots(2, len(stations), sharex=True, squeeze=False)
    width = float(ts["bin_minutes"].iloc[0])
    for col, station in enumerate(stations):
        mine = ts[ts["station_name"] == station]
        for variant in reversed(results.variants):  # the base drawn last, on top
            data = mine[mine["variant"] == variant]
            if data.empty:
                continue
            queue = data.pivot(index="bin_start", columns="replication", values="queue_length")
            line = _colour(results, variant), _dashes(results, variant), variant
            _band(axes[0, col], queue.fillna(0.0), width, *line)
            duty = data.pivot(index="bin_start", columns="replication", values="on_duty")
            for replication in duty.columns:  # its last interval runs past its end: left out
                duty.loc[duty[replication].last_valid_index(), replication] = np.nan
            _band(axes[1, col], duty, width, *line)
        warmup = results.stats_start(results.variants[0])
        if warmup > 0:  # arrivals before this line are left out of every statistic
            for ax in axes[:, col]:
                ax.axvline(warmup, color="#444444", ls="--", lw=1.2)
            axes[0, col].annotate("end of warm-up", (warmup, 1.0), xycoords=("data", "axes "
                                  "fraction"), xytext=(4, -4), textcoords="offset points",
                                  va="top", fontsize=11, color="#444444")
        axes[0, col].set_title(station)
        axes[0, col].set_ylim(bottom=0)
        axes[1, col].set_ylim(bottom=0)
        _time_axis(results, axes[1, col])
        axes[1, col].xaxis.set_tick_params(rotation=45)
    axes[0, 0].set_ylabel("people waiting")
    axes[1, 0].set_ylabel("servers on duty")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    handles, labels = handles[::-1], labels[::-1]
    fig.legend(handles, labels, loc="outside right center", title="variant")
    span = "the day" if results.clock_at_zero is not None else "the run"
    _subtitle(fig, f"Queue length and staff on duty over {span}",
              f"Time average per {width:g}-minute interval, mean of {_runs(results)} "
              "(band: 95% CI)")
    return fig


# -- 5. Abandonment and balking by hour ---------------------------------------------------------

def _hour_label(hour: float, clock: bool) -> str:
    """An hour of arrivals: 09-10 on the clock, or 0-60 (minutes from the start)."""
    h = int(hour)
    return f"{h % 24:02d}-{(h + 1) % 24:02d}" if clock else f"{60 * h}-{60 * (h + 1)}"


@_styled
def abandonment_by_hour(results: Results) -> Figure:
    """Share of each hour's arrivals (after the warm-up, censored left out) who abandoned the
    line, and who balked (did not join), per variant, pooled over replications."""
    c = _counted_customers(results)
    zero = results.clock_at_zero or 0.0
    hour = np.floor((c["arrival"].to_numpy() + zero) / 60.0)
    frame = pd.DataFrame({"variant": c["variant"].to_numpy(), "hour": hour,
                          "abandoned": (c["outcome"] == Outcome.ABANDONED).to_numpy(),
                          "balked": (c["outcome"] == Outcome.BALKED).to_numpy()})
    shares = frame.groupby(["variant", "hour"])[["abandoned", "balked"]].mean()
    hours = np.unique(hour)
    ticks = hours[::math.ceil(len(hours) / 12)] if len(hours) else hours  # at most 12 labels
    fig = _figure()
    axes = fig.subplots(1, 2, sharex=True)
    for ax, column, title in zip(axes, ("abandoned", "balked"),
                                 ("Abandoned: left the line", "Balked: did not join"),
                                 strict=True):
        for variant in results.variants:
            if variant not in shares.index.get_level_values(0):
                continue
            mine = shares.loc[variant]
            ax.plot(mine.index, 100.0 * mine[column].to_numpy(), marker="o", lw=2, ms=6,
                    color=_colour(results, variant), ls=_dashes(results, variant), label=variant)
        ax.set_title(title, fontsize=13)
        ax.set_ylim(0, max(ax.get_ylim()[1], 1.0))  # an all-zero panel still reads 0-1%
        ax.yaxis.set_major_formatter(PercentFormatter(100.0, decimals=None))  # as ticks need
        if not shares[column].any():
            ax.text(0.5, 0.5, f"nobody {column} in any variant", transform=ax.transAxes,
                    ha="center", color="#444444")
        ax.set_xticks(ticks, [_hour_label(h, results.clock_at_zero is not None) for h in ticks])
        ax.set_xlabel("hour of arrival" + (" (time of day)" if results.clock_at_zero
                                           is not None else " (minutes from the start)"))
        ax.xaxis.set_tick_params(rotation=45)
    axes[0].set_ylabel("% of that hour's arrivals")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside right center", title="variant")
    _subtitle(fig, "Customers lost by hour of arrival",
              f"Share of each hour's arrivals, {_runs(results)} pooled")
    return fig


# -- 6. Cost vs satisfaction gain ---------------------------------------------------------------

def efficient_frontier(costs: Sequence[float], gains: Sequence[float]) -> np.ndarray:
    """Which options are efficient: no other option costs no more and gains at least as much,
    and is strictly better in one of the two."""
    cost, gain = np.asarray(costs, dtype=float), np.asarray(gains, dtype=float)
    no_worse = (cost[None, :] <= cost[:, None]) & (gain[None, :] >= gain[:, None])
    better = (cost[None, :] < cost[:, None]) | (gain[None, :] > gain[:, None])
    return np.asarray(~(no_worse & better).any(axis=1), dtype=bool)


FRONTIER_LABEL = "efficient frontier (nothing cheaper gains more)"
LABEL_PLACES = ((10, 0, "left", "center"), (-10, 0, "right", "center"),
                (10, 10, "left", "bottom"), (10, -10, "left", "top"),
                (-10, 10, "right", "bottom"), (-10, -10, "right", "top"),
                (0, 14, "center", "bottom"), (0, -14, "center", "top"),
                *((dx, dy, "left" if dx > 0 else "right", "bottom" if dy > 0 else "top")
                  for dy in (22, -22, 34, -34) for dx in (10, -10)))
"""Where a point's name may go: offset in points from the point, and its alignment."""


def _label_points(fig: Figure, ax: Axes, names: Sequence[str], xs: np.ndarray,
                  ys: np.ndarray, lows: np.ndarray, highs: np.ndarray) -> None:
    """Name each point beside it, in the first of :data:`LABEL_PLACES` that overlaps no point,
    error bar, earlier name or the edge of the plot (greedy, measured after the layout)."""
    fig.draw_without_rendering()  # settle the layout, so that the measurements hold
    half = 8 * fig.dpi / 72  # half a marker's width, in pixels
    obstacles = []
    for x, low, high in zip(xs, lows, highs, strict=True):
        (left, bottom), (right, top) = ax.transData.transform([(x, low), (x, high)])
        obstacles.append(Bbox.from_extents(left - half, bottom - half, right + half, top + half))
    frame = ax.get_window_extent()
    for name, x, y in zip(names, xs, ys, strict=True):
        label = ax.annotate(name, (x, y), xytext=(0, 0), textcoords="offset points", fontsize=12,
                            bbox=LABEL_BOX, zorder=2.5)  # below the markers, above the lines
        label.set_in_layout(False)  # placed inside the plot: the layout need not move
        for dx, dy, ha, va in (*LABEL_PLACES, LABEL_PLACES[0]):  # none free: the first
            label.xyann = (dx, dy)
            label.set(ha=ha, va=va)
            box = label.get_window_extent().padded(-1)  # touching is not overlapping
            if frame.contains(box.x0, box.y0) and frame.contains(box.x1, box.y1) and not any(
                    box.overlaps(other) for other in obstacles):
                break
        if abs(dy) > 15:  # a name set further off gets a leader line to its point
            ax.annotate("", (x, y), xytext=(dx, dy), textcoords="offset points", zorder=2.4,
                        arrowprops={"arrowstyle": "-", "color": "#555555", "lw": 0.8,
                                    "shrinkA": 0, "shrinkB": 7})
        obstacles.append(label.get_window_extent())


@_styled
def cost_vs_satisfaction(results: Results) -> Figure:
    """Extra cost per day against satisfaction gained (points on 0-100, with the paired 95%
    CI) per variant, from costs.csv of ``waitsim compare``; the efficient frontier (options
    no other option beats on both cost and gain, by mean gain) is highlighted."""
    if results.costs is None:
        raise FigureUnavailable(f"{results.folder}: no costs.csv; run `waitsim compare "
                                f"SCENARIO.yaml --out {results.folder}` to compute costs "
                                "(the cost figure is skipped, not guessed)")
    table = results.costs.set_index("variant")
    rows = [v for v in results.variants if v != "base" and v in table.index]
    known = [v for v in rows if not (pd.isna(table.loc[v, "extra_cost_per_day"])
                                     or pd.isna(table.loc[v, "satisfaction_gain"]))]
    if not known:
        raise FigureUnavailable(f"{results.folder / 'costs.csv'}: no variant has both a cost "
                                "and a satisfaction gain; add cost keys to the scenario "
                                "(see the README) and run `waitsim compare` again")
    names = ["base", *known]  # the base: no extra cost, no gain, by definition
    cost = np.r_[0.0, table.loc[known, "extra_cost_per_day"].to_numpy(dtype=float)]
    gain = np.r_[0.0, table.loc[known, "satisfaction_gain"].to_numpy(dtype=float)]
    low = np.r_[0.0, table.loc[known, "satisfaction_gain_ci_low"].to_numpy(dtype=float)]
    high = np.r_[0.0, table.loc[known, "satisfaction_gain_ci_high"].to_numpy(dtype=float)]
    best = efficient_frontier(cost, gain)
    fig = _figure()
    ax = fig.subplots()
    ax.axhline(0.0, color="#000000", lw=1)
    ax.axvline(0.0, color="#000000", lw=1)
    ax.errorbar(cost, gain, yerr=np.nan_to_num([gain - low, high - gain]), fmt="none",
                ecolor=MUTED, capsize=5, lw=1.5)
    order = np.argsort(cost[best])
    ax.plot(cost[best][order], gain[best][order], "--", color="#000000", lw=1.5, zorder=2)
    ax.scatter(cost[best], gain[best], s=140, zorder=4, edgecolors="#000000",  # on top
               c=[_colour(results, v) for v, b in zip(names, best, strict=True) if b],
               label=FRONTIER_LABEL)
    if not best.all():
        ax.scatter(cost[~best], gain[~best], s=140, zorder=3, facecolors="white",
                   edgecolors=MUTED, linewidths=2,
                   label="dominated (another option is cheaper and better)")
    ax.margins(x=0.2, y=0.15)
    _label_points(fig, ax, names, cost, gain, np.nan_to_num(low, nan=gain),
                  np.nan_to_num(high, nan=gain))
    ax.set_xlabel("extra cost per day vs the base (currency of the scenario's cost keys)")
    ax.set_ylabel("satisfaction gain vs the base (points on 0-100)")
    missing = [v for v in rows if v not in known]
    if missing:
        ax.text(0.99, 0.02, f"not shown (no cost data): {', '.join(missing)}",
                transform=ax.transAxes, ha="right", va="bottom", fontsize=11, color="#444444",
                wrap=True)
    fig.legend(loc="outside lower center", ncols=2)
    _subtitle(fig, "What each option costs and what it buys",
              "Mean satisfaction gain with its paired 95% CI; the frontier (dashed) is drawn "
              "through mean gains")
    return fig


# -- Saving -------------------------------------------------------------------------------------

FIGURES: dict[str, Callable[[Results], Figure]] = {
    "wait_distributions": wait_distributions,
    "satisfaction": satisfaction_by_variant,
    "queue_over_day": queue_over_day,
    "abandonment_by_hour": abandonment_by_hour,
    "cost_vs_satisfaction": cost_vs_satisfaction,
}
"""The figures :func:`save_all` writes, by file name, besides one
``improvement_<metric>`` forest plot (:func:`paired_improvement`) per metric."""
SAVE_DPI = 150
"""Dots per inch of PNG files: 1500 x 900 pixels, sharp on a slide."""
_NO_DATE = {"svg": {"Date": None}, "pdf": {"CreationDate": None}}  # same bytes on a rerun


def _skip_warning(name: str, reason: str) -> None:
    import warnings

    warnings.warn(f"{name}: skipped: {reason}", stacklevel=3)


def save_all(results_dir: Path | str, out_dir: Path | str | None = None,
             formats: Sequence[str] = ("png", "svg"),
             metrics: Sequence[str] = DEFAULT_METRICS,
             on_skip: Callable[[str, str], None] | None = None) -> list[Path]:
    """Write every figure of a results folder to ``out_dir`` (default
    ``<results_dir>/figures``), each in every format, atomically; return the files written.

    A figure the folder has no data for is skipped: ``on_skip(name, reason)`` is called
    (default: a warning) and any file of it from an earlier call is removed, so a folder never
    shows a figure of results that are gone. ``metrics``: one forest plot per metric.
    """
    bad = [f for f in formats if f not in FIGURE_FORMATS]
    if bad:
        raise ValueError(f"unknown figure format(s) {', '.join(bad)} (one of: "
                         f"{', '.join(FIGURE_FORMATS)})")
    unknown = [m for m in metrics if m not in METRICS]
    if unknown:
        raise ValueError(f"unknown metric(s) {', '.join(unknown)} (one of: {', '.join(METRICS)})")
    results = Results.load(results_dir)
    out = Path(out_dir) if out_dir is not None else results.folder / FIGURES_DIR
    builders: list[tuple[str, Callable[..., Figure], dict[str, str]]] = [
        (name, build, {}) for name, build in FIGURES.items()]
    builders[2:2] = [(f"improvement_{m}", paired_improvement, {"metric": m})
                     for m in dict.fromkeys(metrics)]
    written: list[Path] = []
    for name, build, options in builders:
        try:
            fig = build(results, **options)
        except FigureUnavailable as exc:
            for fmt in formats:
                (out / f"{name}.{fmt}").unlink(missing_ok=True)
            (on_skip or _skip_warning)(name, str(exc))
            continue
        for fmt in formats:
            buffer = io.BytesIO()
            with mpl.rc_context(STYLE):  # svg.hashsalt is read when saving
                fig.savefig(buffer, format=fmt, dpi=SAVE_DPI, metadata=_NO_DATE.get(fmt))
            path = out / f"{name}.{fmt}"
            atomic_write_bytes(path, buffer.getvalue())
            written.append(path)
    return written
