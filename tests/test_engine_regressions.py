"""Regressions of the queue engine: the defects found in b0da08a (fixed in efb5b42) and in
the interventions of 09cf239, each pinned by a minimal hand-made case that states what was
observed before the fix. Every run is checked against every invariant of
:mod:`simulator.testing` as well."""

from __future__ import annotations

import pytest
from engine_cases import check_all, one_station, pieces, run_with_injections
from pydantic import ValidationError

from simulator import Flag, Journeys, Outcome, SegmentKind
from simulator.analysis.experience import promised_felt
from simulator.analysis.summary import summarise
from simulator.engine.model import Model
from simulator.errors import PlanError
from simulator.testing import Probe, plan_from, run_checked, time_limit, trace, trace_dir
from simulator.testing import deterministic as det

# -- defects found in b0da08a, fixed in efb5b42: minimal cases ----------------------------


def test_fixed_jockeying_margin_1_is_rejected():
    # Was: Station.jockey swapped one customer between two lines forever (the run hung).
    # t=0: 0 -> line 0, 1 -> line 1, 2 -> line 0, 3 -> line 1. At t=10 server 0 finishes and
    # takes 2: line 0 has 1 person, line 1 has 2; 3 moved to line 0 (2 vs 1), then back...
    data = one_station(trace([0, 0, 0, 0]),
                       {"servers": 2, "layout": "line_per_server", "jockeying": {"margin": 1},
                        "service": det(10)})
    with pytest.raises(ValidationError, match="margin"):
        plan_from(data)


def test_fixed_customers_are_not_stranded_in_a_closed_line():
    # Was: outcome [served, censored], service_start [0, nan], end_time 10180 (close + 7 days).
    # 0 is served by server 0 (0-30). At 10 both servers go off: server 1 (idle) at once,
    # server 0 when done. Customer 1 arrives at 12: no line is open, it takes the shorter,
    # line 1. At 20 one server is wanted: server 0, still finishing, stays on; customer 1
    # must move to its line.
    data = one_station(trace([0, 12]),
                       {"schedule": {0: 2, 10: 0, 20: 1}, "layout": "line_per_server",
                        "service": det(30)})
    j = check_all(data)
    assert j.customers["outcome"].tolist() == [Outcome.SERVED, Outcome.SERVED]
    assert j.visits["service_start"].tolist() == [0.0, 30.0]
    assert j.end_time == 100.0  # the doors close at 100


def test_fixed_servers_coming_back_together_keep_their_lines():
    # Was: server 0 served everyone ([20, 40, 30, 50]) while server 1 idled from 20 to 100.
    # All lines close at 10. Arrivals at 11, 12, 13, 14 alternate between lines 0 and 1.
    # At 20 both servers return, each to its own line.
    data = one_station(trace([11, 12, 13, 14]),
                       {"schedule": {0: 2, 10: 0, 20: 2}, "layout": "line_per_server",
                        "service": det(10)})
    j = check_all(data)
    assert j.visits["server"].tolist() == [0, 1, 0, 1]
    assert j.visits["service_start"].tolist() == [20.0, 20.0, 30.0, 30.0]


def test_fixed_idle_server_sent_off_duty_takes_no_new_customer():
    # Was: server 1 started customer 5 at 5 (100 minutes) and went off duty at 105.
    # Lines at t=2.1: line 0 = server 0 busy till 100 + customer 3 waiting; line 1 = server 1
    # idle; line 2 = server 2 busy till 100.2 + customer 5 waiting. At 5 one server is
    # wanted: the idle one (1) and then the highest-numbered busy one (2) go; customer 5
    # moves to line 0.
    text = "time,kind\n0,long\n0.1,short\n0.2,long\n0.3,long\n0.4,short\n0.5,long\n"
    (trace_dir() / "idle_off.csv").write_text(text, encoding="utf-8")
    arrivals = {"process": "trace", "file": "idle_off.csv", "class_column": "kind"}
    data = {"name": "idle off", "close": 100,
            "customers": {"long": {"arrivals": arrivals, "service": {"s": det(100)}},
                          "short": {"arrivals": arrivals}},
            "stations": {"s": {"schedule": {0: 3, 5: 1}, "layout": "line_per_server",
                               "service": det(1)}}}
    j = check_all(data)
    duty = j.tables["duty"]
    assert (1, 5.0, 0) in zip(duty["server"].tolist(), duty["time"].tolist(),
                              duty["on_duty"].tolist(), strict=True)
    assert j.visits["server"][5] == 0


def test_fixed_jockeying_happens_when_a_line_reopens():
    # Was: service_start [0, 0, 20, 40, 30, 10]: 5 (arrived at 7) served before 4 (arrived
    # at 5.7), who moved only when server 1 freed at 10.
    # 0 (20 min) at server 0, 1 (10 min) at server 1. At 5 one server is wanted: server 1
    # (busy) is to leave, its line closes; 2, 3, 4 join line 0 (4 people). At 6 two servers
    # are wanted again: server 1 stays; line 1 (1 person) is 3 shorter than line 0, so 4
    # moves there at once, and 5 (at 7) joins line 1 behind it.
    text = "time,kind\n0,long\n0,short\n5.5,long\n5.6,long\n5.7,long\n7,long\n"
    (trace_dir() / "reopen_jockey.csv").write_text(text, encoding="utf-8")
    arrivals = {"process": "trace", "file": "reopen_jockey.csv", "class_column": "kind"}
    data = {"name": "jockey late", "close": 100,
            "customers": {"long": {"arrivals": arrivals, "service": {"s": det(20)}},
                          "short": {"arrivals": arrivals}},
            "stations": {"s": {"schedule": {0: 2, 5: 1, 6: 2}, "layout": "line_per_server",
                               "jockeying": {"margin": 2}, "service": det(10)}}}
    j = check_all(data)
    assert j.visits["service_start"].tolist() == [0.0, 0.0, 20.0, 40.0, 10.0, 30.0]


def test_fixed_route_with_zero_probability_exit_is_rejected():
    # Was: accepted by validation, then RuntimeError at run time after 100,000 hops.
    data = {"name": "loop", "close": 10,
            "customers": {"a": {"arrivals": trace([0]),
                                "route": {"start": "a", "a": {"b": 1.0, "exit": 0.0},
                                          "b": "a"}}},
            "stations": {"a": {"servers": 1, "service": det(1)},
                         "b": {"servers": 1, "service": det(1)}}}
    with pytest.raises(PlanError, match="never leave"):
        plan_from(data)


def test_fixed_early_appointment_before_a_numeric_open_arrives_at_opening():
    # Was: ValueError: Negative delay -5.0 (the run crashed).
    data = {"name": "early", "open": 60, "close": 120,
            "customers": {"a": {"arrivals": {"process": "appointments", "slot_minutes": 10,
                                             "punctuality": det(-5)}}},
            "stations": {"s": {"servers": 1, "service": det(1)}}}
    j = check_all(data)
    assert j.customers["arrival"].tolist() == [60.0, 65.0, 75.0, 85.0, 95.0, 105.0]


def test_fixed_initial_queue_sees_the_schedule_change_at_open():
    # Was: [30, 30]: both initial customers started before the server count dropped to 1
    # (trace arrivals at open already followed the documented order).
    station = {"schedule": {0: 2, 30: 1}, "service": det(10)}
    initial = {"name": "init", "open": 30, "close": 100,
               "customers": {"a": {"initial_queue": 2}}, "stations": {"s": station}}
    traced = {**initial, "customers": {"a": {"arrivals": trace([30, 30])}}}
    assert check_all(traced).visits["service_start"].tolist() == [30.0, 40.0]
    assert check_all(initial).visits["service_start"].tolist() == [30.0, 40.0]


def test_fixed_breakdown_in_progress_at_the_end_is_recorded():
    # Was (replication 0): the server fails at 2.88 (repair 1000), the run stops at 60, the
    # breakdowns table was empty, the time series showed the server available all along and
    # utilisation was 1/60 = 0.017 instead of 1/2.88 = 0.35.
    data = one_station(trace([0]), {"servers": 1, "service": det(1),
                                    "breakdowns": {"mtbf": 5, "repair": det(1000)}},
                       close=60)
    model = Model(plan_from(data), 0)
    j = model.run()
    server = model.stations[0].servers[0]
    assert server.down and j.end_time == 60.0
    down = j.tables["breakdowns"]
    assert down["start"].tolist() == [server.down_since] and down["end"].tolist() == [60.0]
    assert summarise(j)["utilisation"] == pytest.approx(1 / server.down_since)
    check_all(data)


# -- defects found in the interventions (09cf239): minimal cases -----------------


def test_fixed_a_repair_pause_keeps_the_group():
    # Was: the repair pause of customer 0 (in company) had flags IN_PROCESS|DISRUPTED only,
    # so a group's repair minutes were weighed as if alone.
    data = one_station(trace([0]), {"servers": 1, "service": det(5)}, cls={"group_share": 1})
    j = run_with_injections(data, [(1, "down", 0), (3, "up", 0)])
    assert pieces(j, 0) == [(1.0, 3.0, SegmentKind.SERVICE_INTERRUPTED,
                             Flag.IN_PROCESS | Flag.DISRUPTED | Flag.IN_GROUP)]


def test_fixed_a_breakdown_explanation_does_not_explain_a_later_server_leaving():
    # on: breakdowns explains breakdowns only. Was: customer 2's EXPLAINED, set for the
    # breakdown of 1-2, stuck after the repair, so the server leaving at 3 (unexplained in
    # this mode) counted as explained: 3-11 was DISRUPTED|EXPLAINED and nobody was blamed.
    data = one_station(trace([0, 0, 0]), {"schedule": {0: 2, 3: 1}, "service": det(10)})
    data["interventions"] = {"explained_delays": {"on": "breakdowns"}}
    j = run_with_injections(data, [(1, "down", 0), (2, "up", 0)])
    assert pieces(j, 2) == [(0.0, 1.0, 0, Flag(0)),
                            (1.0, 2.0, 0, Flag.DISRUPTED | Flag.EXPLAINED),
                            (2.0, 3.0, 0, Flag(0)),
                            (3.0, 11.0, 0, Flag.DISRUPTED)]
    # Under on: always the server leaving is explained too.
    data["interventions"] = {"explained_delays": {"on": "always"}}
    j = run_with_injections(data, [(1, "down", 0), (2, "up", 0)])
    assert pieces(j, 2)[2:] == [(2.0, 3.0, 0, Flag(0)),
                                (3.0, 11.0, 0, Flag.DISRUPTED | Flag.EXPLAINED)]


def test_fixed_joining_during_a_breakdown_hears_the_announced_wait():
    # announce: true tells the expected remaining wait with every explanation. Was: customer
    # 1, joining at 2 while the server was down (explained at once), was never told the wait:
    # not informed, no promise; only those already in line at the breakdown were.
    data = one_station(trace([0, 2]), {"servers": 1, "service": det(5)})
    data["interventions"] = {"explained_delays": {"on": "breakdowns", "announce": True}}
    j = run_with_injections(data, [(1, "down", 0), (3, "up", 0)])
    assert pieces(j, 1) == [(2.0, 3.0, 0, Flag.DISRUPTED | Flag.EXPLAINED | Flag.INFORMED),
                            (3.0, 7.0, 0, Flag.INFORMED)]
    # (0 ahead + 1) x 5 minutes / 1 server (the broken one counts as not working: 1 at least).
    assert j.customers["promised"].tolist()[1] == 7.0


def test_fixed_patience_is_rearmed_after_a_weightless_wait_before_the_booked_time():
    # before_appointment_factor: 0 makes waiting before the booked time weigh nothing
    # (patience stands still). Was: patience was never re-armed when the booked time passed,
    # so the booked customer (patience 3 felt minutes, arrived at 10 for 20) waited 80
    # minutes, to 100, and was served.
    data = {"name": "weightless", "close": 200,
            "perception": {"model": "maister", "before_appointment_factor": 0,
                           "duration_exponent": 1, "overestimation": 1.5,
                           "time_sense_sd": 0},
            "customers": {
                "walk": {"arrivals": trace([0]), "service": {"s": det(100)}},
                "book": {"arrivals": {"process": "appointments", "slot_minutes": 60,
                                      "first_slot": 20, "last_slot": 20,
                                      "punctuality": det(-10)},
                         "patience": det(3)}},
            "stations": {"s": {"servers": 1, "service": det(1)}}}
    plan = plan_from(data)
    probe = Probe(plan)
    j = probe.run()
    assert j.customers["outcome"].tolist() == [Outcome.SERVED, Outcome.ABANDONED]
    # Felt time runs at 1.5 x 0.95 (informed) x 0.4 (informed patience) from 20 on.
    assert j.customers["departure"][1] == pytest.approx(20 + 3 / (1.5 * 0.95 * 0.4))


def greeted_at_the_service_start(times_a: list[float], times_b: list[float], service_a: float,
                                 task: float) -> Journeys:
    """Class a is not greeted; class b is, for ``task`` minutes, saving 1 of its 4."""
    data = {"name": "greeter tie", "close": 50,
            "customers": {"a": {"arrivals": trace(times_a), "service": {"s": det(service_a)}},
                          "b": {"arrivals": trace(times_b), "service": {"s": det(4)}}},
            "stations": {"s": {"servers": 1, "service": det(1)}},
            "interventions": {"greeter": {"classes": ["b"], "task": det(task),
                                          "saves": {"minutes": 1}}}}
    return check_all(data)


def test_fixed_a_task_ending_as_service_starts_saves_whatever_the_event_order():
    # Both tasks end at the instant the customer's service starts. Was: the saving depended
    # on which event SimPy had scheduled first: [2, 6] (no saving: the server's completion,
    # scheduled at 0, ran before the task's end, scheduled at 1) but [4, 7] (saved: the
    # task's end, scheduled at 1.5, ran before the completion scheduled at 2).
    first = greeted_at_the_service_start([0], [1], 2, 1).visits
    assert (first["service_start"][1], first["left"][1]) == (2.0, 5.0)
    second = greeted_at_the_service_start([0, 1], [1.5], 2, 2.5).visits
    assert (second["service_start"][2], second["left"][2]) == (4.0, 7.0)


def test_fixed_a_zero_minute_task_at_a_later_station_always_saves():
    # Customer 0 reaches the greeted station at 2 (its first service, scheduled at 0, ends)
    # while customer 1 is served there until 2 (scheduled at 1, so it runs next): 0 waits,
    # is greeted for 0 minutes, and is called at once. Was: no saving (the server's
    # completion ran before the task's end, at the same instant): served 2-6, not 2-4.
    data = {"name": "zero task", "close": 50,
            "customers": {"a": {"arrivals": trace([0]), "service": {"first": det(2),
                                                                    "second": det(4)}},
                          "b": {"arrivals": trace([1]), "route": {"start": "second",
                                                                  "second": "exit"}}},
            "stations": {"first": {"servers": 1, "service": det(1)},
                         "second": {"servers": 1, "service": det(1)}},
            "interventions": {"greeter": {"stations": ["second"], "classes": ["a"],
                                          "task": det(0), "saves": {"fraction": 0.5}}}}
    v = check_all(data).visits
    assert v["service_start"].tolist() == [0.0, 2.0, 1.0]
    assert v["left"].tolist() == [2.0, 4.0, 2.0]


def test_fixed_no_empty_piece_when_patience_ends_as_conditions_change():
    # Customer 1 is explained the wait at 3, the instant its patience (3) ends. Was: a
    # second, empty piece 3-3 (EXPLAINED) after the piece 0-3.
    data = one_station(trace([0, 0]), {"servers": 1, "service": det(10)},
                       cls={"patience": det(3)})
    data["interventions"] = {"explained_delays": {"on": "after_minutes", "minutes": 3}}
    j = check_all(data)
    assert j.customers["outcome"].tolist() == [Outcome.SERVED, Outcome.ABANDONED]
    assert pieces(j, 1) == [(0.0, 3.0, 0, Flag(0))]


def test_fixed_no_empty_piece_when_the_run_stops_as_conditions_change():
    # The run stops at 5, when customer 1 is told why it waits. Was: a piece 5-5 (EXPLAINED)
    # after 0-5 for the censored customer.
    data = one_station(trace([0, 0]), {"servers": 1, "service": det(10)}, close=5, end=5)
    data["interventions"] = {"explained_delays": {"on": "after_minutes", "minutes": 5}}
    j = check_all(data)
    assert j.customers["outcome"].tolist() == [Outcome.CENSORED, Outcome.CENSORED]
    assert pieces(j, 1) == [(0.0, 5.0, 0, Flag(0))]


def test_fixed_a_promise_on_a_second_visit_is_kept_against_that_visit():
    # Customer 0 goes a (served at once, 0-1), b (1-2), a again (waits 2-11.5 behind a
    # 10-minute service): the display at 2 shows 1 minute, a promise for 3. Had it been
    # kept, the customer would have waited 1 minute (2-3). Was: 4 (the first visit's
    # service start, 0, was taken as "service began before the promised time", adding 3
    # minutes), so the broken promise looked a smaller one.
    for seed in range(20):  # a seed whose route is a, b, a, ...
        data = {"name": "loop", "close": 50, "seed": seed,
                "customers": {
                    "loop": {"arrivals": trace([0]),
                             "route": {"start": "a", "a": "b", "b": {"a": 0.5, "exit": 0.5}}},
                    "block": {"arrivals": trace([1.5]), "route": {"start": "a", "a": "exit"},
                              "service": {"a": det(10)}}},
                "stations": {"a": {"servers": 1, "service": det(1)},
                             "b": {"servers": 1, "service": det(1)}},
                "interventions": {"wait_time_info": {"stations": ["a"], "classes": ["loop"]}}}
        j = check_all(data)
        if j.visits["station"].tolist()[:3] == [0, 1, 0]:
            break
    assert j.customers["promised"][0] == 3.0
    assert promised_felt(j, j.plan.perception())[0] == 1.0


def test_fixed_a_zero_minute_wait_leaves_no_live_patience_timer():
    # Customer 1 (patience 5) waits 0 minutes at s0 (queued behind a 0-minute service),
    # is served 0-3, then waits at s1 from 3, where a display informs it on joining. Was:
    # its patience timer from s0 was never settled, so the display's change of conditions
    # counted the 3 minutes of service as patience spent: it gave up at 5, not 8 (and only
    # with the display: a perception lever moved a clock time).
    data = {"name": "stale timer", "close": 50,
            "customers": {
                "z": {"initial_queue": 1, "service": {"s0": det(0), "s1": det(10)}},
                "a": {"initial_queue": 1, "patience": det(5),
                      "service": {"s0": det(3), "s1": det(1)}}},
            "stations": {"s0": {"servers": 1, "service": det(1)},
                         "s1": {"servers": 1, "service": det(1)}}}
    for block in ({}, {"wait_time_info": {"stations": ["s1"]}}):
        j = check_all({**data, "interventions": block})
        assert j.customers["outcome"].tolist() == [Outcome.SERVED, Outcome.ABANDONED]
        assert j.customers["departure"][1] == 8.0


def test_fixed_an_announced_wait_uses_the_queue_estimator():
    # explained_delays' announce tells the queue estimate (docs/reference/scenario.md,
    # interventions.explained_delays). Was:
    # with a wait_time_info block using estimator: recent (here at another station only),
    # the announcement at 12 used the recent mean at s, (0 + 10) / 2 = 5: a promise for 17,
    # not 12 + (0 ahead + 1) x 10 minutes / 1 = 22.
    data = {"name": "announce", "close": 50,
            "customers": {"a": {"arrivals": trace([0, 0, 0])}},
            "stations": {"s": {"servers": 1, "service": det(10)},
                         "t": {"servers": 1, "service": det(1)}},
            "interventions": {"explained_delays": {"on": "breakdowns", "announce": True},
                              "wait_time_info": {"stations": ["t"], "estimator": "recent"}}}
    j = run_with_injections(data, [(12, "down", 0), (13, "up", 0)])
    assert j.customers["promised"][2] == 22.0


def test_fixed_appointments_with_absurdly_short_slots_are_refused():
    # Was: slot_minutes 1e-6 over 10 hours made 600 million slots (a tuple of floats, then a
    # Python loop over them): minutes of CPU and many GB before the run could start. The
    # appointments arrival process already refused more than MAX_APPOINTMENTS bookings.
    data = {"name": "tiny slots", "horizon": 600,
            "customers": {"a": {"arrivals": {"process": "poisson", "rate_per_hour": 30}}},
            "stations": {"s": {"servers": 1, "service": det(1)}},
            "interventions": {"appointments": {"share": 0.5, "slot_minutes": 1e-6}}}
    with time_limit(5), pytest.raises(PlanError, match="slots") as caught:
        plan_from(data)
    assert caught.value.path == ("interventions", "appointments", "slot_minutes")


# -- version 2: leaving when told, broken promises ------------------------------------------


def test_fixed_a_leave_decided_as_a_server_frees_keeps_the_patience_for_later():
    # Was: x (patience 10, route A -> B), told at 10 a wait longer than the 1 minute of
    # patience left, was served at 10 by the server freeing then, but had given up their
    # budget: at B they abandoned at once (15) instead of after their last minute (16).
    data = {"name": "told then served", "close": 100,
            "customers": {
                "filler": {"arrivals": trace([0, 0]), "route": {"start": "A"}},
                "x": {"arrivals": trace([1]), "patience": det(10),
                      "route": {"start": "A", "A": "B"}},
                "blocker": {"arrivals": trace([14]), "route": {"start": "B"},
                            "service": {"B": det(10)}}},
            "stations": {"A": {"servers": 1, "service": det(5)},
                         "B": {"servers": 1, "service": det(5)}},
            "interventions": {"wait_time_info": {"bias": -0.5, "every_minutes": 9,
                                                 "classes": ["x"], "stations": ["A"]}}}
    j = run_checked(plan_from(data))
    x = j.customers["customer_class"] == 1
    assert j.customers["outcome"][x].tolist() == [Outcome.ABANDONED]
    assert j.customers["departure"][x].tolist() == [16.0]


def test_fixed_every_wait_told_while_joining_is_weighed():
    # Was: joining during an explained breakdown at a station with a display, x was told 15
    # minutes (the announcement) and 1.5 (the display): only the display's value was kept,
    # and x stayed. The longest wait told weighs: x (patience 12) leaves as they join.
    data = {"name": "two tellings", "close": 100,
            "customers": {"f": {"arrivals": trace([0, 0, 0])},
                          "x": {"arrivals": trace([3]), "patience": det(12)}},
            "stations": {"A": {"servers": 1, "service": det(5)}},
            "interventions": {"explained_delays": {"on": "breakdowns", "announce": True},
                              "wait_time_info": {"bias": -0.9, "classes": ["x"]}}}
    j = run_with_injections(data, [(2, "down", 0), (40, "up", 0)])
    x = j.customers["customer_class"] == 1
    assert j.customers["outcome"][x].tolist() == [Outcome.ABANDONED]
    assert j.customers["departure"][x].tolist() == [3.0]


def test_fixed_an_arrival_weighs_a_display_at_the_rate_of_the_wait_it_joins():
    # Was: a patient 30 minutes early for a 40 slot, shown an accurate 10 minutes, balked:
    # the arrival weighed the wait at the informed rate, not at the weight of waiting before
    # the booked time (0.3) that the wait has. Patience 5 felt minutes covers it.
    data = {"name": "early patient", "open": 0, "close": 200,
            "perception": {"model": "maister", "time_sense_sd": 0},
            "customers": {
                "filler": {"arrivals": trace([0]), "service": {"A": det(20)}},
                "patient": {"arrivals": {"process": "appointments", "first_slot": 40,
                                         "last_slot": 40, "slot_minutes": 10,
                                         "punctuality": det(-30)},
                            "patience": det(5), "expected_wait": 5}},
            "stations": {"A": {"servers": 1, "service": det(10)}},
            "interventions": {"wait_time_info": {"classes": ["patient"]}}}
    j = run_checked(plan_from(data))
    assert j.customers["outcome"].tolist() == [Outcome.SERVED, Outcome.SERVED]


def test_fixed_a_customer_served_at_once_is_not_turned_away_by_a_display():
    # Was: with the recent estimator the display showed 10 minutes at 50, the server idle
    # since 30, and x (patience 5) balked. A free server takes x at once: nothing to weigh.
    data = {"name": "idle server", "close": 100,
            "customers": {"f": {"arrivals": trace([0, 0, 0])},
                          "x": {"arrivals": trace([50]), "patience": det(5)}},
            "stations": {"A": {"servers": 1, "service": det(10)}},
            "interventions": {"wait_time_info": {"estimator": "recent"}}}
    j = run_checked(plan_from(data))
    assert j.customers["outcome"].tolist() == [Outcome.SERVED] * 4


def test_fixed_a_promise_replaced_as_it_passes_does_not_speed_up_patience():
    # Was: the promise of 6 passed at 6 (patience 1.5 times as fast) and the update at that
    # instant promised 11, but patience kept running fast: x (patience 8) left at 8, not 9.
    data = {"name": "replaced as it passes", "close": 100,
            "perception": {"model": "maister", "overestimation": 1, "duration_exponent": 1,
                           "time_sense_sd": 0, "informed_factor": 1,
                           "informed_patience_factor": 1, "leave_when_told": False},
            "customers": {"filler": {"arrivals": trace([0]), "service": {"A": det(20)}},
                          "x": {"arrivals": trace([1]), "patience": det(8)}},
            "stations": {"A": {"servers": 1, "service": det(5)}},
            "interventions": {"wait_time_info": {"every_minutes": 5, "classes": ["x"]}}}
    j = run_checked(plan_from(data))
    assert j.customers["departure"].tolist()[1] == 9.0
