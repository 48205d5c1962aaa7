"""What ``waitsim compare`` shows and writes: the console text, the ``--json`` document, and
``comparison.csv`` / ``costs.csv`` in the results folder."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from simulator.analysis.comparison import (
    BETTER,
    AutoReplications,
    Comparison,
    VariantMetric,
    rank,
    turned_away,
)
from simulator.analysis.costs import CostEffect
from simulator.analysis.statistics import Interval, json_ready
from simulator.report.console import (
    format_interval,
    format_number,
    label,
    metric_rows,
    variant_key,
    variant_titles,
)
from simulator.report.text import grid, paragraph
from simulator.runs.files import remove, write_csv
from simulator.runs.store import COMPARISON_FILES, REPORT_FILE

METHOD = "paired t over replications, common random numbers"
COMPARISON_COLUMNS = ["variant", "metric", "mean", "ci_low", "ci_high", "diff_mean",
                      "diff_ci_low", "diff_ci_high", "variance_reduction", "distinguishable",
                      "n"]
COST_COLUMNS = ["variant", "cost_per_day", "extra_cost_per_day", "satisfaction_gain",
                "satisfaction_gain_ci_low", "satisfaction_gain_ci_high",
                "cost_per_satisfaction_point", "perceived_wait_saved_min",
                "cost_per_felt_minute_saved", "unserved_cost_per_day", "extra_cost_ci_low",
                "extra_cost_ci_high"]


def _defined(value: float | None) -> float | None:
    """NaN as None: undefined values are null in JSON and empty in CSV, never a number."""
    return None if value is None or math.isnan(value) else value


def _cell(value: Any) -> Any:
    """A CSV cell: empty where undefined (None or NaN)."""
    if isinstance(value, float) and math.isnan(value):
        return ""
    return "" if value is None else value


def _interval(i: Interval | None) -> dict[str, float | None] | None:
    return None if i is None else i.as_dict()


# ---------------------------------------------------------------- files


def comparison_rows(comparison: Comparison) -> list[list[Any]]:
    """Rows of ``comparison.csv`` (:data:`COMPARISON_COLUMNS`): one per variant and metric;
    undefined values (the base's difference columns among them) are None."""
    rows = []
    for variant, by_metric in comparison.metrics.items():
        for metric, vm in by_metric.items():
            i, p = vm.interval, vm.paired
            diff = ([p.difference.mean, p.difference.ci_low, p.difference.ci_high,
                     p.variance_reduction] if p else [None] * 4)
            cells = (i.mean, i.ci_low, i.ci_high, *diff, vm.distinguishable)
            rows.append([variant, metric, *(_defined(c) if isinstance(c, float) else c
                                             for c in cells), i.n])
    return rows


def cost_rows(effects: list[CostEffect]) -> list[list[Any]]:
    """Rows of ``costs.csv`` (:data:`COST_COLUMNS`), None where undefined."""
    rows = []
    for e in effects:
        gain = e.satisfaction_gain
        saved = e.perceived_wait_saved
        rows.append([e.variant, *(_defined(x) for x in (
            e.cost_per_day, e.extra_cost_per_day,
            gain.mean if gain else None, gain.ci_low if gain else None,
            gain.ci_high if gain else None, e.cost_per_satisfaction_point,
            saved.mean if saved else None, e.cost_per_felt_minute_saved,
            e.daily.unserved if e.daily else None,
            *((e.extra_cost_interval.ci_low, e.extra_cost_interval.ci_high)
              if e.extra_cost_interval else (None, None))))])
    return rows


def write_comparison(out: Path, comparison: Comparison, effects: list[CostEffect]) -> None:
    """``comparison.csv`` and ``costs.csv`` in ``out``, each written atomically; a report
    page made from the comparison before (``waitsim report``) goes, since it may no longer
    describe it (another ranking metric, an uncertainty analysis added)."""
    remove(out / REPORT_FILE)
    comparison_file, costs_file = COMPARISON_FILES
    for name, header, rows in ((comparison_file, COMPARISON_COLUMNS, comparison_rows(comparison)),
                               (costs_file, COST_COLUMNS, cost_rows(effects))):
        write_csv(out / name, header, ([_cell(c) for c in row] for row in rows))


# ---------------------------------------------------------------- JSON


def compare_document(comparison: Comparison, rank_by: str, effects: list[CostEffect],
                     auto: AutoReplications | None = None) -> dict[str, Any]:
    """The ``run --json`` document plus, per variant other than the base, ``vs_base``
    {metric: {mean, ci_low, ci_high}} (the keys of ``run``'s metrics) with ``classes`` and
    ``stations`` {name: {metric: ...}} (the differences from the base's same class or
    station, where the base has it), and top-level
    ``paired``, ``ranking``, ``costs`` and (with ``--replications auto``)
    ``replications_auto``. Each place of the ranking carries
    ``more_leave_unserved_per_100``: for an option that beats the base while more customers
    leave unserved (:func:`simulator.analysis.comparison.turned_away`), how many more per 100
    arrivals; null otherwise."""
    document = comparison.result.to_json(comparison.intervals)
    paired: dict[str, Any] = {}
    for variant, by_metric in comparison.metrics.items():
        if variant == comparison.base:
            continue
        document["variants"][variant]["vs_base"] = {
            **_differences(by_metric),
            **{group: {name: d for name, by in members.items() if (d := _differences(by))}
               for group, members in comparison.groups.get(variant, {}).items()}}
        paired[variant] = {
            m: {"variance_reduction": _defined(vm.paired.variance_reduction),
                "unpaired_half_width": _defined(vm.paired.unpaired_half_width),
                "distinguishable": vm.distinguishable, "n": vm.paired.difference.n}
            for m, vm in by_metric.items() if vm.paired}
    document["paired"] = {"method": METHOD, "level": 0.95, "base": comparison.base,
                          "variants": paired}
    lost = turned_away(comparison, rank_by)
    document["ranking"] = {
        "metric": rank_by, "better": BETTER[rank_by],
        "order": [{"place": r.place, "variant": r.variant, **r.interval.as_dict(),
                   "vs_base": _interval(r.difference), "distinguishable": r.distinguishable,
                   "more_leave_unserved_per_100": _interval(lost.get(r.variant))}
                  for r in rank(comparison, rank_by)]}
    document["costs"] = {e.variant: _cost_document(e) for e in effects}
    if auto is not None:
        document["replications_auto"] = {
            "metric": rank_by, "precision": auto.precision, "max_replications": auto.cap,
            "rounds": list(auto.rounds), "reached": auto.reached, "capped": auto.capped,
            "widest": {"variant": auto.widest[0], "half_width": _defined(auto.widest[1])}}
    return json_ready(document)


def _differences(by_metric: dict[str, VariantMetric]) -> dict[str, Any]:
    """{metric: paired difference from the base} of the metrics that have one."""
    return {m: vm.paired.difference.as_dict() for m, vm in by_metric.items() if vm.paired}


def _cost_document(e: CostEffect) -> dict[str, Any]:
    d = e.daily
    return {
        "cost_per_day": e.cost_per_day,
        "by_lever": None if d is None else {"servers": d.servers,
                                            "interventions": d.interventions, "other": d.other,
                                            "unserved": d.unserved},
        "opening_hours": None if d is None else d.hours,
        "extra_cost_per_day": e.extra_cost_per_day,
        "extra_cost_interval": _interval(e.extra_cost_interval),
        "satisfaction_gain": _interval(e.satisfaction_gain),
        "cost_per_satisfaction_point": e.cost_per_satisfaction_point,
        "perceived_wait_saved_min": _interval(e.perceived_wait_saved),
        "perceived_wait_saved_min_per_day": e.perceived_wait_saved_per_day,
        "cost_per_felt_minute_saved": e.cost_per_felt_minute_saved,
    }


# ---------------------------------------------------------------- console


def money(value: float | None) -> str:
    """An amount of the scenario's currency, '-' when undefined."""
    return "-" if value is None else f"{value:,.2f}"


def metrics_table(comparison: Comparison, metrics: Sequence[str] | None = None,
                  width: int | None = None) -> str:
    """Metrics down (``metrics``, default all), variants across in blocks that fit ``width``
    columns: each variant's mean [95% CI], under it its paired difference from the base
    [95% CI] and how much pairing narrowed that interval."""
    base, result = comparison.base, comparison.result
    rows = []
    for metric in metric_rows(metrics):
        means, diffs, pairing = [label(metric)], ["  vs base"], ["  pairing"]
        for variant, by_metric in comparison.metrics.items():
            vm = by_metric[metric]
            means.append(format_interval(vm.interval, metric))
            if vm.paired is None:
                diffs.append("(base)" if variant == base else "")
                pairing.append("")
                continue
            mark = " n.d." if vm.distinguishable is False else ""
            diffs.append(format_interval(vm.paired.difference, metric, signed=True) + mark)
            reduction = vm.paired.variance_reduction
            pairing.append("-" if math.isnan(reduction) else f"x{reduction:.1f}")
        rows += [means, diffs, pairing] if len(comparison.metrics) > 1 else [means]
    title = (f"{result.scenario}: {result.replications} replications per variant, seed "
             f"{result.seed}. Mean [95% CI]; vs base = variant - base [95% CI], {METHOD}.")
    legend = ("n.d. = not distinguishable from the base (the paired 95% CI includes 0). "
              "pairing = unpaired (Welch) CI width / paired CI width (variance reduction "
              "from common random numbers). Differences of shares are in percentage points.")
    header = ["metric", *variant_titles(result, comparison.metrics)]
    return "\n".join([paragraph(title, width), "",
                      *variant_key(result, comparison.metrics, width),
                      *grid(header, rows, width), "",
                      paragraph(legend, width)])


def ranking_text(comparison: Comparison, rank_by: str, width: int | None = None) -> str:
    """Variants best first by ``rank_by``, with their difference from the base."""
    rows = []
    result = comparison.result
    for r in rank(comparison, rank_by):
        if r.difference is None:
            diff, note = "(base)", ""
        else:
            diff = format_interval(r.difference, rank_by, signed=True)
            note = {True: "", False: "n.d.", None: "undefined"}[r.distinguishable]
        rows.append([str(r.place), result.display_name(r.variant),
                     format_interval(r.interval, rank_by), diff, note])
    header = ["place", "variant", label(rank_by), "vs base (paired)", "note"]
    return "\n".join([f"Ranking by {rank_by} ({BETTER[rank_by]} is better):", "",
                      *grid(header, rows, width, keep=2), "",
                      "n.d. = not distinguishable from the base (the paired 95% CI includes 0)."])


def turned_away_text(comparison: Comparison, rank_by: str, width: int | None = None) -> str:
    """The options whose gain comes with more customers leaving unserved (empty if none)."""
    found = turned_away(comparison, rank_by)
    if not found:
        return ""
    # Shown as a number per 100 arrivals, as customers_lost_per_100 is (only its format).
    each = "; ".join(f"{comparison.result.display_name(v)} "
                     f"{format_interval(d, 'customers_lost_per_100', signed=True)}"
                     for v, d in found.items())
    return paragraph(f"More customers leave unserved (balk or abandon, per 100 arrivals, vs "
                     f"base, paired 95% CI): {each}. The shorter line they leave behind is "
                     f"part of such a gain; weigh the customers lost beside it.", width)


def _ratio_text(ratio: float | None, gain: Interval | None, cost_unsure: bool = False) -> str:
    """A cost ratio, marked n.d. when the gain it divides by, or the extra cost (lost visits
    included), is not distinguishable from 0."""
    unsure = cost_unsure or (gain is not None and gain.ci_low <= 0 <= gain.ci_high)
    return money(ratio) + (" n.d." if ratio is not None and unsure else "")


def costs_text(effects: list[CostEffect], names: Callable[[str], str] = str,
               width: int | None = None) -> str:
    """The cost section: per variant (named by ``names``), cost per day and what the extra
    cost buys."""
    rows = []
    # Customers who leave unserved are priced only when the scenario gives them a cost.
    unserved = any(e.daily is not None and e.daily.unserved for e in effects)
    for e in effects:
        gain, saved = e.satisfaction_gain, e.perceived_wait_saved
        per_point_text = ("cheaper and better" if e.cheaper_and_better
                          else _ratio_text(e.cost_per_satisfaction_point, gain, e.cost_unsure))
        rows.append([
            names(e.variant), money(e.cost_per_day),
            *([money(e.daily.unserved if e.daily else None)] if unserved else []),
            money(e.extra_cost_per_day) + (" n.d." if e.cost_unsure else ""),
            "(base)" if gain is None else format_interval(gain, "satisfaction_mean",
                                                           signed=True),
            per_point_text,
            "" if saved is None else format_interval(saved, "perceived_wait_mean", signed=True),
            money(e.perceived_wait_saved_per_day),
            _ratio_text(e.cost_per_felt_minute_saved, saved, e.cost_unsure)])
    header = ["variant", "cost/day", *(["unserved cost/day"] if unserved else []), "extra/day",
              "satisfaction gain (points)", "extra cost/point", "felt min saved/customer",
              "felt min saved/day", "extra cost/felt min"]
    lines = [paragraph("Costs per day (one run: opening to the end of arrivals), in the currency "
                       "of the file's cost keys:", width), "", *grid(header, rows, width), ""]
    if all(e.daily is None for e in effects):
        lines.append(paragraph(
            "No cost keys in this scenario (stations.NAME.cost_per_server_hour, an "
            "intervention's cost_per_day / cost_per_hour, a top-level cost_per_day or "
            "cost_per_unserved_customer): the variants are compared without costs.", width))
    else:
        lines.append(paragraph(
            "- = undefined: no cost data, or no gain (a ratio needs a gain > 0 at an "
            "extra cost >= 0). n.d. = a ratio over a gain whose 95% CI includes 0. "
            "Levers a priced variant does not price count as free."
            + (" Unserved cost/day = cost_per_unserved_customer x the customers a day who "
               "left before being served (balked, or gave up in a line); it is part of "
               "cost/day, and since it varies from day to day, an extra cost whose paired 95% "
               "CI includes 0 is marked n.d. too." if unserved else ""), width))
    return "\n".join(lines)


def auto_text(auto: AutoReplications, rank_by: str) -> str:
    """One paragraph on what ``--replications auto`` did."""
    variant, width = auto.widest
    rounds = " -> ".join(str(n) for n in auto.rounds)
    alone = auto.comparison.variants == [auto.comparison.base]
    what = f"95% half-width of {rank_by}" + ("" if alone else " (paired difference vs base)")
    shown = format_number(width, rank_by)
    if auto.reached:
        verdict = f"target reached: widest {what} is {shown} ({variant}) <= {auto.precision:g}"
    elif auto.capped:
        verdict = (f"CAP HIT at --max-replications {auto.cap}: widest {what} is still "
                   f"{shown} ({variant}) > {auto.precision:g}")
    else:
        verdict = (f"stopped: {what} of {variant} is undefined (fewer than two replications "
                   "with a value)")
    return f"Replications auto: {rounds} per variant; {verdict}."


def compare_text(comparison: Comparison, rank_by: str, effects: list[CostEffect],
                 auto: AutoReplications | None = None, metrics: Sequence[str] | None = None,
                 width: int | None = None) -> str:
    """The whole console report of ``waitsim compare``: the table of ``metrics`` (default
    all), the ranking, the costs, laid out for ``width`` columns (default: the terminal's,
    else 100)."""
    parts = [metrics_table(comparison, metrics, width), ranking_text(comparison, rank_by, width),
             turned_away_text(comparison, rank_by, width),
             costs_text(effects, comparison.result.display_name, width)]
    if auto is not None:
        parts.append(paragraph(auto_text(auto, rank_by), width))
    return "\n\n".join(part for part in parts if part)
