"""Journey records: what the queue model writes and everything downstream reads.

During a run the model appends to compact typed columns (``array.array``: 1-8 bytes a value,
no Python object per value); :meth:`JourneyRecorder.finish` hands them over as numpy arrays
without copying. Times are run minutes (0 = the start of the run).

Tables (one row per...):

``customers``  customer: ``customer``, ``customer_class``, ``arrival``, ``departure`` (NaN if
               censored), ``outcome`` (:class:`Outcome`), ``booked`` (appointment time or
               NaN), ``patience`` (felt minutes drawn, NaN if the class never leaves),
               ``initial`` (1 if in the initial queue), ``promised`` (the last time service
               was promised to start: an announced wait or a booked time; NaN if none),
               ``promise_station`` (where; -1 if none) and ``promise_hop`` (in which visit:
               the ``hop`` of ``visits``; -1 if none)
``visits``     station visit: ``customer``, ``station``, ``hop`` (0 = first station of the
               journey), ``server`` (-1 if never served), ``joined``, ``service_start`` (NaN
               if never served), ``left`` (end of service or abandonment; NaN if censored),
               ``outcome``
``segments``   piece of waiting under constant conditions: ``customer``, ``station``,
               ``start``, ``end``, ``kind`` (:class:`SegmentKind`), ``flags`` (:class:`Flag`)
``breakdowns`` repair: ``station``, ``server``, ``start``, ``end``
``duty``       change of one server's duty: ``station``, ``server``, ``time``, ``on_duty``
"""

from __future__ import annotations

import math
from array import array
from dataclasses import dataclass, field
from enum import IntEnum, IntFlag
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .plan import Plan


class Outcome(IntEnum):
    SERVED = 0
    ABANDONED = 1
    BALKED = 2
    CENSORED = 3
    """Still in the system when the run stopped (``end``): not served, not lost."""


class SegmentKind(IntEnum):
    QUEUE = 0
    """Waiting in line for service."""
    SERVICE_INTERRUPTED = 1
    """Waiting, mid-service, for a broken-down server to be repaired."""


class Flag(IntFlag):
    """Conditions of a waiting segment: what the perceived-wait model weighs.

    ``IN_PROCESS``: a wait after the first station, after a greeter started the process, or a
    repair wait mid-service; ``DISRUPTED``: a server seen broken down or going off duty (and
    every repair wait); ``OCCUPIED``: occupied_waiting; ``INFORMED``: a shown wait or place in
    line, or a booked time; ``EXPLAINED``: explained_delays; ``IN_GROUP``: a class's
    group_share; ``BEFORE_APPOINTMENT``: a booked customer before the booked time.
    """

    IN_PROCESS = 1
    DISRUPTED = 2
    OCCUPIED = 4
    INFORMED = 8
    EXPLAINED = 16
    IN_GROUP = 32
    BEFORE_APPOINTMENT = 64


Table = dict[str, np.ndarray]
"""Columns of equal length, by name."""

_SCHEMA: dict[str, tuple[tuple[str, str], ...]] = {
    "customers": (("customer", "q"), ("customer_class", "h"), ("arrival", "d"),
                  ("departure", "d"), ("outcome", "b"), ("booked", "d"), ("patience", "d"),
                  ("initial", "b"), ("promised", "d"), ("promise_station", "h"),
                  ("promise_hop", "h")),
    "visits": (("customer", "q"), ("station", "h"), ("hop", "h"), ("server", "h"),
               ("joined", "d"), ("service_start", "d"), ("left", "d"), ("outcome", "b")),
    "segments": (("customer", "q"), ("station", "h"), ("start", "d"), ("end", "d"),
                 ("kind", "b"), ("flags", "B")),
    "breakdowns": (("station", "h"), ("server", "h"), ("start", "d"), ("end", "d")),
    "duty": (("station", "h"), ("server", "h"), ("time", "d"), ("on_duty", "b")),
}


_ORDER = {"customers": ("customer",), "visits": ("customer", "hop"),
          "segments": ("customer", "start")}


def _columns(table: str) -> dict[str, array]:
    return {name: array(code) for name, code in _SCHEMA[table]}


class JourneyRecorder:
    """Append-only columns the model writes while it runs (a row at a time)."""

    def __init__(self) -> None:
        self.tables = {name: _columns(name) for name in _SCHEMA}
        # Bound ``append`` methods, looked up once: these run for every customer.
        c, v, s = self.tables["customers"], self.tables["visits"], self.tables["segments"]
        self._customer = tuple(c[name].append for name, _ in _SCHEMA["customers"])
        self._visit = tuple(v[name].append for name, _ in _SCHEMA["visits"])
        self._segment = tuple(s[name].append for name, _ in _SCHEMA["segments"])

    # The three methods below run for every customer: unrolled, no loops.
    def customer(self, customer: int, customer_class: int, arrival: float, departure: float,
                 outcome: int, booked: float, patience: float, initial: int,
                 promised: float = math.nan, promise_station: int = -1,
                 promise_hop: int = -1) -> None:
        a = self._customer
        a[0](customer)
        a[1](customer_class)
        a[2](arrival)
        a[3](departure)
        a[4](outcome)
        a[5](booked)
        a[6](patience)
        a[7](initial)
        a[8](promised)
        a[9](promise_station)
        a[10](promise_hop)

    def visit(self, customer: int, station: int, hop: int, server: int, joined: float,
              service_start: float, left: float, outcome: int) -> None:
        a = self._visit
        a[0](customer)
        a[1](station)
        a[2](hop)
        a[3](server)
        a[4](joined)
        a[5](service_start)
        a[6](left)
        a[7](outcome)

    def segment(self, customer: int, station: int, start: float, end: float, kind: int,
                flags: int) -> None:
        a = self._segment
        a[0](customer)
        a[1](station)
        a[2](start)
        a[3](end)
        a[4](kind)
        a[5](flags)

    def breakdown(self, station: int, server: int, start: float, end: float) -> None:
        t = self.tables["breakdowns"]
        for name, value in (("station", station), ("server", server), ("start", start),
                            ("end", end)):
            t[name].append(value)

    def duty(self, station: int, server: int, time: float, on_duty: bool) -> None:
        t = self.tables["duty"]
        for name, value in (("station", station), ("server", server), ("time", time),
                            ("on_duty", on_duty)):
            t[name].append(value)

    def finish(self) -> dict[str, Table]:
        """The columns as numpy arrays, rows sorted by customer (then hop, or start time)."""
        tables = {
            table: {name: np.frombuffer(col, dtype=col.typecode) if len(col) else
                    np.empty(0, dtype=col.typecode) for name, col in columns.items()}
            for table, columns in self.tables.items()
        }
        for table, keys in _ORDER.items():
            columns = tables[table]
            order = np.lexsort([columns[k] for k in reversed(keys)])
            tables[table] = {name: col[order] for name, col in columns.items()}
        return tables


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
