"""The recommendation at the top of the report: one sentence and its caveats, derived from the
comparison ``waitsim compare`` made (:func:`simulator.analysis.comparison.rank`, paired
intervals over the same simulated customers) and the costs it wrote (``costs.csv``)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from simulator.analysis.comparison import BETTER, Comparison, Ranked, rank, turned_away
from simulator.analysis.statistics import paired_difference
from simulator.analysis.uncertainty import UncertaintyResult
from simulator.page.markup import Markup, element, esc, join
from simulator.page.words import amount, interval_text, metric_label, variant_label
from simulator.report.comparison import money


@dataclass(frozen=True)
class Verdict:
    """What the page says first: the recommendation and what to keep in mind with it."""

    headline: Markup
    caveats: tuple[Markup, ...]


def _name(variant: str, first: bool = False) -> Markup:
    """An option's name in bold (``first``: capitalised, to begin a sentence)."""
    name = variant_label(variant)
    return element("strong", name[:1].upper() + name[1:] if first else name)


def _change(r: Ranked, metric: str) -> str:
    """'raises mean satisfaction by 11.7 points [10.9, 12.5]' for a variant's change."""
    assert r.difference is not None
    diff = r.difference
    verb = "raises" if diff.mean > 0 else "lowers" if diff.mean < 0 else "leaves"
    if verb == "leaves":
        return f"leaves {metric_label(metric)} unchanged"
    shown = " ".join(filter(None, [amount(diff.mean, metric),
                                   interval_text(diff, metric, flip=diff.mean < 0)]))
    return f"{verb} {metric_label(metric)} by {shown}"


def cost_row(costs: pd.DataFrame | None, variant: str) -> dict[str, float | None]:
    """A variant's row of ``costs.csv`` (undefined cells as None; empty without the file)."""
    if costs is None:
        return {}
    rows = costs[costs["variant"] == variant].to_dict("records")
    if not rows:
        return {}
    return {k: (None if isinstance(v, float) and math.isnan(v) else v)
            for k, v in rows[0].items() if k != "variant"}


def cost_unsure(row: dict[str, float | None]) -> bool:
    """Whether a row of ``costs.csv`` has an extra cost (lost visits priced, so it varies from
    day to day) whose paired 95% interval includes 0."""
    low, high = row.get("extra_cost_ci_low"), row.get("extra_cost_ci_high")
    return low is not None and high is not None and low <= 0 <= high


def _cost_clause(costs: pd.DataFrame | None, variant: str, metric: str) -> str:
    if costs is None:
        return "; its cost is not in this folder (no costs.csv)"
    row = cost_row(costs, variant)
    extra = row.get("extra_cost_per_day")
    if extra is None:
        return "; the scenario gives it no cost"
    # With lost visits priced the extra cost varies from day to day: say so, and whether it
    # is more than noise.
    priced = bool(row.get("unserved_cost_per_day"))
    counting = "counting what the customers who leave unserved cost, " if priced else ""
    unsure = " (not distinguishable from 0)" if cost_unsure(row) else ""
    if extra == 0 and not priced:
        return ", at no extra cost"
    if extra < 0:
        return (f"; {counting}it saves {money(-extra)} a day{unsure}" if priced
                else f", and it saves {money(-extra)} a day")
    per_point = row.get("cost_per_satisfaction_point")
    each = (f" ({money(per_point)} per satisfaction point)"
            if metric == "satisfaction_mean" and per_point is not None and not unsure else "")
    return f"; {counting}it costs {money(extra)} a day more than today{unsure}{each}"


def _runner_up(comparison: Comparison, metric: str, best: Ranked, runner: Ranked,
               costs: pd.DataFrame | None) -> Markup:
    """Whether the best option is distinguishable from the next one, paired as the
    comparison pairs each option with the base (same replications, same customers)."""
    metrics = comparison.result.metrics
    pair = paired_difference([r[metric] for r in metrics[best.variant]],
                             [r[metric] for r in metrics[runner.variant]])
    d = pair.difference
    gap = " ".join(filter(None, [amount(d.mean, metric), interval_text(d, metric,
                                                                       flip=d.mean < 0)]))
    if pair.distinguishable:
        return join(["It is clearly ahead of the runner-up, ", _name(runner.variant),
                     f": {'better' if _better(d.mean, metric) else 'worse'} by {gap} "
                     "on the same simulated customers."])
    extra = cost_row(costs, runner.variant).get("extra_cost_per_day")
    cost = "" if extra is None else f" ({variant_label(runner.variant)}: extra cost " \
                                    f"{money(extra)} a day)"
    return join(["Caveat: it is not distinguishable from the runner-up, ", _name(runner.variant),
                 f" (difference {gap}, the 95% interval includes 0): the two are as good as "
                 f"tied on these days; choose between them on cost or other grounds{cost}."])


def _better(change: float, metric: str) -> bool:
    return change > 0 if BETTER[metric] == "higher" else change < 0


def _uncertain(u: UncertaintyResult, variant: str, metric: str) -> Markup | None:
    """How often the option ranks first when the model's parameters are drawn."""
    if u.metric != metric or variant not in u.variants:
        return None
    p = u.variants[variant].p_best
    leader = max(u.variants, key=lambda v: u.variants[v].p_best)
    text = (f"With the model's uncertain parameters drawn from their plausible ranges "
            f"({u.draws} draws), it ranks first in {100 * p:.0f}% of draws")
    if leader != variant:
        often = f"{100 * u.variants[leader].p_best:.0f}%"
        return join([f"Caveat: {text}; ", _name(leader), f" ranks first more often ({often})."])
    return esc(text + ".")


def recommend(comparison: Comparison, metric: str, costs: pd.DataFrame | None,
              uncertainty: UncertaintyResult | None) -> Verdict:
    """The recommendation: the option best by ``metric`` with its paired interval against
    the base and its extra cost, or, when none beats the base, to keep today's setup; with
    caveats: a gain not distinguishable from 0, a runner-up not distinguishable from the best,
    the probability of ranking first under parameter uncertainty."""
    ranked = rank(comparison, metric)
    options = [r for r in ranked if r.variant != comparison.base]
    days = comparison.result.replications
    caveats: list[Markup] = []
    if not options:
        headline = esc("Only today's setup was simulated: there is no option to recommend.")
    elif ranked[0].variant == comparison.base:
        top = options[0]
        headline = join([
            f"Keep today's setup: no option improves {metric_label(metric)} on average "
            f"({len(options)} compared). The best of them, ", _name(top.variant),
            f", {_change(top, metric)}."])
    else:
        best = ranked[0]
        headline = join([_name(best.variant, first=True),
                         f" {_change(best, metric)} over today, "
                         + (f"the largest gain of the {len(options)} options" if len(options) > 1
                            else "the only option compared"),
                         _cost_clause(costs, best.variant, metric), "."])
        if best.distinguishable is not True:
            caveats.append(esc(
                "Caveat: its gain is not distinguishable from zero (the paired 95% interval "
                f"includes 0): on these {days} simulated days it does not clearly beat today."))
        runner = ranked[1]
        if runner.variant != comparison.base:
            caveats.append(_runner_up(comparison, metric, best, runner, costs))
        lost = turned_away(comparison, metric).get(best.variant)
        if lost is not None:  # per 100 arrivals: worded with customers_lost_per_100's unit
            caveats.append(esc(
                "Caveat: more customers leave without service with it (balk or give up): "
                f"{amount(lost.mean, 'customers_lost_per_100')} more "
                f"{interval_text(lost, 'customers_lost_per_100')}; the shorter line they leave "
                "behind is part of its gain. Weigh the customers lost beside it."))
        if uncertainty is not None:
            said = _uncertain(uncertainty, best.variant, metric)
            if said is not None:
                caveats.append(said)
    caveats.append(esc(
        f"Each option was simulated on the same {days} days of customers (common random "
        "numbers), so the differences are paired; intervals are 95%. The satisfaction model's "
        "magnitudes are partly assumptions: see “What the result rests on” below."))
    return Verdict(headline, tuple(caveats))
