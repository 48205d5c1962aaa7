"""Arrival compilation: each class's ``arrivals`` block as an arrival plan in run minutes
(Poisson pieces over the arrival window, trace files read and checked, appointment slots), and
the ``appointments`` intervention's booked classes (``NAME:booked``).
"""

from __future__ import annotations

import csv
import dataclasses
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from simulator.errors import PlanError
from simulator.plan.compiled import (
    MAX_APPOINTMENTS,
    AppointmentPlan,
    ArrivalPlan,
    ClassPlan,
    PoissonPlan,
    TracePlan,
)
from simulator.plan.levers import check_names
from simulator.spec.interventions import Appointments
from simulator.spec.scenario import (
    AppointmentArrivals,
    CustomerClass,
    PoissonArrivals,
    TraceArrivals,
)
from simulator.spec.yamlsource import Path_

BOOKED_SUFFIX = ":booked"
"""Name suffix of the class of customers who book under ``appointments``."""


class RunClock(Protocol):
    """Reads the scenario's times as run minutes (the compiler's :meth:`time` and
    :meth:`table`), raising :class:`PlanError` at ``path`` for a bad one."""

    def time(self, value: str | float, path: Path_) -> float: ...

    def table(self, table: Mapping[Any, Any], path: Path_) -> list[tuple[float, Any]]: ...


@dataclasses.dataclass(frozen=True)
class ArrivalCompiler:
    """Compiles arrivals within ``window`` = (open, the time arrivals stop), in run minutes;
    trace files are found relative to ``base_dir`` (the scenario file's folder)."""

    window: tuple[float, float]
    clock: RunClock
    base_dir: Path

    def arrivals(self, name: str, c: CustomerClass, path: Path_) -> ArrivalPlan | None:
        """Class ``name``'s arrival plan (None when it has no ``arrivals``)."""
        a = c.arrivals
        open_, stop = self.window
        if isinstance(a, PoissonArrivals):
            rate = a.rate_per_hour
            rows = self.clock.table(rate, (*path, "rate_per_hour")) if isinstance(rate, dict) else [
                (open_, rate)
            ]
            if isinstance(rate, dict) and rows[0][0] > open_:
                raise PlanError((*path, "rate_per_hour", next(iter(rate))),
                                "the rate table must start at or before 'open'")
            bounds = [min(max(t, open_), stop) for t, _ in rows] + [stop]
            pieces = tuple(
                (bounds[i], bounds[i + 1], r / 60.0)
                for i, (_, r) in enumerate(rows)
                if bounds[i] < bounds[i + 1] and bounds[i] < stop
            )
            return PoissonPlan(pieces=pieces)
        if isinstance(a, TraceArrivals):
            return TracePlan(times=self.trace(name, a, path))
        if isinstance(a, AppointmentArrivals):
            first = (open_ if a.first_slot is None
                     else self.clock.time(a.first_slot, (*path, "first_slot")))
            if a.last_slot is None:
                last = first + math.floor((stop - first - 1e-9) / a.slot_minutes) * a.slot_minutes
            else:
                last = self.clock.time(a.last_slot, (*path, "last_slot"))
            if not open_ <= first <= last < stop:
                raise PlanError(
                    (*path, "last_slot" if a.last_slot is not None else "first_slot"),
                    "slots must lie between open and the time arrivals stop, first before last",
                )
            count = math.floor((last - first) / a.slot_minutes + 1e-9) + 1
            if count * a.per_slot > MAX_APPOINTMENTS:
                raise PlanError((*path, "slot_minutes"), f"gives {count * a.per_slot:,} "
                                f"bookings; at most {MAX_APPOINTMENTS:,} are supported")
            slots = tuple(first + k * a.slot_minutes for k in range(count))
            return AppointmentPlan(slots=slots, per_slot=a.per_slot,
                                   punctuality=a.punctuality, no_show=a.no_show)
        return None

    def trace(self, name: str, a: TraceArrivals, path: Path_) -> tuple[float, ...]:
        """Class ``name``'s arrival times (run minutes, sorted) from the trace file."""
        file = Path(a.file) if Path(a.file).is_absolute() else self.base_dir / a.file
        try:
            with file.open(newline="", encoding="utf-8-sig") as handle:
                reader = csv.DictReader(handle)
                columns = reader.fieldnames or []
                for wanted, key in ((a.column, "column"), (a.class_column, "class_column")):
                    if wanted is not None and wanted not in columns:
                        raise PlanError((*path, key), f"{file} has no column '{wanted}' "
                                        f"(columns: {', '.join(columns)})")
                times = []
                for row_number, row in enumerate(reader, start=2):
                    if a.class_column is not None and row[a.class_column] != name:
                        continue
                    cell = (row[a.column] or "").strip()
                    try:
                        value: str | float = float(cell) if ":" not in cell else cell
                        if isinstance(value, float) and not math.isfinite(value):
                            raise ValueError(cell)
                        times.append(self.clock.time(value, (*path, "file")))
                    except (ValueError, PlanError):
                        raise PlanError((*path, "file"), f"{file}:{row_number}: '{a.column}' "
                                        f"must be minutes or a clock time (got {cell!r})") from None
        except FileNotFoundError:
            raise PlanError((*path, "file"), f"no such trace file: {file}") from None
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            raise PlanError((*path, "file"), f"cannot read {file} as CSV text ({exc})") from None
        times.sort()
        late = [t for t in times if not self.window[0] <= t < self.window[1]]
        if late:
            raise PlanError((*path, "file"), f"{len(late)} arrival(s) in {file} fall outside the "
                            f"arrival window (first at run minute {late[0]:g})")
        return tuple(times)

    def with_bookings(self, classes: list[ClassPlan], block: Appointments | None
                      ) -> list[ClassPlan]:
        """The appointments intervention (``block``): a share of each covered class books a
        slot. The class keeps ``1 - share`` of its Poisson rate; a class ``NAME:booked`` (right
        after it) gets the rest as Poisson-many bookings per slot."""
        if block is None:
            return classes
        path: Path_ = ("interventions", "appointments")
        poisson = [cp.name for cp in classes if isinstance(cp.arrivals, PoissonPlan)]
        check_names(block.classes, [cp.name for cp in classes], (*path, "classes"), "class")
        for i, name in enumerate(block.classes or []):
            if name not in poisson:
                raise PlanError((*path, "classes", i), f"class {name!r} does not arrive as "
                                "a Poisson stream (process: poisson), so it has no walk-ins "
                                "to turn into bookings")
        chosen = block.classes if block.classes is not None else poisson
        if not chosen:
            raise PlanError(path, "no class arrives as a Poisson stream (process: poisson): "
                            "there are no walk-ins to turn into bookings")
        open_, stop = self.window
        count = math.ceil((stop - open_) / block.slot_minutes - 1e-9)
        if count > MAX_APPOINTMENTS:  # a mistyped slot_minutes: refuse before building them
            raise PlanError((*path, "slot_minutes"), f"gives {count:,} slots; at most "
                            f"{MAX_APPOINTMENTS:,} are supported")
        names = {cp.name for cp in classes}
        for name in chosen:
            if name + BOOKED_SUFFIX in names:  # two classes of one name: shared random streams
                raise PlanError(("customers", name + BOOKED_SUFFIX), f"this name is taken by "
                                f"the class of customers of '{name}' who book under "
                                "interventions.appointments; rename this class")
        slots = booking_slots(open_, stop, block.slot_minutes)
        result: list[ClassPlan] = []
        for cp in classes:
            if cp.name not in chosen:
                result.append(cp)
                continue
            assert isinstance(cp.arrivals, PoissonPlan)
            pieces = cp.arrivals.pieces
            result.append(dataclasses.replace(cp, arrivals=PoissonPlan(
                tuple((a, b, rate * (1 - block.share)) for a, b, rate in pieces))))
            booked = AppointmentPlan(
                slots=slots, per_slot=0, punctuality=block.punctuality, no_show=block.no_show,
                expected_per_slot=expected_bookings(pieces, slots, block.slot_minutes,
                                                    block.share))
            result.append(dataclasses.replace(cp, name=cp.name + BOOKED_SUFFIX, arrivals=booked,
                                              initial_queue=0, balk_threshold=None,
                                              balk_table=None, anxiety=block.anxiety))
        return result


def expected_bookings(pieces: Sequence[tuple[float, float, float]], slots: Sequence[float],
                      slot_minutes: float, share: float) -> tuple[float, ...]:
    """Expected bookings per slot: ``share`` of the arrivals a piecewise-constant Poisson rate
    (pieces of (start, end, rate per minute)) brings during each slot."""
    result = []
    for slot in slots:
        end = slot + slot_minutes
        mass = sum(rate * max(0.0, min(b, end) - max(a, slot)) for a, b, rate in pieces)
        result.append(share * mass)
    return tuple(result)


def booking_slots(open_: float, arrivals_end: float, slot_minutes: float) -> tuple[float, ...]:
    """Slot starts every ``slot_minutes`` from opening while arrivals are taken."""
    count = max(1, math.ceil((arrivals_end - open_) / slot_minutes - 1e-9))
    return tuple(open_ + k * slot_minutes for k in range(count))
