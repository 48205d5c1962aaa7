"""The valid scenario the bad-input tests break, and what a refusal must look like."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

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
