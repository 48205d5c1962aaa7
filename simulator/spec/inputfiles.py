"""Reading files a user names, safely: regular files only, of a bounded size.

A scenario may name any path (``file: /dev/zero``), and a results folder may hold anything
under the names waitsim reads back. Every such file is checked here before it is opened:

* only a regular file (or a link to one) is read: a folder, a named pipe (which would block
  for ever), a device (``/dev/zero`` never ends) or a socket is refused by its path, before
  it is opened, and again on the opened file (it may have been swapped in between);
* a scenario or sweep file holds at most :data:`MAX_YAML_BYTES`, a data file (CSV)
  at most :func:`data_limit` bytes and :func:`row_limit` rows, checked before reading;
* messages give the file, the line and the column, never the text of a line: the file may
  be anything the user can read, and a message may end up in a log.
"""

from __future__ import annotations

import csv
import io
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path

from simulator.spec.base import did_you_mean

MB = 1_000_000
MAX_YAML_BYTES = 4 * MB
"""The largest scenario or sweep file read (bytes): a scenario is a few kB, and the node cap
of :mod:`simulator.spec.yamlsource` (100,000 values) is reached in under 1 MB of YAML. Data
belongs in CSV files (``file:``)."""
DATA_LIMIT_VARIABLE = "WAITSIM_MAX_DATA_MB"
"""The environment variable that raises the limits on data files (in MB, default
:data:`DEFAULT_DATA_MB`)."""
DEFAULT_DATA_MB = 64
BYTES_PER_ROW = 32
"""Rows allowed per byte of the data limit: 64 MB allow 2 million rows (each a float kept in
memory, about 32 bytes in Python), whatever the length of the lines."""


class DataFileError(ValueError):
    """A file that cannot be used; ``key`` is the scenario field at fault (``file``, or the
    field naming a column that is missing)."""

    def __init__(self, path: Path | str, problem: str, key: str = "file",
                 line: int | None = None) -> None:
        super().__init__(f"{path}{'' if line is None else f':{line}'}: {problem}")
        self.path, self.problem, self.key = path, problem, key


def data_limit() -> int:
    """The largest data file read, in bytes: ``$WAITSIM_MAX_DATA_MB`` MB (default 64)."""
    text = os.environ.get(DATA_LIMIT_VARIABLE, "").strip()
    if not text:
        return DEFAULT_DATA_MB * MB
    if not text.isdigit() or int(text) < 1:
        raise DataFileError(f"${DATA_LIMIT_VARIABLE}", f"must be a whole number of MB >= 1 "
                            f"(got {text[:20]!r})")
    return int(text) * MB


def row_limit() -> int:
    """The most rows read from a data file (2 million under the default limit)."""
    return data_limit() // BYTES_PER_ROW


_KINDS = ((stat.S_ISDIR, "is a directory, not a file"),
          (stat.S_ISFIFO, "is a named pipe (FIFO), not a regular file"),
          (stat.S_ISCHR, "is a device, not a regular file"),
          (stat.S_ISBLK, "is a device, not a regular file"),
          (stat.S_ISSOCK, "is a socket, not a regular file"))


def kind_problem(mode: int) -> str | None:
    """Why a file of ``mode`` (``st_mode``) cannot be read as a file (None: regular)."""
    if stat.S_ISREG(mode):
        return None
    return next((problem for test, problem in _KINDS if test(mode)), "is not a regular file")


def file_problem(path: Path) -> str | None:
    """Why ``path`` cannot be read as a file (None: it is a regular file, or a link to one);
    nothing is opened."""
    try:
        return kind_problem(os.stat(path).st_mode)
    except FileNotFoundError:
        return "no such file"
    except NotADirectoryError:
        return "no such file (a part of the path is not a folder)"
    except OSError as exc:
        return f"cannot read ({exc.strerror})"


def is_regular_file(path: Path) -> bool:
    """True when ``path`` is a regular file (or a link to one): safe to open and read."""
    return file_problem(path) is None


def _too_big(size: int, limit: int, what: str, grown: bool = False) -> str:
    extra = (f"; set {DATA_LIMIT_VARIABLE} to a larger number of MB to read it"
             if what == "data file" else "")
    return (f"{'more than ' if grown else ''}{size:,} bytes, over the limit of {limit:,} "
            f"bytes for a {what}{extra}")


def read_bytes(path: Path, limit: int, what: str) -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` of them (``what`` names the
    kind of file in the message). Raises :class:`DataFileError`."""
    problem = file_problem(path)
    if problem is not None:
        raise DataFileError(path, problem)
    # O_NONBLOCK: should a pipe be swapped in after the check, opening it does not block.
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise DataFileError(path, f"cannot read ({exc.strerror})") from None
    try:
        info = os.fstat(fd)
        problem = kind_problem(info.st_mode)
        if problem is not None:
            raise DataFileError(path, problem)
        if info.st_size > limit:
            raise DataFileError(path, _too_big(info.st_size, limit, what))
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise DataFileError(path, f"cannot read ({exc.strerror})") from None
    finally:
        os.close(fd)
    if len(data) > limit:  # it grew after the check
        raise DataFileError(path, _too_big(limit, limit, what, grown=True))
    return data


_NUMBERISH = re.compile(r"[-+0-9.,:eE ]{1,24}")


def shown_cell(cell: str) -> str:
    """A CSV cell as a message may show it: quoted when it looks like a number or a time
    (``'25:00'``), described otherwise (the file may hold anything)."""
    if not cell:
        return "an empty cell"
    return repr(cell) if _NUMBERISH.fullmatch(cell) else "text"


def csv_cells(path: Path, column: str, *, column_key: str = "column",
              only: tuple[str, str, str] | None = None) -> Iterator[tuple[int, str]]:
    """``(line, cell)`` for each row of the CSV file ``path`` (a header row, then data) in
    its ``column``, the cell stripped of spaces; ``column_key`` is the scenario field naming
    the column. ``only=(filter_column, value, key)`` keeps the rows whose ``filter_column``
    holds ``value`` (``key``: the field naming ``filter_column``).

    The file is read under :func:`data_limit` and :func:`row_limit`; every problem is a
    :class:`DataFileError` giving the line, never the file's text.
    """
    raw = read_bytes(path, data_limit(), "data file")
    rows = row_limit()
    text = io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8-sig", newline="")
    reader = csv.reader(text)
    try:
        header = next(reader, [])
        wanted = [(column, column_key)] + ([(only[0], only[2])] if only else [])
        for name, key in wanted:
            if name not in header:

                hint = did_you_mean(name, header) if len(name) > 2 else ""
                raise DataFileError(path, f"no column '{name}' in its first line{hint} "
                                    f"({len(header)} column(s))", key)
        index = header.index(column)
        keep = (header.index(only[0]), only[1]) if only else None
        for count, row in enumerate(reader, start=1):
            if count > rows:
                raise DataFileError(path, f"more than {rows:,} rows; set "
                                    f"{DATA_LIMIT_VARIABLE} to read more (see "
                                    "docs/input-safety.md)", line=reader.line_num)
            if not row or (keep is not None and _cell(row, keep[0]) != keep[1]):
                continue
            yield reader.line_num, _cell(row, index).strip()
    except UnicodeDecodeError:
        raise DataFileError(path, "not UTF-8 text; expected a CSV file") from None
    except csv.Error as exc:
        raise DataFileError(path, f"cannot read as CSV ({exc})",
                            line=reader.line_num) from None


def _cell(row: list[str], index: int) -> str:
    return row[index] if index < len(row) else ""
