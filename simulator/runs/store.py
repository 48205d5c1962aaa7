"""The results store of run, compare and sweep: one folder layout, one manifest, task keys,
a lock, and the rules for writing into a folder that already holds something.

Layout of a results folder (every file readable by pandas in one call)::

    manifest.json                    kind, scenario, digest, seed, replications, versions, files
    .waitsim.lock                    locked (flock) by the command writing the folder
    summary.csv, replications.csv    the tables (a sweep's have a point column; + points.csv)
    classes.csv, stations.csv        summaries per customer class and per station (not sweeps)
    comparison.csv, costs.csv        ``waitsim compare`` only
    tasks/<variant>/r<rep>.json      a finished replication: its key and metrics (the marker)
    customers/<variant>-r<rep>.parquet   records, with variant and replication columns
    visits/...  segments/...  timeseries/...    (pd.read_parquet("DIR/customers") reads all)
    tasks.jsonl                      a sweep's finished tasks, one line each (the resume log)

A task's key says what its result depends on (:func:`task_key`); its marker and each of its
record files carry it, and a task counts as done only when they all carry the key the task
has now. The rules (see :func:`open_folder`, :func:`settle_run`, :func:`settle_sweep`): a
folder that is a file, holds files of something other than waitsim, or is being written by
another command is refused; finished results of another run are removed only with
``replace``; nothing but the store's own files is ever deleted, and symbolic links are never
followed.
"""

from __future__ import annotations

import json
import os
import platform
import re
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from simulator.errors import FolderConflict
from simulator.metrics import NAMES as METRIC_NAMES
from simulator.options import FIGURE_FORMATS as FIGURE_FORMATS
from simulator.plan.digest import digest_of
from simulator.runs.files import (
    metrics_from_json,
    metrics_to_json,
    parquet_key,
    remove,
    write_json,
)
from simulator.runs.lock import LOCK, hold
from simulator.spec.inputfiles import MAX_YAML_BYTES, is_regular_file, read_bytes
from simulator.version import __version__

MANIFEST, SWEEP_LOG = "manifest.json", "tasks.jsonl"
TASKS_DIR = "tasks"
RECORD_TABLES = ("customers", "visits", "segments")
"""Per-customer tables written with ``--records full``."""
TABLE_DIRS = (*RECORD_TABLES, "timeseries")
"""Every folder of record files."""
STORE_DIRS = (TASKS_DIR, *TABLE_DIRS)
COMPARISON_FILES = ("comparison.csv", "costs.csv")
"""Written by ``waitsim compare`` from a finished run; removed when the run's results change,
so they never describe results that are no longer in the folder."""
UNCERTAINTY_FILE, UNCERTAINTY_DIR = "uncertainty.json", "uncertainty"
"""Written by ``compare --uncertainty``: the analysis (removed with the comparison's files),
and its tasks' results, each under a key of all it depends on."""
REPORT_FILE = "report.html"
"""Written by ``waitsim report`` (the default place of its page): the store's own file, so a
folder holding it is still a results folder, and removed when the results change."""
FIGURES_DIR = "figures"
"""Where ``waitsim plot`` writes by default (formats: :data:`FIGURE_FORMATS`)."""
FIGURE_STEMS = ("wait_distributions", "satisfaction", "queue_over_day", "abandonment_by_hour",
                "cost_vs_satisfaction", "rank_probabilities", "uncertainty_drivers")
"""The figures ``waitsim plot`` draws (:data:`simulator.plots.FIGURES`), by file name without
the format, besides one ``improvement_<metric>`` per metric (:data:`IMPROVEMENT`)."""
IMPROVEMENT = "improvement_"


SWEEP_FIGURE = "sweep_"
"""Prefix of a sweep's figures: ``sweep_<parameter>`` per swept parameter."""
_SWEEP_FIGURE = re.compile(rf"{SWEEP_FIGURE}[A-Za-z0-9_.-]+\.(?:{'|'.join(FIGURE_FORMATS)})")


def figure_names() -> set[str]:
    """Every file name ``waitsim plot`` may write for a run or compare (a sweep's are
    :func:`is_figure_name`): the only files of a figures folder the store (or ``waitsim
    plot``) ever deletes."""
    stems = [*FIGURE_STEMS, *(f"{IMPROVEMENT}{m}" for m in METRIC_NAMES)]
    return {f"{stem}.{fmt}" for stem in stems for fmt in FIGURE_FORMATS}


def sweep_figure_stem(parameter: str) -> str:
    """The file name, without format, of a sweep's figure of ``parameter`` (a dotted
    scenario path; characters other than letters, digits, '.', '_' and '-' become '_')."""
    return SWEEP_FIGURE + re.sub(r"[^A-Za-z0-9_.-]", "_", parameter)


def is_figure_name(name: str) -> bool:
    """Whether ``name`` is that of a file ``waitsim plot`` writes (of a run, compare or
    sweep)."""
    return name in figure_names() or _SWEEP_FIGURE.fullmatch(name) is not None


BREAKDOWN_FILES = ("classes.csv", "stations.csv")
"""The summaries per customer class and per station of a run or compare."""
OUTPUTS = {
    "run": (MANIFEST, "replications.csv", "summary.csv", *BREAKDOWN_FILES),
    "compare": (MANIFEST, "replications.csv", "summary.csv", *BREAKDOWN_FILES,
                *COMPARISON_FILES),
    "sweep": (MANIFEST, SWEEP_LOG, "replications.csv", "summary.csv", "points.csv"),
}
"""The files each kind of command writes at the top of its folder."""
KINDS = tuple(OUTPUTS)
_TOP_FILES = (*OUTPUTS["compare"], *OUTPUTS["sweep"], REPORT_FILE)
"""Files the store writes at the top of a folder (atomically: temporary files of them are
its own too)."""
VOLATILE = ("written", "command")
"""Manifest keys that change from one invocation to the next without changing the results."""

MAX_JSON_BYTES = MAX_YAML_BYTES
"""The largest manifest or task marker read back (bytes; they are a few kB)."""
_MARKER = re.compile(r"r(\d{5})\.json")
_RECORD = re.compile(r"(.+)-r(\d{5})\.parquet")
_TEMP = re.compile(r"\.(.+)\.[a-z0-9_]{8}\.tmp")
TaskId = tuple[str, int]
"""(variant, replication)."""


def task_file(out: Path, variant: str, replication: int) -> Path:
    return out / TASKS_DIR / variant / f"r{replication:05d}.json"


def record_file(out: Path, table: str, variant: str, replication: int) -> Path:
    return out / table / f"{variant}-r{replication:05d}.parquet"


def task_key(plan_digest: str, seed: int, replication: int) -> str:
    """What one replication's result depends on: the plan's digest
    (:func:`simulator.plan.digest.plan_digest`), the root seed, the replication index and the
    waitsim version, as 32 hex digits."""
    return digest_of({"waitsim": __version__, "plan": plan_digest, "seed": seed,
                      "replication": replication})[:32]


# -- markers -----------------------------------------------------------------------------


def read_json_object(path: Path) -> dict[str, Any] | None:
    """The JSON object in a file, or None if it is missing, unreadable, not a regular file
    (a named pipe would block), larger than :data:`MAX_JSON_BYTES` or not an object."""
    try:
        document = json.loads(read_bytes(path, MAX_JSON_BYTES, "results file"))
    except ValueError:  # DataFileError too
        return None
    return document if isinstance(document, dict) else None


def read_task(out: Path, variant: str, replication: int, key: str) -> dict[str, float] | None:
    """Metrics of a finished replication, if its marker exists and was made under ``key``."""
    document = read_json_object(task_file(out, variant, replication))
    if document is None or document.get("key") != key:
        return None
    metrics = document.get("metrics")
    return metrics_from_json(metrics) if isinstance(metrics, dict) else None


def write_task(out: Path, variant: str, replication: int, key: str,
               metrics: Mapping[str, float]) -> None:
    write_json(task_file(out, variant, replication),
               {"key": key, "variant": variant, "replication": replication,
                "metrics": metrics_to_json(metrics)})


# -- manifest ----------------------------------------------------------------------------


def read_manifest(out: Path) -> dict[str, Any] | None:
    """The manifest of a results folder, or None if there is none (or it is unreadable)."""
    document = read_json_object(out / MANIFEST)
    return document if document is not None and not (out / MANIFEST).is_symlink() else None


def _kind(manifest: Mapping[str, Any] | None) -> str | None:
    """The kind of command that wrote a manifest (manifests of runs before kinds existed
    have ``variants`` and ``scenario_digest``), or None: not a waitsim manifest."""
    if manifest is None:
        return None
    kind = manifest.get("kind")
    if kind in KINDS:
        return str(kind)
    return "run" if {"variants", "scenario_digest"} <= set(manifest) else None


def manifest(kind: str, status: str, command: Sequence[str] | None,
             **fields: Any) -> dict[str, Any]:
    """A manifest: ``kind`` (run, compare or sweep), ``status`` (running, complete,
    incomplete), the command line, ``fields`` (scenario, scenario_digest, seed,
    replications, variants or points, ...), the versions results depend on and the files
    the kind writes."""
    import numpy
    import pyarrow
    import pydantic
    import simpy

    files = [*OUTPUTS[kind], *(f"{d}/" for d in STORE_DIRS)] if kind != "sweep" \
        else list(OUTPUTS[kind])
    return {"kind": kind, "status": status, **fields,
            "versions": {"waitsim": __version__, "python": platform.python_version(),
                         "numpy": numpy.__version__, "simpy": simpy.__version__,
                         "pyarrow": pyarrow.__version__, "pydantic": pydantic.__version__},
            "platform": sys.platform,
            "command": list(command) if command is not None else None,
            "files": files,
            "written": time.strftime("%Y-%m-%dT%H:%M:%S%z")}


def write_manifest(out: Path, document: Mapping[str, Any]) -> None:
    """Write the manifest, unless the folder's says the same (less :data:`VOLATILE` keys):
    a rerun with nothing to do then writes nothing."""
    old = read_manifest(out)
    if old is not None and all(old.get(k) == v for k, v in document.items()
                               if k not in VOLATILE) and set(old) == set(document):
        return
    write_json(out / MANIFEST, document)


# -- the folder: checks and lock ---------------------------------------------------------


def _own_hidden(name: str) -> bool:
    """The lock, or a temporary file left by an interrupted write of the store's."""
    temp = _TEMP.fullmatch(name)
    return name == LOCK or (temp is not None and temp[1] in _TOP_FILES)


def _check_usable(out: Path) -> None:
    """Refuse ``out`` if it is not a folder, or holds anything while not a results folder."""
    if out.is_symlink() and not out.exists():
        raise FolderConflict(f"{out}: a symbolic link to nothing; choose another --out")
    if out.exists() and not out.is_dir():
        raise FolderConflict(f"{out}: is a file, not a folder; choose another --out")
    for parent in out.parents:  # a file on the way: the folder cannot be made
        if parent.is_symlink() and not parent.exists():
            raise FolderConflict(f"{out}: {parent} is a symbolic link to nothing; choose "
                                 "another --out")
        if parent.exists():
            if not parent.is_dir():
                raise FolderConflict(f"{out}: {parent} is a file, not a folder; choose "
                                     "another --out")
            break
    if not out.is_dir() or _kind(read_manifest(out)) is not None:
        return
    if any(not _own_hidden(name) for name in os.listdir(out)):
        raise FolderConflict(
            f"{out}: holds files but is not a waitsim results folder (no readable "
            f"{MANIFEST}); nothing was changed. Choose a new or empty folder for --out")


@contextmanager
def open_folder(out: Path) -> Iterator[None]:
    """Check that ``out`` can be a results folder (see :func:`_check_usable`), create it and
    hold its lock for the block, so that no other waitsim command writes it meanwhile (a
    second one is refused). Nested blocks on the same folder share the lock. On a read-only
    folder there is no lock (no one can write it), and any write fails."""
    _check_usable(out)
    with hold(out, create=True):
        yield


def _not_ours(path: Path) -> FolderConflict:
    return FolderConflict(f"{path}: a symbolic link or a file where waitsim keeps a file or "
                          "folder of its own; nothing was changed. Remove it, or choose "
                          "another --out")


def check_no_links(out: Path, variants: Sequence[str] = ()) -> None:
    """Refuse the folder if any of the store's files or folders at its top, or the marker
    folder of one of ``variants``, is a symbolic link (or that marker folder a file): writing
    or cleaning it would reach what is not the store's."""
    names = {LOCK, *_TOP_FILES, *STORE_DIRS, FIGURES_DIR, UNCERTAINTY_FILE, UNCERTAINTY_DIR}
    for name in sorted(names):
        if (out / name).is_symlink():
            raise _not_ours(out / name)
    for variant in variants:
        folder = out / TASKS_DIR / variant
        if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
            raise _not_ours(folder)


def _store_dir(out: Path, name: str) -> Path | None:
    """``out/name`` if it is a folder, None if absent; a link or a file there is refused,
    since cleaning or writing it would reach files that are not the store's."""
    path = out / name
    if path.is_symlink() or (path.exists() and not path.is_dir()):
        raise _not_ours(path)
    return path if path.is_dir() else None


def _files(folder: Path, pattern: re.Pattern[str]) -> Iterator[tuple[re.Match[str], Path]]:
    """Regular files (not links) of ``folder`` whose names match ``pattern``."""
    with os.scandir(folder) as entries:
        for entry in entries:
            match = pattern.fullmatch(entry.name)
            if match and entry.is_file(follow_symlinks=False):
                yield match, Path(entry.path)


def _task_dirs(out: Path) -> list[tuple[str, Path]]:
    """The folders of markers, one per variant: (variant, folder)."""
    tasks = _store_dir(out, TASKS_DIR)
    if tasks is None:
        return []
    found = []
    for name in sorted(os.listdir(tasks)):
        folder = tasks / name
        if folder.is_symlink():  # a variant's markers would be read or written there
            raise _not_ours(folder)
        if folder.is_dir():
            found.append((name, folder))
    return found


def markers(out: Path) -> dict[TaskId, Path]:
    """Every task marker in the folder, by (variant, replication)."""
    return {(variant, int(match[1])): path for variant, folder in _task_dirs(out)
            for match, path in _files(folder, _MARKER)}


def temp_files(out: Path) -> list[Path]:
    """Temporary files that interrupted writes of the store's left behind
    (:func:`simulator.runs.files.atomic_file` names them ``.NAME.XXXXXXXX.tmp``)."""
    places: list[tuple[Path | None, Callable[[str], bool]]] = [
        (out, lambda name: name in _TOP_FILES)]
    places += [(_store_dir(out, table), lambda name: _RECORD.fullmatch(name) is not None)
               for table in TABLE_DIRS]
    places += [(folder, lambda name: _MARKER.fullmatch(name) is not None)
               for _, folder in _task_dirs(out)]
    return [path for folder, named in places if folder is not None
            for match, path in _files(folder, _TEMP) if named(match[1])]


def record_files(out: Path) -> dict[tuple[str, str, int], Path]:
    """Every record file in the folder, by (table, variant, replication)."""
    found: dict[tuple[str, str, int], Path] = {}
    for table in TABLE_DIRS:
        folder = _store_dir(out, table)
        if folder is not None:
            for match, path in _files(folder, _RECORD):
                found[(table, match[1], int(match[2]))] = path
    return found


def figure_files(out: Path) -> list[Path]:
    """The figures ``waitsim plot`` drew into ``out/figures``: files of the names it writes
    (:func:`is_figure_name`), never any other file there."""
    folder = _store_dir(out, FIGURES_DIR)
    if folder is None:
        return []
    return sorted(path for name in os.listdir(folder)
                  if is_figure_name(name) and (path := folder / name).is_file()
                  and not path.is_symlink())


# -- what a command may remove -----------------------------------------------------------


def _log_tasks(out: Path) -> int:
    """Finished tasks in a sweep's resume log (whole lines)."""
    if not is_regular_file(out / SWEEP_LOG):
        return 0
    try:
        return (out / SWEEP_LOG).read_bytes().count(b"\n")
    except OSError:
        return 0


def _differences(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """How the folder's results differ from those asked for, for the user."""
    said: list[str] = []
    if _kind(old) != new["kind"] and "sweep" in (_kind(old), new["kind"]):
        said.append(f"they are a {_kind(old)}'s, this is a {new['kind']}")
    if old.get("seed") != new.get("seed"):
        said.append(f"seed {old.get('seed')}, now {new.get('seed')}")
    for key, what in (("scenario_digest", "the scenario"), ("digest", "the sweep")):
        if key in new and old.get(key) != new[key]:
            said.append(f"{what} changed")
    if isinstance(old.get("replications"), int) and old["replications"] > new["replications"]:
        said.append(f"{old['replications']} replications, now {new['replications']}")
    left = [v for v in old.get("variants") or () if v not in (new.get("variants") or ())]
    if left and new["kind"] != "sweep":
        said.append(f"variant(s) {', '.join(left)} not asked for")
    old_version = (old.get("versions") or {}).get("waitsim")
    if old_version != __version__:
        said.append(f"made by waitsim {old_version}, this is {__version__}")
    elif _kind(old) != "sweep" and "kind" not in old:
        said.append("made by an earlier waitsim, whose task keys were of another form")
    return said


def _refuse(out: Path, old: Mapping[str, Any], doomed: Sequence[TaskId], logged: int,
            new: Mapping[str, Any]) -> FolderConflict:
    """The error for a command that would remove finished results without ``replace``."""
    parts = []
    if doomed:
        names = ", ".join(dict.fromkeys(v for v, _ in sorted(doomed)))
        parts.append(f"{len(doomed)} finished replication(s) of variant(s) {names}")
    if logged:
        parts.append(f"{logged} finished task(s) of a sweep")
    why = "; ".join(_differences(old, new)) or "other results"
    return FolderConflict(
        f"{out}: would remove {' and '.join(parts)} (seed {old.get('seed')}; {why}); nothing "
        "was changed. Pass --replace to discard them, or choose another --out")


def settle_run(out: Path, new: Mapping[str, Any], keys: Mapping[TaskId, str],
               tables: Sequence[str], replace: bool,
               extends: Callable[[str, int], str | None] | None = None) -> set[TaskId]:
    """Make the folder ready for a run (or compare) of the tasks ``keys`` (with their keys)
    whose records go into ``tables``, and return the tasks found done (marker and every
    record file under the task's key).

    Finished results of other runs (another kind, seed, scenario, fewer replications or
    variants) would be removed: refused unless ``replace``. ``extends(variant, rep)``: the
    key of a later replication of the same experiment, which a search for the number of
    replications (``new["search"]``: compare --replications auto) may yet want; kept as it
    is if the folder's results come from the same search (the same command resumed). Then,
    before any task is redone, the markers and records of every task not done are removed
    (a crash can never leave an old marker beside new records); the comparison and figures
    too when the results change.
    """
    check_no_links(out, sorted({variant for variant, _ in keys}))
    old = read_manifest(out) or {}
    if old.get("search") != new.get("search"):
        extends = None
    found = markers(out)
    records = record_files(out)
    done: set[TaskId] = set()
    kept: set[TaskId] = set()
    doomed: list[TaskId] = []
    for task, path in found.items():
        key = (read_json_object(path) or {}).get("key")
        if not isinstance(key, str):
            continue  # unreadable: not a result; removed below
        if keys.get(task) == key:
            if all(parquet_key(record_file(out, t, *task)) == key for t in tables):
                done.add(task)
        elif extends is not None and task not in keys and extends(*task) == key:
            kept.add(task)
        else:
            doomed.append(task)
    sweep = _kind(old) == "sweep"
    logged = _log_tasks(out) if sweep else 0
    if (doomed or logged) and not replace:
        raise _refuse(out, old, doomed, logged, new)
    keep = done | kept
    stale = [path for task, path in found.items() if task not in keep]
    stale += [path for (table, variant, rep), path in records.items()
              if (variant, rep) not in keep or ((variant, rep) in done and table not in tables)]
    if sweep:
        stale += [out / name for name in OUTPUTS["sweep"] if name not in OUTPUTS["run"]]
    changed = bool(stale) or len(done) < len(keys)
    if changed:  # they describe results that go
        stale += [out / name for name in (*COMPARISON_FILES, UNCERTAINTY_FILE, REPORT_FILE)]
        stale += figure_files(out)
    _clean(out, new, stale + temp_files(out))
    return done


def _clean(out: Path, new: Mapping[str, Any], paths: Sequence[Path]) -> None:
    """Remove ``paths``; first, if any exists, the manifest becomes ``new`` (status running),
    so an interruption never leaves a manifest saying complete over results partly gone."""
    paths = [path for path in paths if os.path.lexists(path)]
    if not paths:
        return
    write_manifest(out, {**new, "status": "running"})
    for path in paths:
        remove(path)


def settle_sweep(out: Path, new: Mapping[str, Any], replace: bool) -> None:
    """Make the folder ready for the sweep ``new`` (its manifest): the same sweep resumes;
    any other results (a run's, or another sweep's) are removed only with ``replace``."""
    check_no_links(out)
    old = read_manifest(out)
    if old is None or (_kind(old) == "sweep" and old.get("digest") == new["digest"]):
        return
    found = markers(out)
    finished = [task for task, path in found.items()
                if isinstance((read_json_object(path) or {}).get("key"), str)]
    logged = _log_tasks(out) if _kind(old) == "sweep" else 0
    if (finished or logged) and not replace:
        raise _refuse(out, old, finished, logged, new)
    owned = set(_TOP_FILES) - {MANIFEST}
    _clean(out, new, [*found.values(), *record_files(out).values(), *figure_files(out),
                      *temp_files(out), *(out / name for name in sorted(owned))])
