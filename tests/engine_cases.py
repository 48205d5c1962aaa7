"""Helpers of the engine's stress and regression tests: hand-made one-station scenarios,
runs with injected breakdowns, a customer's pieces of wait."""

from __future__ import annotations

from typing import Any

from simulator import Flag, Journeys
from simulator.engine.core import RELEASE, Action
from simulator.testing import Probe, check_journeys, check_summary, plan_from, run_checked


def check_all(data: dict[str, Any], replication: int = 0) -> Journeys:
    """Run a scenario dict under the probe and check every invariant."""
    return run_checked(plan_from(data), replication)


def one_station(arrivals: dict[str, Any], station: dict[str, Any], **extra: Any
                ) -> dict[str, Any]:
    """A scenario with one class ("a": ``arrivals``, plus the settings in ``cls``) and one
    station ("s"); ``close`` defaults to 100, other keywords are top-level settings."""
    cls = extra.pop("cls", {})
    return {"name": "hand", "close": extra.pop("close", 100), **extra,
            "customers": {"a": {"arrivals": arrivals, **cls}}, "stations": {"s": station}}


def pieces(j: Journeys, customer: int) -> list[tuple[float, float, int, Flag]]:
    """A customer's pieces of wait: (start, end, kind, flags)."""
    s = j.segments
    mine = s["customer"] == customer
    return [(a, b, k, Flag(f)) for a, b, k, f in zip(
        s["start"][mine].tolist(), s["end"][mine].tolist(), s["kind"][mine].tolist(),
        s["flags"][mine].tolist(), strict=True)]


def run_with_injections(data: dict[str, Any], actions: list[tuple[float, str, int]]
                        ) -> Journeys:
    """Run with breakdowns and repairs injected at given times (("down" | "up", server))."""
    plan = plan_from(data)
    probe = Probe(plan)
    station = probe.model.stations[0]
    for t, what, server in actions:
        def act(_: object, what: str = what, server: int = server) -> None:
            now = probe.model.env.now
            if what == "down":
                station.break_down(station.servers[server], now)
            else:
                station.repair(station.servers[server], now)
        Action(probe.model.env, t, RELEASE, act)
    j = probe.run()
    check_journeys(j, probe.observed)
    check_summary(j)
    return j
