"""Caps on the work a run implies: ``limits:`` at the top of a scenario file.

The plausibility bounds (:mod:`simulator.spec.bounds`) keep each number sane; these caps
keep their product sane: a rate, a horizon and a number of replications that are each
plausible can together ask for billions of customers. The estimate is made before anything
is built (:mod:`simulator.plan.workload`) and a run beyond a cap is refused with the
estimate. A scenario that means it raises the cap here, on purpose.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from simulator.spec.base import Strict

CapValue = Annotated[int, Field(ge=1, le=10**15)]


class Limits(Strict):
    """Caps on the expected work of a run (``limits:``); raise one to run more on purpose.
    Expected counts come from the rates, windows and counts in the file: a run may see
    somewhat more, by chance."""

    customers_per_replication: CapValue = 20_000_000
    """Most expected customers in one replication of one variant (arrivals, bookings and
    initial queues): about two and a half minutes of one core."""
    customers: CapValue = 100_000_000
    """Most expected customers in the whole run: every replication of every variant run (and
    every point of a sweep); about twelve minutes of one core."""
    time_bins: CapValue = 1_000_000
    """Most time-series bins of one replication, over all stations (each bin is a row of
    timeseries.csv per replication)."""
    breakdowns_per_replication: CapValue = 20_000_000
    """Most expected server failures in one replication (servers x minutes / mtbf)."""
