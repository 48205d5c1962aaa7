"""The interventions in full runs: what each changes in the queue and in how it feels."""

from __future__ import annotations

import numpy as np
import pytest

from simulator import Flag, SegmentKind, simulate
from simulator.analysis.experience import customer_experience, promised_felt, times_overtaken
from simulator.analysis.summary import summarise

# A day with breakdowns and a schedule (disruptions to explain), no patience: a lever that
# acts on perception only must leave every clock time as it was.
DAY = """
    name: counter day
    seed: 9
    open: "09:00"
    close: "15:00"
    customers:
      a: {arrivals: {process: poisson, rate_per_hour: 48}, expected_wait: 4}
    stations:
      desk:
        servers: 3
        schedule: {"12:00": 2, "13:00": 3}
        service: {dist: exponential, mean: 3.4}
        breakdowns: {mtbf: 90, repair: {dist: exponential, mean: 12}}
"""
CLOCK_COLUMNS = {"customers": ("arrival", "departure", "outcome"),
                 "visits": ("joined", "service_start", "left", "server")}


def same_clock_times(a, b) -> bool:
    return all(a.tables[t][c].tobytes() == b.tables[t][c].tobytes()
               for t, columns in CLOCK_COLUMNS.items() for c in columns)


def with_interventions(block: str) -> str:
    return DAY + "    interventions:\n" + "".join(f"      {line}\n" for line in
                                                    block.strip().splitlines())


@pytest.mark.parametrize("block", [
    "explained_delays: {on: always, announce: true}",
    "explained_delays: {on: after_minutes, minutes: 4}",
    "wait_time_info: {every_minutes: 5, bias: -0.2, noise: 0.3}",
    "wait_time_info: {mode: position, estimator: recent}",
    "occupied_waiting: {share: 0.5}",
])
def test_perception_levers_leave_clock_times_identical_and_lower_the_felt_wait(plan_of, block):
    plain = simulate(plan_of(DAY))
    lever = simulate(plan_of(with_interventions(block)))
    assert same_clock_times(plain, lever)
    assert summarise(lever)["perceived_wait_mean"] < summarise(plain)["perceived_wait_mean"]


def test_customers_in_line_see_a_breakdown_and_staff_explain_it(plan_of):
    j = simulate(plan_of(DAY))
    s, b = j.segments, j.tables["breakdowns"]
    queue = s["kind"] == SegmentKind.QUEUE
    disrupted = queue & ((s["flags"] & Flag.DISRUPTED) != 0)
    assert disrupted.any() and not ((s["flags"] & Flag.EXPLAINED) != 0).any()
    # Every disrupted piece of wait in line lies within a repair (nobody waits at 12:00,
    # when a server goes off duty, in this run).
    repairs = list(zip(b["start"], b["end"], strict=True))
    for start, end in zip(s["start"][disrupted], s["end"][disrupted], strict=True):
        assert any(a <= start and end <= e for a, e in repairs)
    explained = simulate(plan_of(with_interventions("explained_delays: {on: breakdowns}")))
    f = explained.segments["flags"]
    assert not (((f & Flag.DISRUPTED) != 0) & ((f & Flag.EXPLAINED) == 0)).any()
    m_plain, m_explained = summarise(j), summarise(explained)
    assert m_explained["satisfaction_mean"] > m_plain["satisfaction_mean"]  # no one to blame


LEAVING = """
    name: a window closes
    close: 60
    customers:
      a: {arrivals: {process: trace, file: a.csv}, expected_wait: 5}
    stations:
      s:
        servers: 2
        schedule: {10: 1}
        service: {dist: deterministic, value: 30}
"""


@pytest.mark.parametrize(("mode", "explained"), [("breakdowns", False), ("always", True)])
def test_a_server_leaving_disrupts_those_waiting_for_the_rest_of_their_wait(
        plan_of, write_yaml, mode, explained):
    # Two servers busy from 0 to 30; customers 2 and 3 wait; at 10 one server goes off duty.
    write_yaml("time\n0\n0\n0\n5\n", "a.csv")
    j = simulate(plan_of(LEAVING + f"""
    interventions:
      explained_delays: {{on: {mode}}}
    """))
    s = j.segments
    pieces = {(int(c), float(a), float(e)): int(f)
              for c, a, e, f in zip(s["customer"], s["start"], s["end"], s["flags"],
                                    strict=True)}
    told = int(Flag.EXPLAINED) if explained else 0
    assert pieces == {(2, 0.0, 10.0): 0, (2, 10.0, 30.0): int(Flag.DISRUPTED) | told,
                      (3, 5.0, 10.0): 0, (3, 10.0, 60.0): int(Flag.DISRUPTED) | told}


def test_explaining_after_n_minutes_explains_only_waits_that_long(plan_of):
    j = simulate(plan_of(with_interventions("explained_delays: {on: after_minutes, minutes: 4}")))
    s, v = j.segments, j.visits
    joined = dict(zip(v["customer"], v["joined"], strict=True))
    explained = ((s["flags"] & Flag.EXPLAINED) != 0) & (s["kind"] == SegmentKind.QUEUE)
    assert explained.any()
    since = s["start"][explained] - np.array([joined[c] for c in s["customer"][explained]])
    assert np.all(since >= 4 - 1e-9)
    # Pieces before 4 minutes are never explained.
    before = (s["kind"] == SegmentKind.QUEUE) & (s["end"] <= np.array(
        [joined[c] for c in s["customer"]]) + 4 - 1e-9)
    assert not (explained & before).any()


HAND = """
    name: display by hand
    close: 60
    customers:
      a: {arrivals: {process: trace, file: a.csv}, expected_wait: 5}
    stations:
      s: {servers: 1, service: {dist: deterministic, value: 10}}
    interventions:
      wait_time_info: {BLOCK}
    perception: {time_sense_sd: 0}
    satisfaction: {expectation_sd: 0PROMISES}
"""
VERSION1_PROMISES = ", promise_anchoring: 1, overstatement_credit: 1"
"""Version 1's promises: the promise becomes the expectation, credited in full."""


def hand(block: str, promises: str = "") -> str:
    return HAND.replace("BLOCK", block).replace("PROMISES", promises)


def test_the_queue_estimator_by_hand_and_kept_promises(plan_of, write_yaml):
    # One server, 10-minute services, three customers at 0: waits 0, 10, 20.
    write_yaml("time\n0\n0\n0\n", "a.csv")
    j = simulate(plan_of(hand("mode: duration")))
    c = j.customers
    assert np.isnan(c["promised"][0])  # served at once: nothing shown
    assert c["promised"][1:].tolist() == [10.0, 20.0]  # (ahead + 1) x 10 / 1 server
    assert c["promise_station"].tolist() == [-1, 0, 0]
    flags = j.segments["flags"]
    assert np.all((flags & Flag.INFORMED) != 0)
    c_ = 1.35 * 5**0.1
    felt = np.array([c_ * (0.95 * 10) ** 0.9, c_ * (0.95 * 20) ** 0.9])
    # Kept promises: the reference moves 30% of the way to the promise, its tolerance zone
    # (2.5 minutes) with it.
    reference = 5 + 0.3 * (felt - 5)
    lost = 2 * np.minimum(felt - reference, 2.5) + 6.4 * np.maximum(felt - reference - 2.5, 0)
    assert customer_experience(j)["satisfaction"][1:] == pytest.approx(80 - lost)
    # Version 1: kept promises longer than the expected 5 minutes scored at_expectation.
    j1 = simulate(plan_of(hand("mode: duration", VERSION1_PROMISES)))
    assert customer_experience(j1)["satisfaction"][1:] == pytest.approx([80.0, 80.0])
    # A pessimistic display (twice the estimate): served 10 and 20 minutes early.
    j = simulate(plan_of(hand("bias: 1.0")))
    assert j.customers["promised"][1:].tolist() == [20.0, 40.0]
    q = promised_felt(j, j.plan.perception())
    assert q[1:] == pytest.approx([c_ * (0.95 * 20) ** 0.9, c_ * (0.95 * 40) ** 0.9])
    # Over-stating earns nothing over an honest display...
    assert customer_experience(j)["satisfaction"][1:] == pytest.approx(80 - lost)
    # ...where version 1 credited the whole promise: the gain over it capped at 15 points.
    j1 = simulate(plan_of(hand("bias: 1.0", VERSION1_PROMISES)))
    assert customer_experience(j1)["satisfaction"][1:] == pytest.approx([95.0, 95.0])


def test_over_promising_scores_lower_than_an_honest_display_on_the_same_journeys(plan_of):
    honest = simulate(plan_of(with_interventions("wait_time_info: {every_minutes: 5}")))
    liar = simulate(plan_of(with_interventions("wait_time_info: {every_minutes: 5, bias: -0.4}")))
    careful = simulate(plan_of(with_interventions(
        "wait_time_info: {every_minutes: 5, bias: 0.15}")))
    assert same_clock_times(honest, liar) and same_clock_times(honest, careful)
    h, lie, c = (summarise(x)["satisfaction_mean"] for x in (honest, liar, careful))
    assert lie < h < c
    assert customer_experience(liar)["satisfaction"].mean() < \
        customer_experience(honest)["satisfaction"].mean()


def test_balking_on_a_displayed_wait_changes_the_queue(plan_of):
    plain = summarise(simulate(plan_of(with_interventions("wait_time_info: {}"))))
    balking = summarise(simulate(plan_of(with_interventions(
        "wait_time_info: {balk_on_displayed: 6}"))))
    assert plain["balked_share"] == 0 < balking["balked_share"]
    assert balking["wait_mean"] < plain["wait_mean"]
    pessimist = summarise(simulate(plan_of(with_interventions(
        "wait_time_info: {balk_on_displayed: 6, bias: 0.5}"))))
    assert pessimist["balked_share"] > balking["balked_share"]  # a gloomy display turns away


GREETER = DAY.replace("        breakdowns: {mtbf: 90, repair: {dist: exponential, mean: 12}}\n",
                      "")


def test_a_greeter_turns_pre_process_minutes_into_in_process_ones_and_saves_service(plan_of):
    plain = simulate(plan_of(GREETER))
    greeted = simulate(plan_of(GREETER + """
    interventions:
      greeter: {staff: 1, task: {dist: deterministic, value: 1}, saves: {minutes: 0.5}}
    """))
    in_process = {}
    for name, j in (("plain", plain), ("greeted", greeted)):
        s = j.segments
        inside = (s["flags"] & Flag.IN_PROCESS) != 0
        in_process[name] = float((s["end"] - s["start"])[inside].sum())
    assert in_process["plain"] == 0 < in_process["greeted"]
    # Service times are drawn per customer on arrival: the same in both runs, less the
    # saving for customers whose 1-minute task ended before their service began.
    def durations(j):
        v = j.visits
        served = ~np.isnan(v["left"])
        return dict(zip(v["customer"][served], (v["left"] - v["service_start"])[served],
                        strict=True))
    before, after = durations(plain), durations(greeted)
    s = greeted.segments
    inside = (s["flags"] & Flag.IN_PROCESS) != 0
    greeting = np.bincount(s["customer"][inside], weights=(s["end"] - s["start"])[inside],
                           minlength=len(greeted.customers["customer"]))
    saved = 0
    for customer, duration in after.items():
        if greeting[customer] >= 1 - 1e-9:
            assert duration == pytest.approx(max(before[customer] - 0.5, 0.0))
            saved += 1
        else:
            assert duration == pytest.approx(before[customer])
    assert saved > 20
    assert summarise(greeted)["perceived_wait_mean"] < summarise(plain)["perceived_wait_mean"]


def test_a_greeter_saving_a_fraction(plan_of):
    j = simulate(plan_of(GREETER + """
    interventions:
      greeter: {staff: 2, task: {dist: deterministic, value: 0}, saves: {fraction: 1}}
    """))
    # A task of 0 minutes ends at once: every customer who waited is served in no time.
    v = j.visits
    waited = v["service_start"] > v["joined"]
    assert waited.any()
    assert np.all((v["left"] - v["service_start"])[waited] == 0)


BOOKING = """
    name: clinic
    seed: 4
    open: "08:00"
    close: "16:00"
    customers:
      patient: {arrivals: {process: poisson, rate_per_hour: 12}, expected_wait: 10}
    stations:
      doctor: {servers: 2, service: {dist: gamma, mean: 9, sd: 4}}
"""


def test_appointments_book_a_share_served_before_walk_ins(plan_of):
    plan = plan_of(BOOKING + """
    interventions:
      appointments: {share: 0.4, slot_minutes: 20, punctuality: {dist: normal, mean: -5, sd: 3}}
    """)
    assert [cp.name for cp in plan.classes] == ["patient", "patient:booked"]
    walk_in, booked = plan.classes
    assert booked.priority_level < walk_in.priority_level
    counts = []
    for replication in range(20):
        j = simulate(plan, replication)
        c = j.customers
        counts.append([(c["customer_class"] == k).sum() for k in (0, 1)])
        mine = c["customer_class"] == 1
        assert not np.isnan(c["booked"][mine]).any() and np.isnan(c["booked"][~mine]).all()
        # Booked customers wait before their time at the before-appointment weight, and
        # their promise is the booked time (or their arrival, if late).
        s = j.segments
        before = (s["flags"] & Flag.BEFORE_APPOINTMENT) != 0
        assert np.all(s["end"][before] <= c["booked"][s["customer"][before]] + 1e-9)
        promised = c["promised"][mine & (c["outcome"] == 0)]
        booked_at = np.maximum(c["booked"], c["arrival"])[mine & (c["outcome"] == 0)]
        waited = np.isin(c["customer"][mine & (c["outcome"] == 0)], s["customer"])
        np.testing.assert_array_equal(promised[waited], booked_at[waited])
    walk_ins, bookings = np.mean(counts, axis=0)
    expected = 12 * 8  # arrivals a day
    assert bookings == pytest.approx(0.4 * expected, rel=0.15)
    assert walk_ins == pytest.approx(0.6 * expected, rel=0.15)


def test_walk_ins_passed_by_booked_customers_unless_explained(plan_of):
    text = BOOKING + """
    interventions:
      appointments: {share: 0.5, slot_minutes: 10EXPLAINED}
    """
    plain = simulate(plan_of(text.replace("EXPLAINED", "")))
    told = simulate(plan_of(text.replace("EXPLAINED", ", explained: true")))
    assert same_clock_times(plain, told)
    assert times_overtaken(told).sum() < times_overtaken(plain).sum()
    assert summarise(told)["satisfaction_mean"] > summarise(plain)["satisfaction_mean"]


@pytest.mark.parametrize(("visit", "early", "expected"), [
    # Booked at 10, the doctor busy with a walk-in from 0 to `visit`.
    (14.0, 0.0, "zone"),     # 4 minutes past the slot: inside the tolerance zone
    (30.0, 0.0, "beyond"),   # 20 minutes past it: far beyond the acceptable wait
    (14.0, 6.0, "gain"),     # arrived 6 minutes early: those minutes weigh little
])
def test_a_booked_patients_expectation_is_counted_from_the_slot(plan_of, write_yaml, visit,
                                                               early, expected):
    write_yaml("time,kind\n0,walk\n", "walk.csv")
    j = simulate(plan_of(f"""
        name: late doctor
        close: 120
        customers:
          walk: {{arrivals: {{process: trace, file: walk.csv}}, expected_wait: 5}}
          booked:
            arrivals: {{process: appointments, slot_minutes: 60, first_slot: 10,
                       last_slot: 10, punctuality: {{dist: deterministic, value: {-early}}}}}
            expected_wait: 5
        stations:
          doc: {{servers: 1, service: {{dist: deterministic, value: {visit}}}}}
        perception: {{time_sense_sd: 0}}
        satisfaction: {{expectation_sd: 0}}
    """))
    c = j.customers
    mine = c["customer_class"] == 1
    assert c["promised"][mine].tolist() == [10.0]
    e = customer_experience(j)
    c_ = 1.35 * 5**0.1
    felt, kept = e["felt_all"][mine][0], c_ * (0.3 * 0.95 * early) ** 0.9
    assert felt == pytest.approx(c_ * (0.3 * 0.95 * early + 0.95 * (visit - 10)) ** 0.9)
    assert promised_felt(j, j.plan.perception())[mine][0] == pytest.approx(kept)
    # E = 5 and A = 7.5 counted from the slot: the unpromised curve of felt - kept.
    late = felt - kept
    curve = {"gain": 80 + 4 * min(5 - late, 3.75), "zone": 80 - 2 * (late - 5),
             "beyond": max(80 - 2 * 2.5 - 6.4 * (late - 7.5), 0.0)}
    zone = "gain" if late < 5 else "zone" if late <= 7.5 else "beyond"
    assert zone == expected
    assert e["satisfaction"][mine][0] == pytest.approx(curve[zone])


def test_a_new_announcement_does_not_undo_a_broken_promise(plan_of):
    # Booked every 10 minutes, 12.5-minute visits: patients fall behind their slots. Telling
    # them a new time after 20 minutes must not make the minutes past the slot disappear.
    text = """
        name: late clinic
        open: "08:00"
        close: "10:00"
        customers:
          booked: {arrivals: {process: appointments, slot_minutes: 10}, expected_wait: 5}
        stations:
          doctor: {servers: 1, service: {dist: deterministic, value: 12.5}}
    """
    late = simulate(plan_of(text))
    told = simulate(plan_of(text + """
        interventions:
          explained_delays: {on: after_minutes, minutes: 20, announce: true}
    """))
    assert same_clock_times(late, told)
    c = told.customers
    np.testing.assert_array_equal(c["promised"], late.customers["promised"])  # the slots
    waited = ~np.isnan(c["promised"])
    assert waited.sum() > 5 and (c["promised"][waited] == c["booked"][waited]).all()
    # Being informed makes the wait feel a little shorter, nothing more.
    before, after = customer_experience(late), customer_experience(told)
    assert np.all(after["felt_all"] <= before["felt_all"] + 1e-9)
    assert after["satisfaction"].mean() - before["satisfaction"].mean() < 5


def test_a_promise_kept_at_one_station_does_not_block_the_next_one(plan_of, write_yaml):
    write_yaml("time\n0\n0\n", "a.csv")
    j = simulate(plan_of("""
        name: two desks
        close: 60
        customers:
          a: {arrivals: {process: trace, file: a.csv}, expected_wait: 5}
        stations:
          first: {servers: 1, service: {dist: deterministic, value: 10}}
          second: {servers: 1, service: {dist: deterministic, value: 30}}
        interventions:
          wait_time_info: {}
    """))
    # Customer 1 waits 10 at the first desk (promised 10, kept), then at the second desk from
    # 20: one ahead of nobody, so shown one mean service (30; the estimator does not know
    # that customer 0's service began at 10): promised 50 there.
    promised = j.customers["promised"]
    assert np.isnan(promised[0]) and promised[1] == 50.0
    assert j.customers["promise_station"].tolist() == [-1, 1]


def test_an_arriving_priority_customer_is_shown_only_those_served_before_them(plan_of,
                                                                               write_yaml):
    # One server busy 0-10 and three walk-ins waiting; a priority customer arrives at 1 and
    # will be next: shown (0 + 1) x 10 minutes, not (3 + 1) x 10, so it does not balk at 35
    # (the walk-ins were shown 10, 20 and 30).
    write_yaml("time,kind\n0,walk\n0,walk\n0,walk\n0,walk\n1,vip\n", "a.csv")
    j = simulate(plan_of("""
        name: priority display
        close: 60
        customers:
          walk: {arrivals: {process: trace, file: a.csv, class_column: kind}, expected_wait: 5}
          vip: {arrivals: {process: trace, file: a.csv, class_column: kind}, priority: -1,
                expected_wait: 5}
        stations:
          s: {servers: 1, service: {dist: deterministic, value: 10}}
        interventions:
          wait_time_info: {balk_on_displayed: 35}
    """))
    c = j.customers
    vip = c["customer_class"] == 1
    assert c["outcome"][vip].tolist() == [0]  # served, not balked
    assert c["promised"][vip].tolist() == [11.0]
    assert (c["outcome"][~vip] == 0).all()
