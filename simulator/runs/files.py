"""Writing files so that an interruption never leaves half a file under a result's name.

Every file is written to a temporary name in the same folder and renamed, so readers see the
old file or the new one (a kill -9 can leave a hidden ``.NAME.*.tmp`` file, which readers of
a folder skip and the next command writing the folder removes). Writing a text file with the
bytes it already holds does nothing, so a rerun with nothing new to write works on a
read-only folder. Parquet record files carry the key of the task that wrote them in their
schema metadata (:data:`KEY_METADATA`). The layout of a results folder and its rules are
:mod:`simulator.runs.store`.
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
from simulator.runs.lock import not_its_own
from simulator.spec.inputfiles import file_problem


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
    """Write ``data`` to ``path`` atomically (:func:`atomic_file`), unless ``path`` is a
    file that holds exactly ``data`` already."""
    if not path.is_symlink() and path.is_file() and path.read_bytes() == data:
        return
    with atomic_file(path) as handle:
        handle.write(data)


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def write_json(path: Path, document: Any) -> None:
    atomic_write_text(path, json.dumps(document, indent=2, allow_nan=False) + "\n")


KEY_METADATA = b"waitsim.task_key"
"""Schema metadata of a record file: the key of the task whose records it holds."""


def remove(path: Path) -> None:
    """Delete one file (or symbolic link; never what it points to), if it exists. A missing
    file costs no write: on a read-only file system, unlink fails even for a missing one."""
    if os.path.lexists(path):
        path.unlink(missing_ok=True)


def parquet_key(path: Path) -> str | None:
    """The task key a record file was written under (None: no file, unreadable, or none)."""
    try:
        metadata = pq.read_schema(path).metadata or {}
    except (OSError, ValueError, pa.ArrowException):
        return None
    key = metadata.get(KEY_METADATA)
    return key.decode("utf-8", "replace") if key is not None else None


def _arrow(table: Table, constants: Mapping[str, Any]) -> pa.Table:
    n = len(next(iter(table.values()))) if table else 0
    columns = {k: pa.array(np.full(n, v)) if not isinstance(v, str) else
               pa.array([v] * n, type=pa.string()) for k, v in constants.items()}
    columns.update({k: pa.array(v) for k, v in table.items()})
    return pa.table(columns)


def _described(schema: pa.Schema, descriptions: Mapping[str, str],
               metadata: Mapping[bytes, bytes]) -> pa.Schema:
    """``schema`` with each column's description (field metadata ``description``) and the
    file's ``metadata``."""
    fields = [f.with_metadata({b"description": descriptions[f.name].encode("utf-8")})
              if f.name in descriptions else f for f in schema]
    return pa.schema(fields, metadata=dict(metadata))


@contextmanager
def parquet_parts(path: Path, key: str, descriptions: Mapping[str, str] | None = None,
                  metadata: Mapping[bytes, bytes] | None = None
                  ) -> Iterator[Callable[[Table, Mapping[str, Any]], None]]:
    """``write(table, constants)``, to call once or more: a Parquet file at ``path`` made of
    the parts written (a row group each), put in place atomically when the block ends, with
    the task ``key`` and ``metadata`` in its schema metadata, and ``descriptions`` of its
    columns in their field metadata. The parts must have the same columns; at least one
    must be written."""
    with atomic_file(path) as handle:
        writer: pq.ParquetWriter | None = None

        def write(table: Table, constants: Mapping[str, Any]) -> None:
            nonlocal writer
            part = _arrow(table, constants)
            if writer is None:
                schema = _described(part.schema, descriptions or {},
                                    {**(metadata or {}), KEY_METADATA: key.encode("utf-8")})
                writer = pq.ParquetWriter(handle, schema)
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


def write_parquet(path: Path, table: Table, constants: Mapping[str, Any], key: str,
                  descriptions: Mapping[str, str] | None = None,
                  metadata: Mapping[bytes, bytes] | None = None) -> None:
    """A table of numpy columns, plus constant columns (variant, replication), as Parquet
    (``key``, ``descriptions``, ``metadata``: see :func:`parquet_parts`)."""
    with parquet_parts(path, key, descriptions, metadata) as write:
        write(table, constants)


def write_csv(path: Path, header: list[str], rows: Iterable[Iterable[Any]]) -> None:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    atomic_write_text(path, text.getvalue())


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
        if path.is_symlink():  # never read, cut or written through a link
            raise not_its_own(path)
        problem = file_problem(path) if os.path.lexists(path) else None
        if problem is not None:  # a named pipe would block the reading below
            raise not_its_own(path, f"something that {problem}")
        path.parent.mkdir(parents=True, exist_ok=True)
        self.records: list[dict[str, Any]] = []
        if path.exists():
            data = path.read_bytes()
            whole = data[: data.rfind(b"\n") + 1]
            if len(whole) != len(data):
                fd = os.open(path, os.O_WRONLY | os.O_NOFOLLOW)
                try:
                    os.ftruncate(fd, len(whole))
                finally:
                    os.close(fd)
            for line in whole.splitlines():
                try:
                    record = json.loads(line)
                except ValueError:
                    continue  # not written by this class; ignored rather than trusted
                if isinstance(record, dict):
                    self.records.append(record)
        self._fd: int | None = None  # opened by the first append: reading writes nothing

    def append(self, record: Mapping[str, Any]) -> None:
        if self._fd is None:
            self._fd = os.open(self.path,
                               os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, 0o644)
        line = json.dumps(record, allow_nan=False, separators=(",", ":")) + "\n"
        os.write(self._fd, line.encode("utf-8"))
        os.fsync(self._fd)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> AppendLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
