"""waitsim: queue-wait perception simulator.

Data flows one way: a YAML scenario -> :func:`load_scenario` (validated scenario and compiled
plans) -> :func:`simulate` (the SimPy model, one replication) -> :class:`Journeys` (numpy
records) -> felt waits, satisfaction, summaries -> comparison.

The public API (see :mod:`simulator.api`): :func:`run`, :func:`compare`, :func:`sweep`,
:func:`load_results`, :func:`report` (one HTML page of a results folder) and :func:`calibrate`
(model parameters from a customer survey); :func:`load_scenario` and :func:`simulate` for one
replication at a time.

The names load on first use (``import simulator`` alone costs a few milliseconds): the
``waitsim`` command imports this package before it can handle Ctrl-C, and numpy, scipy and
pandas take over a second to load.
"""

from __future__ import annotations

import importlib

from simulator.version import __version__ as __version__

TYPE_CHECKING = False  # not typing's: importing typing costs as much as the rest of this
if TYPE_CHECKING:
    from typing import Any

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

_HOMES = {
    "simulator.analysis.experience": ["times_overtaken"],
    "simulator.api": ["CalibrationResult", "ComparisonResult", "RunResult", "SweepRunResult",
                      "calibrate", "compare", "load_results", "report", "run", "sweep"],
    "simulator.engine.journeys": ["Journeys"],
    "simulator.engine.model": ["simulate"],
    "simulator.errors": ["InputError", "ResultsError", "ScenarioError", "WaitsimError"],
    "simulator.models.codes": ["Flag", "Outcome", "SegmentKind"],
    "simulator.plan.loader": ["LoadedScenario", "load_scenario"],
    "simulator.results": ["Results"],
}
"""The module of each public name (the names of ``__all__``, as imported for type checkers
above)."""
_HOME = {name: module for module, names in _HOMES.items() for name in names}

__all__ = ["CalibrationResult", "ComparisonResult", "Flag", "InputError", "Journeys",
           "LoadedScenario", "Outcome", "Results", "ResultsError", "RunResult", "ScenarioError",
           "SegmentKind", "SweepRunResult", "WaitsimError", "calibrate", "compare",
           "load_results", "load_scenario", "report", "run", "simulate", "sweep",
           "times_overtaken"]


def __getattr__(name: str) -> Any:
    """A public name or a subpackage (``simulator.api``), imported on first use."""
    if name in _HOME:
        value = getattr(importlib.import_module(_HOME[name]), name)
    elif importlib.import_module("importlib.util").find_spec(f"{__name__}.{name}"):
        value = importlib.import_module(f"{__name__}.{name}")
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOME})


class _Package(type(importlib)):  # type: ignore[misc]
    """This package's module type: ``simulator.report`` is the function
    :func:`simulator.api.report`, though a subpackage has the same name (importing it binds
    the name to the subpackage, which is ignored here)."""

    @property
    def report(self) -> Any:
        return importlib.import_module("simulator.api").report

    @report.setter
    def report(self, value: Any) -> None:
        pass  # the import system binding the subpackage: it stays in sys.modules


__import__("sys").modules[__name__].__class__ = _Package
