"""Plausibility bounds: the largest (and smallest) values a scenario may give, so that the
engine's arithmetic stays finite and a run ends in bounded time and memory.

A number beyond these bounds is not a plan for a real service but a typo or a unit mistake
(seconds for minutes, a rate per day for one per hour); the engine would overflow, produce
NaN, or run for ever on it. Each bound is generous for real use and is shown in the
generated reference (docs/reference/scenario.md); docs/limits.md explains them.
The work a whole run implies (customers, time bins, sweep points) is checked separately
against caps a scenario can raise on purpose (``limits:``; :mod:`simulator.plan.workload`).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

MAX_MINUTES = 20_000_000.0
"""Longest time, in minutes, any field may give (about 38 years): clock times given as
numbers, the horizon, warm-up, durations and the means of their distributions. Long enough
for the steady-state runs that check the engine against queueing theory (10^7 minutes),
small enough that sums and powers of minutes stay finite (the work caps bound how many
customers such a horizon brings)."""
MIN_MINUTES = 1e-6
"""Shortest positive time a time-step field may give (0.06 milliseconds): below it a step is
a typo, and divisions by it overflow. Applies to means and standard deviations that must be
positive."""
MAX_SERVERS = 10_000
"""Most servers a station may have on duty: a large call centre has a few thousand agents.
Server numbers are stored in 16-bit record columns (at most 32,767)."""
MAX_CUSTOMERS_WAITING = 100_000
"""Most customers a class may have in its initial queue (all seated at once, held in memory
together), and most customers a slot, a balking rule or an estimator may count."""
MAX_RATE_PER_HOUR = 1_000_000.0
"""Highest arrival rate of a class, per hour (about 280 a second): above what any queue of
people sees; the expected number of customers is checked too (:mod:`simulator.plan.workload`)."""
MAX_REPLICATIONS = 100_000
"""Most replications a scenario may ask for (the expected customers are checked too)."""
MAX_CV = 100.0
"""Largest coefficient of variation (sd / mean) of a lognormal or gamma distribution: at 100
a lognormal's log-sd is about 3, already far wider than measured service or patience times."""
MIN_GAMMA_CV = 1e-4
"""Smallest coefficient of variation of a gamma distribution (its shape is 1 / cv^2, at most
10^8): narrower is a deterministic time, and a shape that overflows gives NaN draws."""
MAX_FACTOR = 100.0
"""Largest multiplier of felt time or of a spending rate (perception factors)."""
MIN_FACTOR = 0.01
"""Smallest positive multiplier of felt time or of a spending rate."""
MIN_DURATION_EXPONENT = 0.2
"""Smallest power of weighted minutes: felt patience is turned back into clock minutes with
the inverse power, and 1 / 0.2 = 5 keeps a patience of :data:`MAX_MINUTES` finite."""
MAX_POINTS_PER_MINUTE = 100.0
"""Most satisfaction points per minute (a score lies in 0..100)."""
MAX_PEOPLE_TOLD = 10_000.0
"""Most people a customer tells about their visit."""
MAX_COST = 1e12
"""Largest cost (currency units per day, hour or server hour)."""
MIN_UPDATE_MINUTES = 0.1
"""Shortest time between updates of a wait-time display (6 seconds): faster is a continuous
display, and each update is an event for every customer waiting."""
MAX_LOG_SD = 5.0
"""Largest log-sd of a lognormal noise or multiplier (e^5, about 150 times the median, at
one sd)."""
MAX_NAMES = 1_000
"""Most customer classes and most stations in a scenario (their numbers are stored in
16-bit record columns)."""
MAX_SEED = 2**63 - 1
"""Largest root seed (stored as a 64-bit integer in results)."""


Minutes = Annotated[float, Field(ge=0, le=MAX_MINUTES, allow_inf_nan=False)]
"""A time in minutes, 0 to :data:`MAX_MINUTES`."""
PositiveMinutes = Annotated[float, Field(ge=MIN_MINUTES, le=MAX_MINUTES, allow_inf_nan=False)]
"""A time in minutes, :data:`MIN_MINUTES` to :data:`MAX_MINUTES`."""
SignedMinutes = Annotated[float, Field(ge=-MAX_MINUTES, le=MAX_MINUTES, allow_inf_nan=False)]
"""An offset in minutes (may be negative), within +-:data:`MAX_MINUTES`."""
Rate = Annotated[float, Field(ge=0, le=MAX_RATE_PER_HOUR, allow_inf_nan=False)]
"""Arrivals per hour, 0 to :data:`MAX_RATE_PER_HOUR`."""
Servers = Annotated[int, Field(ge=0, le=MAX_SERVERS)]
"""A number of servers, 0 to :data:`MAX_SERVERS`."""
Staff = Annotated[int, Field(ge=1, le=MAX_SERVERS)]
"""A number of servers or staff, 1 to :data:`MAX_SERVERS`."""
Count = Annotated[int, Field(ge=0, le=MAX_CUSTOMERS_WAITING)]
"""A number of customers, 0 to :data:`MAX_CUSTOMERS_WAITING`."""
PositiveCount = Annotated[int, Field(ge=1, le=MAX_CUSTOMERS_WAITING)]
"""A number of customers, 1 to :data:`MAX_CUSTOMERS_WAITING`."""
Cost = Annotated[float, Field(ge=0, le=MAX_COST, allow_inf_nan=False)]
"""A cost in currency units, 0 to :data:`MAX_COST`."""
Seed = Annotated[int, Field(ge=0, le=MAX_SEED)]
"""A root seed, 0 to :data:`MAX_SEED`."""
