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
    MUTED,
    PALETTE,
    SMALL_MULTIPLES,
    FigureUnavailable,
    _colour,
    _counted_customers,
    _dashes,
    _figure,
    _runs,
    _styled,
    _subtitle,
    _time_axis,
    display_name,
    integer_ticks,
    legend_name,
)
from simulator.results import Results

# -- Clock vs felt waits ------------------------------------------------------------------

def panel_grid(fig: Figure, count: int, xlabel: str, ylabel: str, cols: int = 3
               ) -> list[Axes]:
    """``count`` panels on a grid of at most ``cols`` columns sharing their axes, in reading
    order (the grid's spare cells hidden). The lowest panel of each column shows the x tick
    labels and ``xlabel``; one ``ylabel`` stands left of the grid (one per panel would run
    into each other)."""
    cols = min(cols, count)
    rows = math.ceil(count / cols)
    axes = fig.subplots(rows, cols, sharex=True, sharey=True, squeeze=False)
    for k, ax in enumerate(axes.flat):
        if k >= count:
            ax.set_visible(False)
        elif k + cols >= count:  # nothing under it: its x ticks are the column's
            ax.xaxis.set_tick_params(labelbottom=True)
    fig.supylabel(ylabel)
    panels = list(axes.flat[:count])
    for k, ax in enumerate(panels):
        ax.set_xlabel(xlabel if k + cols >= count else "")
    return panels


def rows_for(count: int, cols: int = 3) -> int:
    """Rows of :func:`panel_grid` for ``count`` panels."""
    return math.ceil(count / min(cols, count))


@_styled
def wait_distributions(results: Results) -> Figure:
    """Actual (clock) and perceived (felt) minutes in line per variant, as cumulative
    distributions, one panel per variant: served customers who waited, all replications."""
    c = _counted_customers(results)
    c = c[(c["outcome"] == Outcome.SERVED) & (c["wait"] > 0)]
    variants = results.variants
    upper = float(np.nanpercentile(np.r_[c["wait"], c["perceived_wait"]], 99)) if len(c) else 1
    grid = np.linspace(0.0, max(upper, 1.0), 400)
    fig = _figure(rows_for(len(variants)))
    panels = panel_grid(fig, len(variants), "minutes in line", "share who waited ≤ x minutes")
    for variant, ax in zip(variants, panels, strict=True):
        mine = c[c["variant"] == variant]
        ax.set_title(display_name(variant))
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
    handles = [Line2D([], [], color=CLOCK_COLOUR, lw=2.2, label="clock minutes (actual)"),
               Line2D([], [], color=FELT_COLOUR, lw=2.2, ls="--",
                      label="felt minutes (perceived)")]
    fig.legend(handles=handles, loc="outside lower center", ncols=2)
    _subtitle(fig, "How long customers waited, and how long it felt",
              f"Served customers who waited, {_runs(results)} pooled (axis cut at the 99th "
              "percentile)", results)
    return fig


# -- Queue length and servers on duty over the day -------------------------------------------

def _band(ax: Axes, table: pd.DataFrame, width: float, colour: str, dashes: str,
          label: str, band: bool = True, lw: float = 2.0) -> None:
    """Mean across replications (columns) per bin (rows) as steps, with its 95% CI as a band
    (unless ``band`` is False)."""
    intervals = [student_t_interval(row) for row in table.to_numpy()]
    edges = np.r_[table.index.to_numpy(dtype=float), float(table.index[-1]) + width]
    mean, low, high = (np.array([getattr(i, k) for i in intervals])
                       for k in ("mean", "ci_low", "ci_high"))
    ax.stairs(mean, edges, color=colour, ls=dashes, lw=lw, label=label, baseline=None)
    if band:
        ax.fill_between(edges, np.r_[low, low[-1]], np.r_[high, high[-1]], step="post",
                        color=colour, alpha=0.12, lw=0)


def _queue_and_duty(data: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A station's time series of one variant as (people waiting, servers on duty): a column
    per replication, a row per bin. After a replication's last customer left nobody waits,
    so its queue counts as 0 there; its last interval, which runs past its end, is left out
    of the staff on duty."""
    queue = data.pivot(index="bin_start", columns="replication", values="queue_length")
    duty = data.pivot(index="bin_start", columns="replication", values="on_duty")
    for replication in duty.columns:
        duty.loc[duty[replication].last_valid_index(), replication] = np.nan
    return queue.fillna(0.0), duty


def _warmup_line(results: Results, axes: list[Axes], label: bool) -> None:
    """The end of the warm-up (arrivals before it are left out of every statistic)."""
    warmup = results.stats_start(results.variants[0])
    if warmup <= 0:
        return
    for ax in axes:
        ax.axvline(warmup, color="#444444", ls="--", lw=1.2)
    if label:
        axes[0].annotate("end of warm-up", (warmup, 1.0), xycoords=("data", "axes fraction"),
                         xytext=(4, -4), textcoords="offset points", va="top", fontsize=11,
                         color="#444444")


@_styled
def queue_over_day(results: Results) -> Figure:
    """Per station: people waiting (time average per bin) and servers on duty over the run,
    mean across replications with its 95% CI as a band, clock times on the x axis when known.

    Up to :data:`SMALL_MULTIPLES` variants: a column per station, the variants' lines
    together. More: a panel per variant (the base's queue in grey behind the others'), each
    station a colour, its servers on duty dotted, so that nine variants do not tangle."""
    if results.timeseries is None:
        raise FigureUnavailable(f"{results.folder}: no time series (the run used --records "
                                "none); rerun with --records summary or full")
    ts = results.timeseries[results.timeseries["variant"].isin(results.variants)]
    ts = ts.sort_values(["station", "bin_start"])
    width = float(ts["bin_minutes"].iloc[0])
    if len(results.variants) > SMALL_MULTIPLES:
        fig = _queue_panels(results, ts, width)
    else:
        fig = _queue_columns(results, ts, width)
    span = "the day" if results.clock_at_zero is not None else "the run"
    _subtitle(fig, f"Queue length and staff on duty over {span}",
              f"Time average per {width:g}-minute interval, mean of {_runs(results)} "
              "(band: 95% CI)", results)
    return fig


def _queue_columns(results: Results, ts: pd.DataFrame, width: float) -> Figure:
    """A column per station: people waiting above, servers on duty below, a line per
    variant."""
    stations = list(dict.fromkeys(ts["station_name"]))
    fig = _figure()
    axes = fig.subplots(2, len(stations), sharex=True, squeeze=False)
    for col, station in enumerate(stations):
        mine = ts[ts["station_name"] == station]
        for variant in reversed(results.variants):  # the base drawn last, on top
            data = mine[mine["variant"] == variant]
            if data.empty:
                continue
            queue, duty = _queue_and_duty(data)
            line = (_colour(results, variant), _dashes(results, variant),
                    legend_name(results, variant))
            _band(axes[0, col], queue, width, *line)
            _band(axes[1, col], duty, width, *line)
        _warmup_line(results, list(axes[:, col]), label=True)
        axes[0, col].set_title(station)
        for ax in axes[:, col]:
            ax.set_ylim(bottom=0)
            integer_ticks(ax.yaxis)
        _time_axis(results, axes[1, col])
        axes[1, col].xaxis.set_tick_params(rotation=45)
    axes[0, 0].set_ylabel("people waiting")
    axes[1, 0].set_ylabel("servers on duty")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles[::-1], labels[::-1], loc="outside right center", title="variant")
    return fig


def _queue_panels(results: Results, ts: pd.DataFrame, width: float) -> Figure:
    """A panel per variant: each station's people waiting (solid, with its band) and servers
    on duty (dotted) in the station's colour; the base's people waiting in grey behind."""
    stations = list(dict.fromkeys(ts["station_name"]))
    colours = dict(zip(stations, (CLOCK_COLOUR, FELT_COLOUR, *PALETTE[2:]), strict=False))
    base = {s: _queue_and_duty(ts[(ts["station_name"] == s) & (ts["variant"] == "base")])[0]
            for s in stations} if "base" in results.variants else {}
    variants = results.variants
    fig = _figure(rows_for(len(variants)))
    clock = results.clock_at_zero is not None
    panels = panel_grid(fig, len(variants), "time of day" if clock else
                        "minutes from the start of the run", "people")
    for variant, ax in zip(variants, panels, strict=True):
        for station in stations:
            data = ts[(ts["station_name"] == station) & (ts["variant"] == variant)]
            if data.empty:
                continue
            queue, duty = _queue_and_duty(data)
            if variant != "base" and station in base:
                _band(ax, base[station], width, MUTED, "-", "", band=False, lw=1.2)
            _band(ax, queue, width, colours[station], "-", "")
            _band(ax, duty, width, colours[station], ":", "", band=False, lw=1.6)
        ax.set_title(display_name(variant))
    for ax in panels:  # ticks every two hours: a panel is a third of the width
        ax.set_ylim(bottom=0)  # once all are drawn: the panels share the top of their axis
        integer_ticks(ax.yaxis)
        label = ax.get_xlabel()
        _time_axis(results, ax, hours=2)
        ax.set_xlabel(label)
        ax.xaxis.set_tick_params(rotation=45)
    _warmup_line(results, panels, label=False)
    handles = [Line2D([], [], color=colours[s], lw=2, label=f"{s}: people waiting")
               for s in stations]
    handles += [Line2D([], [], color=colours[s], lw=1.6, ls=":", label=f"{s}: servers on duty")
                for s in stations]
    if base:
        handles.append(Line2D([], [], color=MUTED, lw=1.2, label="people waiting in the base"))
    fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 3))
    return fig


# -- Abandonment and balking by hour ---------------------------------------------------------

def _hour_label(hour: float, clock: bool) -> str:
    """An hour of arrivals: 09-10 on the clock, or 0-60 (minutes from the start)."""
    h = int(hour)
    return f"{h % 24:02d}-{(h + 1) % 24:02d}" if clock else f"{60 * h}-{60 * (h + 1)}"


@_styled
def abandonment_by_hour(results: Results) -> Figure:
    """Share of each hour's arrivals (after the warm-up, censored left out) who abandoned the
    line, and who balked (did not join), per variant, pooled over replications: a panel for
    each with a line per variant, or (more than :data:`SMALL_MULTIPLES` variants) a panel
    per variant with both."""
    c = _counted_customers(results)
    zero = results.clock_at_zero or 0.0
    hour = np.floor((c["arrival"].to_numpy() + zero) / 60.0)
    frame = pd.DataFrame({"variant": c["variant"].to_numpy(), "hour": hour,
                          "abandoned": (c["outcome"] == Outcome.ABANDONED).to_numpy(),
                          "balked": (c["outcome"] == Outcome.BALKED).to_numpy()})
    shares = 100.0 * frame.groupby(["variant", "hour"])[["abandoned", "balked"]].mean()
    hours = np.unique(hour)
    clock = results.clock_at_zero is not None
    xlabel = "hour of arrival" + (" (time of day)" if clock else " (minutes from the start)")
    drawn = [v for v in results.variants if v in shares.index.get_level_values(0)]
    many = len(results.variants) > SMALL_MULTIPLES
    fig = _figure(rows_for(len(drawn)) if many and drawn else 1)
    if many and drawn:
        panels = panel_grid(fig, len(drawn), xlabel, "% of that hour's arrivals")
        for variant, ax in zip(drawn, panels, strict=True):
            for column, colour, style in (("abandoned", FELT_COLOUR, "-"),
                                          ("balked", CLOCK_COLOUR, "--")):
                ax.plot(shares.loc[variant].index, shares.loc[variant][column].to_numpy(),
                        style, marker="o", lw=2, ms=4, color=colour, label=column)
            ax.set_title(display_name(variant))
        labels = {"abandoned": "abandoned: left the line", "balked": "balked: did not join"}
        handles = [Line2D([], [], color=colour, ls=style, marker="o", lw=2, label=labels[k])
                   for k, colour, style in (("abandoned", FELT_COLOUR, "-"),
                                            ("balked", CLOCK_COLOUR, "--"))]
        legend = {"handles": handles, "loc": "outside lower center", "ncols": 2}
        every = 2
    else:
        panels = list(fig.subplots(1, 2, sharex=True))
        for ax, column, title in zip(panels, ("abandoned", "balked"),
                                     ("Abandoned: left the line", "Balked: did not join"),
                                     strict=True):
            for variant in drawn:
                mine = shares.loc[variant]
                ax.plot(mine.index, mine[column].to_numpy(), marker="o", lw=2, ms=6,
                        color=_colour(results, variant), ls=_dashes(results, variant),
                        label=legend_name(results, variant))
            ax.set_title(title, fontsize=13)
            if not shares[column].any():
                ax.text(0.5, 0.5, f"nobody {column} in any variant", transform=ax.transAxes,
                        ha="center", color="#444444")
            ax.set_xlabel(xlabel)
        panels[0].set_ylabel("% of that hour's arrivals")
        handles, labels = panels[0].get_legend_handles_labels()
        legend = {"handles": handles, "labels": labels, "loc": "outside right center",
                  "title": "variant"}
        every = 1
    ticks = hours[::every * math.ceil(len(hours) / 12)] if len(hours) else hours
    for ax in panels:
        ax.set_ylim(0, max(ax.get_ylim()[1], 1.0))  # an all-zero panel still reads 0-1%
        ax.yaxis.set_major_formatter(PercentFormatter(100.0, decimals=None))  # as ticks need
        ax.set_xticks(ticks, [_hour_label(h, clock) for h in ticks])
        ax.xaxis.set_tick_params(rotation=45)
    fig.legend(**legend)
    _subtitle(fig, "Customers lost by hour of arrival",
              f"Share of each hour's arrivals, {_runs(results)} pooled", results)
    return fig
