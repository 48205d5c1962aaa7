"""Replications of a scenario's variants: seeds, parallel workers, resume.

A task is one (variant, replication). Its result depends only on the variant's plan, the root
seed and the replication index (:mod:`simulator.engine.randomness`), never on which worker ran it or
in what order, so any number of workers gives identical results. Variants run with the same
seed share random numbers (common random numbers).

With an output directory, the worker that runs a task writes its record files atomically
(each carrying the task's key) and returns only the replication's metrics (a small dict); this
process then writes the task's marker (:mod:`simulator.runs.store`), so a rerun of the same
command skips finished tasks.
:func:`execute` is the loop shared with sweeps: tasks in chunks on any
``concurrent.futures.Executor`` (a local process pool or a Dask client's executor).
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, ProcessPoolExecutor, wait
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from simulator.analysis import breakdown
from simulator.analysis.result import ExperimentResult
from simulator.engine.journeys import Table
from simulator.options import RECORDS_MODES as RECORDS_MODES
from simulator.options import RecordsMode
from simulator.options import default_workers as default_workers
from simulator.plan.compiled import Plan
from simulator.plan.digest import plan_digest
from simulator.plan.loader import BASE, LoadedScenario, check_total_work
from simulator.plan.workload import timeseries_bin
from simulator.runs.columns import DESCRIPTIONS, schema_metadata
from simulator.runs.files import parquet_parts, remove, write_csv, write_parquet
from simulator.runs.replication import RecordsHandler, run_replication
from simulator.runs.store import (
    RECORD_TABLES,
    TABLE_DIRS,
    manifest,
    open_folder,
    read_task,
    record_file,
    settle_run,
    task_file,
    task_key,
    write_manifest,
    write_task,
)

EXPERIENCE_COLUMNS = ("wait", "perceived_wait", "satisfaction")
"""Per-customer results added to the ``customers`` records (minutes, minutes, 0-100)."""

CHUNKS_PER_WORKER = 4
"""Chunks per worker a parallel run is cut into at least (so the last ones balance out)."""
MAX_CHUNK = 8
"""Most tasks in one chunk on a local process pool: enough to spread its cost of about 0.6 ms
of worker time a submission over short replications, few enough that results and progress
arrive often (measured: benchmarks/scale.py overhead)."""
MAX_CHUNK_EXECUTOR = 32
"""The same for an executor passed in (Dask): a submission there costs some 6-10 ms of the
cluster's time on a 2-core machine, whose cores the scheduler shares with the workers."""
PROGRESS_SECONDS = 0.5
"""How often a parallel run looks for progress of the tasks under way."""


def tables_for(records: RecordsMode) -> tuple[str, ...]:
    """The record folders a task writes under ``records``: full -> customers, visits,
    segments and timeseries; summary -> timeseries; none -> nothing (markers only)."""
    return {"full": TABLE_DIRS, "summary": ("timeseries",), "none": ()}[records]


@dataclass(frozen=True)
class Task:
    variant: str
    replication: int
    plan: Plan
    seed: int
    out: Path | None
    records: RecordsMode
    key: str
    """:func:`~simulator.runs.store.task_key`: written into the marker and record files."""

    def run(self, progress: Callable[[float], None] | None = None) -> dict[str, float]:
        return run_task(self, progress)


class Runnable(Protocol):
    """Anything :func:`execute` can run: a picklable task with a ``run`` method."""

    def run(self, progress: Callable[[float], None] | None = None) -> Any: ...


def run_task(task: Task, progress: Callable[[float], None] | None = None
             ) -> dict[str, float]:
    """Simulate one replication, summarise it, write its record files (with an output
    directory and records other than none; the per-customer ones block by block, so they
    are never all in memory) and return its metrics, pooled and per class and station
    (:mod:`simulator.analysis.breakdown`). The caller writes the task's marker
    once the metrics are back (:func:`run_experiment`). ``progress``: see
    :func:`~simulator.runs.replication.run_replication`."""
    bin_minutes = timeseries_bin(task.plan)
    with ExitStack() as files:  # the record files go in place when it closes without error
        result = run_replication(task.plan, task.replication, seed=task.seed,
                                 bin_minutes=bin_minutes,
                                 on_records=_record_writer(task, files), progress=progress)
    if task.out is not None and "timeseries" in tables_for(task.records):
        write_parquet(record_file(task.out, "timeseries", task.variant, task.replication),
                      _with_names(result.timeseries, task.plan),
                      {**_constants(task), "bin_minutes": bin_minutes}, task.key,
                      DESCRIPTIONS["timeseries"], schema_metadata(task.plan.clock_at_zero))
    return {**result.metrics, **result.breakdown}


def _constants(task: Task) -> dict[str, str | int]:
    """The columns that say whose records a file holds."""
    return {"variant": task.variant, "replication": task.replication}


def _record_writer(task: Task, files: ExitStack) -> RecordsHandler | None:
    """What writes a task's per-customer records, a block at a time, into files opened on
    ``files`` (None if the task writes none)."""
    if task.out is None or task.records != "full":
        return None
    out = task.out
    constants = _constants(task)
    writers = {table: files.enter_context(parquet_parts(
        record_file(out, table, task.variant, task.replication), task.key,
        DESCRIPTIONS[table], schema_metadata(task.plan.clock_at_zero)))
        for table in RECORD_TABLES}

    def write(tables: dict[str, Table], experience: Table) -> None:
        for table, write_part in writers.items():
            columns = tables[table]
            if table == "customers":  # what each customer lived through, beside the record
                columns = {**columns, **{k: experience[k] for k in EXPERIENCE_COLUMNS}}
            write_part(_with_names(columns, task.plan), constants)

    return write


TaskOutcome = Any
"""What a task's ``run`` returned (a replication's metrics), or the text (str) of the error
it raised."""


def run_chunk(tasks: Sequence[Runnable], progress: Callable[[float], None] | None = None
              ) -> list[TaskOutcome]:
    """Run tasks one after another in this process (a worker). A task that raises gives the
    error's text instead of metrics, so one failure does not lose the chunk's other results
    (and an exception that cannot be pickled cannot break the pool)."""
    outcomes: list[TaskOutcome] = []
    for task in tasks:
        try:
            outcomes.append(task.run(progress))
        except MemoryError:
            raise  # not the task's fault: the whole command stops and says so
        except Exception as exc:
            outcomes.append(f"{type(exc).__name__}: {exc}")
    return outcomes


def chunk_size(tasks: int, workers: int, most: int = MAX_CHUNK) -> int:
    """Tasks per chunk: at least CHUNKS_PER_WORKER chunks per worker, at most ``most`` tasks
    in one."""
    return max(1, min(most, tasks // (max(1, workers) * CHUNKS_PER_WORKER)))


_worker_progress: Any = None
"""In a pool worker: the queue it tells how far its task in hand is, as (index, fraction)."""


def _start_worker(parent: int, progress: Any) -> None:
    """Pool worker start-up: exit once the process that made the pool is gone (after a kill
    -9 of the command, its workers would otherwise wait for work on their queue forever),
    and keep the queue to report progress on (None: none wanted)."""
    global _worker_progress
    _worker_progress = progress
    # Ctrl-C reaches the whole process group: the command says it once and shuts the pool
    # down; a worker just stops, quietly (an unfinished task leaves at most a temporary
    # file, which the store removes on the next run).
    signal.signal(signal.SIGINT, lambda signum, frame: os._exit(128 + signum))

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="exit-with-parent").start()


def _pool_chunk(chunk: Sequence[tuple[int, Runnable]]) -> list[TaskOutcome]:
    """:func:`run_chunk` in a pool worker, telling the pool's progress queue (if any) how
    far each task is."""
    queue = _worker_progress
    return [run_chunk([task], None if queue is None else
                      functools.partial(_put_progress, queue, index))[0]
            for index, task in chunk]


def _put_progress(queue: Any, index: int, fraction: float) -> None:
    queue.put((index, fraction))


ProgressHandler = Callable[[int, float], None]
"""``on_progress(index, fraction)``: how far the task of that index is (0 to 1)."""


def execute(todo: Sequence[tuple[int, Runnable]], on_done: Callable[[int, TaskOutcome], None],
            workers: int = 1, executor: Executor | None = None,
            on_progress: ProgressHandler | None = None) -> None:
    """Run ``todo`` (index, task) and call ``on_done(index, outcome)`` here, in the calling
    process, as each task finishes (in any order).

    With ``executor`` (any ``concurrent.futures.Executor``, e.g. a Dask client's, whose
    ``workers`` threads in all it has) or ``workers > 1``, the tasks go out in chunks of
    :func:`chunk_size`; otherwise they run here, one by one. Here and on the local pool
    (not on an executor passed in), ``on_progress`` hears how far the tasks under way are
    (long replications only: see :func:`~simulator.runs.replication.run_replication`), before
    their ``on_done``. Tasks not yet started are cancelled when this returns early (an
    interruption, or ``on_done`` raising).
    """
    if not todo:
        return
    if executor is None and (workers <= 1 or len(todo) == 1):
        for index, task in todo:
            report = None if on_progress is None else functools.partial(on_progress, index)
            on_done(index, run_chunk([task], report)[0])
        return
    size = chunk_size(len(todo), workers, MAX_CHUNK if executor is None else MAX_CHUNK_EXECUTOR)
    chunks = [todo[k:k + size] for k in range(0, len(todo), size)]
    queue: Any = (multiprocessing.Queue() if executor is None and on_progress is not None
                  else None)
    if executor is None:
        pool: Executor = ProcessPoolExecutor(max_workers=min(workers, len(chunks)),
                                             initializer=_start_worker,
                                             initargs=(os.getpid(), queue))
        futures = {pool.submit(_pool_chunk, chunk): chunk for chunk in chunks}
    else:
        pool = executor
        futures = {pool.submit(run_chunk, [task for _, task in chunk]): chunk
                   for chunk in chunks}
    try:
        pending = set(futures)
        while pending:
            done, pending = wait(pending, timeout=PROGRESS_SECONDS, return_when=FIRST_COMPLETED)
            if queue is not None and on_progress is not None:
                while not queue.empty():
                    on_progress(*queue.get())
            for future in done:
                for (index, _), outcome in zip(futures[future], future.result(), strict=True):
                    on_done(index, outcome)
    finally:
        for future in futures:
            future.cancel()
        if executor is None:
            pool.shutdown(cancel_futures=True)
        if queue is not None:
            queue.close()
            queue.join_thread()


def _with_names(table: Table, plan: Plan) -> Table:
    """Class and station names beside their indices, for readers of the files."""
    named = dict(table)
    for column, names in (("customer_class", [cp.name for cp in plan.classes]),
                          ("station", [sp.name for sp in plan.stations])):
        if column in table:
            named[f"{column}_name"] = np.asarray(names, dtype=str)[table[column]]
    return named


def run_experiment(
    loaded: LoadedScenario,
    variants: Sequence[str] | None = None,
    replications: int | None = None,
    seed: int | None = None,
    workers: int = 1,
    out: Path | None = None,
    records: RecordsMode = "full",
    progress: Callable[[float, int], None] | None = None,
    command: Sequence[str] | None = None,
    executor: Executor | None = None,
    kind: str = "run",
    replace: bool = False,
    search: Mapping[str, Any] | None = None,
    more_later: bool = False,
) -> ExperimentResult:
    """Run replications of the chosen variants (default: base and all variants).

    ``seed`` and ``replications`` default to the scenario file's. ``progress(done, total)`` is
    called as tasks finish (``done`` has a fraction for a long replication under way here).
    ``executor``: any ``concurrent.futures.Executor`` (e.g. a Dask client's, with ``workers``
    its number of worker threads); by default a process pool of ``workers`` processes, or
    this process for one. ``records``: see :func:`tables_for`.

    With ``out``, the folder's rules apply (:mod:`simulator.runs.store`): ``kind`` (run or
    compare) goes into the manifest; ``replace`` allows removing another run's finished
    results; ``search``: the settings of a search for the number of replications (compare
    --replications auto), recorded in the manifest; ``more_later``: a round of that search,
    which keeps finished later replications of the same search for the rounds to come.
    """
    started = time.perf_counter()
    names = list(variants) if variants else loaded.variant_names
    reps = replications if replications is not None else loaded.base.replications
    check_total_work(loaded, names, reps)
    root_seed = seed if seed is not None else loaded.base.seed
    digests = {v: plan_digest(loaded.plans[v]) for v in names}
    # Workers get an absolute folder: a Dask worker's working directory may be another.
    task_out = out.resolve() if out is not None else None
    tasks = [Task(v, r, loaded.plans[v], root_seed, task_out, records,
                  task_key(digests[v], root_seed, r)) for v in names for r in range(reps)]
    if out is None:
        return _run(tasks, {}, names, loaded, reps, root_seed, workers, executor, progress,
                    started)
    document = functools.partial(
        manifest, kind, command=command, scenario=loaded.base.name,
        scenario_file=str(loaded.path), scenario_digest=loaded.digest, seed=root_seed,
        replications=reps, records=records,
        variants={v: {"plan_digest": digests[v], "stats_start": loaded.plans[v].stats_start,
                      "clock_at_zero": loaded.plans[v].clock_at_zero,
                      **({"label": loaded.labels[v]} if v in loaded.labels else {})}
                  for v in names},
        clock_at_zero=loaded.plans[BASE].clock_at_zero,  # for clock-time axes (plots)
        search=dict(search) if search is not None else None)

    def extends(variant: str, replication: int) -> str | None:
        return task_key(digests[variant], root_seed, replication) if variant in digests \
            else None

    with open_folder(out):
        done = settle_run(out, document("running"), {(t.variant, t.replication): t.key
                                                     for t in tasks},
                          tables_for(records), replace, extends if more_later else None)
        finished: dict[int, dict[str, float]] = {}
        wanted = {v: breakdown.keys(loaded.plans[v]) for v in names}
        for index, task in enumerate(tasks):
            metrics = read_task(out, task.variant, task.replication, task.key) \
                if (task.variant, task.replication) in done else None
            # a marker from before the per-class metrics lacks them: the task runs again
            if metrics is not None and all(k in metrics for k in wanted[task.variant]):
                finished[index] = metrics
        if len(finished) < len(tasks):
            write_manifest(out, document("running"))
        result = _run(tasks, finished, names, loaded, reps, root_seed, workers, executor,
                      progress, started, out)
        write_summaries(out, result)
        write_manifest(out, document("complete"))
    return result


def reusable_replications(loaded: LoadedScenario, variants: Sequence[str] | None,
                          seed: int | None, out: Path) -> int:
    """How many replications (0, 1, ... in order) of every variant (default: all) with the
    root ``seed`` (default: the file's) the folder ``out`` holds finished (their markers
    under the key they have now)."""
    names = list(variants) if variants else loaded.variant_names
    root_seed = seed if seed is not None else loaded.base.seed
    digests = {v: plan_digest(loaded.plans[v]) for v in names}
    n = 0
    while all(read_task(out, v, n, task_key(digests[v], root_seed, n)) is not None
              for v in names):
        n += 1
    return n


def _run(tasks: list[Task], results: dict[int, dict[str, float]], names: list[str],
         loaded: LoadedScenario, reps: int, seed: int, workers: int,
         executor: Executor | None, progress: Callable[[float, int], None] | None,
         started: float, out: Path | None = None) -> ExperimentResult:
    """Run the ``tasks`` not in ``results`` (index: metrics found done), writing each one's
    marker into ``out`` as it finishes, and gather every task's metrics."""
    reused = len(results)
    todo = [(i, task) for i, task in enumerate(tasks) if i not in results]
    if out is not None:  # no marker may stay beside the records of a task being redone
        for _, task in todo:
            remove(task_file(out, task.variant, task.replication))
    if progress:
        progress(len(results), len(tasks))

    under_way: dict[int, float] = {}  # index: fraction done, of long replications

    def finished(index: int, outcome: TaskOutcome) -> None:
        task = tasks[index]
        if isinstance(outcome, str):
            raise RuntimeError(f"variant {task.variant}, replication {task.replication}: "
                               f"{outcome}")
        if out is not None:  # the marker last: records are written by now
            write_task(out, task.variant, task.replication, task.key, outcome)
        results[index] = outcome
        under_way.pop(index, None)
        if progress:
            progress(round(len(results) + sum(under_way.values()), 2), len(tasks))

    def partly(index: int, fraction: float) -> None:
        if progress and index not in results:  # a late report of a finished task is void
            under_way[index] = fraction
            progress(round(len(results) + sum(under_way.values()), 2), len(tasks))

    execute(todo, finished, workers, executor, partly)
    per_variant: dict[str, list[dict[str, float]]] = {v: [] for v in names}
    for index, task in enumerate(tasks):
        per_variant[task.variant].append(results[index])
    return ExperimentResult(scenario=loaded.base.name, seed=seed, replications=reps,
                            metrics=per_variant, reused=reused,
                            seconds=time.perf_counter() - started,
                            labels={v: loaded.labels[v] for v in names if v in loaded.labels})


def write_summaries(out: Path, result: ExperimentResult) -> None:
    """``replications.csv``, ``summary.csv`` and the per-class and per-station summaries
    (``classes.csv``, ``stations.csv``)."""
    write_csv(out / "replications.csv", *result.replications_table())
    write_csv(out / "summary.csv", *result.summary_table())
    for group in breakdown.GROUPS:
        write_csv(out / f"{group}.csv", *result.group_table(group))
