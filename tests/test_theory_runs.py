"""The engine against queueing theory: long seeded runs compared with exact results.

Exact values come from :mod:`queueing_theory`; its formulas are cross-checked against each
other by test_theory_formulas.py. The slow tests check five steady-state cases
(M/M/1 and M/M/3 at utilisation 0.9, M/D/1 and M/G/1 with lognormal service at 0.8, M/M/3+M
at offered load 1), each one long replication, in three ways:

1. Statistics against theory, through a confidence interval from the run itself: per-customer
   statistics (waits, P(wait > 0), 90th percentile of the wait, abandonment) from ``BATCHES``
   batches of consecutive customers in arrival order, time averages (utilisation) from
   ``BATCHES`` equal slices of the observation window, and a Student-t interval on the batch
   values (B - 1 degrees of freedom). The point estimate is the whole-run value
   :func:`summarise` reports; the batches only measure its uncertainty. A batch holds 10^4 to
   10^5 customers, hundreds of times the autocorrelation time of the waits even at
   utilisation 0.9 (~10^2 to 10^3 customers), so batch means are close to independent.
2. Little's law on the sample path, within a bound on the window's edge effects.
3. Waits and outcomes customer by customer against the FCFS recursion applied to the run's
   own arrival, service and patience times: exact, no sampling noise.

Plus the arrival counts of a time-varying Poisson process against its rate table
(chi-square tests over 200 replications).

Level: there are 21 statistical comparisons, so each uses ``CONFIDENCE`` = 99.9% and a correct
engine fails the file about 2% of the time whatever the seed (at 99% it would be ~15-20%).
Run sizes (about 6 million customers, ~90 s at ~15 us a customer) give 99.9% half-widths of
~5% of the mean wait at utilisation 0.9 and ~4% at 0.8 (~2% for Erlang-A), and 0.3-0.7% for
P(wait > 0) and utilisation, so a 5% bias in the arrival or service process is caught with
certainty; one in how waits come about is caught by 3. Set ``WAITSIM_THEORY_SEED`` to run the
file with other seeds.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import queueing_theory as qt
import yaml
from queueing_theory import MU, SERVICE_MEAN
from scipy import stats

from simulator import Journeys, Outcome, load_scenario, simulate
from simulator.analysis.summary import per_customer_wait, summarise
from simulator.analysis.timeline import interval_integrals

CONFIDENCE = 0.999
"""Two-sided level of each interval and test: a correct engine fails one in 1000."""
BATCHES = 30
ROOT_SEED = int(os.environ.get("WAITSIM_THEORY_SEED", "20261122"))


# -- long runs ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """A steady-state scenario: Poisson arrivals to one station of ``servers`` servers."""

    seed_offset: int
    rate_per_hour: float
    servers: int
    service: dict[str, Any]
    horizon: float
    """Minutes of arrivals (the run then drains: nobody is censored)."""
    warmup: float
    """Minutes left out of the statistics: several relaxation times of the queue (the slowest,
    M/M/1 at utilisation 0.9, relaxes in about 1 / (mu (1 - sqrt(rho))^2) ~ 1500 minutes)."""
    patience_mean: float | None = None
    theory: dict[str, float] = field(default_factory=dict)
    """Exact value of each metric this case is checked on."""

    def scenario(self, name: str) -> dict[str, Any]:
        customer: dict[str, Any] = {
            "arrivals": {"process": "poisson", "rate_per_hour": self.rate_per_hour}}
        if self.patience_mean is not None:
            customer["patience"] = {"dist": "exponential", "mean": self.patience_mean}
        return {
            "name": name, "seed": ROOT_SEED + self.seed_offset, "horizon": self.horizon,
            "warmup": self.warmup, "customers": {"a": customer},
            "stations": {"s": {"servers": self.servers, "service": self.service}},
            # Theory is about clock minutes: patience is spent in clock minutes.
            "perception": {"model": "identity"},
        }


def _mmc(seed_offset: int, servers: int, rho: float, customers: float) -> Case:
    lam = rho * servers * MU
    return Case(
        seed_offset=seed_offset, rate_per_hour=lam * 60, servers=servers,
        service={"dist": "exponential", "mean": SERVICE_MEAN},
        horizon=round(customers / lam), warmup=10_000,
        theory={
            "wait_mean": qt.mmc_wait_mean(lam, MU, servers),
            "wait_probability": qt.erlang_c(servers, lam / MU),
            "wait_p90": qt.mmc_wait_quantile(lam, MU, servers, 0.9),
            "utilisation": rho,
        },
    )


def _mg1(seed_offset: int, rho: float, service: dict[str, Any], sd: float,
         customers: float) -> Case:
    lam = rho * MU
    return Case(
        seed_offset=seed_offset, rate_per_hour=lam * 60, servers=1, service=service,
        horizon=round(customers / lam), warmup=5_000,
        theory={
            "wait_mean": qt.pk_wait_mean(lam, SERVICE_MEAN, qt.second_moment(SERVICE_MEAN, sd)),
            "wait_probability": rho,  # PASTA: an arrival waits iff the server is busy
            "utilisation": rho,
        },
    )


def _erlang_a(seed_offset: int, servers: int, rho: float, patience_mean: float,
              customers: float) -> Case:
    lam = rho * servers * MU
    exact = qt.erlang_a(lam, MU, servers, 1 / patience_mean)
    return Case(
        seed_offset=seed_offset, rate_per_hour=lam * 60, servers=servers,
        service={"dist": "exponential", "mean": SERVICE_MEAN}, patience_mean=patience_mean,
        horizon=round(customers / lam), warmup=2_000,
        theory={
            "abandoned_share": exact.abandon_probability,
            "wait_mean_all": exact.wait_mean_all,
            "wait_mean": exact.served_wait_mean,
            "wait_probability": exact.served_wait_probability,
            "utilisation": exact.utilisation,
        },
    )


# 99.9% half-widths relative to theory, mean over 8 seeds: mean wait 5.2% (M/M/1), 5.3% (M/M/3),
# 4.2% (M/D/1), 3.8% (M/G/1), 2.4% (Erlang-A, all arrivals); P(abandon) 2.0%; P(wait > 0)
# 0.4-1.5%; utilisation 0.3-0.6%.
CASES: dict[str, Case] = {
    "mm1": _mmc(1, servers=1, rho=0.9, customers=2.3e6),
    "mm3": _mmc(2, servers=3, rho=0.9, customers=2.3e6),
    "md1": _mg1(3, rho=0.8, service={"dist": "deterministic", "value": SERVICE_MEAN}, sd=0.0,
                customers=0.4e6),
    "mg1_lognormal": _mg1(4, rho=0.8, sd=2.0, customers=0.6e6,
                          service={"dist": "lognormal", "mean": SERVICE_MEAN, "sd": 2.0}),
    "erlang_a": _erlang_a(5, servers=3, rho=1.0, patience_mean=5.0, customers=0.3e6),
}


@dataclass(frozen=True)
class Run:
    """One long replication of a case, with per-customer columns in arrival order."""

    case: Case
    journeys: Journeys
    summary: dict[str, float]
    waits: np.ndarray
    """Minutes waited in line by each counted customer (arrived after the warm-up)."""
    started: np.ndarray
    """Whether each counted customer started service."""
    abandoned: np.ndarray


class Runs:
    """Each case simulated once, on first use, and shared by the tests that check it."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.cache: dict[str, Run] = {}

    def __getitem__(self, name: str) -> Run:
        if name not in self.cache:
            self.cache[name] = self.simulate(name, CASES[name])
        return self.cache[name]

    def simulate(self, name: str, case: Case) -> Run:
        path = self.folder / f"{name}.yaml"
        path.write_text(yaml.safe_dump(case.scenario(name), sort_keys=False))
        j = simulate(load_scenario(path).plans["base"], replication=0)
        c, v = j.customers, j.visits
        assert np.all(c["customer"] == np.arange(len(c["customer"])))  # ids in arrival order
        assert np.all(np.diff(c["arrival"]) >= 0)
        assert not np.any(c["outcome"] == Outcome.CENSORED)
        counted = c["arrival"] >= j.stats_start
        started = np.zeros(len(counted), dtype=bool)
        started[v["customer"][~np.isnan(v["service_start"])]] = True
        return Run(case=case, journeys=j, summary=summarise(j),
                   waits=per_customer_wait(j)[counted], started=started[counted],
                   abandoned=c["outcome"][counted] == Outcome.ABANDONED)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    return Runs(tmp_path_factory.mktemp("theory"))


@dataclass(frozen=True)
class Interval:
    value: float
    half_width: float

    def check(self, metric: str, theory: float) -> None:
        assert abs(self.value - theory) <= self.half_width, (
            f"{metric}: simulated {self.value:.6g} ± {self.half_width:.3g} "
            f"({CONFIDENCE:.0%} CI from {BATCHES} batch means), theory {theory:.6g}, "
            f"relative error {(self.value - theory) / theory:+.2%}"
        )


def batch_interval(value: float, batch_values: np.ndarray) -> Interval:
    """``value`` with the Student-t half-width of the batch statistics' mean."""
    b = len(batch_values)
    t = stats.t.ppf(0.5 + CONFIDENCE / 2, b - 1)
    return Interval(value, float(t * np.std(batch_values, ddof=1) / math.sqrt(b)))


def customer_batches(values: np.ndarray, statistic: Callable[[np.ndarray], Any] = np.mean
                     ) -> np.ndarray:
    """``statistic`` of ``BATCHES`` runs of consecutive customers (arrival order)."""
    return np.array([statistic(chunk) for chunk in np.array_split(values, BATCHES)])


def utilisation_batches(run: Run) -> np.ndarray:
    """Busy share of the servers in ``BATCHES`` equal slices of the observation window."""
    j = run.journeys
    v = j.visits
    served = ~np.isnan(v["service_start"])
    edges = np.linspace(j.stats_start, j.arrivals_end, BATCHES + 1)
    busy = interval_integrals(v["service_start"][served], v["left"][served], edges)
    return busy / (run.case.servers * np.diff(edges))


def estimate(run: Run, metric: str) -> Interval:
    """The run's value of ``metric`` (as ``summarise`` reports it where it does) and its CI."""
    served_waits = run.waits[run.started]
    if metric == "wait_mean":
        return batch_interval(run.summary[metric], customer_batches(served_waits))
    if metric == "wait_probability":
        return batch_interval(run.summary[metric], customer_batches(served_waits > 0))
    if metric == "wait_p90":
        return batch_interval(run.summary[metric],
                              customer_batches(served_waits, lambda x: np.percentile(x, 90)))
    if metric == "abandoned_share":
        return batch_interval(run.summary[metric], customer_batches(run.abandoned))
    if metric == "wait_mean_all":  # everyone who arrived, abandoners until they left
        return batch_interval(float(run.waits.mean()), customer_batches(run.waits))
    if metric == "utilisation":
        return batch_interval(run.summary[metric], utilisation_batches(run))
    raise KeyError(metric)


def _checks(*names: str, metrics: tuple[str, ...]) -> list[Any]:
    return [pytest.param(name, metric, id=f"{name}-{metric}")
            for name in names for metric in metrics]


@pytest.mark.slow
@pytest.mark.parametrize(("case", "metric"), _checks(
    "mm1", "mm3", metrics=("wait_mean", "wait_probability", "wait_p90")))
def test_mmc_matches_erlang_c(runs: Runs, case: str, metric: str) -> None:
    estimate(runs[case], metric).check(metric, CASES[case].theory[metric])


@pytest.mark.slow
@pytest.mark.parametrize(("case", "metric"), _checks(
    "md1", "mg1_lognormal", metrics=("wait_mean", "wait_probability")))
def test_mg1_matches_pollaczek_khinchine(runs: Runs, case: str, metric: str) -> None:
    estimate(runs[case], metric).check(metric, CASES[case].theory[metric])


@pytest.mark.slow
@pytest.mark.parametrize(("case", "metric"), _checks(
    "erlang_a", metrics=("abandoned_share", "wait_mean_all", "wait_mean", "wait_probability")))
def test_mmc_with_abandonment_matches_erlang_a(runs: Runs, case: str, metric: str) -> None:
    estimate(runs[case], metric).check(metric, CASES[case].theory[metric])


@pytest.mark.slow
@pytest.mark.parametrize("case", list(CASES))
def test_utilisation_is_offered_load(runs: Runs, case: str) -> None:
    """rho = lam E[S] / c; with abandonment only the served customers' work counts."""
    estimate(runs[case], "utilisation").check("utilisation", CASES[case].theory["utilisation"])


def _waiting_at(j: Journeys, t: float) -> int:
    v = j.visits
    end = np.where(np.isnan(v["service_start"]), v["left"], v["service_start"])
    return int(np.sum((v["joined"] <= t) & (t < end)))


@pytest.mark.slow
@pytest.mark.parametrize("case", list(CASES))
def test_littles_law(runs: Runs, case: str) -> None:
    """Time-average number waiting = (arrivals / window) x mean wait of all those arrivals.

    On one sample path the two sides differ only by the waiting that crosses the edges of the
    window [t0, t1): at most (waiting at t0 + waiting at t1) x the longest wait, divided by
    the window. Without abandonment the mean wait of all arrivals is ``wait_mean``.
    """
    run = runs[case]
    j = run.journeys
    window = j.arrivals_end - j.stats_start
    queue_length = run.summary["queue_length_mean"]
    arrival_rate = len(run.waits) / window
    little = arrival_rate * float(run.waits.mean())
    edge = (_waiting_at(j, j.stats_start) + _waiting_at(j, j.arrivals_end)) * float(
        per_customer_wait(j).max()) / window
    assert edge < 2e-3 * queue_length, "edge bound too loose for a meaningful check"
    assert abs(queue_length - little) <= edge + 1e-9 * queue_length, (
        f"queue_length_mean {queue_length:.6g}, arrival rate x mean wait {little:.6g} "
        f"(allowed difference from the window's edges {edge:.3g})"
    )
    if not CASES[case].patience_mean:
        assert run.summary["wait_mean"] == pytest.approx(float(run.waits.mean()), rel=1e-12)
    assert run.summary["arrivals"] == len(run.waits)


@pytest.mark.slow
@pytest.mark.parametrize("case", list(CASES))
def test_waits_are_the_fcfs_path_of_the_inputs(runs: Runs, case: str) -> None:
    """Given the run's own arrival times, service times and patience, the waits and outcomes of
    a FCFS line are determined (Kiefer-Wolfowitz / Lindley): the engine must reproduce them
    customer by customer. Unlike the statistical comparisons this has no sampling noise, so
    it catches any bias in how waits come about or are recorded, however small."""
    run = runs[case]
    j = run.journeys
    c, v = j.customers, j.visits
    services = np.full(len(c["customer"]), np.nan)
    started = ~np.isnan(v["service_start"])
    services[v["customer"][started]] = (v["left"] - v["service_start"])[started]
    patience = c["patience"] if run.case.patience_mean is not None else None
    waits, served = qt.fcfs_waits(c["arrival"], services, run.case.servers, patience)
    engine_waits = per_customer_wait(j)
    engine_served = c["outcome"] == Outcome.SERVED
    wrong = np.flatnonzero((np.abs(engine_waits - waits) > 1e-6) | (engine_served != served))
    assert not len(wrong), (
        f"{len(wrong)} of {len(waits)} customers differ from the FCFS path; first: customer "
        f"{wrong[0]} arrived {c['arrival'][wrong[0]]:.4f}, waited {engine_waits[wrong[0]]:.6g} "
        f"(FCFS: {waits[wrong[0]]:.6g}), served {bool(engine_served[wrong[0]])} "
        f"(FCFS: {bool(served[wrong[0]])})"
    )


# -- time-varying Poisson arrivals ----------------------------------------------------------------

RATE_TABLE = {0: 30, 120: 90, 240: 45}
"""Arrivals an hour from each run minute on."""
RATE_HORIZON = 360
RATE_EDGES = np.arange(0, RATE_HORIZON + 1, 45)
"""Bins of 45 minutes: two of them straddle a change of rate."""
RATE_REPLICATIONS = 200


def _rate_scenario(tmp_path: Path, horizon: float) -> Path:
    path = tmp_path / "rates.yaml"
    path.write_text(yaml.safe_dump({
        "name": "rates", "seed": ROOT_SEED + 6, "horizon": horizon,
        "customers": {"a": {"arrivals": {"process": "poisson", "rate_per_hour": RATE_TABLE}}},
        "stations": {"s": {"servers": 20, "service": {"dist": "exponential", "mean": 1}}},
    }, sort_keys=False))
    return path


@pytest.fixture(scope="module")
def rate_counts(tmp_path_factory: pytest.TempPathFactory) -> np.ndarray:
    """Arrivals per bin (columns) in each replication (rows)."""
    plan = load_scenario(_rate_scenario(tmp_path_factory.mktemp("rates"), RATE_HORIZON)
                         ).plans["base"]
    counts = []
    for r in range(RATE_REPLICATIONS):
        arrivals = simulate(plan, replication=r).customers["arrival"]
        assert np.all((arrivals >= 0) & (arrivals < RATE_HORIZON))
        counts.append(np.histogram(arrivals, bins=RATE_EDGES)[0])
    return np.array(counts)


@pytest.mark.slow
def test_time_varying_counts_follow_the_rate_table(rate_counts: np.ndarray) -> None:
    """Pooled over replications, each bin's count is Poisson with mean R x the integral of the
    rate: Pearson's statistic is chi-square with one degree of freedom per bin (the means are
    given, not fitted)."""
    expected = RATE_REPLICATIONS * qt.expected_counts(RATE_TABLE, RATE_EDGES)
    observed = rate_counts.sum(axis=0)
    statistic = float(np.sum((observed - expected) ** 2 / expected))
    p_value = stats.chi2.sf(statistic, df=len(expected))
    assert p_value > 1 - CONFIDENCE, (
        f"counts per bin {observed.tolist()}, expected {expected.round(1).tolist()}: "
        f"chi-square {statistic:.1f} on {len(expected)} df, p = {p_value:.2g}"
    )


@pytest.mark.slow
def test_time_varying_counts_are_poisson_in_each_replication(rate_counts: np.ndarray) -> None:
    """Counts per bin and replication are independent Poisson: the dispersion statistic
    sum (N - m)^2 / m is ~ chi-square with R x bins degrees of freedom (m >= 22 in every bin).
    Too small means too regular arrivals, too large too bursty: the test is two-sided."""
    expected = qt.expected_counts(RATE_TABLE, RATE_EDGES)
    statistic = float(np.sum((rate_counts - expected) ** 2 / expected))
    df = rate_counts.size
    p_value = 2 * min(stats.chi2.sf(statistic, df), stats.chi2.cdf(statistic, df))
    assert p_value > 1 - CONFIDENCE, (
        f"dispersion statistic {statistic:.1f} on {df} df (expected about {df}), "
        f"p = {p_value:.2g}"
    )


def test_rate_table_times_after_the_horizon_end_arrivals_at_the_horizon(tmp_path: Path) -> None:
    """``horizon: 200`` with the table's 240 entry: arrivals must still stop at minute 200
    (with the bug, minutes 200-240 get ~60 arrivals at 90 an hour)."""
    plan = load_scenario(_rate_scenario(tmp_path, 200)).plans["base"]
    arrivals = simulate(plan, replication=0).customers["arrival"]
    assert arrivals.max() < plan.arrivals_end, (
        f"{np.sum(arrivals >= plan.arrivals_end)} arrivals at or after the horizon "
        f"({plan.arrivals_end:g} min), the last at {arrivals.max():.1f}"
    )
