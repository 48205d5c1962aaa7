"""Journey records: what the queue model writes and everything downstream reads.

During a run the model appends to compact typed columns (:mod:`simulator.engine.recorder`), handed
over as numpy arrays. Times are run minutes (0 = the start of the run).

Tables (one row per...):

``customers``  customer: ``customer``, ``customer_class``, ``arrival``, ``departure`` (NaN if
               censored), ``outcome`` (:class:`Outcome`), ``booked`` (appointment time or
               NaN), ``patience`` (felt minutes drawn, NaN if the class never leaves),
               ``initial`` (1 if in the initial queue), ``promised`` (the last time service
               was promised to start: an announced wait or a booked time; NaN if none),
               ``promise_station`` (where; -1 if none), ``promise_hop`` (in which visit:
               the ``hop`` of ``visits``; -1 if none), ``time_sense`` (the customer's
               multiplier of felt minutes) and ``expectation`` (their multiplier of the
               class's expected wait)
``visits``     station visit: ``customer``, ``station``, ``hop`` (0 = first station of the
               journey), ``server`` (-1 if never served), ``joined``, ``service_start`` (NaN
               if never served), ``left`` (end of service or abandonment; NaN if censored),
               ``outcome``
``segments``   piece of waiting under constant conditions: ``customer``, ``station``,
               ``start``, ``end``, ``kind`` (:class:`SegmentKind`), ``flags`` (:class:`Flag`)
``breakdowns`` repair: ``station``, ``server``, ``start``, ``end``
``duty``       change of one server's duty: ``station``, ``server``, ``time``, ``on_duty``
``starts``     service start (kept only while a run streams its records in blocks, for the
               overtaking count): ``station``, ``joined``, ``start``, ``booked`` (1 if the
               customer has a booked time)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from simulator.plan.compiled import Plan

Table = dict[str, np.ndarray]
"""Columns of equal length, by name."""

SCHEMA: dict[str, tuple[tuple[str, str], ...]] = {
    "customers": (("customer", "q"), ("customer_class", "h"), ("arrival", "d"),
                  ("departure", "d"), ("outcome", "b"), ("booked", "d"), ("patience", "d"),
                  ("initial", "b"), ("promised", "d"), ("promise_station", "h"),
                  ("promise_hop", "h"), ("time_sense", "d"), ("expectation", "d")),
    "visits": (("customer", "q"), ("station", "h"), ("hop", "h"), ("server", "h"),
               ("joined", "d"), ("service_start", "d"), ("left", "d"), ("outcome", "b")),
    "segments": (("customer", "q"), ("station", "h"), ("start", "d"), ("end", "d"),
                 ("kind", "b"), ("flags", "B")),
    "breakdowns": (("station", "h"), ("server", "h"), ("start", "d"), ("end", "d")),
    "duty": (("station", "h"), ("server", "h"), ("time", "d"), ("on_duty", "b")),
    "starts": (("station", "h"), ("joined", "d"), ("start", "d"), ("booked", "b")),
}
"""Every record table's columns and their ``array`` type codes."""

CUSTOMER_TABLES = ("customers", "visits", "segments")
"""The tables whose rows belong to one customer each."""


@dataclass(frozen=True)
class Journeys:
    """Every customer's journey in one replication, and what the run needs to interpret it."""

    plan: Plan
    """The plan that was run: what the summaries need to interpret the records."""
    tables: dict[str, Table]
    class_names: tuple[str, ...]
    station_names: tuple[str, ...]
    stats_start: float
    """Customers who arrived before this (open + warmup) are left out of statistics."""
    arrivals_end: float
    end_time: float
    """Run minutes when the run stopped (the last departure, or ``end``)."""
    meta: dict[str, float] = field(default_factory=dict)

    @classmethod
    def of(cls, plan: Plan, tables: dict[str, Table], end_time: float) -> Journeys:
        """Journeys of a run of ``plan`` that stopped at ``end_time`` (run minutes)."""
        return cls(plan=plan, tables=tables, class_names=tuple(cp.name for cp in plan.classes),
                   station_names=tuple(sp.name for sp in plan.stations),
                   stats_start=plan.stats_start, arrivals_end=plan.arrivals_end,
                   end_time=end_time)

    @property
    def customers(self) -> Table:
        return self.tables["customers"]

    @property
    def visits(self) -> Table:
        return self.tables["visits"]

    @property
    def segments(self) -> Table:
        return self.tables["segments"]

    def record_bytes(self) -> int:
        """Memory held by the record columns, in bytes."""
        return sum(col.nbytes for table in self.tables.values() for col in table.values())
