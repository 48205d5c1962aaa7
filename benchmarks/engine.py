"""Engine benchmark: waitsim against bare SimPy and Ciw on one M/M/3 queue.

The model: Poisson arrivals at 0.675 a minute (40.5 an hour), exponential service with mean
4 minutes, 3 servers (utilisation 0.9), FIFO, no abandonment. Each engine runs the same
number of customers in this process:

``waitsim``     :func:`simulator.simulate` with its full journey records;
``bare SimPy``  the least code that simulates the model in SimPy: one ``simpy.Resource`` of
                capacity 3, a process per customer, times pre-drawn with numpy and written
                into three preallocated numpy arrays (arrival, service start, departure);
``Ciw``         ``ciw.Simulation`` run until the customers have left (skipped if Ciw is not
                installed).

Each engine runs ``--repeat`` times, the engines taking turns, and its best (least) wall time
counts (``time.perf_counter``). Peak memory comes from one more run under ``tracemalloc``, kept
apart from the timed runs because tracing slows Python down. Only the simulation is timed
and traced (with getting the records out: waitsim's numpy columns, Ciw's
``get_all_records``); loading the scenario and computing the mean wait are not.

Run from the repository root::

    python benchmarks/engine.py [--customers 200000] [--repeat 3] [--json]
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Generator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import simpy

# The repository root, so that ``simulator`` imports when run as ``python benchmarks/engine.py``.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from simulator import Journeys, load_scenario, simulate
from simulator.analysis.summary import summarise

ARRIVAL_RATE = 0.675
"""Arrivals a minute (40.5 an hour)."""
SERVICE_MEAN = 4.0
"""Minutes."""
SERVERS = 3
SEED = 1

SPEED_TARGET = 0.67
"""waitsim's customers/s must be at least this share of bare SimPy's."""
RECORD_BYTES_TARGET = 300.0
"""waitsim's journey records may take at most this many bytes a customer."""

SCENARIO_YAML = """\
name: M/M/3 benchmark
seed: {seed}
horizon: {horizon}
customers:
  walk_in: {{arrivals: {{process: poisson, rate_per_hour: {rate_per_hour}}}}}
stations:
  desk: {{servers: {servers}, service: {{dist: exponential, mean: {service_mean}}}}}
"""

PERCEPTION_YAML = """\
name: M/M/3+M benchmark with perception
seed: {seed}
horizon: {horizon}
customers:
  walk_in:
    arrivals: {{process: poisson, rate_per_hour: {rate_per_hour}}}
    patience: {{dist: exponential, mean: 30}}
    expected_wait: 5
    anxiety: 0.3
    group_share: 0.3
stations:
  desk: {{servers: {servers}, service: {{dist: exponential, mean: {service_mean}}}}}
interventions:
  occupied_waiting: {{share: 0.5}}
"""
"""The same queue with the perception model at work inside the run: patience is spent in felt
minutes at a rate that changes with each wait's conditions (occupied or not, in a group,
anxious), so customers abandon; not comparable with the bare model, listed for its cost."""

Digest = tuple[int, float, "int | None"]
"""What one engine run comes to: customers simulated, mean wait in line (minutes) and record
bytes (``None`` if not measured)."""


@dataclass(frozen=True)
class Runner:
    """One engine: ``run`` is measured; ``digest`` turns its output into figures, unmeasured."""

    run: Callable[[], Any]
    digest: Callable[[Any], Digest]


@dataclass
class Result:
    """One engine's benchmark figures."""

    engine: str
    customers: int
    seconds: float
    """Best wall time of the repeats."""
    peak_mib: float
    """Peak memory allocated during one run, from tracemalloc."""
    wait_mean: float
    record_bytes: int | None = None

    @property
    def customers_per_second(self) -> float:
        return self.customers / self.seconds

    @property
    def us_per_customer(self) -> float:
        return 1e6 * self.seconds / self.customers

    @property
    def record_bytes_per_customer(self) -> float | None:
        return None if self.record_bytes is None else self.record_bytes / self.customers

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "customers_per_second": self.customers_per_second,
                "us_per_customer": self.us_per_customer,
                "record_bytes_per_customer": self.record_bytes_per_customer}


def erlang_c_wait(arrival_rate: float, service_mean: float, servers: int) -> float:
    """Mean wait in line of an M/M/c queue (Erlang C), in the units of ``service_mean``."""
    load = arrival_rate * service_mean
    rho = load / servers
    tail = load**servers / math.factorial(servers) / (1 - rho)
    p_wait = tail / (sum(load**k / math.factorial(k) for k in range(servers)) + tail)
    return p_wait * service_mean / (servers - load)


# --- engines -------------------------------------------------------------------------------


def waitsim_runner(customers: int, workdir: Path, template: str = SCENARIO_YAML,
                   summary: bool = False) -> Runner:
    """A run of waitsim whose arrivals last long enough for about ``customers`` customers
    (the count itself is random). The scenario is written and loaded here, outside timing.
    ``summary``: the timed part also computes every metric of the replication (perceived
    waits, satisfaction, impact, time averages), as ``waitsim run`` does."""
    path = workdir / f"mm3-{abs(hash(template))}.yaml"
    path.write_text(template.format(
        seed=SEED, horizon=round(customers / ARRIVAL_RATE), rate_per_hour=ARRIVAL_RATE * 60,
        servers=SERVERS, service_mean=SERVICE_MEAN))
    plan = load_scenario(path).plans["base"]

    def run() -> Journeys:
        journeys = simulate(plan, replication=0)
        if summary:
            summarise(journeys)
        return journeys

    def digest(journeys: Journeys) -> Digest:
        n = len(journeys.customers["customer"])
        return n, summarise(journeys)["wait_mean"], journeys.record_bytes()

    return Runner(run, digest)


def _bare_customer(env: simpy.Environment, desk: simpy.Resource, i: int, service: float,
                   arrival: np.ndarray, start: np.ndarray,
                   departure: np.ndarray) -> Generator[simpy.Event, Any, None]:
    arrival[i] = env.now
    with desk.request() as turn:
        yield turn
        start[i] = env.now
        yield env.timeout(service)
    departure[i] = env.now


def _bare_source(env: simpy.Environment, desk: simpy.Resource, interarrivals: list[float],
                 services: list[float], arrival: np.ndarray, start: np.ndarray,
                 departure: np.ndarray) -> Generator[simpy.Event, Any, None]:
    for i, (gap, service) in enumerate(zip(interarrivals, services, strict=True)):
        yield env.timeout(gap)
        env.process(_bare_customer(env, desk, i, service, arrival, start, departure))


def bare_simpy_simulate(customers: int, seed: int = SEED) -> tuple[np.ndarray, ...]:
    """The M/M/3 queue in plain SimPy: arrival, service start and departure times.

    Times are drawn up front with numpy, then turned into Python floats (``tolist``) so the
    event loop does not do arithmetic on numpy scalars: the fastest plain version is the
    fairest baseline.
    """
    rng = np.random.default_rng(seed)
    interarrivals = rng.exponential(1 / ARRIVAL_RATE, customers).tolist()
    services = rng.exponential(SERVICE_MEAN, customers).tolist()
    arrival, start, departure = (np.full(customers, np.nan) for _ in range(3))
    env = simpy.Environment()
    desk = simpy.Resource(env, capacity=SERVERS)
    env.process(_bare_source(env, desk, interarrivals, services, arrival, start, departure))
    env.run()
    return arrival, start, departure


def bare_simpy_runner(customers: int) -> Runner:
    """A run of the bare-SimPy model of exactly ``customers`` customers."""

    def digest(times: tuple[np.ndarray, ...]) -> Digest:
        arrival, start, _ = times
        return len(arrival), float(np.mean(start - arrival)), sum(t.nbytes for t in times)

    return Runner(lambda: bare_simpy_simulate(customers), digest)


def ciw_runner(customers: int) -> Runner | None:
    """A Ciw run until ``customers`` customers have left, or ``None`` if Ciw is missing."""
    try:
        import ciw
    except ImportError:
        return None

    def run() -> list[Any]:
        ciw.seed(SEED)
        network = ciw.create_network(
            arrival_distributions=[ciw.dists.Exponential(rate=ARRIVAL_RATE)],
            service_distributions=[ciw.dists.Exponential(rate=1 / SERVICE_MEAN)],
            number_of_servers=[SERVERS])
        sim = ciw.Simulation(network)
        sim.simulate_until_max_customers(customers, method="Finish")
        return sim.get_all_records()

    def digest(records: list[Any]) -> Digest:
        return len(records), float(np.mean([r.waiting_time for r in records])), None

    return Runner(run, digest)


# --- measurement ---------------------------------------------------------------------------


def timed(run: Callable[[], Any]) -> tuple[float, Any]:
    """Wall time of one run (after a full garbage collection), and its output."""
    gc.collect()
    t0 = time.perf_counter()
    output = run()
    return time.perf_counter() - t0, output


def peak_memory(run: Callable[[], Any]) -> float:
    """Peak memory (MiB) allocated while ``run`` runs, from tracemalloc."""
    gc.collect()
    tracemalloc.start()
    try:
        run()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 2**20


def measure(runners: dict[str, Runner], repeat: int,
            log: Callable[[str], None]) -> list[Result]:
    """Time every engine ``repeat`` times, keeping each one's best, then trace each one's
    memory in one more run.

    The timed runs go round the engines in turn (waitsim, bare SimPy, Ciw, waitsim, ...) so
    that a busy spell of the machine does not fall on one engine only.
    """
    best = dict.fromkeys(runners, math.inf)
    digests: dict[str, Digest] = {}
    for round_ in range(1, repeat + 1):
        for engine, runner in runners.items():
            log(f"round {round_}/{repeat}: {engine}")
            seconds, output = timed(runner.run)
            best[engine] = min(best[engine], seconds)
            if engine not in digests:
                digests[engine] = runner.digest(output)
            del output  # free the records before the next run
    results = []
    for engine, runner in runners.items():
        log(f"peak memory: {engine}")
        customers, wait, record_bytes = digests[engine]
        results.append(Result(engine, customers, best[engine], peak_memory(runner.run), wait,
                              record_bytes))
    return results


def benchmark(customers: int, repeat: int, log: Callable[[str], None]) -> dict[str, Any]:
    """Run every engine; return the results, ratios and targets as plain data."""
    notes: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        runners = {"waitsim": waitsim_runner(customers, Path(tmp)),
                   "waitsim + summary": waitsim_runner(customers, Path(tmp), summary=True),
                   "waitsim + felt patience + summary": waitsim_runner(
                       customers, Path(tmp), PERCEPTION_YAML, summary=True),
                   "bare SimPy": bare_simpy_runner(customers)}
        ciw = ciw_runner(customers)
        if ciw is None:
            notes.append("Ciw: not importable, skipped")
            log(notes[-1])
        else:
            runners["Ciw"] = ciw
        results = measure(runners, repeat, log)

    by_name = {r.engine: r for r in results}
    ws = by_name["waitsim"]
    ratios = {f"{name}/waitsim": by_name[name].customers_per_second / ws.customers_per_second
              for name in ("waitsim + summary", "waitsim + felt patience + summary")}
    ratios |= {f"waitsim/{other}": ws.customers_per_second / by_name[other].customers_per_second
              for other in ("bare SimPy", "Ciw") if other in by_name}
    speed = ratios["waitsim/bare SimPy"]
    record = ws.record_bytes_per_customer
    assert record is not None
    targets = {
        "speed": {"value": speed, "target": SPEED_TARGET, "met": speed >= SPEED_TARGET,
                  "text": f"waitsim >= {SPEED_TARGET}x bare SimPy customers/s"},
        "record_bytes": {"value": record, "target": RECORD_BYTES_TARGET,
                         "met": record <= RECORD_BYTES_TARGET,
                         "text": f"waitsim records <= {RECORD_BYTES_TARGET:.0f} B/customer"},
    }
    return {
        "model": {"arrival_rate_per_minute": ARRIVAL_RATE, "service_mean_minutes": SERVICE_MEAN,
                  "servers": SERVERS, "utilisation": ARRIVAL_RATE * SERVICE_MEAN / SERVERS,
                  "erlang_c_wait_mean": erlang_c_wait(ARRIVAL_RATE, SERVICE_MEAN, SERVERS)},
        "customers": customers, "repeat": repeat,
        "python": sys.version.split()[0], "simpy": simpy.__version__,
        "results": [r.to_dict() for r in results], "ratios": ratios, "targets": targets,
        "notes": notes,
    }


# --- output --------------------------------------------------------------------------------


def format_report(report: dict[str, Any]) -> str:
    """The report as a text table, ratios and targets."""
    model = report["model"]
    header = ("engine", "customers", "seconds", "customers/s", "us/customer", "peak MiB",
              "record B/cust", "mean wait")
    rows = [header]
    for r in report["results"]:
        per = r["record_bytes_per_customer"]
        rows.append((r["engine"], f"{r['customers']:,}", f"{r['seconds']:.3f}",
                     f"{r['customers_per_second']:,.0f}", f"{r['us_per_customer']:.2f}",
                     f"{r['peak_mib']:.1f}", "-" if per is None else f"{per:.1f}",
                     f"{r['wait_mean']:.2f}"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]

    def line(row: tuple[str, ...]) -> str:
        return "  ".join(cell.ljust(w) if i == 0 else cell.rjust(w)
                         for i, (cell, w) in enumerate(zip(row, widths, strict=True)))

    out = [
        f"M/M/{model['servers']}: arrivals {model['arrival_rate_per_minute']}/min, service mean "
        f"{model['service_mean_minutes']:g} min, utilisation {model['utilisation']:.2f}; "
        f"{report['customers']:,} customers, best of {report['repeat']} "
        f"(Python {report['python']}, SimPy {report['simpy']})",
        "",
        line(header),
        "  ".join("-" * w for w in widths),
        *(line(row) for row in rows[1:]),
        "",
        f"mean wait (minutes): Erlang C gives {model['erlang_c_wait_mean']:.2f} (not for "
        "'felt patience', whose customers abandon)",
        "peak MiB: tracemalloc, one separate untimed run per engine",
        *(f"note: {n}" for n in report["notes"]),
        "",
        *(f"{name} customers/s: {value:.2f}x" for name, value in report["ratios"].items()),
        "",
    ]
    for t in report["targets"].values():
        out.append(f"target {t['text']}: {t['value']:.2f} -> {'MET' if t['met'] else 'NOT MET'}")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """Command line: run the benchmark and print a table (or JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=200_000,
                        help="customers per run (default: %(default)s)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="timed runs per engine; the best counts (default: %(default)s)")
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON")
    args = parser.parse_args(argv)
    if args.customers < 1 or args.repeat < 1:
        parser.error("--customers and --repeat must be at least 1")

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    report = benchmark(args.customers, args.repeat, log)
    print(json.dumps(report, indent=2) if args.json else format_report(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
