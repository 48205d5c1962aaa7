"""The perceived-wait and satisfaction models inside full runs."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from queueing_theory import erlang_a

from simulator import load_scenario, simulate
from simulator.analysis.summary import METRICS, summarise, times_overtaken
from simulator.runs.experiment import run_experiment

BANK = Path(__file__).resolve().parent.parent / "scenarios" / "bank_branch.yaml"


def test_identity_model_gives_felt_equal_to_clock_on_a_full_scenario(tmp_path):
    # The bank day with every variant (each intervention), under model: identity.
    path = tmp_path / "bank.yaml"
    path.write_text(BANK.read_text() + "\nperception: {model: identity}\n")
    for variant, plan in load_scenario(path).plans.items():
        for replication in range(2):
            m = summarise(simulate(plan, replication))
            assert m["perceived_wait_mean"] == m["wait_mean"], variant
            assert m["overestimation_ratio"] == pytest.approx(1.0, abs=1e-12), variant


def test_waits_feel_longer_than_the_clock_by_default():
    result = run_experiment(load_scenario(BANK), variants=["base"], replications=3)
    for m in result.metrics["base"]:
        assert m["perceived_wait_mean"] > m["wait_mean"] > 0
        assert 1.0 < m["overestimation_ratio"] < 1.6
        assert 0 < m["satisfaction_mean"] < 100
        assert 0 <= m["dissatisfied_share"] <= 1 and 0 <= m["satisfied_share"] <= 1
        assert m["complaints_per_100"] == pytest.approx(100 * m["dissatisfied_share"] * 0.06)
    assert set(METRICS) <= set(result.metrics["base"][0])


@pytest.mark.parametrize(("lever", "rate", "other_rate", "seed", "horizon"), [
    # duration_exponent 1 and constant conditions: felt time runs at overestimation x weight
    # = 1.35 per clock minute, so patience of mean 6 felt minutes is 6 / 1.35 clock minutes;
    # the check must tell felt from clock patience (other rate 1).
    ("{}", 1.35, 1.0, 11, 600000),
    # Every waiting customer is shown their place as they join: felt time runs at
    # 1.35 x informed_factor and patience is spent x informed_patience_factor as fast; the
    # check must tell informed from uninformed patience (other rate 1.35).
    ("{wait_time_info: {mode: position}}", 1.35 * 0.95 * 0.4, 1.35, 12, 400000),
], ids=["felt", "informed"])
def test_patience_is_spent_in_felt_minutes_erlang_a(write_yaml, lever, rate, other_rate, seed,
                                                    horizon):
    lam, mu, servers, patience_mean = 0.45, 0.25, 2, 6.0
    plan = load_scenario(write_yaml(f"""
        name: felt patience
        seed: {seed}
        horizon: {horizon}
        warmup: 500
        perception: {{duration_exponent: 1, time_sense_sd: 0, leave_when_told: false}}
        customers:
          a:
            arrivals: {{process: poisson, rate_per_hour: {lam * 60}}}
            patience: {{dist: exponential, mean: {patience_mean}}}
            expected_wait: 3
        stations:
          s: {{servers: {servers}, service: {{dist: exponential, mean: {1 / mu}}}}}
        interventions: {lever}
    """)).plans["base"]
    j = simulate(plan)
    c = j.customers
    counted = c["arrival"] >= j.stats_start
    abandoned = (c["outcome"][counted] == 1).astype(float)
    batches = np.array_split(abandoned, 30)
    means = np.array([b.mean() for b in batches])
    half = 3.66 * means.std(ddof=1) / math.sqrt(len(means))  # t(0.9995, 29)
    theory = erlang_a(lam, mu, servers, rate / patience_mean).abandon_probability
    other = erlang_a(lam, mu, servers, other_rate / patience_mean).abandon_probability
    assert abs(abandoned.mean() - theory) < half, (abandoned.mean(), half, theory)
    assert abs(other - theory) > 3 * half, "the check must tell the two patience rates apart"


def test_overtaking_is_counted_for_priority_and_parallel_lines(plan_of):
    single = plan_of("""
        name: one line
        horizon: 2000
        customers:
          a: {arrivals: {process: poisson, rate_per_hour: 50}, expected_wait: 3}
        stations:
          s: {servers: 2, service: {dist: exponential, mean: 2.2}}
    """)
    assert times_overtaken(simulate(single)).sum() == 0  # first come, first served
    lines = plan_of("""
        name: lines
        horizon: 2000
        customers:
          a: {arrivals: {process: poisson, rate_per_hour: 50}, expected_wait: 3}
        stations:
          s: {servers: 2, service: {dist: exponential, mean: 2.2}, layout: line_per_server}
    """)
    j = simulate(lines)
    overtaken = times_overtaken(j)
    assert overtaken.sum() > 10
    # Check the count by brute force on the visits.
    v = j.visits
    start = np.where(np.isnan(v["service_start"]), np.inf, v["service_start"])
    end = np.where(np.isnan(v["service_start"]), v["left"], v["service_start"])
    brute = [np.sum((v["joined"] > v["joined"][i]) & (start < end[i]))
             for i in range(len(v["customer"]))]
    np.testing.assert_array_equal(overtaken[v["customer"]], brute)


def test_satisfaction_responds_to_each_lever(plan_of):
    base = """
        name: lever
        horizon: 3000
        customers:
          a: {arrivals: {process: poisson, rate_per_hour: 50}, expected_wait: 2}
        stations:
          s: {servers: 2, service: {dist: exponential, mean: 2.2}LAYOUT}
    """
    one_line = summarise(simulate(plan_of(base.replace("LAYOUT", ""))))
    parallel = summarise(simulate(plan_of(base.replace("LAYOUT", ", layout: line_per_server"))))
    assert parallel["satisfaction_mean"] < one_line["satisfaction_mean"]
    calm = summarise(simulate(plan_of(base.replace("LAYOUT", "").replace(
        "expected_wait: 2}", "expected_wait: 2, anxiety: 0}"))))
    anxious = summarise(simulate(plan_of(base.replace("LAYOUT", "").replace(
        "expected_wait: 2}", "expected_wait: 2, anxiety: 1}"))))
    assert anxious["perceived_wait_mean"] > calm["perceived_wait_mean"]
    assert anxious["wait_mean"] == calm["wait_mean"]  # no patience: the same clock times


def test_every_model_parameter_has_a_source_a_range_and_its_place_in_the_docs():
    from simulator.spec.parameters import (
        PerceptionParameters,
        SatisfactionParameters,
        parameter_ranges,
    )

    docs = BANK.parent.parent / "docs"
    page = (docs / "model.md").read_text(encoding="utf-8")
    reference = (docs / "reference" / "scenario.md").read_text(encoding="utf-8")
    for model in (PerceptionParameters, SatisfactionParameters):
        ranges = parameter_ranges(model)
        for name, field in model.model_fields.items():
            assert field.description, name
            assert f"`{name}`" in page, name
            if field.annotation is float:
                low, high = ranges[name]
                assert low <= field.default <= high, name
                shown = (f"Plausible range {low:g} to {high:g}." if low < high
                         else f"Fixed at {low:g}")
                assert shown in reference, name


OCCUPIED_BASE = """
    name: waiting room
    seed: 5
    close: 480
    customers:
      a: {arrivals: {process: poisson, rate_per_hour: 50}, expected_wait: 3}
    stations:
      desk: {servers: 2, service: {dist: exponential, mean: 2.2}}
      till: {servers: 1, service: {dist: exponential, mean: 1}}
"""


def test_occupied_waiting_is_perception_only_and_lowers_the_felt_wait(plan_of):
    from simulator.models.codes import Flag, SegmentKind

    plain = simulate(plan_of(OCCUPIED_BASE))
    tv = simulate(plan_of(OCCUPIED_BASE + """
    interventions:
      occupied_waiting: {share: 0.7, stations: [desk]}
    """))
    # Same seed, no patience: every clock time is the same, to the bit.
    for table in ("customers", "visits"):
        for column in ("arrival", "departure", "joined", "service_start", "left"):
            if column in plain.tables[table]:
                assert plain.tables[table][column].tobytes() == \
                    tv.tables[table][column].tobytes(), column
    s = tv.segments
    queue = s["kind"] == SegmentKind.QUEUE
    occupied = (s["flags"] & Flag.OCCUPIED) != 0
    at_desk = queue & (s["station"] == 0)
    assert not np.any(occupied & (s["station"] == 1)), "only the covered station"
    n = int(at_desk.sum())
    assert abs(occupied[at_desk].mean() - 0.7) < 4 * math.sqrt(0.21 / n)
    assert summarise(tv)["perceived_wait_mean"] < summarise(plain)["perceived_wait_mean"]


def test_a_pleasant_waiting_room_adds_its_bonus(plan_of):
    plain = summarise(simulate(plan_of(OCCUPIED_BASE)))
    nicer = summarise(simulate(plan_of(OCCUPIED_BASE + """
    interventions:
      occupied_waiting: {share: 0, satisfaction_bonus: 5}
    """)))
    assert nicer["perceived_wait_mean"] == plain["perceived_wait_mean"]
    assert nicer["satisfaction_mean"] > plain["satisfaction_mean"]


def test_fair_queue_merges_parallel_lines_into_one(plan_of):
    text = """
        name: counters
        seed: 3
        close: 600
        customers:
          a: {arrivals: {process: poisson, rate_per_hour: 50}, expected_wait: 3}
        stations:
          counter: {servers: 3, service: {dist: exponential, mean: 3.2},
                    layout: line_per_server}
    """
    parallel = simulate(plan_of(text))
    fair_plan = plan_of(text + """
        interventions:
          fair_queue: {cost_per_day: 0}
    """)
    assert fair_plan.stations[0].layout == "single_line"
    fair = simulate(fair_plan)
    assert times_overtaken(parallel).sum() > 0
    assert times_overtaken(fair).sum() == 0  # one line, first come first served
    # Same customers (common random numbers), one line: never a longer mean wait here.
    assert summarise(fair)["wait_mean"] <= summarise(parallel)["wait_mean"]
    assert summarise(fair)["satisfaction_mean"] > summarise(parallel)["satisfaction_mean"]


def test_recorded_journeys_can_be_rescored_with_other_parameters(plan_of):
    from simulator.analysis.summary import rescore

    base = plan_of(OCCUPIED_BASE)
    j = simulate(base)
    assert rescore(j, base) == summarise(j)
    identity = plan_of(OCCUPIED_BASE + "    perception: {model: identity}\n")
    m = rescore(j, identity)
    assert m["perceived_wait_mean"] == pytest.approx(m["wait_mean"])
    harsher = plan_of(OCCUPIED_BASE + "    satisfaction: {beyond_per_minute: 10}\n")
    assert rescore(j, harsher)["satisfaction_mean"] < summarise(j)["satisfaction_mean"]
    # Rescoring gives what a fresh run under those parameters gives (no patience here).
    assert rescore(j, harsher) == summarise(simulate(harsher))
    with pytest.raises(ValueError, match="same classes and stations"):
        rescore(j, plan_of(GREETERLESS))


GREETERLESS = """
    name: other
    close: 60
    customers:
      b: {arrivals: {process: poisson, rate_per_hour: 5}}
    stations:
      s: {servers: 1, service: {dist: exponential, mean: 1}}
"""
