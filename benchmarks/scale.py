"""Scale benchmarks: one long replication, parallel efficiency, sweep overhead, kill -9 resume.

Each part prints a Markdown table (benchmarks/README.md holds the results)::

    python benchmarks/scale.py scaling [--customers 10000 100000 1000000] [--records full]
    python benchmarks/scale.py efficiency [--replications 100] [--repeat 3]
    python benchmarks/scale.py sweep [--points 200] [--replications 5]
    python benchmarks/scale.py overhead [--tasks 2000]
    python benchmarks/scale.py resume [--points 200] [--replications 5]

``scaling``     ``waitsim run --records summary --workers 1`` (or the ``--records`` given) on
                the M/M/3 queue of ``engine.py`` (utilisation 0.9) for about N customers,
                each size in a fresh process: wall time, customers/s, the size of the
                Parquet files written and the process's peak resident memory
                (``ru_maxrss``), less that of a 1-customer run (Python and the libraries);
                customers/s also less the 1-customer run's wall time (start-up, imports).
``efficiency``  the bundled bank branch (all variants), ``--workers 1`` and ``--workers 2``,
                in turn, ``--repeat`` times: parallel efficiency = T1 / (2 T2), each pair and
                the median, and from the best (least) time of each as engine.py counts;
                and the CPU seconds of each (this process and its workers):
                what parallelism costs in work, whatever the machine's load. The load
                average is printed beside: other programs take cores from the pool.
``sweep``       a Latin hypercube sweep of short runs (the bank branch day, about 500
                customers a run) in this process, on a local pool of 2 processes and on a
                Dask LocalCluster of 2 processes: wall time, tasks/s and the cost per task
                over the in-process run (workers x wall / tasks - in-process wall / tasks).
``overhead``    the cost per task of the local pool and of Dask on tasks that do almost
                nothing, sent one by one and in waitsim's chunks.
``resume``      the same sweep as a ``waitsim sweep`` command, on the pool and on Dask: killed
                with SIGKILL when about 40% of its tasks are logged, rerun, and its table
                compared with an uninterrupted run's.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.engine import ARRIVAL_RATE, SCENARIO_YAML, SERVERS, SERVICE_MEAN  # noqa: E402

BANK = ROOT / "scenarios" / "bank_branch.yaml"
SWEEP_YAML = """\
scenario: {scenario}
replications: {replications}
seed: 1
sample:
  method: latin_hypercube
  points: {points}
  seed: 2
  ranges:
    stations.teller.service.mean: [3.0, 5.0]
    customers.walk_in.patience.mean: [10.0, 30.0]
    stations.adviser.servers: [1, 3]
"""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def waitsim(*args: str) -> list[str]:
    return [sys.executable, "-m", "simulator", *args]


def run_measured(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak resident memory (MiB) of a child process."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(command)} failed")
    return seconds, usage.ru_maxrss / 1024  # Linux: kilobytes


# --- scaling -------------------------------------------------------------------------------


def scaling(sizes: list[int], workdir: Path, records: str = "summary") -> list[dict[str, Any]]:
    rows = []
    baseline = None
    for customers in [1, *sizes]:
        scenario = workdir / f"mm3-{customers}.yaml"
        scenario.write_text(SCENARIO_YAML.format(
            seed=1, horizon=max(1, round(customers / ARRIVAL_RATE)),
            rate_per_hour=ARRIVAL_RATE * 60, servers=SERVERS, service_mean=SERVICE_MEAN))
        out = workdir / f"out-{customers}"
        log(f"scaling: {customers:,} customers")
        seconds, peak = run_measured(waitsim("run", str(scenario), "--records", records,
                                             "--workers", "1", "--replications", "1",
                                             "--out", str(out)))
        if baseline is None:
            baseline, startup = peak, seconds
            continue
        with open(out / "replications.csv") as handle:
            header, row = handle.readline().strip().split(","), handle.readline().split(",")
        arrivals = int(float(row[header.index("arrivals")]))
        rows.append({"customers": arrivals, "seconds": seconds,
                     "customers_per_second": arrivals / seconds,
                     "net_customers_per_second": arrivals / (seconds - startup),
                     "peak_mib": peak,
                     "above_baseline_mib": peak - baseline,
                     "bytes_per_customer": (peak - baseline) * 2**20 / arrivals,
                     "files_mib": sum(f.stat().st_size for f in out.rglob("*.parquet")) / 2**20})
        shutil.rmtree(out)
    return rows


def print_scaling(rows: list[dict[str, Any]], records: str) -> None:
    print(f"--records {records}")
    print("| customers | wall s | customers/s | customers/s less start-up | peak RSS MiB "
          "| above 1-customer run MiB | bytes/customer | Parquet files MiB |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(f"| {r['customers']:,} | {r['seconds']:.1f} | {r['customers_per_second']:,.0f} "
              f"| {r['net_customers_per_second']:,.0f} "
              f"| {r['peak_mib']:,.0f} | {r['above_baseline_mib']:,.0f} "
              f"| {r['bytes_per_customer']:,.0f} | {r['files_mib']:,.1f} |")


# --- parallel efficiency -------------------------------------------------------------------


def efficiency(replications: int, repeat: int) -> list[dict[str, Any]]:
    from simulator import load_scenario
    from simulator.runs.experiment import run_experiment

    loaded = load_scenario(BANK)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for round_ in range(repeat):
            wall, cpu = {}, {}
            for workers in (1, 2):
                out = Path(tmp) / f"w{workers}"
                shutil.rmtree(out, ignore_errors=True)
                log(f"efficiency: round {round_ + 1}, {workers} worker(s)")
                started, before = time.perf_counter(), os.times()
                run_experiment(loaded, replications=replications, workers=workers, out=out,
                               records="summary")
                wall[workers] = time.perf_counter() - started
                after = os.times()  # the pool's processes are reaped by now: children count
                cpu[workers] = sum(after[:4]) - sum(before[:4])
            rows.append({"t1": wall[1], "t2": wall[2], "efficiency": wall[1] / (2 * wall[2]),
                         "cpu1": cpu[1], "cpu2": cpu[2], "load": os.getloadavg()[0],
                         "variants": len(loaded.variant_names)})
    return rows


def print_efficiency(rows: list[dict[str, Any]], replications: int) -> None:
    variants = rows[0]["variants"]
    print(f"bank branch, {variants} variants x {replications} replications = "
          f"{variants * replications} tasks, --records summary")
    print("| round | 1 worker s | 2 workers s | efficiency T1/(2 T2) | CPU s, 1 worker "
          "| CPU s, 2 workers | load average (1 min) |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for k, r in enumerate(rows, 1):
        print(f"| {k} | {r['t1']:.2f} | {r['t2']:.2f} | {100 * r['efficiency']:.0f}% "
              f"| {r['cpu1']:.2f} | {r['cpu2']:.2f} | {r['load']:.2f} |")
    print(f"median efficiency: {100 * statistics.median(r['efficiency'] for r in rows):.0f}%")
    # As engine.py does: the least wall time of each counts (other programs only add time).
    best1, best2 = min(r["t1"] for r in rows), min(r["t2"] for r in rows)
    print(f"best of {len(rows)}: {best1:.2f} s and {best2:.2f} s, efficiency "
          f"{100 * best1 / (2 * best2):.0f}%")


# --- sweep overhead ------------------------------------------------------------------------


def write_sweep(folder: Path, points: int, replications: int) -> Path:
    path = folder / "sweep.yaml"
    path.write_text(SWEEP_YAML.format(scenario=BANK, points=points, replications=replications))
    return path


def sweep_overhead(points: int, replications: int, workdir: Path) -> list[dict[str, Any]]:
    from simulator.runs.executor import open_executor
    from simulator.runs.sweep import run_sweep
    from simulator.runs.sweep_points import load_sweep

    started = time.perf_counter()
    sweep = load_sweep(write_sweep(workdir, points, replications))
    load_seconds = time.perf_counter() - started
    tasks = points * replications
    rows = []
    tables = []
    for name, dask, workers in (("in-process", None, 1), ("local pool", None, 2),
                                ("Dask LocalCluster", "local", 2)):
        log(f"sweep: {name}")
        out = workdir / name.replace(" ", "-")
        started = time.perf_counter()
        with open_executor(dask, workers) as (executor, n):
            ready = time.perf_counter()
            result = run_sweep(sweep, out, workers=n, executor=executor)
        rows.append({"where": name, "workers": workers, "startup": ready - started,
                     "seconds": result.seconds, "tasks": tasks,
                     "tasks_per_second": tasks / result.seconds})
        tables.append((out / "replications.csv").read_text())
    serial = rows[0]["seconds"] / tasks
    for r in rows:
        r["overhead_ms"] = 1e3 * (r["workers"] * r["seconds"] / tasks - serial)
        r["same_table"] = tables[rows.index(r)] == tables[0]
    rows.append({"load_seconds": load_seconds})
    return rows


def print_sweep(rows: list[dict[str, Any]], points: int, replications: int) -> None:
    load = rows[-1]["load_seconds"]
    print(f"{points}-point Latin hypercube over the bank branch day, {replications} "
          f"replications a point ({points * replications} tasks); loading and validating "
          f"the {points} points: {load:.2f} s")
    print("| where | workers | start-up s | sweep s | tasks/s | cost per task over "
          "in-process (ms) | same table |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for r in rows[:-1]:
        print(f"| {r['where']} | {r['workers']} | {r['startup']:.2f} | {r['seconds']:.1f} "
              f"| {r['tasks_per_second']:.0f} | {r['overhead_ms']:+.2f} "
              f"| {'yes' if r['same_table'] else 'NO'} |")


# --- per-task overhead --------------------------------------------------------------------

TINY_YAML = """\
name: tiny
seed: 1
replications: {replications}
horizon: 1
customers:
  walk_in: {{arrivals: {{process: poisson, rate_per_hour: 60}}, expected_wait: 5}}
stations:
  desk: {{servers: 1, service: {{dist: exponential, mean: 1}}}}
"""


def overhead(tasks: int, workdir: Path) -> list[dict[str, Any]]:
    """Cost per task of each executor, on tasks that do almost nothing (one simulated minute),
    sent one by one (chunks of 1) and in chunks as waitsim sends them."""
    from simulator import load_scenario
    from simulator.runs import experiment
    from simulator.runs.executor import open_executor
    from simulator.runs.experiment import run_experiment

    path = workdir / "tiny.yaml"
    path.write_text(TINY_YAML.format(replications=tasks))
    loaded = load_scenario(path)
    rows = []
    defaults = experiment.MAX_CHUNK, experiment.MAX_CHUNK_EXECUTOR
    for name, dask, workers in (("in-process", None, 1), ("local pool", None, 2),
                                ("Dask LocalCluster", "local", 2)):
        default_chunk = defaults[0] if dask is None else defaults[1]
        for chunk in ((1,) if dask is None and workers == 1 else (1, default_chunk)):
            experiment.MAX_CHUNK = experiment.MAX_CHUNK_EXECUTOR = chunk
            log(f"overhead: {name}, chunks of {chunk}")
            with open_executor(dask, workers) as (executor, n):
                started = time.perf_counter()
                run_experiment(loaded, workers=n, executor=executor, records="none")
                seconds = time.perf_counter() - started
            rows.append({"where": name, "workers": workers, "chunk": chunk, "seconds": seconds,
                         "load": os.getloadavg()[0]})
    experiment.MAX_CHUNK, experiment.MAX_CHUNK_EXECUTOR = defaults
    serial = rows[0]["seconds"] / tasks
    for r in rows:
        r["ms_per_task"] = 1e3 * (r["workers"] * r["seconds"] / tasks - serial)
    return rows


def print_overhead(rows: list[dict[str, Any]], tasks: int) -> None:
    print(f"{tasks} tasks of one simulated minute each (about "
          f"{1e3 * rows[0]['seconds'] / tasks:.2f} ms of work a task in-process)")
    print("| where | workers | tasks per chunk | wall s | cost per task over in-process (ms) "
          "| load average |")
    print("| --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(f"| {r['where']} | {r['workers']} | {r['chunk']} | {r['seconds']:.2f} "
              f"| {r['ms_per_task']:+.2f} | {r['load']:.2f} |")


# --- kill -9 and resume --------------------------------------------------------------------


def resume(points: int, replications: int, workdir: Path) -> list[dict[str, Any]]:
    sweep = write_sweep(workdir, points, replications)
    tasks = points * replications
    reference = workdir / "uninterrupted"
    log("resume: uninterrupted reference run (pool)")
    subprocess.run(waitsim("sweep", str(sweep), "--out", str(reference), "--workers", "2"),
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    rows = []
    for name, options in (("local pool", ["--workers", "2"]),
                          ("Dask LocalCluster", ["--dask", "local", "--workers", "2"])):
        out = workdir / f"killed-{name.split()[0]}"
        log(f"resume: {name}: run, kill -9 at about 40%")
        command = waitsim("sweep", str(sweep), "--out", str(out), *options)
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, start_new_session=True)
        log_file = out / "tasks.jsonl"
        while process.poll() is None:
            if log_file.exists() and log_file.read_bytes().count(b"\n") >= 0.4 * tasks:
                break
            time.sleep(0.01)
        # SIGKILL to the whole process group: the command and its workers die at once.
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        killed_after = time.perf_counter() - started
        logged = log_file.read_bytes().count(b"\n")
        log(f"resume: {name}: rerun")
        started = time.perf_counter()
        subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        rerun = time.perf_counter() - started
        lines = [json.loads(line) for line in log_file.read_text().splitlines()]
        keys = [(e["point"], e["replication"]) for e in lines]
        rows.append({
            "where": name, "killed_after": killed_after, "logged": logged, "rerun": rerun,
            "log_lines": len(lines), "duplicates": len(keys) - len(set(keys)),
            "missing": tasks - len(set(keys)),
            "same_table": (out / "replications.csv").read_bytes()
            == (reference / "replications.csv").read_bytes(),
            "same_summary": (out / "summary.csv").read_bytes()
            == (reference / "summary.csv").read_bytes(),
        })
    return rows


def print_resume(rows: list[dict[str, Any]], points: int, replications: int) -> None:
    tasks = points * replications
    print(f"`waitsim sweep` of {points} points x {replications} replications ({tasks} tasks), "
          "SIGKILL to its process group at about 40%, then the same command again")
    print("| where | killed after s | tasks logged at the kill | rerun s | tasks in log "
          "| duplicates | missing | table = uninterrupted run's |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(f"| {r['where']} | {r['killed_after']:.1f} | {r['logged']} | {r['rerun']:.1f} "
              f"| {r['log_lines']} | {r['duplicates']} | {r['missing']} "
              f"| {'yes' if r['same_table'] and r['same_summary'] else 'NO'} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("part", choices=["scaling", "efficiency", "sweep", "overhead",
                                         "resume"])
    parser.add_argument("--tasks", type=int, default=2000, help="overhead: tasks")
    parser.add_argument("--customers", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--replications", type=int, default=None,
                        help="efficiency: per variant (default 100); sweep, resume: per point "
                             "(default 5)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--records", choices=["full", "summary", "none"], default="summary",
                        help="scaling: records mode of the runs")
    parser.add_argument("--points", type=int, default=200)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        if args.part == "scaling":
            print_scaling(scaling(args.customers, workdir, args.records), args.records)
        elif args.part == "efficiency":
            reps = args.replications or 100
            print_efficiency(efficiency(reps, args.repeat), reps)
        elif args.part == "overhead":
            print_overhead(overhead(args.tasks, workdir), args.tasks)
        elif args.part == "sweep":
            reps = args.replications or 5
            print_sweep(sweep_overhead(args.points, reps, workdir), args.points, reps)
        else:
            reps = args.replications or 5
            print_resume(resume(args.points, reps, workdir), args.points, reps)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
