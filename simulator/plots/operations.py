"""Figures of how the day went, from the per-customer records and the time series: clock vs
felt waits, queue length and staff on duty over the day, abandonment and balking by hour."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import PercentFormatter

from simulator.analysis.statistics import student_t_interval
from simulator.models.codes import Outcome
from simulator.plots.style import (
    CLOCK_COLOUR,
    FELT_COLOUR,
    FigureUnavailable,
    _colour,
    _counted_customers,
    _dashes,
    _figure,
    _runs,
    _styled,
    _subtitle,
    _time_axis,
)
from simulator.results import Results

# -- Clock vs felt waits ------------------------------------------------------------------

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


# -- Queue length and servers on duty over the day -------------------------------------------

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
    if results.timeseries is None:
        raise FigureUnavailable(f"{results.folder}: no time series (the run used --records "
                                "none); rerun with --records summary or full")
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


# -- Abandonment and balking by hour ---------------------------------------------------------

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
