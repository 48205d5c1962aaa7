"""Stress tests of the queue engine: adversarial scenarios that combine features.

Every run goes through :func:`simulator.testing.run_checked`: the live SimPy state is checked
after every event, then the records and the summary against every invariant
(:func:`simulator.testing.check_journeys`, :func:`simulator.testing.check_summary`).
Hypothesis draws scenarios (:func:`simulator.testing.scenarios`) mixing layouts, jockeying,
schedules that drop to 0 and come back, breakdowns, priorities, patience, balking, random
routes with loops, initial queues, appointments, traces with tied times, zero service times,
warm-up and ``end``, groups, and the interventions (occupied waiting, explained delays, wait
information, greeters, booked appointments, one fair line) scoped to random stations and
classes. On top, here: the same seed gives the same records (streamed or not), and
perception levers without patience or balking on a display leave every clock time as it was.
Hand-made cases then pin instants where events tie.

The defects found so far are pinned in test_engine_regressions.py.
"""

from __future__ import annotations

import copy
import math

import numpy as np
from engine_cases import check_all, one_station, pieces, run_with_injections
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from simulator import Flag, Outcome
from simulator.analysis.experience import customer_experience
from simulator.analysis.summary import summarise
from simulator.engine.core import RELEASE, Action
from simulator.runs.replication import run_replication
from simulator.testing import (
    Probe,
    check_journeys,
    plan_from,
    scenarios,
    trace,
)
from simulator.testing import deterministic as det
from simulator.testing.base import close

STRESS = settings(max_examples=300, deadline=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@STRESS
@given(scenarios(), st.integers(0, 3))
def test_drawn_scenarios_keep_every_invariant(data, replication):
    check_all(data, replication)


@settings(STRESS, max_examples=200)
@given(scenarios(lines_only=True), st.integers(0, 3))
def test_drawn_line_per_server_scenarios_keep_every_invariant(data, replication):
    check_all(data, replication)


PERCEPTION_ONLY = ("occupied_waiting", "explained_delays", "wait_time_info")
CLOCK = {"customers": ("customer_class", "arrival", "departure", "outcome", "booked"),
         "visits": ("customer", "station", "server", "joined", "service_start", "left"),
         "breakdowns": ("station", "server", "start", "end"),
         "duty": ("station", "server", "time", "on_duty")}


@settings(STRESS, max_examples=150)
@given(scenarios(levers=True), st.integers(0, 3), st.sampled_from([None, 0, 0.3]))
def test_drawn_scenarios_with_interventions_keep_every_invariant(data, replication, before):
    if before is not None:  # patience in felt minutes; 0: felt time stands still
        data = {**data, "perception": {"model": "maister", "before_appointment_factor": before}}
    j = check_all(data, replication)
    # The same seed gives the same records, bit for bit, also streamed in blocks of three
    # finished customers; and the same felt waits, overtaking, scores and metrics.
    again = run_replication(plan_from(data), replication, bin_minutes=15, keep_records=True,
                            block_customers=3)
    assert again.journeys is not None and again.experience is not None
    for table, columns in j.tables.items():
        for name, column in columns.items():
            assert column.tobytes() == again.journeys.tables[table][name].tobytes(), \
                (table, name)
    for name, column in customer_experience(j).items():
        assert column.tobytes() == again.experience[name].tobytes(), name
    whole = summarise(j)
    for name, value in again.metrics.items():
        assert close(value, whole[name]) or (math.isnan(value) and math.isnan(whole[name])), \
            name


@settings(STRESS, max_examples=80)
@given(scenarios(levers=True), st.integers(0, 3))
def test_drawn_perception_levers_leave_clock_times_identical(data, replication):
    # Without patience and without balking on a display, the perception levers must not
    # move any clock time (their draws come from their own streams).
    data = copy.deepcopy(data)
    for cls in data["customers"].values():
        cls.pop("patience", None)
    block = data.pop("interventions")
    others = {k: x for k, x in block.items() if k not in PERCEPTION_ONLY}
    levers = {k: x for k, x in block.items() if k in PERCEPTION_ONLY}
    levers.get("wait_time_info", {}).pop("balk_on_displayed", None)
    assume(levers)
    plain = check_all({**data, "interventions": others}, replication)
    perceived = check_all({**data, "interventions": {**others, **levers}}, replication)
    for table, columns in CLOCK.items():
        for name in columns:
            assert plain.tables[table][name].tobytes() == \
                perceived.tables[table][name].tobytes(), (table, name)


# -- hand-made tricky cases ------------------------------------------------------------


def test_a_breakdown_at_the_instant_a_customer_joins_disrupts_from_the_join():
    # The failure at 2 runs before the arrival at 2 (release before seize): customer 1 waits
    # from 2, disrupted and told at once, informed (shown each minute) until served at 7.
    data = one_station(trace([0, 2]), {"servers": 1, "service": det(5)})
    data["interventions"] = {"explained_delays": {"on": "breakdowns", "announce": True},
                             "wait_time_info": {"every_minutes": 1}}
    j = run_with_injections(data, [(2, "down", 0), (4, "up", 0)])
    assert pieces(j, 1) == [(2.0, 4.0, 0, Flag.DISRUPTED | Flag.EXPLAINED | Flag.INFORMED),
                            (4.0, 7.0, 0, Flag.INFORMED)]
    # The last display, at 6: 0 ahead, (0 + 1) x 5 minutes / 1 server.
    assert j.customers["promised"][1] == 11.0


def test_a_closing_line_moves_greeted_and_informed_customers_with_their_conditions():
    # Two lines; at 5 server 1 goes (busy until 10): customers 2 (greeted from 1) and 3
    # (greeted from 2) see it leave; 3 moves to line 0 behind 2, still in process and
    # informed (the display keeps updating every 2 minutes without splitting pieces), and
    # both tasks (1 minute) saved 2 of their 10 minutes.
    data = one_station(trace([0, 0, 1, 2]), {"schedule": {0: 2, 5: 1}, "service": det(10),
                                            "layout": "line_per_server"})
    data["interventions"] = {"greeter": {"task": det(1), "saves": {"minutes": 2}},
                             "wait_time_info": {"mode": "position", "every_minutes": 2}}
    j = check_all(data)
    v = j.visits
    assert v["server"].tolist() == [0, 1, 0, 0]
    assert v["service_start"].tolist() == [0.0, 0.0, 10.0, 18.0]
    assert v["left"].tolist() == [10.0, 10.0, 18.0, 26.0]
    seen = Flag.IN_PROCESS | Flag.INFORMED
    assert pieces(j, 2) == [(1.0, 5.0, 0, seen), (5.0, 10.0, 0, seen | Flag.DISRUPTED)]
    assert pieces(j, 3) == [(2.0, 5.0, 0, seen), (5.0, 18.0, 0, seen | Flag.DISRUPTED)]


def test_zero_service_times_with_simultaneous_arrivals_priorities_and_patience():
    data = {"name": "zeros", "close": 10,
            "customers": {
                "low": {"arrivals": trace([0, 0, 0, 1, 1]), "patience": det(0),
                        "initial_queue": 3},
                "high": {"arrivals": trace([0, 0, 1]), "priority": -1,
                         "service": {"s": det(0)}}},
            "stations": {"s": {"servers": 1, "service": det(0)}}}
    j = check_all(data)
    # Zero service: nobody ever waits a positive time, so patience 0 is never exceeded
    # (a customer whose patience ends as a server frees is served).
    assert np.all(j.customers["outcome"] == Outcome.SERVED)
    assert np.array_equal(j.visits["service_start"], j.visits["joined"])


def test_schedule_change_at_the_instant_of_a_completion():
    data = one_station(trace([0, 5]), {"schedule": {0: 1, 5: 0, 10: 1}, "service": det(5)})
    j = check_all(data)
    assert j.visits["service_start"].tolist() == [0.0, 10.0]
    duty = j.tables["duty"]
    assert list(zip(duty["time"].tolist(), duty["on_duty"].tolist(), strict=True)) == [
        (0.0, 1), (5.0, 0), (10.0, 1)]


def test_idle_server_breaks_down_goes_off_duty_is_repaired_then_returns():
    # Down at 2 (idle), off duty at 5, repaired at 8 while off, back on duty at 10.
    data = one_station(trace([6]), {"schedule": {0: 1, 5: 0, 10: 1}, "service": det(3)})
    j = run_with_injections(data, [(2, "down", 0), (8, "up", 0)])
    assert j.visits["service_start"].tolist() == [10.0]
    assert j.tables["breakdowns"]["start"].tolist() == [2.0]


def test_down_server_coming_on_duty_waits_for_its_repair():
    data = one_station(trace([6]), {"schedule": {0: 1, 5: 0, 10: 1}, "service": det(3)})
    j = run_with_injections(data, [(2, "down", 0), (12, "up", 0)])
    assert j.visits["service_start"].tolist() == [12.0]


def test_breakdown_at_the_instant_of_a_completion_failure_first():
    data = one_station(trace([0, 0]), {"servers": 1, "service": det(4)})
    # The failure at 4 is scheduled before the completion at 4 (injected at time 0): the
    # service is paused with 0 minutes left and ends at the repair.
    j = run_with_injections(data, [(4, "down", 0), (6, "up", 0)])
    assert j.visits["left"].tolist() == [6.0, 10.0]


def test_breakdown_at_the_instant_of_a_completion_completion_first():
    data = one_station(trace([0, 0]), {"servers": 1, "service": det(4)})
    plan = plan_from(data)
    probe = Probe(plan)
    env, station = probe.model.env, probe.model.stations[0]
    server = station.servers[0]

    def later(_: object) -> None:  # scheduled after the completion at 4: runs after it
        Action(env, 3.5, RELEASE, lambda _: station.break_down(server, env.now))
        Action(env, 5.5, RELEASE, lambda _: station.repair(server, env.now))

    Action(env, 0.5, RELEASE, later)
    j = probe.run()
    check_journeys(j, probe.observed)
    # Customer 0 leaves at 4; customer 1 starts at 4, is paused 4-6, and leaves at 10.
    assert j.visits["left"].tolist() == [4.0, 10.0]
    s = j.segments
    assert list(zip(s["start"].tolist(), s["end"].tolist(), strict=True)) == [(0.0, 4.0),
                                                                             (4.0, 6.0)]


def test_line_per_server_priority_jockeying_and_a_closing_line():
    data = {"name": "mix", "close": 60,
            "customers": {
                "low": {"arrivals": trace([0, 0, 0, 1, 1, 2, 2, 3]),
                        "patience": det(9)},
                "vip": {"arrivals": trace([1.5, 2.5]), "priority": -1,
                        "service": {"s": det(1)}}},
            "stations": {"s": {"schedule": {0: 3, 4: 2, 20: 3}, "layout": "line_per_server",
                               "jockeying": {"margin": 2}, "service": det(6),
                               "breakdowns": {"mtbf": 8, "repair": det(3)}}}}
    for replication in range(6):
        check_all(data, replication)


def test_patience_is_spent_across_stations():
    # Waits 3 at the first station (behind a 3-minute service), then gives up after the
    # remaining 2 at the second (whose server is busy for 10).
    data = {"name": "two", "close": 20,
            "customers": {
                "a": {"arrivals": trace([0, 0]), "patience": det(5),
                      "service": {"first": det(3), "second": det(10)}}},
            "stations": {"first": {"servers": 1, "service": det(1)},
                         "second": {"servers": 1, "service": det(1)}}}
    j = check_all(data)
    assert j.customers["outcome"].tolist() == [Outcome.SERVED, Outcome.ABANDONED]
    assert j.customers["departure"][1] == 8.0


def test_patience_ending_as_a_later_station_frees_is_served():
    # Customer 1 waits 3 at the first station, then exactly 2 more at the second, where
    # customer 0's 5-minute service ends at 8: the instant customer 1's patience (5) ends.
    data = {"name": "two", "close": 20,
            "customers": {"a": {"arrivals": trace([0, 0]), "patience": det(5),
                                "service": {"first": det(3), "second": det(5)}}},
            "stations": {"first": {"servers": 1, "service": det(1)},
                         "second": {"servers": 1, "service": det(1)}}}
    j = check_all(data)
    assert j.customers["outcome"].tolist() == [Outcome.SERVED, Outcome.SERVED]
    assert j.visits["service_start"].tolist() == [0.0, 3.0, 3.0, 8.0]


def test_loops_appointments_initial_queue_warmup_and_end_together():
    data = {"name": "loops", "open": "09:00", "close": "10:00", "warmup": 10, "end": 75,
            "customers": {
                "booked": {"arrivals": {"process": "appointments", "slot_minutes": 5,
                                        "per_slot": 2, "punctuality": det(0)},
                           "route": {"start": "a", "a": {"b": 0.5, "a": 0.2, "exit": 0.3},
                                     "b": "exit"},
                           "patience": {"dist": "exponential", "mean": 8}},
                "walk_in": {"arrivals": {"process": "poisson", "rate_per_hour": 40},
                            "initial_queue": 4, "priority": 1,
                            "balk": {"queue_length": 5},
                            "route": {"start": "a", "a": {"b": 0.5, "a": 0.2, "exit": 0.3},
                                      "b": "exit"}}},
            "stations": {"a": {"schedule": {0: 2, 20: 0, 30: 3}, "layout": "line_per_server",
                               "jockeying": {"margin": 2}, "service": det(2)},
                         "b": {"servers": 1, "service": {"dist": "exponential", "mean": 3},
                               "breakdowns": {"mtbf": 10, "repair": det(2)}}}}
    for replication in range(8):
        check_all(data, replication)


def test_balking_counts_customers_in_closed_lines():
    # At 5 both servers leave (busy until 10); customers arriving at 6 and 7 wait in the
    # closed lines; the one at 8 sees 2 waiting and balks.
    data = one_station(trace([0, 0, 6, 7, 8]),
                       {"schedule": {0: 2, 5: 0, 30: 2}, "layout": "line_per_server",
                        "service": det(10)}, cls={"balk": {"queue_length": 2}})
    j = check_all(data)
    assert j.customers["outcome"].tolist() == [0, 0, 0, 0, Outcome.BALKED]
