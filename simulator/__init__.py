"""waitsim: queue-wait perception simulator.

Data flows one way: YAML -> :func:`load_scenario` (validated scenarios and plans) ->
:func:`simulate` (SimPy model, one replication) -> :class:`Journeys` (numpy records) ->
summaries and experiments.
"""

from simulator.engine.journeys import Journeys
from simulator.engine.model import simulate
from simulator.errors import ScenarioError
from simulator.models.codes import Flag, Outcome, SegmentKind
from simulator.plan.loader import LoadedScenario, load_scenario
from simulator.version import __version__ as __version__

__all__ = ["Flag", "Journeys", "LoadedScenario", "Outcome", "ScenarioError", "SegmentKind",
           "load_scenario", "simulate"]
