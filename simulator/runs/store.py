"""Writing and reading results: atomic files, one set per finished replication.

Layout of a run directory (every file readable by pandas in one call)::

    manifest.json                    scenario, file digest, seed, versions, command, variants
    summary.csv                      variant, metric, mean, ci_low, ci_high, n
    replications.csv                 one row per variant x replication: every metric
    comparison.csv, costs.csv        ``waitsim compare`` only (removed when a run starts)
    tasks/<variant>/r<rep>.json      metrics of a finished replication (the "done" marker)
    customers/<variant>-r<rep>.parquet   records, with variant and replication columns
    visits/...  segments/...  timeseries/...    (pd.read_parquet("DIR/customers") reads all)

Every file is written to a temporary name and renamed, so an interrupted run never leaves a
half-written file under a result's name (a kill -9 can leave a hidden ``.NAME.*.tmp`` file,
which readers of a folder skip and the next run in the folder removes); a replication counts
as done only once its ``tasks`` JSON exists, and it is written last.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from simulator.engine.journeys import Table

RECORD_TABLES = ("customers", "visits", "segments")
"""Per-customer tables written with ``--records full``."""
COMPARISON_FILES = ("comparison.csv", "costs.csv")
"""Written by ``waitsim compare`` from a finished run; a new run removes them first, so they
never describe results that are no longer in the folder."""
FIGURES_DIR, FIGURE_FORMATS = "figures", ("png", "svg", "pdf")
"""Where ``waitsim plot`` writes by default, and the formats it writes."""


def remove_figures(out: Path) -> None:
    """Remove the figures ``waitsim plot`` drew into ``out/figures`` (other files stay): a new
    run calls this first, so no figure describes results that are no longer in the folder."""
    folder = out / FIGURES_DIR
    if folder.is_dir():
        for path in folder.iterdir():
            if path.is_file() and path.suffix.lstrip(".") in FIGURE_FORMATS:
                path.unlink()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _umask()
"""The process's umask, read once at import (reading it means setting it)."""


@contextmanager
def atomic_file(path: Path) -> Iterator[BinaryIO]:
    """A file to write ``path`` through, so that readers see the old file or the new one,
    never a partial one: a temporary file in the same folder, fsynced and renamed when the
    block ends, removed if it raises."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~_UMASK)  # mkstemp makes 0600; results are ordinary files
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (:func:`atomic_file`)."""
    with atomic_file(path) as handle:
        handle.write(data)


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def write_json(path: Path, document: Any) -> None:
    atomic_write_text(path, json.dumps(document, indent=2, allow_nan=False) + "\n")


def _arrow(table: Table, constants: Mapping[str, Any]) -> pa.Table:
    n = len(next(iter(table.values()))) if table else 0
    columns = {k: pa.array(np.full(n, v)) if not isinstance(v, str) else
               pa.array([v] * n, type=pa.string()) for k, v in constants.items()}
    columns.update({k: pa.array(v) for k, v in table.items()})
    return pa.table(columns)


@contextmanager
def parquet_parts(path: Path) -> Iterator[Callable[[Table, Mapping[str, Any]], None]]:
    """``write(table, constants)``, to call once or more: a Parquet file at ``path`` made of
    the parts written (a row group each), put in place atomically when the block ends. The
    parts must have the same columns; at least one must be written."""
    with atomic_file(path) as handle:
        writer: pq.ParquetWriter | None = None

        def write(table: Table, constants: Mapping[str, Any]) -> None:
            nonlocal writer
            part = _arrow(table, constants)
            if writer is None:
                writer = pq.ParquetWriter(handle, part.schema)
            writer.write_table(part)

        try:
            yield write
        except BaseException:
            if writer is not None:  # closed now, not when collected (onto a closed file)
                writer.close()
            raise
        if writer is None:
            raise ValueError(f"{path}: nothing was written")
        writer.close()


def write_parquet(path: Path, table: Table, constants: Mapping[str, Any]) -> None:
    """A table of numpy columns, plus constant columns (variant, replication), as Parquet."""
    with parquet_parts(path) as write:
        write(table, constants)


def write_csv(path: Path, header: list[str], rows: Iterable[Iterable[Any]]) -> None:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    atomic_write_text(path, text.getvalue())


def task_file(out: Path, variant: str, replication: int) -> Path:
    return out / "tasks" / variant / f"r{replication:05d}.json"


def record_file(out: Path, table: str, variant: str, replication: int) -> Path:
    return out / table / f"{variant}-r{replication:05d}.parquet"


def read_manifest(out: Path) -> dict[str, Any] | None:
    """The manifest of a run directory, or None if there is none (or it is unreadable)."""
    try:
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) else None


def read_task(out: Path, variant: str, replication: int, key: str) -> dict[str, float] | None:
    """Metrics of a finished replication, if its marker exists and was made under ``key``
    (the variant's plan digest, seed and waitsim version)."""
    try:
        document = json.loads(task_file(out, variant, replication).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(document, dict) or document.get("key") != key:
        return None
    metrics = document.get("metrics")
    if not isinstance(metrics, dict):
        return None
    return metrics_from_json(metrics)


def write_task(out: Path, variant: str, replication: int, key: str,
               metrics: Mapping[str, float]) -> None:
    write_json(task_file(out, variant, replication),
               {"key": key, "variant": variant, "replication": replication,
                "metrics": metrics_to_json(metrics)})


def metrics_to_json(metrics: Mapping[str, float]) -> dict[str, float | None]:
    """A replication's metrics for a JSON file: NaN (undefined) as null, since JSON has no
    NaN."""
    return {k: (None if v != v else v) for k, v in metrics.items()}


def metrics_from_json(metrics: Mapping[str, Any]) -> dict[str, float]:
    """The inverse of :func:`metrics_to_json`: null as NaN, every value a float."""
    return {k: (float("nan") if v is None else float(v)) for k, v in metrics.items()}


class AppendLog:
    """A JSON-lines file that grows one whole line at a time, for results that must survive
    an interruption (e.g. a sweep's finished tasks).

    Each record is one ``write`` of one line, flushed to disk (fsync) before :meth:`append`
    returns, so a kill -9 loses at most the record being written; a torn last line (a crash
    or power cut mid-write) is cut off when the log is opened again, before anything is added.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.records: list[dict[str, Any]] = []
        if path.exists():
            data = path.read_bytes()
            whole = data[: data.rfind(b"\n") + 1]
            if len(whole) != len(data):
                os.truncate(path, len(whole))
            for line in whole.splitlines():
                try:
                    record = json.loads(line)
                except ValueError:
                    continue  # not written by this class; ignored rather than trusted
                if isinstance(record, dict):
                    self.records.append(record)
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def append(self, record: Mapping[str, Any]) -> None:
        line = json.dumps(record, allow_nan=False, separators=(",", ":")) + "\n"
        os.write(self._fd, line.encode("utf-8"))
        os.fsync(self._fd)

    def close(self) -> None:
        os.close(self._fd)

    def __enter__(self) -> AppendLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
