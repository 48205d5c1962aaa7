"""The exact formulas of :mod:`queueing_theory` cross-checked against each other, against
direct sums and against hand-computed paths (fast): what the long runs of
test_theory_runs.py are compared with must itself be right."""

from __future__ import annotations

import math

import numpy as np
import pytest
import queueing_theory as qt
from queueing_theory import MU, SERVICE_MEAN
from scipy import stats


def test_erlang_c_one_server_is_mm1() -> None:
    for lam in (0.05, 0.2, 0.225, 0.249):
        assert qt.erlang_c(1, lam / MU) == pytest.approx(lam / MU, rel=1e-12)
        assert qt.mmc_wait_mean(lam, MU, 1) == pytest.approx(qt.mm1_wait_mean(lam, MU), rel=1e-12)


def test_erlang_c_known_value() -> None:
    # Direct sum: C = (a^c / c!) (c / (c - a)) / (sum_{k<c} a^k / k! + (a^c / c!) (c / (c - a))).
    c, a = 3, 2.7
    top = a**c / math.factorial(c) * c / (c - a)
    direct = top / (sum(a**k / math.factorial(k) for k in range(c)) + top)
    assert qt.erlang_c(c, a) == pytest.approx(direct, rel=1e-12)
    assert qt.erlang_c(c, a) == pytest.approx(0.8170610, abs=1e-7)


def test_pollaczek_khinchine_special_cases() -> None:
    lam = 0.2
    exponential = qt.pk_wait_mean(lam, SERVICE_MEAN, qt.second_moment(SERVICE_MEAN, SERVICE_MEAN))
    assert exponential == pytest.approx(qt.mm1_wait_mean(lam, MU), rel=1e-12)
    deterministic = qt.pk_wait_mean(lam, SERVICE_MEAN, qt.second_moment(SERVICE_MEAN, 0.0))
    assert deterministic == pytest.approx(exponential / 2, rel=1e-12)  # M/D/1 waits half M/M/1


def test_erlang_a_without_abandonment_is_erlang_c() -> None:
    for c, lam in ((1, 0.225), (3, 0.675), (5, 1.0)):
        mmc = qt.erlang_a(lam, MU, c, theta=0.0)
        assert mmc.wait_probability == pytest.approx(qt.erlang_c(c, lam / MU), rel=1e-10)
        assert mmc.served_wait_mean == pytest.approx(qt.mmc_wait_mean(lam, MU, c), rel=1e-10)
        assert mmc.wait_mean_all == pytest.approx(qt.mmc_wait_mean(lam, MU, c), rel=1e-10)
        assert mmc.abandon_probability == 0.0
        assert mmc.utilisation == pytest.approx(lam / (c * MU), rel=1e-10)


def test_erlang_a_tiny_abandonment_approaches_erlang_c() -> None:
    lam, c = 0.675, 3
    exact_wait = qt.mmc_wait_mean(lam, MU, c)
    gaps = []
    for theta in (1e-6, 1e-8):
        near = qt.erlang_a(lam, MU, c, theta)
        assert near.wait_probability == pytest.approx(qt.erlang_c(c, lam / MU), rel=1e-3)
        assert 0 < near.abandon_probability < 1e-3
        gaps.append(exact_wait - near.wait_mean_all)
    # The gap closes in proportion to theta (first-order perturbation).
    assert gaps[0] > 0
    assert gaps[1] / gaps[0] == pytest.approx(1e-2, rel=1e-2)


def test_erlang_a_two_routes_agree() -> None:
    """Rate balance (theta E[Q] / lam) and the tagged customer give the same P(abandon) and
    mean wait of all arrivals, overloaded or not."""
    for lam, c, theta in ((0.75, 3, 0.2), (0.5, 2, 0.25), (1.5, 3, 0.05), (0.3, 2, 2.0)):
        ea = qt.erlang_a(lam, MU, c, theta)
        assert ea.truncation_mass < 1e-14
        assert ea.probabilities.sum() == pytest.approx(1.0, rel=1e-12)
        assert 1 - ea.served_probability_tagged == pytest.approx(ea.abandon_probability,
                                                                 rel=1e-9)
        assert ea.wait_mean_all_tagged == pytest.approx(ea.wait_mean_all, rel=1e-9)
        # Served customers are busy servers' throughput: lam (1 - P(ab)) = c mu utilisation.
        assert lam * (1 - ea.abandon_probability) == pytest.approx(c * MU * ea.utilisation,
                                                                   rel=1e-9)


def test_erlang_a_abandonment_equals_service_is_infinite_servers() -> None:
    """With theta = mu every customer leaves at rate mu whether served or not: the number in
    the system is Poisson(lam / mu), as in M/M/inf."""
    lam, c = 0.75, 3
    ea = qt.erlang_a(lam, MU, c, theta=MU)
    poisson = stats.poisson(lam / MU)
    assert ea.probabilities[:20] == pytest.approx(poisson.pmf(np.arange(20)), rel=1e-9)
    k = np.arange(len(ea.probabilities))
    expected_queue = float(np.sum(np.maximum(k - c, 0) * poisson.pmf(k)))
    assert ea.queue_mean == pytest.approx(expected_queue, rel=1e-9)


def test_mmc_wait_quantile_inverts_the_tail() -> None:
    lam, c = 0.675, 3
    t = qt.mmc_wait_quantile(lam, MU, c, 0.9)
    assert qt.erlang_c(c, lam / MU) * math.exp(-(c * MU - lam) * t) == pytest.approx(0.1)
    # M/M/1 at rho = 0.08: 92% do not wait, so the 90th percentile of the wait is 0.
    assert qt.mmc_wait_quantile(0.02, MU, 1, 0.9) == 0.0


def test_fcfs_waits_by_hand() -> None:
    arrivals, services = np.array([0.0, 1.0, 2.0, 10.0]), np.full(4, 3.0)
    waits, served = qt.fcfs_waits(arrivals, services, 1)
    assert waits.tolist() == [0, 2, 4, 0] and served.all()
    waits, served = qt.fcfs_waits(arrivals, services, 2)
    assert waits.tolist() == [0, 0, 1, 0] and served.all()
    # The second customer gives up after 1 minute and takes no server; NaN: never gives up.
    waits, served = qt.fcfs_waits(arrivals, services, 1, np.array([5.0, 1.0, 5.0, np.nan]))
    assert waits.tolist() == [0, 1, 1, 0] and served.tolist() == [True, False, True, True]


def test_expected_counts_integrate_the_rate_table() -> None:
    table = {0: 30, 120: 90, 240: 45}
    counts = qt.expected_counts(table, [0, 60, 90, 135, 240, 360])
    assert counts == pytest.approx([30, 15, 15 + 22.5, 105 * 1.5, 90])
