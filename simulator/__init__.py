"""waitsim: queue-wait perception simulator.

Data flows one way: a YAML scenario -> :func:`load_scenario` (validated scenario and compiled
plans) -> :func:`simulate` (the SimPy model, one replication) -> :class:`Journeys` (numpy
records) -> felt waits, satisfaction, summaries -> comparison.

The public API (see :mod:`simulator.api`): :func:`run`, :func:`compare`, :func:`sweep`,
:func:`load_results`, :func:`report` (one HTML page of a results folder) and :func:`calibrate`
(model parameters from a customer survey); :func:`load_scenario` and :func:`simulate` for one
replication at a time.
"""

from simulator.analysis.experience import times_overtaken
from simulator.api import (
    CalibrationResult,
    ComparisonResult,
    RunResult,
    SweepRunResult,
    calibrate,
    compare,
    load_results,
    report,
    run,
    sweep,
)
from simulator.engine.journeys import Journeys
from simulator.engine.model import simulate
from simulator.errors import InputError, ResultsError, ScenarioError, WaitsimError
from simulator.models.codes import Flag, Outcome, SegmentKind
from simulator.plan.loader import LoadedScenario, load_scenario
from simulator.results import Results
from simulator.version import __version__ as __version__

__all__ = ["CalibrationResult", "ComparisonResult", "Flag", "InputError", "Journeys",
           "LoadedScenario", "Outcome", "Results", "ResultsError", "RunResult", "ScenarioError",
           "SegmentKind", "SweepRunResult", "WaitsimError", "calibrate", "compare",
           "load_results", "load_scenario", "report", "run", "simulate", "sweep", "times_overtaken"]
