"""The seam between the queue engine and the perceived-wait model.

Customers spend their patience in *felt* minutes. The engine asks a :class:`FeltTime` two
things and nothing else:

* ``threshold(class_index, patience)``: how much "felt-time budget" a patience of ``patience``
  felt minutes is, in the model's own unit (weighted minutes);
* ``rate(class_index, station_index, flags)``: how fast that budget is spent per clock minute
  under the conditions ``flags`` (:class:`simulator.journeys.Flag`).

Between events conditions are constant, so the budget is spent linearly and the engine can
compute the clock time at which the customer gives up; when conditions change it settles what
was spent and recomputes (``Station.change_conditions``).
"""

from __future__ import annotations

from typing import Protocol


class FeltTime(Protocol):
    def threshold(self, class_index: int, patience: float) -> float: ...

    def rate(self, class_index: int, station_index: int, flags: int) -> float: ...


class IdentityPerception:
    """``perception: {model: identity}``: felt minutes are clock minutes."""

    def threshold(self, class_index: int, patience: float) -> float:
        return patience

    def rate(self, class_index: int, station_index: int, flags: int) -> float:
        return 1.0
