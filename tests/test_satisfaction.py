"""The satisfaction curve and the impact metrics."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.models.satisfaction import Experience, dissatisfaction, impact, scores
from simulator.spec.parameters import SatisfactionParameters

P = SatisfactionParameters()
VERSION1 = SatisfactionParameters(promise_anchoring=1.0, overstatement_credit=1.0)
"""The first version's promises: the promise becomes the expectation, credited in full."""
NOBODY, PROVIDER, UNEXPLAINED = 0, 1, 2
"""Who a disruption the customer saw is held against (Experience.blame)."""


def score(felt, expected=5.0, promise=np.nan, blame=NOBODY, overtaken=0, parallel=False,
          bonus=0.0, parameters=P, booked=False):
    n = np.size(felt)
    e = Experience(felt=np.atleast_1d(np.asarray(felt, dtype=float)),
                   expected=np.full(n, expected), promise=np.full(n, promise),
                   booked=np.full(n, booked),
                   blame=np.full(n, blame), overtaken=np.full(n, overtaken),
                   parallel_lines=np.full(n, parallel), bonus=np.full(n, bonus))
    return scores(e, parameters)


def test_the_curve_is_continuous_and_non_increasing():
    felt = np.linspace(0, 40, 40001)
    s = score(felt)
    assert np.all(np.diff(s) <= 1e-12)
    assert np.max(np.abs(np.diff(s))) < 6.4 * 0.001 + 1e-9  # no jumps


def test_slopes_in_each_zone():
    # E = 5, A = max(7.5, 7) = 7.5; the gain is capped at 15 points (3.75 minutes early).
    slope = lambda a, b: (score(b) - score(a))[0] / (b - a)  # noqa: E731
    assert slope(2.0, 3.0) == pytest.approx(-4.0)
    assert score(0.0)[0] == pytest.approx(95.0) and score(1.0)[0] == pytest.approx(95.0)
    assert slope(5.5, 7.0) == pytest.approx(-2.0)
    assert slope(8.0, 10.0) == pytest.approx(-6.4)
    assert score(5.0)[0] == pytest.approx(80.0)


def test_default_slope_past_the_acceptable_wait_is_8_percent_of_the_score_at_expectation():
    assert P.beyond_per_minute == pytest.approx(0.08 * P.at_expectation)


def test_a_broken_promise_hurts_at_once():
    # Promised 5 minutes: from 5 on, each minute costs the steep slope.
    assert (score(6.0, promise=5.0) - score(5.0, promise=5.0))[0] == pytest.approx(-6.4)
    assert score(6.0, promise=5.0)[0] < score(6.0)[0]
    # A promise shorter than the class's own expectation, broken by 2 minutes.
    assert score(4.0, promise=2.0)[0] == pytest.approx(80 + 4 * 3 - 6.4 * 2)


def test_over_promising_scores_lower_than_an_honest_announcement_on_the_same_wait():
    # E = 5, served at 8 felt minutes. Honest: the reference moves 30% of the way to 8.
    honest = score(8.0, promise=8.0)[0]
    assert honest == pytest.approx(80 - 2 * (8 - (5 + 0.3 * 3)))
    optimistic = score(8.0, promise=5.0)[0]
    assert optimistic == pytest.approx(80 - 6.4 * 3)  # broken by 3 minutes: the steep slope
    felt = np.linspace(0.5, 20, 40)
    for parameters in (P, VERSION1):
        for expected in (1.0, 5.0, 10.0):
            assert np.all(score(felt, expected, promise=felt * 0.8, parameters=parameters)
                          < score(felt, expected, promise=felt, parameters=parameters))


def test_over_stating_is_no_free_lunch_unless_credited():
    felt = np.linspace(0.5, 30, 60)
    honest = score(felt, promise=felt)
    np.testing.assert_allclose(score(felt, promise=2 * felt), honest)
    credited = SatisfactionParameters(overstatement_credit=1.0)
    assert np.all(score(felt, promise=2 * felt, parameters=credited)
                  >= score(felt, promise=felt, parameters=credited))
    # Version 1: a slightly pessimistic promise did better than an honest one.
    assert score(8.0, promise=9.0, parameters=VERSION1)[0] > score(8.0, promise=8.0,
                                                                  parameters=VERSION1)[0]


def test_a_kept_promise_keeps_the_pleasure_of_a_short_wait():
    # Told 2 minutes, served in 2: as pleased as with no promise (E = 5).
    assert score(2.0, promise=2.0)[0] == pytest.approx(score(2.0)[0])


def test_the_promised_curve_is_continuous_and_non_increasing():
    felt = np.linspace(0, 40, 40001)
    for anchoring in (0.0, 0.5, 1.0):
        p = SatisfactionParameters(promise_anchoring=anchoring)
        for promise in (0.0, 3.0, 5.0, 12.0):
            s = score(felt, promise=promise, parameters=p)
            assert np.all(np.diff(s) <= 1e-12)
            assert np.max(np.abs(np.diff(s))) < 6.4 * 0.001 + 1e-9


def test_promise_anchoring_sets_how_far_a_long_promise_moves_the_reference():
    # Expected 5 (acceptable 7.5), shown 15, served on time at 15 felt minutes.
    kept = {a: score(15.0, promise=15.0, parameters=SatisfactionParameters(
        promise_anchoring=a))[0] for a in (0.0, 0.5, 1.0)}
    assert kept[1.0] == pytest.approx(80.0)  # the promise became the expectation
    # Reference 10, tolerated to 12.5: 2.5 minutes in the zone, 2.5 beyond.
    assert kept[0.5] == pytest.approx(80.0 - 2 * 2.5 - 6.4 * 2.5)
    assert kept[0.0] == pytest.approx(score(15.0)[0])  # as if nothing had been said
    late = score(17.0, promise=15.0, parameters=SatisfactionParameters(promise_anchoring=0))
    assert late[0] == pytest.approx(kept[0.0] - 6.4 * 2)  # then broken: the steep slope


def test_with_a_promise_the_score_stays_sensitive_to_the_wait():
    # Honest duration information between E and 3E: at least half the points lost per
    # minute of no information (Antonides, Verhoef & van Aalst 2002).
    informed = (score(5.0, promise=5.0) - score(15.0, promise=15.0))[0] / 10
    uninformed = (score(5.0) - score(15.0))[0] / 10
    assert informed >= 0.5 * uninformed


def test_blame_multiplies_dissatisfaction_but_not_the_gain():
    lost = 80 - score(10.0)[0]
    assert 80 - score(10.0, blame=UNEXPLAINED)[0] == pytest.approx(1.3 * lost)
    assert 80 - score(10.0, blame=PROVIDER)[0] == pytest.approx(1.15 * lost)
    for blame in (PROVIDER, UNEXPLAINED):
        assert score(2.0, blame=blame)[0] == pytest.approx(score(2.0)[0])


def test_fairness_penalty_is_capped():
    assert score(5.0, overtaken=2)[0] == pytest.approx(70.0)
    assert score(5.0, overtaken=10)[0] == pytest.approx(60.0)
    assert score(5.0, parallel=True)[0] == pytest.approx(77.0)


def test_scores_stay_between_0_and_100():
    assert score(500.0)[0] == 0.0
    assert score(0.0, bonus=50.0)[0] == 100.0


def test_dissatisfaction_is_zero_at_expectation():
    assert dissatisfaction(np.array([5.0]), np.array([5.0]), np.array([np.nan]), P)[0] == 0
    assert dissatisfaction(np.array([7.0]), np.array([5.0]), np.array([7.0]), VERSION1)[0] == 0


def test_impact_per_100_arrivals():
    result = impact(np.array([10.0, 40.0, 60.0, 85.0, 90.0]), P)
    assert result["dissatisfied_share"] == pytest.approx(0.4)
    assert result["satisfied_share"] == pytest.approx(0.4)
    assert result["complaints_per_100"] == pytest.approx(40 * 0.06)
    assert result["negative_word_of_mouth_per_100"] == pytest.approx(40 * 11)
    assert result["positive_word_of_mouth_per_100"] == pytest.approx(40 * 9)
    assert result["customers_lost_per_100"] == pytest.approx(40 * (0.94 * 1.0 + 0.06 * 0.05))


def test_every_default_has_its_source_or_is_labelled_an_assumption():
    for name, field in SatisfactionParameters.model_fields.items():
        assert field.description, name


def test_impact_returns_exactly_its_named_metrics():
    from simulator.analysis.summary import METRICS
    from simulator.models.satisfaction import IMPACT_METRICS

    assert tuple(impact(np.array([70.0]), P)) == IMPACT_METRICS
    assert set(IMPACT_METRICS) <= set(METRICS)
    assert all(np.isnan(v) for v in impact(np.array([]), P).values())


def test_a_booked_time_counts_the_expectation_from_the_slot():
    # Q = 2 felt minutes before the slot; the class expects 5 more past it (A = 7.5).
    felt = np.linspace(0, 40, 4001)
    booked = score(felt, promise=2.0, booked=True)
    np.testing.assert_allclose(booked, score(felt - 2.0))
    assert score(7.0, promise=2.0, booked=True)[0] == pytest.approx(80.0)
    assert np.all(np.diff(booked) <= 1e-12)
