"""Metrics and time series from records, against values worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from simulator import simulate
from simulator.analysis.summary import summarise, timeseries
from simulator.analysis.timeline import interval_integrals


def test_interval_integrals_by_hand():
    # Intervals [0, 4) and [2, 6): covered by 1, 2, 1 over [0,2), [2,4), [4,6).
    starts, ends = np.array([0.0, 2.0]), np.array([4.0, 6.0])
    result = interval_integrals(starts, ends, np.array([0.0, 1.0, 3.0, 5.0, 8.0]))
    np.testing.assert_allclose(result, [1.0, 3.0, 3.0, 1.0])
    assert interval_integrals(np.empty(0), np.empty(0), np.array([0.0, 1.0])).tolist() == [0.0]


def test_metrics_of_a_hand_made_day(plan_of, write_yaml):
    # One server; customers at 0, 0 and 20, service 10: waits 0, 10, 0.
    write_yaml("time\n0\n0\n20\n", "a.csv")
    j = simulate(plan_of("""
        name: by hand
        close: 40
        customers:
          a: {arrivals: {process: trace, file: a.csv}}
        stations:
          s: {servers: 1, service: {dist: deterministic, value: 10}}
    """))
    m = summarise(j)
    assert m["wait_mean"] == pytest.approx(10 / 3)
    assert m["wait_probability"] == pytest.approx(1 / 3)
    assert m["served"] == 3 and m["arrivals"] == 3 and m["abandoned_share"] == 0
    assert m["time_in_system_mean"] == pytest.approx((10 + 20 + 10) / 3)
    # Over the window [0, 40): 10 customer-minutes of waiting; busy 30 of 40 server-minutes.
    assert m["queue_length_mean"] == pytest.approx(10 / 40)
    assert m["utilisation"] == pytest.approx(30 / 40)


def test_utilisation_counts_only_servers_on_duty_and_working(plan_of, write_yaml):
    # Two servers on duty 0-30, one from 30 on; a repair takes server time out of service.
    write_yaml("time\n0\n", "a.csv")
    plan = plan_of("""
        name: duty
        close: 60
        customers:
          a: {arrivals: {process: trace, file: a.csv}}
        stations:
          s: {schedule: {0: 2, 30: 1}, service: {dist: deterministic, value: 20}}
    """)
    j = simulate(plan)
    # Busy 20 server-minutes; on duty 2 x 30 + 1 x 30 = 90 server-minutes.
    assert summarise(j)["utilisation"] == pytest.approx(20 / 90)
    series = timeseries(j, 15.0)
    np.testing.assert_allclose(series["on_duty"][:4], [2, 2, 1, 1])
    np.testing.assert_allclose(series["busy"][:4], [1, 1 / 3, 0, 0])


def test_repairs_are_not_available_time(plan_of, write_yaml):
    write_yaml("time\n" + "\n".join(str(t) for t in range(0, 400, 10)) + "\n", "a.csv")
    j = simulate(plan_of("""
        name: repairs
        close: 400
        customers:
          a: {arrivals: {process: trace, file: a.csv}}
        stations:
          s: {servers: 1, service: {dist: deterministic, value: 4},
              breakdowns: {mtbf: 50, repair: {dist: deterministic, value: 5}}}
    """))
    repairs = j.tables["breakdowns"]
    window_down = np.clip(repairs["end"], 0, 400) - np.clip(repairs["start"], 0, 400)
    busy = 4 * np.sum(j.visits["service_start"] < 400)  # all service ends well before 400 + 4
    available = 400 - window_down.sum()
    assert len(repairs["start"]) > 3
    assert summarise(j)["utilisation"] == pytest.approx(busy / available, rel=0.02)
