"""Test tools for waitsim's runs: the invariants every run's records keep, and hypothesis
strategies that draw valid scenarios to check them on.

Needs the test extra: ``pip install "waitsim[test]"`` (hypothesis). ``import simulator`` never
imports this package, so waitsim itself runs without it.

- :func:`check_journeys` checks the records of a run (customers, visits, segments, duty,
  breakdowns, promises) against each other and the plan; :func:`check_summary` checks the
  summary and time series against the records. Both raise ``AssertionError`` naming what is
  wrong.
- :func:`run_checked` runs a replication under a :class:`Probe` (the live SimPy state checked
  after every event, a time limit against hangs) and then both checks.
- :func:`scenarios` draws scenario dicts mixing every feature, :func:`plan_from` compiles one;
  :func:`trace` and :func:`deterministic` help write scenario dicts by hand.
- :mod:`simulator.testing.surveys` draws customer surveys from the models with known
  parameters, to check ``waitsim calibrate`` (or your own survey analysis) against.

A user's property test::

    from hypothesis import given
    from simulator.testing import plan_from, run_checked, scenarios

    @given(scenarios())
    def test_engine_keeps_its_invariants(data):
        run_checked(plan_from(data))
"""

from simulator.testing.base import EPS
from simulator.testing.probe import Hang, Probe, run_checked, time_limit
from simulator.testing.records import Observed, check_journeys
from simulator.testing.scenarios import (
    DURATIONS,
    PATIENCE,
    deterministic,
    interventions,
    plan_from,
    route,
    scenarios,
    stations,
    trace,
    trace_dir,
)
from simulator.testing.summary import check_summary

__all__ = ["DURATIONS", "EPS", "PATIENCE", "Hang", "Observed", "Probe", "check_journeys",
           "check_summary", "deterministic", "interventions", "plan_from", "route",
           "run_checked", "scenarios", "stations", "time_limit", "trace", "trace_dir"]
