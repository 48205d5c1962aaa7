"""How the report page names things: options, amounts of change, money.

:func:`variant_label` is the one place a variant's name becomes the name a reader sees.
"""

from __future__ import annotations

import math

from simulator.analysis.statistics import Interval
from simulator.metrics import BY_NAME, is_share
from simulator.plan.loader import BASE
from simulator.plots.style import display_name
from simulator.report.console import format_number

BASE_LABEL = "today (base)"
"""How the page names the base: the scenario as it is."""

DIFFERENCE_UNITS = {"min": "min", "0-100": "points", "share": "percentage points",
                    "people": "people", "count": "", "per 100 arrivals": "per 100 arrivals",
                    "felt / clock minutes": ""}
"""A change's unit in sentences, by the metric's unit."""


def variant_label(name: str) -> str:
    """The name the page shows for a variant: the figures' (:func:`display_name`,
    underscores as spaces); the base is 'today (base)'."""
    return BASE_LABEL if name == BASE else display_name(name)


def metric_label(metric: str) -> str:
    """A metric's name as the page shows it (the figures' label, e.g. 'mean satisfaction')."""
    return BY_NAME[metric].label


def _unsigned(value: float, metric: str) -> str:
    """A change as a number without its unit (shares in percentage points); scores and rates
    to one decimal, as a reader quotes them."""
    if BY_NAME[metric].kind in ("score", "rate") and not math.isnan(value):
        return f"{value:.1f}"
    text = format_number(value, metric)
    return text[:-1] if is_share(metric) and text.endswith("%") else text


def amount(value: float, metric: str) -> str:
    """The size of a change in ``metric`` with its unit, unsigned: '11.7 points',
    '2.37 min', '4.1 percentage points'."""
    unit = DIFFERENCE_UNITS.get(BY_NAME[metric].unit, "")
    return " ".join(filter(None, [_unsigned(abs(value), metric), unit]))


def interval_text(i: Interval, metric: str, flip: bool = False) -> str:
    """``[low, high]`` of a change (``flip``: of its opposite, so that a fall reads as a
    positive amount); empty when undefined."""
    if math.isnan(i.ci_low):
        return ""
    low, high = (-i.ci_high, -i.ci_low) if flip else (i.ci_low, i.ci_high)
    return f"[{_unsigned(low, metric)}, {_unsigned(high, metric)}]"
