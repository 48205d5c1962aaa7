"""The recorder the queue model writes journeys to, a row at a time (tables: :mod:`journeys`).

Rows go to compact typed columns (``array.array``: 1-8 bytes a value, no Python object per
value), handed over as numpy arrays without copying. Without ``on_block`` every row stays
until :meth:`JourneyRecorder.finish`. With it (a streamed run), each time ``block_customers``
customers have finished (served, abandoned, balked or censored), their rows are handed to
``on_block`` and dropped, so memory no longer grows with the length of the run; the rows of
customers still inside stay for a later block.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Callable

import numpy as np

from simulator.engine.journeys import CUSTOMER_TABLES, SCHEMA, Table

BLOCK_CUSTOMERS = 1 << 16
"""Finished customers per block of a streamed run: 65,536 (some 40 MB of records at a time;
a run with fewer customers is summarised in one block)."""

ORDER = {"customers": ("customer",), "visits": ("customer", "hop"),
         "segments": ("customer", "start")}
"""How the customer tables' rows are sorted when handed over."""

BlockHandler = Callable[[dict[str, Table], Table], None]
"""``on_block(tables, starts)``: a block's customer tables (rows sorted by :data:`ORDER`,
customers numbered as in the run) and the service starts that can have overtaken them."""


def sort_tables(tables: dict[str, Table]) -> dict[str, Table]:
    """The tables with the rows of the customer tables sorted by :data:`ORDER` (stable)."""
    tables = dict(tables)
    for table, keys in ORDER.items():
        if table in tables:
            columns = tables[table]
            order = np.lexsort([columns[k] for k in reversed(keys)])
            tables[table] = {name: col[order] for name, col in columns.items()}
    return tables


class JourneyRecorder:
    """Append-only columns the model writes while it runs.

    ``joined_inside()``: per station, the earliest time a customer still inside joined it,
    for those there now (now if nobody is); a streamed run forgets the service starts no
    later block can need.
    """

    def __init__(self, on_block: BlockHandler | None = None,
                 block_customers: int = BLOCK_CUSTOMERS,
                 joined_inside: Callable[[], np.ndarray] | None = None) -> None:
        self.tables = {name: _columns(name) for name in SCHEMA}
        self.on_block = on_block
        self.streaming = on_block is not None
        """Service starts are recorded (:meth:`start`) only when streaming."""
        self.block_size = block_customers if on_block is not None else math.inf
        self.joined_inside = joined_inside
        self.finished = 0
        """Customers finished since the last block."""
        self._bind()

    def _bind(self) -> None:
        # Bound ``append`` methods, looked up once: these run for every customer.
        c, v, s = self.tables["customers"], self.tables["visits"], self.tables["segments"]
        self._customer = tuple(c[name].append for name, _ in SCHEMA["customers"])
        self._visit = tuple(v[name].append for name, _ in SCHEMA["visits"])
        self._segment = tuple(s[name].append for name, _ in SCHEMA["segments"])
        self._start = tuple(self.tables["starts"][name].append for name, _ in SCHEMA["starts"])

    # The methods below run for every customer: unrolled, no loops.
    def customer(self, customer: int, customer_class: int, arrival: float, departure: float,
                 outcome: int, booked: float, patience: float, initial: int,
                 promised: float = math.nan, promise_station: int = -1,
                 promise_hop: int = -1, time_sense: float = 1.0,
                 expectation: float = 1.0) -> None:
        """A customer's last row: everything about them is recorded by now."""
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
        a[11](time_sense)
        a[12](expectation)
        self.finished += 1
        if self.finished >= self.block_size:
            self.flush()

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

    def start(self, station: int, joined: float, start: float, booked: int) -> None:
        a = self._start
        a[0](station)
        a[1](joined)
        a[2](start)
        a[3](booked)

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

    # -- handing over ----------------------------------------------------------------------

    def _take(self, table: str) -> Table:
        """A table's rows as numpy arrays (no copy); the recorder starts it afresh."""
        columns = self.tables[table]
        self.tables[table] = _columns(table)
        self._bind()
        return {name: np.frombuffer(col, dtype=col.typecode) if len(col) else
                np.empty(0, dtype=col.typecode) for name, col in columns.items()}

    def _put_back(self, table: str, rows: Table) -> None:
        for name, col in self.tables[table].items():
            col.frombytes(rows[name].tobytes())

    def flush(self) -> None:
        """Hand the finished customers' rows to ``on_block`` and drop them."""
        assert self.on_block is not None
        block = {name: self._take(name) for name in CUSTOMER_TABLES}
        done = np.sort(block["customers"]["customer"])
        for name in ("visits", "segments"):
            rows = block[name]
            mine = np.isin(rows["customer"], done)
            if not mine.all():  # rows of customers still inside: kept for a later block
                self._put_back(name, {k: col[~mine] for k, col in rows.items()})
                block[name] = {k: col[mine] for k, col in rows.items()}
        self.finished = 0
        starts = self._take("starts")
        self.on_block(sort_tables(block), starts)
        self._put_back("starts", self._still_needed(starts))

    def _still_needed(self, starts: Table) -> Table:
        """The service starts a later block can need. A start at a station counts against a
        customer there only if its customer joined the station after them; so a start is
        kept if its customer joined after the earliest visit there of someone still inside
        (now there, or an earlier visit of theirs, whose rows are still here)."""
        if self.joined_inside is None:
            return starts
        earliest = self.joined_inside().copy()
        visits = self.tables["visits"]
        if len(visits["station"]):
            np.minimum.at(earliest, np.array(visits["station"], dtype=np.intp),
                          np.array(visits["joined"]))
        keep = starts["joined"] > earliest[starts["station"]]
        return {k: col[keep] for k, col in starts.items()}

    def finish(self) -> dict[str, Table]:
        """Every table, customer rows sorted (:data:`ORDER`). When streaming, the last block
        goes to ``on_block`` first, so the customer tables (and the service starts, needed by
        no later block) come back empty."""
        if self.on_block is not None and len(self.tables["customers"]["customer"]):
            self.flush()
        tables = {name: self._take(name) for name in SCHEMA}
        tables["starts"] = {name: col[:0] for name, col in tables["starts"].items()}
        return sort_tables(tables)


def _columns(table: str) -> dict[str, array]:
    return {name: array(code) for name, code in SCHEMA[table]}
