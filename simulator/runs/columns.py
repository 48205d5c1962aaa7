"""What each column of the record files means, for people and for other programs.

:data:`DESCRIPTIONS` is written into every Parquet record file (each field's metadata
``description``), so a reader that is not waitsim (R, DuckDB, pyarrow) finds the units and
codes beside the numbers; :data:`CODES` goes into the file's schema metadata
(``waitsim.codes``, JSON), with the clock time of run minute 0 (``waitsim.clock_at_zero``).
:data:`CLOCK_COLUMNS` names the time-of-day columns that
:meth:`simulator.Results.records` adds. docs/results-folders.md documents the same columns
(a test keeps them in step).
"""

from __future__ import annotations

import json
from enum import Enum

from simulator.models.codes import Flag, Outcome, SegmentKind


def _names(codes: type[Enum]) -> dict[int, str]:
    return {int(member.value): member.name.lower() for member in codes}  # type: ignore[call-overload]


CODES: dict[str, dict[int, str]] = {"outcome": _names(Outcome), "kind": _names(SegmentKind),
                                    "flags": _names(Flag)}
"""The integer codes of the records and their names (``flags`` are bits, added up)."""


def _listed(column: str) -> str:
    return ", ".join(f"{code} {name.replace('_', ' ')}" for code, name in CODES[column].items())


_WHOSE = {
    "variant": "the variant the row belongs to ('base' for the base)",
    "replication": "the replication (simulated day) index, 0 first",
}
_CUSTOMER = {"customer": "the customer's number within the replication"}
_STATION = {
    "station": "the station's index, in the order the scenario lists them",
    "station_name": "the station's name",
}
_RUN_MINUTES = "run minutes (minutes from the start of the run)"

DESCRIPTIONS: dict[str, dict[str, str]] = {
    "customers": {
        **_WHOSE, **_CUSTOMER,
        "customer_class": "the customer class's index, in the order the scenario lists them",
        "arrival": f"arrival time, {_RUN_MINUTES}",
        "departure": f"departure time, {_RUN_MINUTES}; NaN if censored",
        "outcome": f"how the visit ended: {_listed('outcome')}",
        "booked": f"the booked appointment time, {_RUN_MINUTES}; NaN for walk-ins",
        "patience": "felt minutes the customer would wait in line (drawn); NaN if the class "
                    "never leaves",
        "initial": "1 if the customer was in the queue at the start of the run, else 0",
        "promised": f"the last time service was promised to start (a shown wait or a booked "
                    f"time), {_RUN_MINUTES}; NaN if none",
        "promise_station": "the station of that promise (its index); -1 if none",
        "promise_hop": "the visit (hop) of that promise; -1 if none",
        "time_sense": "the customer's multiplier of felt minutes (1 = average)",
        "expectation": "the customer's multiplier of the class's expected wait (1 = average)",
        "wait": "clock minutes in line, all stations",
        "perceived_wait": "felt minutes in line, all stations",
        "satisfaction": "satisfaction score 0-100; NaN if censored",
        "customer_class_name": "the customer class's name",
    },
    "visits": {
        **_WHOSE, **_CUSTOMER, **_STATION,
        "hop": "the visit's place in the customer's route, 0 = first station",
        "server": "the server that served the customer (its index at the station); -1 if none",
        "joined": f"time the customer joined the line, {_RUN_MINUTES}",
        "service_start": f"time service started, {_RUN_MINUTES}; NaN if never",
        "left": f"time the customer left the station (end of service or abandonment), "
                f"{_RUN_MINUTES}; NaN if censored",
        "outcome": f"how the visit ended: {_listed('outcome')}",
    },
    "segments": {
        **_WHOSE, **_CUSTOMER, **_STATION,
        "start": f"start of the piece of waiting, {_RUN_MINUTES}",
        "end": f"end of the piece of waiting, {_RUN_MINUTES}",
        "kind": f"what kind of wait: {_listed('kind')}",
        "flags": f"conditions of the wait, bits added up: {_listed('flags')}",
    },
    "timeseries": {
        **_WHOSE, **_STATION,
        "bin_minutes": "length of each time bin, minutes",
        "bin_start": f"start of the bin, {_RUN_MINUTES}",
        "queue_length": "time-average number waiting in line during the bin (people)",
        "busy": "time-average number of servers serving during the bin",
        "on_duty": "time-average number of servers on duty during the bin",
        "available": "time-average number of servers on duty and working (not broken down)",
        "utilisation": "busy / available during the bin (share; NaN when none available)",
    },
}
"""Per record table, each column's meaning and unit."""

CLOCK_COLUMNS: dict[str, dict[str, str]] = {
    "customers": {"arrival": "arrived_at", "departure": "departed_at", "booked": "booked_at",
                  "promised": "promised_at"},
    "visits": {"joined": "joined_at", "service_start": "service_started_at", "left": "left_at"},
    "segments": {"start": "started_at", "end": "ended_at"},
    "timeseries": {"bin_start": "bin_start_at"},
}
"""Per table, the run-minute columns and the time-of-day column added beside each."""
LABEL_COLUMNS = {"outcome": "outcome_label", "kind": "kind_label", "flags": "conditions"}
"""The coded columns and the readable column added beside each."""


def schema_metadata(clock_at_zero: float | None) -> dict[bytes, bytes]:
    """The schema metadata every record file carries: the codes' names, and the clock
    minutes after midnight at run minute 0 (``null`` when the scenario has no clock), which
    turn run minutes into times of day."""
    return {b"waitsim.codes": json.dumps(CODES, sort_keys=True).encode("utf-8"),
            b"waitsim.clock_at_zero": json.dumps(clock_at_zero).encode("utf-8")}
