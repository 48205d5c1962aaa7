"""Figures that compare the variants, from summary.csv, replications.csv and costs.csv:
satisfaction by variant, the paired improvement over the base (forest plot) and cost against
satisfaction gained with its efficient frontier."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.transforms import Bbox

from simulator.analysis.comparison import BETTER
from simulator.analysis.statistics import PairedDifference, paired_difference
from simulator.analysis.summary import METRICS
from simulator.plots.style import (
    EDGE,
    LABEL_BOX,
    LABELS,
    MUTED,
    FigureUnavailable,
    _colour,
    _figure,
    _runs,
    _scale,
    _styled,
    _subtitle,
    _unit,
    display_name,
)
from simulator.results import Results

# -- Satisfaction by variant ----------------------------------------------------------------

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
    ax.set_yticks(range(len(variants)), [display_name(v) for v in variants])
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
              f"Over all arrivals, those who left included; {_runs(results)}", results)
    return fig


# -- Paired improvement over the base (forest plot) ------------------------------------------

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
    ax.set_yticks(range(len(differences)), [display_name(v) for v in differences])
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
    _subtitle(fig, f"Change in {LABELS[metric]} vs the base",
              f"Paired difference with 95% CI (paired t over {n} replication"
              f"{'s' if n != 1 else ''}, same customers in every variant)", results)
    return fig


# -- Cost vs satisfaction gain ---------------------------------------------------------------

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
    error bar, earlier name or the edge of the plot (greedy, measured after the layout); when
    none is free, in the place that covers the least of them."""
    fig.draw_without_rendering()  # settle the layout, so that the measurements hold
    half = 8 * fig.dpi / 72  # half a marker's width, in pixels
    obstacles = []
    for x, low, high in zip(xs, lows, highs, strict=True):
        (left, bottom), (right, top) = ax.transData.transform([(x, low), (x, high)])
        obstacles.append(Bbox.from_extents(left - half, bottom - half, right + half, top + half))
    frame = ax.get_window_extent()

    def covered(box: Bbox) -> float:
        """Pixels of ``box`` over obstacles or outside the plot (0: a free place)."""
        inside = Bbox.intersection(box, frame)
        overlaps = (Bbox.intersection(box, other) for other in obstacles)
        return (box.width * box.height - (inside.width * inside.height if inside else 0.0)
                + sum(o.width * o.height for o in overlaps if o is not None))

    for name, x, y in zip(names, xs, ys, strict=True):
        label = ax.annotate(name, (x, y), xytext=(0, 0), textcoords="offset points", fontsize=12,
                            bbox=LABEL_BOX, zorder=2.5)  # below the markers, above the lines
        label.set_in_layout(False)  # placed inside the plot: the layout need not move
        least: tuple[float, tuple[float, float, str, str]] | None = None
        for place in LABEL_PLACES:
            dx, dy, ha, va = place
            label.xyann = (dx, dy)
            label.set(ha=ha, va=va)
            cost = covered(label.get_window_extent().padded(-1))  # touching is not overlapping
            if least is None or cost < least[0]:
                least = (cost, place)
            if cost == 0:
                break
        assert least is not None
        dx, dy, ha, va = least[1]
        label.xyann = (dx, dy)
        label.set(ha=ha, va=va)
        if abs(dy) > 15:  # a name set further off gets a leader line to its point
            ax.annotate("", (x, y), xytext=(dx, dy), textcoords="offset points", zorder=2.4,
                        arrowprops={"arrowstyle": "-", "color": "#555555", "lw": 0.8,
                                    "shrinkA": 0, "shrinkB": 7})
        obstacles.append(label.get_window_extent())


def lost_visits_priced(costs: pd.DataFrame | None) -> bool:
    """Whether the costs of ``costs.csv`` count customers who left unserved
    (``cost_per_unserved_customer``)."""
    return (costs is not None and "unserved_cost_per_day" in costs
            and bool(costs["unserved_cost_per_day"].fillna(0).any()))


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
                                "(see docs/how-to/costs.md) and run `waitsim compare` again")
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
    ax.set_xlabel("extra cost per day vs the base (currency of the scenario's cost keys)"
                  + ("\nincluding what the customers who leave unserved cost"
                     if lost_visits_priced(results.costs) else ""))
    ax.set_ylabel("satisfaction gain vs the base (points on 0-100)")
    missing = [v for v in rows if v not in known]
    if missing:
        ax.text(0.99, 0.02, "not shown (no cost data): "
                f"{', '.join(display_name(v) for v in missing)}",
                transform=ax.transAxes, ha="right", va="bottom", fontsize=11, color="#444444",
                wrap=True)
    fig.legend(loc="outside lower center", ncols=2)
    _subtitle(fig, "What each option costs and what it buys",
              "Mean satisfaction gain with its paired 95% CI; the frontier (dashed) is drawn "
              "through mean gains", results)
    # Last: the names are placed where they fall once the titles and legend are laid out.
    _label_points(fig, ax, [display_name(v) for v in names], cost, gain,
                  np.nan_to_num(low, nan=gain), np.nan_to_num(high, nan=gain))
    return fig
