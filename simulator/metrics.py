"""Every per-replication metric waitsim reports, in one table: what it means, its unit, which
direction is better, whether it is a headline metric, and its label in figures.

Everything else reads this table: the summary's order of metrics, the comparison's ranking
directions, the console's units and number formats, the figures' labels and the generated
metric reference (docs/reference/metrics.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["minutes", "share", "count", "score", "ratio", "rate"]
Better = Literal["higher", "lower", "neither"]


@dataclass(frozen=True)
class Metric:
    """One metric of a replication.

    ``kind`` decides how a value is shown: a ``share`` is a fraction of 1 printed as a
    percentage; the others print as plain numbers in ``unit``.
    """

    name: str
    meaning: str
    """One sentence: what the number is and who counts in it."""
    unit: str
    """``min``, ``people``, ``0-100``, ``share``, ``count``, ``per 100 arrivals`` or
    ``felt / clock minutes``."""
    kind: Kind
    better: Better
    """Which direction of change is an improvement; ``neither`` for a trade-off or a number
    no lever aims at (such a metric cannot rank variants)."""
    headline: int | None = None
    """Place among the headline metrics (1 first): the columns of the sweep table. None when
    not a headline metric."""
    plot_label: str = ""
    """Name in figure titles; the metric's name with spaces when empty."""

    @property
    def label(self) -> str:
        """The metric's name in figure titles."""
        return self.plot_label or self.name.replace("_", " ")


TABLE: tuple[Metric, ...] = (
    Metric("wait_mean",
           "Mean clock minutes waiting in line (all stations, before service) per customer "
           "who started service.",
           "min", "minutes", "lower", headline=1, plot_label="mean clock wait"),
    Metric("wait_p90",
           "90th percentile of that wait (exact up to 2^20 = 1,048,576 such customers in a "
           "replication; beyond that from a logarithmic histogram, within 0.01%).",
           "min", "minutes", "lower"),
    Metric("wait_probability",
           "Share of those customers who waited at all, P(wait > 0).",
           "share", "share", "lower"),
    Metric("perceived_wait_mean",
           "The same customers' mean felt minutes of waiting in line (equal to wait_mean "
           "under model: identity).",
           "min", "minutes", "lower", headline=2, plot_label="mean felt wait"),
    Metric("perceived_wait_p90",
           "90th percentile of that felt wait (exact or within 0.01%, as wait_p90).",
           "min", "minutes", "lower"),
    Metric("overestimation_ratio",
           "Felt / clock minutes of all waiting (in line and during repairs mid-service).",
           "felt / clock minutes", "ratio", "lower"),
    Metric("time_in_system_mean",
           "Mean minutes from arrival to departure of served customers.",
           "min", "minutes", "lower"),
    Metric("abandoned_share",
           "Share of arrivals who left the line before service (reneged).",
           "share", "share", "lower", headline=4, plot_label="share who abandoned"),
    Metric("balked_share",
           "Share of arrivals who saw the line and did not join.",
           "share", "share", "lower", plot_label="share who balked"),
    Metric("served",
           "Customers served to the end of their route.",
           "count", "count", "higher"),
    # set by the arrival process, not by a lever
    Metric("arrivals",
           "Customers who arrived (after the warm-up).",
           "count", "count", "neither"),
    # still inside when the run stopped: an overloaded day
    Metric("censored",
           "Customers still inside when the run stopped at end (never silently dropped).",
           "count", "count", "lower"),
    Metric("queue_length_mean",
           "Time-average number of customers waiting, all stations.",
           "people", "count", "lower"),
    # busy staff are cheap staff but long lines: a trade-off
    Metric("utilisation",
           "Busy share of available server time at the first station (on duty and not "
           "under repair), from the end of the warm-up until arrivals stop (the doors stay "
           "open until close even when only an initial queue is served).",
           "share", "share", "neither"),
    Metric("satisfaction_mean",
           "Mean satisfaction (0-100) of all arrivals, those who abandoned or balked "
           "included.",
           "0-100", "score", "higher", headline=3, plot_label="mean satisfaction"),
    Metric("dissatisfied_share",
           "Share of arrivals whose satisfaction is below dissatisfied_below.",
           "share", "share", "lower", plot_label="share dissatisfied"),
    Metric("satisfied_share",
           "Share of arrivals whose satisfaction is at least satisfied_above.",
           "share", "share", "higher"),
    Metric("complaints_per_100",
           "Expected complaints per 100 arrivals.",
           "per 100 arrivals", "rate", "lower"),
    Metric("negative_word_of_mouth_per_100",
           "People told of a bad experience, per 100 arrivals.",
           "per 100 arrivals", "rate", "lower"),
    Metric("positive_word_of_mouth_per_100",
           "People told of a good experience, per 100 arrivals.",
           "per 100 arrivals", "rate", "higher"),
    Metric("customers_lost_per_100",
           "Customers expected not to come back, per 100 arrivals.",
           "per 100 arrivals", "rate", "lower"),
)
"""Every per-replication metric. The order is the order of reports, files and columns."""

BY_NAME: dict[str, Metric] = {m.name: m for m in TABLE}
"""The metrics of :data:`TABLE` by name."""

NAMES: tuple[str, ...] = tuple(BY_NAME)
"""The metrics' names, in the order of :data:`TABLE`."""

HEADLINE: tuple[str, ...] = tuple(
    m.name for m in sorted((m for m in TABLE if m.headline), key=lambda m: m.headline or 0))
"""The headline metrics, in their place order."""


def is_share(name: str) -> bool:
    """Whether the metric ``name`` is a fraction of 1 (shown as a percentage)."""
    return BY_NAME[name].kind == "share"
