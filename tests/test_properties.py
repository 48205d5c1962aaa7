"""Properties that hold for every scenario (hypothesis draws the scenarios)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator import Outcome, simulate
from simulator.plan.compiled import Plan
from simulator.plan.compiler import compile_plan
from simulator.spec.scenario import Scenario


def plan_from(data: dict[str, Any]) -> Plan:
    data = {"perception": {"model": "identity"}, **data}  # patience in clock minutes
    return compile_plan(Scenario.model_validate(data), Path("."))


@st.composite
def single_station(draw: st.DrawFn) -> dict[str, Any]:
    servers = draw(st.integers(1, 4))
    mean_service = draw(st.floats(0.5, 6))
    load = draw(st.floats(0.3, 1.3))
    walk_in: dict[str, Any] = {"arrivals": {"process": "poisson",
                                            "rate_per_hour": 60 * load * servers / mean_service}}
    if draw(st.booleans()):
        walk_in["patience"] = {"dist": "exponential", "mean": draw(st.floats(1, 30))}
    if draw(st.booleans()):
        walk_in["balk"] = {"queue_length": draw(st.integers(1, 10))}
    station: dict[str, Any] = {
        "servers": servers,
        "service": draw(st.sampled_from([
            {"dist": "exponential", "mean": mean_service},
            {"dist": "lognormal", "mean": mean_service, "sd": mean_service * 1.5},
            {"dist": "deterministic", "value": mean_service},
        ])),
    }
    if draw(st.booleans()):
        station["breakdowns"] = {"mtbf": draw(st.floats(20, 200)),
                                 "repair": {"dist": "exponential", "mean": 5}}
    if draw(st.booleans()):
        station["schedule"] = {0: servers, 60: draw(st.integers(0, servers + 1)), 120: servers}
    end = {"close": 180} if draw(st.booleans()) else {"close": 180, "end": 200}
    return {"name": "drawn", "seed": draw(st.integers(0, 2**32)), **end,
            "customers": {"walk_in": walk_in}, "stations": {"desk": station}}


@settings(max_examples=60, deadline=None)
@given(single_station(), st.integers(0, 5))
def test_every_arrival_is_accounted_for_and_waits_are_never_negative(data, replication):
    j = simulate(plan_from(data), replication)
    c, v, s = j.customers, j.visits, j.segments
    n = len(c["customer"])
    assert np.array_equal(c["customer"], np.arange(n)), "each customer recorded exactly once"
    counts = np.bincount(c["outcome"], minlength=4)
    assert counts.sum() == n  # arrived = served + abandoned + balked + censored
    assert counts[Outcome.CENSORED] == 0 or "end" in data
    started = ~np.isnan(v["service_start"])
    assert np.all(v["service_start"][started] >= v["joined"][started])
    assert np.all(s["end"] >= s["start"])
    assert np.all(c["departure"][c["outcome"] != Outcome.CENSORED]
                  >= c["arrival"][c["outcome"] != Outcome.CENSORED])
    # Balked customers never joined a line; everyone else has exactly one visit here.
    visited = np.bincount(v["customer"], minlength=n)
    assert np.all(visited[c["outcome"] == Outcome.BALKED] == 0)
    assert np.all(visited[c["outcome"] != Outcome.BALKED] == 1)


@settings(max_examples=60, deadline=None)
@given(single_station(), st.integers(0, 5))
def test_a_single_line_is_first_come_first_served(data, replication):
    v = simulate(plan_from(data), replication).visits
    started = ~np.isnan(v["service_start"])
    order = np.argsort(v["joined"][started], kind="stable")
    assert np.all(np.diff(v["service_start"][started][order]) >= 0)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 4), st.floats(0.5, 1.2), st.integers(0, 2**32),
       st.sampled_from(["exponential", "lognormal", "deterministic"]))
def test_adding_a_server_never_raises_the_mean_wait_with_common_random_numbers(
        servers, load, seed, dist):
    service = {"exponential": {"dist": "exponential", "mean": 4},
               "lognormal": {"dist": "lognormal", "mean": 4, "sd": 6},
               "deterministic": {"dist": "deterministic", "value": 4}}[dist]

    def mean_wait(c: int) -> float:
        data = {"name": "crn", "seed": seed, "close": 480,
                "customers": {"a": {"arrivals": {"process": "poisson",
                                                 "rate_per_hour": 15 * load * servers}}},
                "stations": {"s": {"servers": c, "service": service}}}
        v = simulate(plan_from(data)).visits
        return float(np.mean(v["service_start"] - v["joined"]))

    assert mean_wait(servers + 1) <= mean_wait(servers) + 1e-9
