"""The sections of the report page built on the comparison: the ranking with costs, the key
metrics of every option, the figures, the uncertainty analysis, and the place of per-class
results."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd
from matplotlib.figure import Figure

from simulator.analysis.comparison import BETTER, Comparison, rank
from simulator.analysis.statistics import Interval
from simulator.analysis.uncertainty import UncertaintyResult, drivers_missing
from simulator.metrics import HEADLINE
from simulator.page.markup import Markup, element, figure, join, table
from simulator.page.verdict import cost_row, cost_unsure
from simulator.page.words import metric_label, variant_label
from simulator.plots import (
    FigureUnavailable,
    cost_vs_satisfaction,
    paired_improvement,
    queue_over_day,
    rank_probabilities,
    satisfaction_by_variant,
    uncertainty_drivers,
    wait_distributions,
)
from simulator.plots.comparison import lost_visits_priced
from simulator.report.comparison import money
from simulator.report.console import UNITS, format_interval, format_number, label
from simulator.results import Results

KEY_METRICS = (*HEADLINE, "dissatisfied_share", "customers_lost_per_100")
"""The metrics of the key-metrics table: the headline metrics, then two a manager asks about."""
CLASS_METRICS = KEY_METRICS[:-1]
"""The metrics of the per-class table (one column fewer: it has a column of classes)."""


def ranking_section(comparison: Comparison, metric: str, costs: pd.DataFrame | None
                    ) -> Markup:
    """Every option best first by ``metric``: its mean, its paired change from today, whether
    that change is distinguishable from 0, and its cost (``costs.csv``)."""
    rows = []
    for r in rank(comparison, metric):
        cost = cost_row(costs, r.variant)
        if r.difference is None:
            change, clear = "(today)", ""
        else:
            change = format_interval(r.difference, metric, signed=True)
            clear = {True: "yes", False: "no", None: "undefined"}[r.distinguishable]
        per_point = cost.get("cost_per_satisfaction_point")
        extra, gain = cost.get("extra_cost_per_day"), cost.get("satisfaction_gain")
        unsure = cost_unsure(cost)
        if extra is not None and gain is not None and extra < 0 < gain and not unsure:
            per_point_text = "cheaper and better"
        else:
            per_point_text = money(per_point) + (" n.d." if unsure and per_point is not None
                                                 else "")
        rows.append([str(r.place), variant_label(r.variant), format_interval(r.interval, metric),
                     change, clear, money(extra) + (" n.d." if unsure else ""), per_point_text])
    header = ["place", "option", f"{metric_label(metric)} [95% CI]",
              "change vs today [paired 95% CI]", "clearly different from today?",
              "extra cost a day", "extra cost per satisfaction point"]
    body = [_best_first(table(header, rows, numeric_from=2, class_="data names"))]
    body.append(element("p", (
        f"Ranked by {_with_unit(metric)}, {BETTER[metric]} is better. The change is the option's "
        "value minus today's, day by day on the same simulated customers (paired Student t "
        f"over {comparison.result.replications} days); shares are in percentage points. Clearly "
        "different: the paired 95% interval excludes 0. Costs "
        "are per day (opening to the end of arrivals) in the currency of the scenario's cost "
        "keys; '-' means no cost data, or no gain to divide the cost by."
        + (" They include what the customers who leave unserved cost "
           "(cost_per_unserved_customer); that part varies from day to day, and n.d. marks an "
           "extra cost whose paired 95% interval includes 0."
           if lost_visits_priced(costs) else "")), class_="note"))
    if costs is None:
        body.append(element("p", "No costs.csv in the folder: costs are not shown.",
                            class_="note"))
    return _section("The options, ranked", body)


def _best_first(markup: Markup) -> Markup:
    """The first row of a table's body marked as the best."""
    return Markup(markup.replace("<tbody><tr>", '<tbody><tr class="best">', 1))


def metrics_section(intervals: dict[str, dict[str, Interval]], order: Sequence[str]
                    ) -> Markup:
    """The key metrics of every option (mean [95% CI]), options in ``order``."""
    header = ["option", *(_with_unit(m) for m in KEY_METRICS)]
    rows = [[variant_label(v), *(format_interval(intervals[v][m], m) for m in KEY_METRICS)]
            for v in order]
    note = ("Mean over the simulated days [95% Student-t interval]. Customers lost per 100 "
            "arrivals rests on illustrative multipliers (see below): read it as a direction, "
            "not a forecast.")
    return _section("Key numbers of each option",
                    [table(header, rows, class_="data names"), element("p", note, class_="note")])


def _with_unit(metric: str) -> str:
    """A metric's readable name with its unit, as a column header."""
    unit = UNITS.get(metric)
    return f"{metric_label(metric)} ({unit})" if unit else metric_label(metric)


def _section(title: str, body: Sequence[object]) -> Markup:
    return element("section", element("h2", title), *body)


def _draw(build: Callable[[], Figure], alt: str, caption: str) -> Markup:
    """A figure, or a note saying why it is missing (the data the folder lacks)."""
    try:
        fig = build()
    except FigureUnavailable as exc:
        return element("p", f"{alt}: not shown ({exc}).", class_="note")
    return figure(fig, alt, caption)


def figures_section(results: Results, metric: str, compared: bool) -> Markup:
    """The key figures: the paired change of every option (or, without a comparison, the
    satisfaction of each), cost against gain, the waits, and the queue over the day."""
    parts = []
    if compared:
        parts.append(_draw(lambda: paired_improvement(results, metric),
                           f"Change in {metric_label(metric)} vs today",
                           "Each option's change from today with its paired 95% interval; "
                           "hollow grey marks: not distinguishable from today."))
        parts.append(_draw(lambda: cost_vs_satisfaction(results), "Cost against satisfaction",
                           "Extra cost a day against satisfaction gained; the options on the "
                           "line give the most gain for their cost."))
    else:
        parts.append(_draw(lambda: satisfaction_by_variant(results), "Satisfaction",
                           "Mean satisfaction and share dissatisfied with 95% intervals."))
    parts.append(_draw(lambda: wait_distributions(results), "Waits",
                       "Clock and felt waits: how long customers waited, and how long it "
                       "felt."))
    parts.append(_draw(lambda: queue_over_day(results), "Queue over the day",
                       "Customers waiting through the day, averaged over the simulated days."))
    return _section("Key figures", parts)


def uncertainty_section(results: Results, u: UncertaintyResult) -> Markup:
    """How sure the ranking is (``compare --uncertainty``): P(best), P(beats today), the
    spread of each gain, the EVPI, the drivers, and the two figures."""
    order = sorted(u.variants, key=lambda v: (-u.variants[v].p_best, -u.variants[v].gain_median))
    rows = []
    for name in order:
        x = u.variants[name]
        beats = x.p_better_than_base  # None for the base
        rows.append([variant_label(name), f"{100 * x.p_best:.0f}%",
                     "-" if beats is None else f"{100 * beats:.0f}%",
                     format_number(x.gain_median, u.metric, signed=True),
                     f"{format_number(x.gain_low, u.metric, signed=True)} to "
                     f"{format_number(x.gain_high, u.metric, signed=True)}"])
    header = ["option", "P(ranks first)", "P(beats today)", "gain (median)", "90% of draws"]
    how = ("each draw simulated again on the same customers" if u.resimulated
           else "the recorded journeys rescored under each draw")
    drivers = [element("li", element("strong", variant_label(name)), ": ",
                       ", ".join(f"{p} {r:+.2f}" for p, r in u.variants[name].drivers[:3]))
               for name in order if u.variants[name].drivers]
    body: list[object] = [
        element("p", f"The model's {len(u.ranges)} uncertain parameters were drawn {u.draws} "
                f"times from their plausible ranges ({how}); each option's gain over today in "
                f"{label(u.metric)} under every draw."),
        table(header, rows),
        element("p", element("strong", "Value of knowing the parameters exactly (EVPI): "),
                f"{format_number(u.evpi, u.metric)} ({label(u.metric)}). Small beside the "
                "gains at stake: the choice does not hang on the uncertain parameters; large: "
                "measure your own customers before deciding."),
        element("h3", "What each gain depends on most"),
        element("ul", *drivers) if drivers else element("p", f"None: {drivers_missing(u)}."),
        element("p", "Partial rank correlation, -1 to 1: positive means a larger value of the "
                "parameter gives a larger gain.", class_="note"),
        _draw(lambda: rank_probabilities(results), "How sure the ranking is",
              "The probability of each place in the ranking, per option."),
        _draw(lambda: uncertainty_drivers(results), "What each gain depends on",
              "The parameters each leading option's gain hangs on."),
    ]
    return _section("How sure is the ranking?", body)


def per_class_section(results: Results, order: Sequence[str]) -> Markup:
    """The key numbers of each customer class under each option (``classes.csv``: mean
    [95% CI]), options in ``order``; nothing when the folder has no per-class summaries or
    a single class (the key numbers already say it)."""
    frame = results.classes
    if frame is None or frame["class"].nunique() < 2:
        return Markup("")
    cells = {(row["variant"], row["class"], row["metric"]):
             Interval(row["mean"], row["ci_low"], row["ci_high"], int(row["n"]))
             for row in frame.to_dict("records")}
    metrics = [m for m in CLASS_METRICS if any(k[2] == m for k in cells)]
    header = ["customer class", "option", *(_with_unit(m) for m in metrics)]
    rows = [[name, variant_label(v), *(format_interval(cells[(v, name, m)], m)
                                       if (v, name, m) in cells else "-" for m in metrics)]
            for name in dict.fromkeys(frame["class"]) for v in order]
    note = ("Each class's own numbers (classes.csv), mean over the simulated days [95% "
            "Student-t interval]: an option can help one class and cost another.")
    return _section("Each customer class",
                    [table(header, rows, numeric_from=2, class_="data names"),
                     element("p", note, class_="note")])


def join_sections(parts: Sequence[Markup]) -> Markup:
    """Sections in order, the empty ones left out."""
    return join([p for p in parts if p], "\n")

