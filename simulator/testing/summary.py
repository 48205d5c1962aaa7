"""The invariants of a run's summary and time series: they agree with the records."""

from __future__ import annotations

import math

import numpy as np

from simulator.analysis.summary import summarise, timeseries
from simulator.engine.journeys import Journeys
from simulator.models.codes import Outcome
from simulator.testing.base import EPS


def check_summary(journeys: Journeys) -> None:
    """Check that the summary (:func:`simulator.analysis.summary.summarise`) and the time
    series of ``journeys`` agree with its records; raise ``AssertionError`` naming the metric
    that does not.

    Guarantees, when it returns: counts of arrivals, censored and served customers as in the
    records; shares in [0, 1] adding up to the arrivals; waits, queue lengths and utilisation
    in range; the mean wait and the probability of waiting recomputed from the visits; minutes
    in line equal to the time series' queue length integrated over its bins; busy <= available
    <= on duty in every bin.
    """
    j = journeys
    m = summarise(j)
    c = j.customers
    counted = c["arrival"] >= j.stats_start
    present = counted & (c["outcome"] != Outcome.CENSORED)
    arrivals = int(present.sum())
    assert m["arrivals"] == arrivals, f"summary: {m['arrivals']} arrivals, records {arrivals}"
    assert m["censored"] == int((counted & (c["outcome"] == Outcome.CENSORED)).sum()), \
        "summary: censored count differs from the records"
    for key in ("abandoned_share", "balked_share"):
        assert math.isnan(m[key]) == (arrivals == 0), f"summary: {key} {m[key]}"
        if arrivals:
            assert 0 <= m[key] <= 1, f"summary: {key} {m[key]}"
    if arrivals:
        total = m["served"] + (m["abandoned_share"] + m["balked_share"]) * arrivals
        assert math.isclose(total, arrivals, rel_tol=1e-9), \
            f"summary: served and shares add up to {total}, not {arrivals} arrivals"
    for key in ("wait_mean", "wait_p90", "perceived_wait_mean"):
        assert math.isnan(m[key]) or m[key] >= -EPS, f"summary: {key} {m[key]}"
    if not math.isnan(m["wait_probability"]):
        assert 0 <= m["wait_probability"] <= 1, f"summary: wait_probability {m['wait_probability']}"
    assert math.isnan(m["time_in_system_mean"]) == (m["served"] == 0), \
        "summary: time_in_system_mean missing iff nobody was served"
    assert math.isfinite(m["queue_length_mean"]) and m["queue_length_mean"] >= -EPS, \
        f"summary: queue_length_mean {m['queue_length_mean']}"
    u = m["utilisation"]
    assert math.isnan(u) or -EPS <= u <= 1 + 1e-9, f"utilisation {u}"
    # The metrics recomputed from the visits (not the segments).
    v = j.visits
    started = ~np.isnan(v["service_start"])
    wait = np.where(started, v["service_start"],
                    np.where(np.isnan(v["left"]), j.end_time, v["left"])) - v["joined"]
    per_customer = np.bincount(v["customer"], weights=wait, minlength=len(c["customer"]))
    ever_started = np.bincount(v["customer"], weights=started, minlength=len(c["customer"])) > 0
    waited = per_customer[ever_started & present]
    if len(waited):
        assert math.isclose(m["wait_mean"], waited.mean(), rel_tol=1e-9, abs_tol=EPS), \
            f"summary: wait_mean {m['wait_mean']}, visits give {waited.mean()}"
        assert math.isclose(m["wait_probability"], (waited > 0).mean()), \
            f"summary: wait_probability {m['wait_probability']}, visits give {(waited > 0).mean()}"
    else:
        assert math.isnan(m["wait_mean"]) and math.isnan(m["wait_probability"]), \
            "summary: wait metrics for nobody served"
    served = present & (c["outcome"] == Outcome.SERVED)
    assert m["served"] == served.sum(), f"summary: {m['served']} served, records {served.sum()}"
    ts = timeseries(j, 15.0)
    width = 15.0
    in_line = float(np.sum(np.clip(v["joined"] + wait, 0, None) - np.clip(v["joined"], 0, None)))
    assert math.isclose(float(np.sum(ts["queue_length"]) * width), in_line, rel_tol=1e-6,
                        abs_tol=1e-6), "time series queue length != minutes spent in line"
    for key in ("queue_length", "busy", "on_duty", "available"):
        assert np.all(np.isfinite(ts[key])) and np.all(ts[key] >= -EPS), key
    assert np.all(ts["busy"] <= ts["on_duty"] + 1e-6), "time series: busy > on duty"
    assert np.all(ts["busy"] <= ts["available"] + 1e-6), "time series: busy > available"
    assert np.all(ts["available"] <= ts["on_duty"] + 1e-6), "time series: available > on duty"
    util = ts["utilisation"][~np.isnan(ts["utilisation"])]
    assert np.all((util >= -EPS) & (util <= 1 + 1e-6)), "time series: utilisation out of [0, 1]"
