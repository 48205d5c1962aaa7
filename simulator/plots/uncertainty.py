"""Figures of ``compare --uncertainty``: how probable each place of the ranking is, and which
parameters each variant's gain depends on (a tornado)."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from simulator.analysis.uncertainty import UncertaintyResult, drivers_missing
from simulator.plots.style import (
    LABELS,
    FigureUnavailable,
    _figure,
    _styled,
    _subtitle,
    display_name,
)
from simulator.results import Results

PLACE_COLOURS = ("#0072B2", "#56B4E9", "#009E73", "#E69F00", "#D55E00", "#CC79A7", "#999999")
"""First place darkest blue, then lighter and warmer; places past the sixth share grey."""
TORNADO_PANELS = 4
"""Variants whose drivers are drawn: the most likely to rank first."""


def _analysis(results: Results) -> UncertaintyResult:
    if results.uncertainty is None:
        raise FigureUnavailable(f"{results.folder}: no uncertainty analysis; run `waitsim "
                                "compare SCENARIO --uncertainty 200 --out DIR`")
    return results.uncertainty


def _order(u: UncertaintyResult) -> list[str]:
    """Variants by probability of ranking first, then by median gain."""
    return sorted(u.variants, key=lambda v: (-u.variants[v].p_best, -u.variants[v].gain_median))


def _note(u: UncertaintyResult) -> str:
    return (f"{u.draws} draws of {len(u.ranges)} uncertain model parameters from their "
            f"plausible ranges; ranked by {LABELS[u.metric]}")


@_styled
def rank_probabilities(results: Results) -> Figure:
    """Per variant, a bar split by the probability of each place in the ranking (first
    place leftmost), variants ordered by their probability of ranking first."""
    u = _analysis(results)
    order = _order(u)
    fig = _figure()
    ax = fig.add_subplot()
    y = np.arange(len(order))[::-1]
    places = len(order)
    left = np.zeros(len(order))
    for k in range(places):
        share = np.array([100 * u.variants[v].rank_probabilities[k] for v in order])
        colour = PLACE_COLOURS[min(k, len(PLACE_COLOURS) - 1)]
        ax.barh(y, share, left=left, color=colour, edgecolor="white", linewidth=0.5,
                label=f"{k + 1}{_suffix(k + 1)}" if k < len(PLACE_COLOURS) - 1 else
                ("later" if k == len(PLACE_COLOURS) - 1 else None))
        for yi, s, l0 in zip(y, share, left, strict=True):
            if s >= 8:
                ax.text(l0 + s / 2, yi, f"{s:.0f}%", ha="center", va="center", fontsize=10,
                        color="white" if k < 3 else "black")
        left += share
    ax.set_yticks(y, [f"{display_name(v)}  (P best {100 * u.variants[v].p_best:.0f}%)"
                      for v in order])
    ax.set_xlim(0, 100)
    ax.set_xlabel("probability of each place in the ranking (%)")
    ax.grid(axis="y", visible=False)
    fig.legend(title="place in the ranking", ncol=min(places, len(PLACE_COLOURS)),
               loc="outside lower center", frameon=False)
    _subtitle(fig, "How sure is the ranking?", _note(u))
    return fig


def _suffix(place: int) -> str:
    return {1: "st", 2: "nd", 3: "rd"}.get(place if place < 20 else place % 10, "th")


@_styled
def uncertainty_drivers(results: Results) -> Figure:
    """For the variants most likely to rank first (up to four), a tornado of the parameters
    their gain over the base depends on most: partial rank correlation, -1 to 1 (right:
    a larger value of the parameter raises the gain)."""
    u = _analysis(results)
    shown = [v for v in _order(u) if v != "base" and u.variants[v].drivers][:TORNADO_PANELS]
    if not shown:
        raise FigureUnavailable(f"{results.folder}: no drivers: {drivers_missing(u)}")
    fig = _figure()
    rows = 1 if len(shown) <= 2 else 2
    grid = fig.subplots(rows, 2 if len(shown) > 1 else 1, sharex=True, squeeze=False)
    axes = grid.ravel()
    for ax in axes[len(shown):]:
        ax.set_visible(False)
    for ax, variant in zip(axes, shown, strict=False):
        drivers = u.variants[variant].drivers
        values = np.array([r for _, r in drivers])
        y = np.arange(len(values))[::-1]
        ax.barh(y, values, color=np.where(values > 0, "#0072B2", "#D55E00"))
        ax.set_yticks(y, [p for p, _ in drivers], fontsize=10)
        ax.axvline(0, color="#333333", linewidth=0.8)
        ax.set_xlim(-1, 1)
        gain = u.variants[variant]
        ax.set_title(f"{display_name(variant)}\ngain {gain.gain_median:+.2f} "
                     f"[{gain.gain_low:+.2f}, {gain.gain_high:+.2f}]", fontsize=12)
        ax.grid(axis="y", visible=False)
    for ax in grid[-1]:
        ax.set_xlabel("partial rank correlation")
    _subtitle(fig, "What each gain depends on",
              f"{_note(u)}\nblue: more of the parameter, a larger gain (variant minus base, "
              f"{'higher' if u.larger_is_better else 'lower'} is better); orange: smaller; "
              "gain: median [5th, 95th pct.]")
    return fig
