"""Hypothesis strategies that draw valid scenarios, and what compiling them needs.

:func:`scenarios` draws scenario dicts (the YAML's structure as Python data) that mix every
feature the engine has; :func:`plan_from` compiles one. Trace arrivals are written as CSV files
to a temporary folder (removed at exit), which :func:`plan_from` reads them from.
"""

from __future__ import annotations

import atexit
import hashlib
import shutil
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from simulator.plan.compiled import Plan
from simulator.plan.compiler import compile_plan
from simulator.spec.scenario import Scenario


@cache
def trace_dir() -> Path:
    """The folder holding the trace files of :func:`trace` (created on first use, removed at
    exit)."""
    folder = Path(tempfile.mkdtemp(prefix="waitsim-testing-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def trace(times: list[float]) -> dict[str, Any]:
    """A trace arrival block replaying ``times``: a CSV file in :func:`trace_dir`, named by its
    content (so equal traces share a file)."""
    text = "time\n" + "".join(f"{t}\n" for t in times)
    name = "t" + hashlib.sha256(text.encode()).hexdigest()[:16] + ".csv"
    path = trace_dir() / name
    if not path.exists():
        path.write_text(text, encoding="utf-8")
    return {"process": "trace", "file": name}


def deterministic(value: float) -> dict[str, Any]:
    """A distribution block that always gives ``value``."""
    return {"dist": "deterministic", "value": value}


def plan_from(data: dict[str, Any], base_dir: Path | None = None) -> Plan:
    """The compiled plan of a scenario dict; files (traces) are read from ``base_dir``, by
    default :func:`trace_dir`.

    Unless ``data`` chooses a perception model, the identity model is used: patience is then
    spent in clock minutes, so a hand-made case's abandonment times can be read off the clock.
    Raises the errors loading a YAML file would (pydantic's ``ValidationError``,
    :class:`simulator.errors.PlanError`).
    """
    data = {"perception": {"model": "identity"}, **data}
    return compile_plan(Scenario.model_validate(data), base_dir or trace_dir())


DURATIONS = st.one_of(
    st.sampled_from([0, 0, 0.5, 1, 2, 3, 5]).map(deterministic),
    st.floats(0.2, 6).map(lambda m: {"dist": "exponential", "mean": m}),
    st.tuples(st.sampled_from([0, 1]), st.sampled_from([0, 0.5, 3])).map(
        lambda p: {"dist": "uniform", "low": p[0], "high": p[0] + p[1]}),
    st.just({"dist": "empirical", "values": [0, 1, 1, 2, 4]}),
    st.floats(0.5, 5).map(lambda m: {"dist": "lognormal", "mean": m, "sd": 2 * m}),
)
"""Service and task durations: zeros included, and skewed ones."""
PATIENCE = st.one_of(
    st.none(), st.sampled_from([0, 1, 3, 5]).map(deterministic),
    st.floats(1, 12).map(lambda m: {"dist": "exponential", "mean": m}),
)
"""Patience blocks, or None (no patience)."""


@st.composite
def stations(draw: st.DrawFn, count: int, span: float, lines_only: bool) -> dict[str, Any]:
    """``count`` stations: layouts, schedules that may drop to 0 and come back before ``span``
    minutes (plus a little), jockeying and breakdowns."""
    result = {}
    for i in range(count):
        layout = "line_per_server" if lines_only else draw(
            st.sampled_from(["single_line", "line_per_server"]))
        k = draw(st.integers(1 if layout == "single_line" else 2, 3))
        station: dict[str, Any] = {"service": draw(DURATIONS), "layout": layout}
        if draw(st.booleans()):
            times = draw(st.lists(st.sampled_from([5 * x for x in range(1, int(span / 5) + 4)]),
                                  min_size=1, max_size=4, unique=True))
            counts = draw(st.lists(st.integers(0, k), min_size=len(times),
                                   max_size=len(times)))
            station["schedule"] = dict(zip(sorted(times), counts, strict=True))
            if max(counts) == 0 or draw(st.booleans()):
                station["servers"] = k  # otherwise 0 on duty before the schedule's first time
        else:
            station["servers"] = k
        if layout == "line_per_server" and draw(st.booleans()):
            station["jockeying"] = {"margin": draw(st.integers(2, 3))}
        if draw(st.booleans()):
            station["breakdowns"] = {
                "mtbf": draw(st.sampled_from([3, 10, 30])),
                "repair": draw(st.one_of(st.sampled_from([1, 2, 5]).map(deterministic),
                                         st.just({"dist": "exponential", "mean": 2}),
                                         st.just({"dist": "uniform", "low": 0, "high": 3}))),
            }
        result[f"s{i}"] = station
    return result


@st.composite
def route(draw: st.DrawFn, names: list[str]) -> dict[str, Any]:
    """A random route: deterministic steps only forward (so it always ends), random ones
    anywhere (loops included) with a way out of probability >= 0.5."""
    table: dict[str, Any] = {"start": draw(st.sampled_from(names))}
    for i, name in enumerate(names):
        kind = draw(st.sampled_from(["exit", "next", "table", "omit"]))
        if kind == "exit":
            table[name] = "exit"
        elif kind == "next" and i + 1 < len(names):
            table[name] = names[draw(st.integers(i + 1, len(names) - 1))]
        elif kind == "table":
            others = draw(st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True))
            shares = [0.5, 0.0] if len(others) == 2 and draw(st.booleans()) else [
                0.5 / len(others)] * len(others)  # a step of probability 0 is never taken
            table[name] = {"exit": 0.5, **dict(zip(others, shares, strict=True))}
    return table


def _subset(draw: st.DrawFn, names: list[str]) -> list[str]:
    return draw(st.lists(st.sampled_from(names), min_size=1, max_size=len(names), unique=True))


@st.composite
def interventions(draw: st.DrawFn, stations: dict[str, Any], classes: dict[str, Any]
                  ) -> dict[str, Any]:
    """Some of the interventions, each in a random mode, scoped to random stations and
    classes (or all)."""
    names, class_names = list(stations), list(classes)

    def scope() -> dict[str, Any]:
        out: dict[str, Any] = {}
        if draw(st.booleans()):
            out["stations"] = _subset(draw, names)
        if draw(st.booleans()):
            out["classes"] = _subset(draw, class_names)
        return out

    block: dict[str, Any] = {}
    if draw(st.booleans()):
        block["occupied_waiting"] = {"share": draw(st.sampled_from([0, 0.5, 1])),
                                     "satisfaction_bonus": draw(st.sampled_from([0, 2])),
                                     **scope()}
    if draw(st.booleans()):
        on = draw(st.sampled_from(["breakdowns", "always", "after_minutes"]))
        explain: dict[str, Any] = {"on": on, "announce": draw(st.booleans()), **scope()}
        if on == "after_minutes":
            explain["minutes"] = draw(st.sampled_from([0.5, 1, 3]))
        block["explained_delays"] = explain
    if draw(st.booleans()):
        mode = draw(st.sampled_from(["duration", "position"]))
        info: dict[str, Any] = {"mode": mode, **scope(),
                                "estimator": draw(st.sampled_from(["queue", "recent"]))}
        if draw(st.booleans()):  # (not shorter: each update is an event the probe checks)
            info["every_minutes"] = draw(st.sampled_from([1, 2.5, 5]))
        if draw(st.booleans()):
            info["bias"] = draw(st.sampled_from([-0.999, -0.5, 0.3]))
        if draw(st.booleans()):
            info["noise"] = draw(st.sampled_from([0, 0.3]))
        if draw(st.booleans()):
            info["recent_customers"] = draw(st.integers(1, 5))
        if mode == "duration" and draw(st.booleans()):
            info["balk_on_displayed"] = draw(st.sampled_from([0.5, 2, 5]))
        block["wait_time_info"] = info
    if draw(st.booleans()):
        saves = draw(st.one_of(st.sampled_from([0, 0.5, 2]).map(lambda m: {"minutes": m}),
                               st.sampled_from([0, 0.5, 1]).map(lambda f: {"fraction": f})))
        block["greeter"] = {"staff": draw(st.integers(1, 2)), "task": draw(DURATIONS),
                            "saves": saves, **scope()}
    poisson = [n for n, c in classes.items() if c.get("arrivals", {}).get("process") == "poisson"]
    if len(poisson) > 0 and draw(st.booleans()):
        booking: dict[str, Any] = {
            "share": draw(st.sampled_from([0.3, 0.5, 1])),
            "slot_minutes": draw(st.sampled_from([2, 5, 15])),
            "punctuality": draw(st.sampled_from(
                [deterministic(0), deterministic(-2), deterministic(3),
                 {"dist": "uniform", "low": -3, "high": 3}])),
            "no_show": draw(st.sampled_from([0, 0.2])),
            "anxiety": draw(st.sampled_from([0, 0.5])), "explained": draw(st.booleans())}
        if draw(st.booleans()):
            booking["classes"] = _subset(draw, poisson)
        block["appointments"] = booking
    parallel = [n for n, s in stations.items() if s["layout"] == "line_per_server"]
    if len(parallel) > 0 and draw(st.booleans()):
        block["fair_queue"] = {"stations": _subset(draw, parallel)} if draw(st.booleans()) else {}
    return block


@st.composite
def scenarios(draw: st.DrawFn, lines_only: bool = False, levers: bool | None = None
              ) -> dict[str, Any]:
    """A valid scenario dict, for :func:`plan_from`: 1-3 stations (``lines_only``: each with a
    line per server), 1-3 classes (Poisson, trace with tied times, appointments or only an
    initial queue; priorities, patience, balking, own services, random routes with loops,
    groups), a clock or numeric day, warm-up and always a hard stop (``end``), so every run
    ends. ``levers``: with interventions (True), without (False), or either."""
    span = draw(st.sampled_from([20, 30, 45, 60]))
    clock = draw(st.booleans())
    open_ = 0 if clock else draw(st.sampled_from([0, 0, 10]))
    data: dict[str, Any] = {"name": "stress", "seed": draw(st.integers(0, 2**32 - 1))}
    if clock:
        data["open"] = "09:00"
        data["close"] = f"{9 + span // 60:02d}:{span % 60:02d}"
    else:
        data["open"] = open_
        if draw(st.booleans()):
            data["close"] = open_ + span
        else:
            data["horizon"] = span
    data["warmup"] = draw(st.sampled_from([0, 0, 5, 10]))
    # A hard stop always: a run without one may drain for 7 simulated days (schedules that
    # end at 0, breakdowns every few minutes); with a late one the run still ends, as by
    # default, when the last customer leaves.
    data["end"] = open_ + span + draw(st.sampled_from([0, 5, 20, 120, 120]))
    n_stations = draw(st.integers(1, 3))
    data["stations"] = draw(stations(n_stations, open_ + span, lines_only))
    names = list(data["stations"])
    customers = {}
    for i in range(draw(st.integers(1, 3))):
        cls: dict[str, Any] = {"priority": draw(st.sampled_from([-1, 0, 0, 1]))}
        kind = draw(st.sampled_from(["poisson", "trace", "appointments", "initial"]))
        if kind == "poisson":
            cls["arrivals"] = {"process": "poisson",
                               "rate_per_hour": draw(st.sampled_from([10, 30, 60, 120]))}
        elif kind == "trace":
            times = draw(st.lists(st.integers(open_, open_ + span - 1), min_size=1,
                                  max_size=25))
            cls["arrivals"] = trace(sorted(times))
        elif kind == "appointments":
            early_ok = open_ == 0
            cls["arrivals"] = {
                "process": "appointments", "slot_minutes": draw(st.sampled_from([3, 5, 10])),
                "per_slot": draw(st.integers(1, 2)),
                "punctuality": draw(st.sampled_from(
                    [deterministic(0), deterministic(2), {"dist": "uniform", "low": 0, "high": 4}]
                    + ([deterministic(-3), {"dist": "normal", "mean": 0, "sd": 3}]
                       if early_ok else []))),
                "no_show": draw(st.sampled_from([0, 0.2])),
            }
        if kind == "initial" or draw(st.booleans()):
            cls["initial_queue"] = draw(st.integers(1 if kind == "initial" else 0, 5))
        patience = draw(PATIENCE)
        if patience is not None:
            cls["patience"] = patience
        balk = draw(st.sampled_from([None, None, {"queue_length": 2}, {"queue_length": 4},
                                     {"probability": {0: 0.0, 2: 0.5, 4: 1.0}}]))
        if balk is not None:
            cls["balk"] = balk
        if draw(st.booleans()):
            cls["service"] = {draw(st.sampled_from(names)): draw(DURATIONS)}
        if draw(st.booleans()):
            cls["route"] = draw(route(names))
        if draw(st.booleans()):
            cls["group_share"] = draw(st.sampled_from([0.5, 1]))
        customers[f"c{i}"] = cls
    data["customers"] = customers
    if levers if levers is not None else draw(st.booleans()):
        data["interventions"] = draw(interventions(data["stations"], customers))
    return data
