"""The choices of the command line and the Python API that lower layers also use, kept in
one module of the standard library only, so that the command line can be built without
loading the simulation (numpy, scipy and pandas take over a second to load)."""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Callable
from typing import Literal

RecordsMode = Literal["full", "summary", "none"]
RECORDS_MODES: tuple[RecordsMode, ...] = ("full", "summary", "none")
"""What a run keeps besides its metrics: every record, time series only, or nothing."""
FIGURE_FORMATS = ("png", "svg", "pdf")
"""The file formats ``waitsim plot`` writes."""
DEFAULT_MAX_REPLICATIONS = 200
"""The cap of ``--replications auto`` (replications per variant)."""


def default_workers() -> int:
    """Worker processes when none are asked for: every core."""
    return max(1, os.cpu_count() or 1)


def whole_number(minimum: int) -> Callable[[str], int]:
    """An option's type: a whole number >= ``minimum``."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a whole number (got {text!r})") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be >= {minimum} (got {value})")
        return value

    return parse


def _finite_number(text: str, positive: bool) -> float:
    """An option's number: finite, and > 0 (``positive``) or >= 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number (got {text!r})") from None
    if not (math.isfinite(value) and (value > 0 if positive else value >= 0)):
        raise argparse.ArgumentTypeError(
            f"must be a number {'>' if positive else '>='} 0 (got {text})")
    return value


def non_negative_number(text: str) -> float:
    """An option's type: a finite number >= 0."""
    return _finite_number(text, positive=False)


def positive_number(text: str) -> float:
    """An option's type: a finite number > 0."""
    return _finite_number(text, positive=True)
