"""Exact steady-state results of classical queues, to check the simulator against.

Pure functions of the model parameters: no simulation, no randomness. Rates and times may be in
any consistent unit (the tests use minutes). Notation: ``lam`` arrival rate, ``mu`` service rate
of one server, ``c`` servers, ``theta`` abandonment rate (1 / mean patience), offered load
``a = lam / mu``, utilisation ``rho = a / c``. "Wait" is time in line before service (Wq).

Sources:

* [K] L. Kleinrock, *Queueing Systems, Vol. 1: Theory*, Wiley 1975: §3.4 (M/M/1), §3.5
  (M/M/c, Erlang C), ch. 5 (M/G/1 and the Pollaczek-Khinchine mean-value formula).
* [GH] D. Gross, J. F. Shortle, J. M. Thompson, C. M. Harris, *Fundamentals of Queueing
  Theory*, 4th ed., Wiley 2008: §2.2-2.3 (M/M/1, M/M/c), §5.1 (M/G/1).
* [GMR] O. Garnett, A. Mandelbaum, M. Reiman, "Designing a call center with impatient
  customers", *Manufacturing & Service Operations Management* 4(3), 2002: the M/M/c+M
  (Palm / Erlang-A) queue as a birth-death process, P(abandon) = theta E[Q] / lam.
* [ZM] S. Zeltyn, A. Mandelbaum, "Call centers with impatient customers: many-server
  asymptotics of the M/M/n+G queue", *Queueing Systems* 51, 2005: waiting-time
  characteristics of served and abandoning customers in Erlang-A.
* [KW] J. Kiefer, J. Wolfowitz, "On the theory of queues with many servers", *Trans. AMS*
  78, 1955; D. V. Lindley, "The theory of queues with a single server", *Proc. Cambridge
  Phil. Soc.* 48, 1952: waits of a first-come-first-served line from the inputs, path by path.
* PASTA (Poisson arrivals see time averages): R. W. Wolff, "Poisson arrivals see time
  averages", *Operations Research* 30(2), 1982. Little's law: J. D. C. Little, *Operations
  Research* 9(3), 1961.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

SERVICE_MEAN = 4.0
"""Minutes: the service mean of every case the tests check (service rate mu = 0.25 a minute)."""
MU = 1 / SERVICE_MEAN

# -- M/M/c (Erlang C) ------------------------------------------------------------------------


def erlang_b(c: int, a: float) -> float:
    """Erlang B blocking probability of c servers at offered load a, by the numerically stable
    recursion B(0) = 1, B(k) = a B(k-1) / (k + a B(k-1)) ([GH] §2.6)."""
    if c < 1 or a < 0:
        raise ValueError(f"need c >= 1 and a >= 0 (got c={c}, a={a})")
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return b


def erlang_c(c: int, a: float) -> float:
    """Erlang C: probability that an arrival to M/M/c waits, P(Wq > 0) = P(N >= c) (PASTA),
    for offered load a < c; C = c B / (c - a (1 - B)) with B = Erlang B ([K] §3.5)."""
    if not 0 <= a < c:
        raise ValueError(f"M/M/c is stable only for a = lam/mu < c (got a={a}, c={c})")
    b = erlang_b(c, a)
    return c * b / (c - a * (1 - b))


def mmc_wait_mean(lam: float, mu: float, c: int) -> float:
    """Mean wait in line of M/M/c: Wq = C(c, a) / (c mu - lam) ([K] §3.5, [GH] §2.3)."""
    return erlang_c(c, lam / mu) / (c * mu - lam)


def mm1_wait_mean(lam: float, mu: float) -> float:
    """Mean wait in line of M/M/1 in closed form: Wq = rho / (mu - lam) ([K] §3.4)."""
    if not 0 <= lam < mu:
        raise ValueError(f"M/M/1 is stable only for lam < mu (got lam={lam}, mu={mu})")
    return (lam / mu) / (mu - lam)


def mmc_wait_quantile(lam: float, mu: float, c: int, q: float) -> float:
    """q-quantile of the wait in line of M/M/c (FCFS): P(Wq > t) = C e^{-(c mu - lam) t}
    ([K] §3.5, [GH] §2.3.1), so the quantile is 0 when 1 - C >= q and otherwise
    ln(C / (1 - q)) / (c mu - lam)."""
    if not 0 < q < 1:
        raise ValueError(f"q must be in (0, 1) (got {q})")
    waits = erlang_c(c, lam / mu)
    if 1 - waits >= q:
        return 0.0
    return math.log(waits / (1 - q)) / (c * mu - lam)


# -- M/G/1 (Pollaczek-Khinchine) -------------------------------------------------------------


def pk_wait_mean(lam: float, service_mean: float, service_second_moment: float) -> float:
    """Pollaczek-Khinchine mean wait in line of M/G/1 (FCFS):
    Wq = lam E[S^2] / (2 (1 - rho)), rho = lam E[S] ([K] ch. 5, [GH] §5.1.1).
    In M/G/1, P(Wq > 0) = rho (PASTA: an arrival waits iff the server is busy)."""
    rho = lam * service_mean
    if not 0 <= rho < 1:
        raise ValueError(f"M/G/1 is stable only for rho < 1 (got {rho})")
    if service_second_moment < service_mean**2:
        raise ValueError("E[S^2] cannot be below E[S]^2")
    return lam * service_second_moment / (2 * (1 - rho))


def second_moment(mean: float, sd: float) -> float:
    """E[S^2] = Var S + E[S]^2: exponential sd = mean, deterministic sd = 0, lognormal and
    gamma as parameterised by (mean, sd)."""
    return sd**2 + mean**2


# -- M/M/c+M (Erlang A), exact from the birth-death chain -------------------------------------


@dataclass(frozen=True)
class ErlangA:
    """Steady state of M/M/c+M (FCFS; each waiting customer abandons at rate theta).

    ``abandon_probability`` and ``wait_mean_all`` come from the stationary distribution
    (rate balance and Little's law); ``served_*`` from the tagged-customer argument of
    :func:`erlang_a`. Both routes are computed so that the tests can cross-check them.
    """

    probabilities: np.ndarray
    """P(N = k), k = 0..N_max: number in the system (waiting + in service)."""
    queue_mean: float
    """E[Q], Q = max(N - c, 0): time-average number waiting."""
    wait_probability: float
    """P(an arrival finds all servers busy) = P(N >= c) (PASTA)."""
    abandon_probability: float
    """theta E[Q] / lam: abandonments per unit time over arrivals per unit time."""
    wait_mean_all: float
    """Mean wait of all arrivals (served or not; abandoners until they leave) = E[Q] / lam."""
    served_probability_tagged: float
    """1 - P(abandon), by following one arrival through the line (cross-check)."""
    wait_mean_all_tagged: float
    """Mean wait of all arrivals, by following one arrival (cross-check)."""
    served_wait_mean: float
    """Mean wait of the customers who are served (what ``summarise``'s ``wait_mean`` reports)."""
    served_wait_probability: float
    """P(wait > 0 | served) (what ``summarise``'s ``wait_probability`` reports)."""
    utilisation: float
    """Mean busy servers / c = lam (1 - P(abandon)) / (c mu)."""
    truncation_mass: float
    """P(N = N_max) of the truncated chain: must be negligible."""


def erlang_a(lam: float, mu: float, c: int, theta: float, tail: float = 1e-15,
             max_states: int = 1_000_000) -> ErlangA:
    """Exact M/M/c+M steady state from the birth-death chain ([GMR] §2).

    States k = 0, 1, ... customers in the system; birth rate lam, death rate
    ``min(k, c) mu + max(k - c, 0) theta``. The chain is truncated at the first N_max beyond
    c where the death rate exceeds lam and P(N = N_max) / max_k P(N = k) < ``tail``; from there
    on the terms shrink at least geometrically, so the neglected mass is below ~``tail``
    (relative). ``theta = 0`` gives M/M/c (needs lam < c mu).

    Served customers ([ZM]): an arrival that finds k >= c in the system has i = k - c
    customers ahead of it in line. While i are ahead, the line ahead moves up one place at rate
    c mu + i theta (a service completion, or one of the i abandoning; service completions when
    i = 0 start its own service) and it abandons itself at rate theta; later arrivals do not
    affect it under FCFS. So with r_m = c mu + m theta, from m ahead it gets one place further
    with probability r_m / (r_m + theta) after an exponential time of mean 1 / (r_m + theta)
    whatever happens next, giving P(served | i) = prod_{m<=i} r_m / (r_m + theta) and
    E[W 1{served} | i] = P(served | i) sum_{m<=i} 1 / (r_m + theta); the mean wait of all
    arrivals with i ahead follows E[W | i] = 1 / (r_i + theta) + r_i / (r_i + theta) E[W | i-1].
    """
    if lam <= 0 or mu <= 0 or c < 1 or theta < 0:
        raise ValueError(f"need lam, mu > 0, c >= 1, theta >= 0 (got {lam}, {mu}, {c}, {theta})")
    if theta == 0 and lam >= c * mu:
        raise ValueError("without abandonment the queue is stable only for lam < c mu")
    log_p = [0.0]
    peak = 0.0
    k = 0
    while True:
        k += 1
        death = min(k, c) * mu + max(k - c, 0) * theta
        log_p.append(log_p[-1] + math.log(lam / death))
        peak = max(peak, log_p[-1])
        if k > c and death > lam and log_p[-1] - peak < math.log(tail):
            break
        if k >= max_states:
            raise ValueError(f"the chain needs more than {max_states} states")
    logs = np.array(log_p)
    p = np.exp(logs - logs.max())
    p /= p.sum()
    states = np.arange(len(p))
    queue = np.maximum(states - c, 0)
    queue_mean = float(p @ queue)
    waits = states >= c
    wait_probability = float(p[waits].sum())
    abandon = theta * queue_mean / lam
    busy = float(p @ np.minimum(states, c))

    # Tagged customer: arrival finds k >= c, i = k - c ahead.
    ahead = queue[waits]
    depth = int(ahead.max()) + 1 if len(ahead) else 1
    r = c * mu + theta * np.arange(depth)
    stage_time = 1 / (r + theta)  # mean time spent with m ahead
    onward = r * stage_time  # P(moves on from m ahead rather than abandoning)
    served_from = np.cumprod(onward)  # P(served | m ahead): every stage m, m-1, ..., 0 passed
    wait_all_from = np.empty(depth)  # E[W | m ahead] = stage_time[m] + onward[m] E[W | m-1 ahead]
    before = 0.0
    for m in range(depth):
        before = wait_all_from[m] = stage_time[m] + onward[m] * before
    served_given = served_from[ahead]
    wait_served_given = served_given * np.cumsum(stage_time)[ahead]
    wait_all_given = wait_all_from[ahead]
    pw = p[waits]
    served_probability = float(1 - wait_probability + pw @ served_given)
    served_wait = float(pw @ wait_served_given) / served_probability
    served_waiting = float(pw @ served_given) / served_probability
    return ErlangA(
        probabilities=p,
        queue_mean=queue_mean,
        wait_probability=wait_probability,
        abandon_probability=abandon,
        wait_mean_all=queue_mean / lam,
        served_probability_tagged=served_probability,
        wait_mean_all_tagged=float(pw @ wait_all_given),
        served_wait_mean=served_wait,
        served_wait_probability=served_waiting,
        utilisation=busy / c,
        truncation_mass=float(p[-1]),
    )


# -- Time-varying Poisson arrivals ------------------------------------------------------------


def expected_counts(rate_table: Mapping[float, float], edges: Sequence[float],
                    per: float = 60.0) -> np.ndarray:
    """Expected arrivals in each bin [edges[i], edges[i+1]) of a Poisson process whose rate
    (arrivals per ``per`` time units) is ``rate_table[t]`` from each time t to the next table
    time (the last rate holds on): the integral of the rate over the bin. Counts in disjoint
    bins are independent Poisson variables with these means (e.g. [K] §2.4; for a
    non-homogeneous process, S. M. Ross, *Stochastic Processes*, 2nd ed., §2.4)."""
    times = sorted(rate_table)
    edges_ = np.asarray(edges, dtype=float)
    if np.any(np.diff(edges_) <= 0):
        raise ValueError("edges must increase")
    if times[0] > edges_[0]:
        raise ValueError("the rate table must start at or before the first edge")

    def cumulative(t: float) -> float:
        total = 0.0
        for i, start in enumerate(times):
            if start >= t:
                break
            end = min(times[i + 1], t) if i + 1 < len(times) else t
            total += rate_table[start] / per * (end - start)
        return total

    return np.diff([cumulative(t) for t in edges_])


# -- Sample paths: first come, first served -----------------------------------------------------


def fcfs_waits(arrivals: np.ndarray, services: np.ndarray, servers: int,
               patience: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Wait in line of each customer, and whether it is served, in one FCFS line of ``servers``
    identical servers, empty at time 0, given its arrival times (in order), service times and
    patience (NaN: never leaves), by the Kiefer-Wolfowitz recursion ([KW]; Lindley's for one
    server): customer n starts at the later of its arrival and the moment the first server
    frees after the customers before it have been placed. If that wait is longer than its
    patience it leaves after ``patience`` instead and takes no server (its service time is not
    used). Not a steady-state formula: the exact path that a correct engine must reproduce."""
    free = [0.0] * servers  # a heap: when each server is next free
    waits = np.empty(len(arrivals))
    served = np.ones(len(arrivals), dtype=bool)
    limits = patience.tolist() if patience is not None else [math.nan] * len(arrivals)
    for n, (arrival, service, limit) in enumerate(zip(arrivals.tolist(), services.tolist(),
                                                       limits, strict=True)):
        start = max(arrival, free[0])
        if start - arrival > limit:  # False for NaN: never leaves
            waits[n] = limit
            served[n] = False
        else:
            waits[n] = start - arrival
            heapq.heapreplace(free, start + service)
    return waits, served
