"""The choices of the command line and the Python API that lower layers also use, kept in
one module of the standard library only, so that the command line can be built without
loading the simulation (numpy, scipy and pandas take over a second to load)."""

from __future__ import annotations

import os
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
