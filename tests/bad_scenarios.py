"""The valid scenario the bad-input tests break, and what a refusal must look like."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

# A valid scenario; the numbers on the right are its line numbers, which the cases below rely on.
BASE = """\
name: Test branch
open: "09:00"
close: "12:00"
customers:
  walk_in:
    arrivals: {process: poisson, rate_per_hour: {"09:00": 30, "10:00": 50}}
    patience: {dist: exponential, mean: 20}
    balk: {queue_length: 10}
stations:
  teller:
    servers: 2
    service: {dist: lognormal, mean: 4.0, sd: 2.5}
    breakdowns: {mtbf: 120, repair: {dist: exponential, mean: 10}}
variants:
  more: {stations: {teller: {servers: 3}}}
"""
#  1 name            6 arrivals       11 servers
#  2 open            7 patience       12 service
#  3 close           8 balk           13 breakdowns
#  4 customers       9 stations       14 variants
#  5 walk_in        10 teller         15 more

ARRIVALS = '    arrivals: {process: poisson, rate_per_hour: {"09:00": 30, "10:00": 50}}\n'
SERVICE = "    service: {dist: lognormal, mean: 4.0, sd: 2.5}\n"
VARIANT = "  more: {stations: {teller: {servers: 3}}}\n"
CUSTOMERS = BASE[BASE.index("customers:") : BASE.index("stations:")]
STATIONS = BASE[BASE.index("stations:") : BASE.index("variants:")]

# The baseline with a second station (for routes).
TWO_STATIONS = BASE.replace(
    "variants:\n",
    "  cashier:\n    servers: 1\n    service: {dist: exponential, mean: 2}\nvariants:\n",
)
# 14 cashier, 15 servers, 16 service, 17 variants, 18 more; an appended route starts on line 19.
ROUTED = TWO_STATIONS + "route:\n  start: teller\n  teller: {cashier: 0.6, exit: 0.4}\n" \
    "  cashier: exit\n"


def sub(old: str, new: str, text: str = BASE) -> str:
    """``text`` with its only occurrence of ``old`` replaced by ``new``."""
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


@dataclass(frozen=True)
class Case:
    """A malformed scenario file and where its message must point."""

    id: str
    content: str | bytes | None
    """The file's text or bytes; None: the file does not exist."""
    line: int | None
    """Line the message must point at (``path:LINE:``); None for whole-file problems."""
    field: str | None
    """Dotted field path shown after the line (``path:LINE: FIELD: ``); None: not checked."""
    message: str | None
    """Part of the explanation that must appear; None: not checked."""
    files: tuple[tuple[str, str], ...] = ()
    """Data files written next to the scenario (name, text)."""


def check_refused(case: Case, path: Path, code: int, out: str, err: str) -> None:
    """``case`` (written at ``path``) was refused: exit code 2, one message on standard error
    naming the file, the line and the field, nothing on standard output, no traceback."""
    assert code == 2, f"exit code {code}; stderr:\n{err}"
    assert "Traceback" not in out + err
    assert out == ""
    assert err.strip(), "no message on standard error"
    assert len(err.strip().splitlines()) == 1, f"one fault, one message; got:\n{err}"
    where = f"{path}:{case.line}: " if case.line is not None else f"{path}:"
    assert where in err, f"expected {where!r} in:\n{err}"
    if case.message is not None:
        assert case.message in err, f"expected {case.message!r} in:\n{err}"
    if case.field is not None:
        assert f"{where}{case.field}: " in err, f"expected field {case.field!r} in:\n{err}"


# A data file named by a scenario: as the service times of the teller (``file:`` on line 14)
# or as the walk-ins' arrival trace (``file:`` on line 8).
EMPIRICAL_AT = (14, "stations.teller.service.file")
TRACE_AT = (8, "customers.walk_in.arrivals.file")


def naming_data_file(file: str, kind: str = "empirical") -> str:
    """:data:`BASE` with ``file`` as its empirical service times or its arrival trace."""
    if kind == "empirical":
        return sub(SERVICE, f"    service:\n      dist: empirical\n      file: '{file}'\n"
                            "      column: minutes\n")
    return sub(ARRIVALS, f"    arrivals:\n      process: trace\n      file: '{file}'\n")


def special_file(kind: str, folder: Path) -> Path:
    """A path that is no regular file, made in ``folder``: ``fifo`` (a named pipe: reading it
    would block for ever), ``zero`` (a link to /dev/zero: it never ends), ``dir``, or
    ``huge`` (a sparse file past every size limit)."""
    path = folder / f"special-{kind}"
    if os.path.lexists(path):
        return path
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "zero":
        path.symlink_to("/dev/zero")
    elif kind == "dir":
        path.mkdir()
    else:
        with path.open("wb") as handle:
            handle.truncate(200 * 10**6)  # no disk used: a hole
    return path


def without_blocking(call: Callable[[], T], fifos: Iterable[Path] = (), seconds: float = 60
                     ) -> T:
    """``call()``, failing the test if it has not returned within ``seconds`` (it blocked on
    one of ``fifos``, which are then opened for writing and closed, so that the reader sees
    an end and the test run goes on)."""
    outcome: list[Any] = []

    def target() -> None:
        try:
            outcome.append(("value", call()))
        except BaseException as exc:  # handed to the test's thread below
            outcome.append(("error", exc))

    thread = threading.Thread(target=target, daemon=True)
    started = time.monotonic()
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        for fifo in fifos:
            with contextlib.suppress(OSError):
                os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        thread.join(10)
        raise AssertionError(f"still reading after {time.monotonic() - started:.0f} s: "
                             "blocked on a named pipe?")
    kind, value = outcome[0]
    if kind == "error":
        raise value
    return value  # type: ignore[no-any-return]
