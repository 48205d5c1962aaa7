"""waitsim: queue-wait perception simulator.

Data flows one way: YAML -> :func:`load_scenario` (validated scenarios and plans) ->
:func:`simulate` (SimPy model, one replication) -> :class:`Journeys` (numpy records) ->
summaries and experiments.
"""

from .journeys import Flag, Journeys, Outcome, SegmentKind
from .loader import LoadedScenario, load_scenario
from .model import simulate
from .yamlsource import ScenarioError

__version__ = "0.2.0"

__all__ = ["Flag", "Journeys", "LoadedScenario", "Outcome", "ScenarioError", "SegmentKind",
           "load_scenario", "simulate"]
