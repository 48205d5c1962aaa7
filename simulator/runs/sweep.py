"""Running a sweep: every valid point x replication as a task, resumable, tidy output.

Tasks run through :func:`simulator.runs.experiment.execute` (in this process, a process pool or a
Dask cluster: the same loop as ``waitsim run``). Every point runs replications 0..R-1 with
the sweep's root seed, so points share random numbers, and results do not depend on the
workers or the order tasks finish in.

Results folder (``--out``)::

    manifest.json      sweep and scenario files, digest, seed, replications, status
    tasks.jsonl        the resume log: one line per finished (point, replication), appended
                       and fsynced as each task finishes (:class:`simulator.runs.files.AppendLog`)
    replications.csv   the tidy table: one row per point x replication (ordered by point,
                       then replication), a column per parameter and per metric
    summary.csv        per point and metric: mean, ci_low, ci_high, n (Student t, 95%)
    points.csv         per point: parameters, status (ok, invalid, failed), replications, error

A rerun with the same sweep runs only the tasks missing from the log and rewrites the three
tables from it, so they equal those of an uninterrupted run. A folder holding other finished
results (another sweep's: the sweep file, the scenario or waitsim changed; or a run's) is
refused unless ``replace`` (:func:`simulator.runs.store.settle_sweep`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simulator.analysis.result import metric_intervals
from simulator.analysis.statistics import Interval
from simulator.analysis.summary import METRICS
from simulator.runs.experiment import Task, TaskOutcome, execute
from simulator.runs.files import AppendLog, metrics_from_json, metrics_to_json, write_csv
from simulator.runs.store import (
    SWEEP_LOG,
    manifest,
    open_folder,
    settle_sweep,
    task_key,
    write_manifest,
)
from simulator.runs.sweep_points import Sweep, shown

Metrics = dict[str, float]


@dataclass(frozen=True)
class SweepResult:
    sweep: Sweep
    metrics: dict[int, dict[int, Metrics]]
    """Per point id, per replication: the metrics of each finished task."""
    failures: dict[int, str]
    """Per point id: the first error a task of the point raised."""
    reused: int
    """Tasks found finished in the results folder and not run again."""
    seconds: float
    _intervals: dict[int, dict[str, Interval]] = field(
        default_factory=dict, init=False, repr=False, compare=False)
    """:meth:`intervals` of the points asked for so far (the tables and the report share
    them)."""

    def status(self, point: int) -> str:
        if self.sweep.points[point].error is not None:
            return "invalid"
        if point in self.failures:
            return "failed"
        done = len(self.metrics.get(point, {}))
        return "ok" if done == self.sweep.replications else "missing"

    def error(self, point: int) -> str | None:
        return self.sweep.points[point].error or self.failures.get(point)

    def intervals(self, point: int) -> dict[str, Interval]:
        """Mean and 95% Student-t interval of each metric over the point's replications
        (computed once per point)."""
        if point not in self._intervals:
            reps = [m for _, m in sorted(self.metrics.get(point, {}).items())]
            self._intervals[point] = metric_intervals(reps)
        return self._intervals[point]

    @property
    def complete(self) -> bool:
        return all(self.status(p.id) in ("ok", "invalid") for p in self.sweep.points)


def _finished(log: AppendLog, sweep: Sweep) -> dict[tuple[int, int], Metrics]:
    """The log's tasks that belong to this sweep (the task's key, replication in range)."""
    digests = {p.id: p.key for p in sweep.points if p.key is not None}
    done: dict[tuple[int, int], Metrics] = {}
    for record in log.records:
        point, rep, metrics = record.get("point"), record.get("replication"), \
            record.get("metrics")
        if (isinstance(point, int) and isinstance(rep, int) and isinstance(metrics, dict)
                and point in digests and 0 <= rep < sweep.replications
                and _key(sweep, point, rep) == record.get("key")):
            done[(point, rep)] = metrics_from_json(metrics)
    return done


def _key(sweep: Sweep, point: int, replication: int) -> str:
    digest = sweep.points[point].key
    assert digest is not None  # only valid points have tasks
    return task_key(digest, sweep.seed, replication)


def run_sweep(sweep: Sweep, out: Path, workers: int = 1, executor: Executor | None = None,
              replace: bool = False, progress: Callable[[float, int], None] | None = None,
              command: Sequence[str] | None = None) -> SweepResult:
    """Run the sweep's missing tasks and write its tables (see the module docstring), holding
    the folder's lock (:func:`simulator.runs.store.open_folder`)."""
    with open_folder(out):
        settle_sweep(out, _manifest(sweep, command, "running"), replace)
        return _run_sweep(sweep, out, workers, executor, progress, command)


def _run_sweep(sweep: Sweep, out: Path, workers: int, executor: Executor | None,
               progress: Callable[[float, int], None] | None,
               command: Sequence[str] | None) -> SweepResult:
    started = time.perf_counter()
    failures: dict[int, str] = {}
    with AppendLog(out / SWEEP_LOG) as log:
        done = _finished(log, sweep)
        reused = len(done)
        plans = {p.id: p.plan for p in sweep.points if p.plan is not None}
        ids = [(p, r) for p in plans for r in range(sweep.replications)]
        # Records "none": workers only compute; this process keeps the results (in the log).
        tasks = [Task(f"point{p}", r, plans[p], sweep.seed, None, "none", _key(sweep, p, r))
                 for p, r in ids]
        todo = [(i, task) for i, task in enumerate(tasks) if ids[i] not in done]
        if todo:  # a rerun with nothing to do writes nothing
            write_manifest(out, _manifest(sweep, command, "running"))
        failed: list[int] = []
        if progress:
            progress(len(done), len(tasks))

        def finished(index: int, outcome: TaskOutcome) -> None:
            point, rep = ids[index]
            if isinstance(outcome, str):
                failed.append(index)
                failures.setdefault(point, f"point {point} ({shown(sweep.points[point].params)}"
                                           f"), replication {rep}: {outcome}")
            else:
                pooled = {m: outcome[m] for m in METRICS}  # a sweep keeps no breakdown
                log.append({"point": point, "replication": rep, "key": tasks[index].key,
                            "metrics": metrics_to_json(pooled)})
                done[(point, rep)] = pooled
            if progress:
                progress(len(done) + len(failed), len(tasks))

        execute(todo, finished, workers, executor)
    metrics: dict[int, dict[int, Metrics]] = {}
    for (point, rep), m in sorted(done.items()):
        metrics.setdefault(point, {})[rep] = m
    result = SweepResult(sweep, metrics, failures, reused, time.perf_counter() - started)
    write_tables(out, result)
    write_manifest(out, _manifest(sweep, command,
                                  "complete" if result.complete else "incomplete"))
    return result


def _cell(value: Any) -> Any:
    """A parameter value for a CSV cell: numbers and text as they are, blocks as JSON."""
    return json.dumps(value, sort_keys=True) if isinstance(value, dict | list) else value


def write_tables(out: Path, result: SweepResult) -> None:
    sweep = result.sweep
    params = list(sweep.parameters)
    metrics = list(METRICS)

    def values(point: int) -> list[Any]:
        return [_cell(sweep.points[point].params[k]) for k in params]

    write_csv(out / "replications.csv", ["point", *params, "replication", *metrics],
              ([p, *values(p), r, *(row[m] for m in metrics)]
               for p, reps in sorted(result.metrics.items()) for r, row in sorted(reps.items())))
    write_csv(out / "summary.csv", ["point", *params, "metric", "mean", "ci_low", "ci_high", "n"],
              ([p.id, *values(p.id), m, i.mean, i.ci_low, i.ci_high, i.n]
               for p in sweep.points if result.status(p.id) == "ok"
               for m, i in result.intervals(p.id).items()))
    write_csv(out / "points.csv", ["point", *params, "status", "replications", "error"],
              ([p.id, *values(p.id), result.status(p.id), len(result.metrics.get(p.id, {})),
                result.error(p.id) or ""] for p in sweep.points))


def _manifest(sweep: Sweep, command: Sequence[str] | None, status: str) -> dict[str, Any]:
    return manifest(
        "sweep", status, command, scenario=sweep.scenario_name,
        scenario_file=str(sweep.scenario_path), scenario_digest=sweep.scenario_digest,
        seed=sweep.seed, replications=sweep.replications, sweep_file=str(sweep.path),
        digest=sweep.digest, parameters=list(sweep.parameters), points=len(sweep.points),
        invalid_points=[p.id for p in sweep.points if p.error is not None])
