"""The table of metrics (simulator/metrics.py) is the one source every report reads."""

from __future__ import annotations

from simulator.analysis.comparison import BETTER, RANKABLE
from simulator.analysis.summary import METRICS
from simulator.metrics import BY_NAME, HEADLINE, TABLE
from simulator.report.console import label


def test_names_are_unique_and_in_the_summary_order() -> None:
    assert len(BY_NAME) == len(TABLE)
    assert tuple(m.name for m in TABLE) == METRICS


def test_every_metric_says_what_it_means_in_one_sentence() -> None:
    for m in TABLE:
        assert not m.meaning[0].islower() and m.meaning.endswith("."), m.name


def test_headline_places_are_one_to_n() -> None:
    places = sorted(m.headline for m in TABLE if m.headline is not None)
    assert places == list(range(1, len(places) + 1))
    assert HEADLINE == ("wait_mean", "perceived_wait_mean", "satisfaction_mean",
                        "abandoned_share")


def test_better_and_units_come_from_the_table() -> None:
    assert {m.name: m.better for m in TABLE} == BETTER
    assert "utilisation" not in RANKABLE and "arrivals" not in RANKABLE
    assert label("wait_mean") == "wait_mean (min)"
    assert label("queue_length_mean") == "queue_length_mean (people)"
    assert label("abandoned_share") == "abandoned_share"
