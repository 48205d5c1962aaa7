"""The queue model's behaviour on small journeys worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulator import Flag, Outcome, SegmentKind, simulate
from simulator.analysis.summary import summarise
from simulator.engine.core import RELEASE, Action
from simulator.engine.model import Model


def trace_scenario(write_yaml, times, servers=1, service="{dist: deterministic, value: 5}",
                   extra_class="", extra_station="", extra_top="close: 1000"):
    """One class replaying ``times`` (minutes) at one station."""
    csv = write_yaml("time\n" + "\n".join(str(t) for t in times) + "\n", "arrivals.csv")
    return f"""
        name: hand-made
        perception: {{model: identity}}  # patience in clock minutes
        {extra_top}
        customers:
          a:
            arrivals: {{process: trace, file: {csv.name}}}
            {extra_class}
        stations:
          s:
            {f"servers: {servers}" if servers else ""}
            service: {service}
            {extra_station}
    """


def by_customer(journeys, table="visits", column="service_start"):
    t = journeys.tables[table]
    return dict(zip(t["customer"].tolist(), t[column].tolist(), strict=True))


def test_release_before_seize_at_the_same_instant(plan_of, write_yaml):
    # Service 5, arrivals every 5: each arrival finds the server just freed, so nobody waits.
    j = simulate(plan_of(trace_scenario(write_yaml, [0, 5, 10, 15])))
    v = j.visits
    assert np.array_equal(v["service_start"], v["joined"])
    assert len(j.segments["customer"]) == 0
    assert summarise(j)["wait_probability"] == 0.0


def test_simultaneous_arrivals_wait_in_arrival_order(plan_of, write_yaml):
    j = simulate(plan_of(trace_scenario(write_yaml, [0, 0, 0])))
    assert j.visits["service_start"].tolist() == [0.0, 5.0, 10.0]


def test_patience_ending_as_a_server_frees_is_served_not_lost(plan_of, write_yaml):
    # The second customer's patience (5) ends at t=5, the instant the server frees.
    text = trace_scenario(write_yaml, [0, 0],
                          extra_class="patience: {dist: deterministic, value: 5}")
    j = simulate(plan_of(text))
    assert j.customers["outcome"].tolist() == [Outcome.SERVED, Outcome.SERVED]
    assert j.visits["service_start"].tolist() == [0.0, 5.0]


def test_reneging_after_patience(plan_of, write_yaml):
    text = trace_scenario(write_yaml, [0, 0],
                          extra_class="patience: {dist: deterministic, value: 3}")
    j = simulate(plan_of(text))
    assert j.customers["outcome"].tolist() == [Outcome.SERVED, Outcome.ABANDONED]
    assert j.customers["departure"][1] == 3.0
    seg = j.segments
    assert seg["customer"].tolist() == [1] and seg["end"].tolist() == [3.0]


def test_balking_on_a_visible_line(plan_of, write_yaml):
    text = trace_scenario(write_yaml, [0, 0, 0, 0, 0], extra_class="balk: {queue_length: 2}")
    j = simulate(plan_of(text))
    # One in service, two waiting, then the line holds 2: the last two balk.
    assert j.customers["outcome"].tolist() == [0, 0, 0, Outcome.BALKED, Outcome.BALKED]


def test_non_preemptive_priority(plan_of, write_yaml):
    low = write_yaml("time\n0\n1\n2\n", "low.csv")
    high = write_yaml("time\n1.5\n", "high.csv")
    j = simulate(plan_of(f"""
        name: priority
        close: 100
        customers:
          low: {{arrivals: {{process: trace, file: {low.name}}}}}
          high: {{arrivals: {{process: trace, file: {high.name}}}, priority: -1}}
        stations:
          s: {{servers: 1, service: {{dist: deterministic, value: 10}}}}
    """))
    starts = {(int(c), float(a)): s for c, a, s in zip(
        j.customers["customer_class"], j.customers["arrival"],
        by_customer(j).values(), strict=True)}
    # low@0 is in service when high@1.5 arrives; high goes next (t=10), before low@1 and low@2.
    assert starts[(1, 1.5)] == 10.0
    assert starts[(0, 1.0)] == 20.0
    assert starts[(0, 2.0)] == 30.0


def test_initial_queue_is_waiting_at_opening(plan_of):
    j = simulate(plan_of("""
        name: initial
        open: "09:00"
        close: "10:00"
        customers:
          a: {initial_queue: 3}
        stations:
          s: {servers: 1, service: {dist: deterministic, value: 2}}
    """))
    assert j.customers["arrival"].tolist() == [0.0, 0.0, 0.0]
    assert j.customers["initial"].tolist() == [1, 1, 1]
    assert j.visits["service_start"].tolist() == [0.0, 2.0, 4.0]


def test_server_going_off_duty_finishes_the_customer_in_hand(plan_of, write_yaml):
    text = trace_scenario(write_yaml, [0, 1], servers=None,
                          service="{dist: deterministic, value: 10}",
                          extra_station="schedule: {0: 1, 5: 0, 20: 1}")
    j = simulate(plan_of(text))
    assert j.visits["service_start"].tolist() == [0.0, 20.0]
    assert j.visits["left"].tolist() == [10.0, 30.0]
    duty = j.tables["duty"]
    # On at 0; off when the customer in hand is finished (10, not 5); on again at 20.
    assert list(zip(duty["time"].tolist(), duty["on_duty"].tolist(), strict=True)) == [
        (0.0, 1), (10.0, 0), (20.0, 1)]


def test_breakdown_pauses_service_which_then_resumes(plan_of, write_yaml):
    text = trace_scenario(
        write_yaml, list(range(0, 300, 3)), servers=2,
        service="{dist: deterministic, value: 4}",
        extra_station="breakdowns: {mtbf: 30, repair: {dist: deterministic, value: 7}}")
    j = simulate(plan_of(text))
    v, s = j.visits, j.segments
    pauses = s["kind"] == SegmentKind.SERVICE_INTERRUPTED
    assert pauses.sum() > 5, "expected several customers caught by a breakdown"
    assert np.all(s["flags"][pauses] == Flag.IN_PROCESS | Flag.DISRUPTED)
    paused = np.bincount(s["customer"][pauses], weights=(s["end"] - s["start"])[pauses],
                         minlength=len(v["customer"]))
    # Served time is the service time (4) plus the repair pauses, for every customer.
    np.testing.assert_allclose(v["left"] - v["service_start"] - paused[v["customer"]], 4.0)
    # A pause lasts from the failure to the end of the repair.
    np.testing.assert_allclose((s["end"] - s["start"])[pauses], 7.0)
    repairs = j.tables["breakdowns"]
    np.testing.assert_allclose(repairs["end"] - repairs["start"], 7.0)


def test_line_per_server_joins_the_shortest_line_and_jockeys(plan_of, write_yaml):
    longs = write_yaml("time\n0\n", "long.csv")
    shorts = write_yaml("time\n0\n0.5\n", "short.csv")

    def run(jockeying: str):
        return simulate(plan_of(f"""
            name: lines
            close: 100
            customers:
              long: {{arrivals: {{process: trace, file: {longs.name}}},
                      service: {{s: {{dist: deterministic, value: 30}}}}}}
              short: {{arrivals: {{process: trace, file: {shorts.name}}}}}
            stations:
              s: {{servers: 2, layout: line_per_server, {jockeying}
                  service: {{dist: deterministic, value: 1}}}}
        """))

    # long@0 -> line 0, short@0 -> line 1 (1 minute), short@0.5 -> line 0 on the tie,
    # behind the 30-minute customer.
    stuck = run("")
    assert sorted(stuck.visits["service_start"].tolist()) == [0.0, 0.0, 30.0]
    # With jockeying, at t=1 line 1 is empty and line 0 has 2 people: the last one moves.
    moved = run("jockeying: {margin: 2},")
    assert sorted(moved.visits["service_start"].tolist()) == [0.0, 0.0, 1.0]


def test_routes_visit_stations_in_order_and_later_waits_are_in_process(plan_of):
    j = simulate(plan_of("""
        name: two steps
        horizon: 600
        customers:
          a: {arrivals: {process: poisson, rate_per_hour: 50}}
        stations:
          first: {servers: 1, service: {dist: exponential, mean: 1}}
          second: {servers: 1, service: {dist: exponential, mean: 1.1}}
    """))
    v, s = j.visits, j.segments
    assert set(zip(v["station"].tolist(), v["hop"].tolist(), strict=True)) == {(0, 0), (1, 1)}
    assert np.all((s["flags"][s["station"] == 1] & Flag.IN_PROCESS) != 0)
    assert np.all((s["flags"][s["station"] == 0] & Flag.IN_PROCESS) == 0)
    # Each customer starts the second step only after finishing the first.
    first = v["station"] == 0
    left_first = dict(zip(v["customer"][first].tolist(), v["left"][first].tolist(), strict=True))
    for c, joined in zip(v["customer"][~first].tolist(), v["joined"][~first].tolist(),
                         strict=True):
        assert joined == left_first[c]


def test_route_probabilities(plan_of):
    j = simulate(plan_of("""
        name: branch
        horizon: 6000
        customers:
          a:
            arrivals: {process: poisson, rate_per_hour: 30}
            route: {start: desk, desk: {adviser: 0.25, exit: 0.75}}
        stations:
          desk: {servers: 2, service: {dist: exponential, mean: 2}}
          adviser: {servers: 2, service: {dist: exponential, mean: 2}}
    """))
    served = j.customers["outcome"] == Outcome.SERVED
    n = int(served.sum())
    to_adviser = len(np.unique(j.visits["customer"][j.visits["station"] == 1]))
    # Binomial(n, 0.25): within 4 standard deviations.
    assert abs(to_adviser - 0.25 * n) < 4 * math.sqrt(n * 0.25 * 0.75)


def test_appointments_record_booked_times(plan_of):
    plan = plan_of("""
        name: clinic
        open: "08:00"
        close: "10:00"
        customers:
          booked:
            arrivals: {process: appointments, slot_minutes: 20, per_slot: 2,
                       punctuality: {dist: deterministic, value: 5}}
        stations:
          doctor: {servers: 2, service: {dist: deterministic, value: 10}}
    """)
    j = simulate(plan)
    c = j.customers
    assert sorted(c["booked"].tolist()) == sorted([t for t in range(0, 120, 20)] * 2)
    np.testing.assert_array_equal(c["arrival"], c["booked"] + 5)


def test_no_shows_are_drawn(plan_of):
    text = """
        name: clinic
        close: 6000
        customers:
          booked: {arrivals: {process: appointments, slot_minutes: 10, no_show: 0.3}}
        stations:
          doctor: {servers: 1, service: {dist: deterministic, value: 5}}
    """
    n = len(simulate(plan_of(text)).customers["customer"])
    assert abs(n - 0.7 * 600) < 4 * math.sqrt(600 * 0.3 * 0.7)


def test_trace_with_class_column(plan_of, write_yaml):
    write_yaml("when,kind\n1,a\n2,b\n3,a\n", "mixed.csv")
    j = simulate(plan_of("""
        name: mixed
        close: 10
        customers:
          a: {arrivals: {process: trace, file: mixed.csv, column: when, class_column: kind}}
          b: {arrivals: {process: trace, file: mixed.csv, column: when, class_column: kind}}
        stations:
          s: {servers: 3, service: {dist: deterministic, value: 1}}
    """))
    pairs = sorted(zip(j.customers["arrival"].tolist(), j.customers["customer_class"].tolist(),
                       strict=True))
    assert pairs == [(1.0, 0), (2.0, 1), (3.0, 0)]


def test_run_stopped_at_end_censors_customers_still_inside(plan_of, write_yaml):
    text = trace_scenario(write_yaml, [0, 0, 0], service="{dist: deterministic, value: 10}",
                          extra_top="close: 5\n        end: 15")
    j = simulate(plan_of(text))
    assert j.end_time == 15.0
    assert j.customers["outcome"].tolist() == [Outcome.SERVED, Outcome.CENSORED,
                                               Outcome.CENSORED]
    assert math.isnan(j.customers["departure"][1])
    assert summarise(j)["censored"] == 2.0


def test_identity_perception_spends_patience_in_clock_minutes_and_rates_can_change(plan_of,
                                                                                 write_yaml):
    text = trace_scenario(write_yaml, [0, 0], service="{dist: deterministic, value: 50}",
                          extra_class="patience: {dist: deterministic, value: 10}")
    plan = plan_of(text)

    class Doubling:
        """A stand-in perception model (the engine's seam, FeltTime): felt time runs twice as
        fast under the OCCUPIED flag; nobody leaves when told, no promise speeds patience."""

        def threshold(self, class_index: int, patience: float, time_sense: float = 1.0
                      ) -> float:
            return patience

        def after_promise(self, class_index: int) -> float:
            return 1.0

        def leaves_when_told(self, class_index: int) -> bool:
            return False

        def rate(self, class_index: int, station_index: int, flags: int) -> float:
            return 2.0 if flags & Flag.OCCUPIED else 1.0

    model = Model(plan, 0, felt=Doubling())
    station = model.stations[0]

    def speed_up(_event: object) -> None:
        (waiting,) = list(station.lines[0].waiting_customers())
        station.change_conditions(waiting, int(Flag.OCCUPIED), model.env.now)

    Action(model.env, 2.0, RELEASE, speed_up)
    j = model.run()
    # 2 felt minutes spent by t=2, the other 8 at double speed: gives up at t=2+4=6.
    assert j.customers["outcome"][1] == Outcome.ABANDONED
    assert j.customers["departure"][1] == pytest.approx(6.0)
    # The wait is recorded as two pieces with their conditions.
    s = j.segments
    assert s["start"].tolist() == [0.0, 2.0] and s["end"].tolist() == [2.0, 6.0]
    assert s["flags"].tolist() == [0, int(Flag.OCCUPIED)]


def test_same_seed_same_journeys_and_other_seed_differs(plan_of):
    plan = plan_of("""
        name: busy
        horizon: 480
        customers:
          a: {arrivals: {process: poisson, rate_per_hour: 40}, patience: {dist: exponential,
              mean: 10}}
        stations:
          s: {servers: 3, service: {dist: lognormal, mean: 4, sd: 3},
              breakdowns: {mtbf: 60, repair: {dist: exponential, mean: 5}}}
    """)
    a, b, other = simulate(plan, 3), simulate(plan, 3), simulate(plan, 4)
    for table in a.tables:
        for column in a.tables[table]:
            np.testing.assert_array_equal(a.tables[table][column], b.tables[table][column])
    assert not np.array_equal(a.customers["arrival"][:5], other.customers["arrival"][:5])


def test_balking_probability_table(plan_of):
    j = simulate(plan_of("""
        name: balk table
        close: 3000
        customers:
          a:
            arrivals: {process: poisson, rate_per_hour: 60}
            balk: {probability: {0: 0.0, 1: 0.5}}
        stations:
          s: {servers: 1, service: {dist: exponential, mean: 1.5}}
    """))
    c, v = j.customers, j.visits
    # Who saw somebody waiting: count the line at each arrival from the visit records.
    waiting_at = np.array([np.sum((v["joined"] < t) & (v["service_start"] > t))
                           for t in c["arrival"]])
    balked = c["outcome"] == Outcome.BALKED
    assert not np.any(balked & (waiting_at == 0)), "nobody balks at an empty line"
    seen = waiting_at >= 1
    share = balked[seen].mean()
    assert abs(share - 0.5) < 4 * math.sqrt(0.25 / seen.sum())


def test_a_closing_line_sends_its_customers_to_the_open_lines_at_once(plan_of, write_yaml):
    write_yaml("time\n0\n0\n0.1\n0.2\n7\n", "a.csv")
    j = simulate(plan_of("""
        name: closing
        close: 100
        customers:
          a: {arrivals: {process: trace, file: a.csv}}
        stations:
          s: {schedule: {0: 2, 5: 1}, layout: line_per_server,
              service: {dist: deterministic, value: 10}}
    """))
    v = j.visits
    # t=0: customers 0 and 1 start at servers 0 and 1; 2 joins line 0 (tie), 3 line 1.
    # At t=5 both servers are busy and server 1 is told to go off duty: it finishes
    # customer 1, but line 1 closes at once and customer 3 moves to line 0, ahead of
    # customer 4, who arrives at t=7.
    assert v["service_start"].tolist() == [0.0, 0.0, 10.0, 20.0, 30.0]
    assert v["server"].tolist() == [0, 1, 0, 0, 0]
    duty = j.tables["duty"]
    assert (10.0, 0) in zip(duty["time"].tolist(), duty["on_duty"].tolist(), strict=True)


def test_the_idle_server_is_the_one_that_goes_off_duty(plan_of, write_yaml):
    write_yaml("time\n0\n", "a.csv")
    j = simulate(plan_of("""
        name: idle first
        close: 100
        customers:
          a: {arrivals: {process: trace, file: a.csv}}
        stations:
          s: {schedule: {0: 2, 5: 1}, service: {dist: deterministic, value: 10}}
    """))
    duty = j.tables["duty"]
    changes = list(zip(duty["time"].tolist(), duty["server"].tolist(),
                       duty["on_duty"].tolist(), strict=True))
    assert (5.0, 1, 0) in changes and j.visits["server"].tolist() == [0]
