"""The perceived-wait model on hand-computed journeys: one test per proposition."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.models.codes import Flag
from simulator.models.perception import ClassPerception, felt_waits
from simulator.spec.parameters import PerceptionParameters

DEFAULT = PerceptionParameters()
C = 1.35 * 5 ** 0.1  # overestimation x reference_minutes ** (1 - duration_exponent)


def felt(minutes: float, flags: int = 0, anxiety: float = 0.0,
         parameters: PerceptionParameters = DEFAULT) -> float:
    """Felt minutes of one wait of ``minutes`` under constant conditions."""
    model = ClassPerception([parameters], [anxiety])
    return float(felt_waits(model, np.array([0]), np.array([0]), np.array([flags]),
                            np.array([minutes]))[0])


def test_an_idle_uncertain_reference_wait_feels_overestimation_times_as_long():
    assert felt(5.0) == pytest.approx(1.35 * 5.0)


@pytest.mark.parametrize(("flag", "factor", "proposition"), [
    (Flag.OCCUPIED, 0.9, "unoccupied time feels longer than occupied time"),
    (Flag.IN_PROCESS, 0.85, "pre-process waits feel longer than in-process waits"),
    (Flag.INFORMED, 0.95, "uncertain waits are longer than known, finite waits"),
    (Flag.DISRUPTED, 1.15, "unexplained waits are longer than explained waits"),
    (Flag.IN_GROUP, 1.0, "company: no effect by default (Pruyn & Smidts 1999 found it "
                         "makes long waits less acceptable)"),
    (Flag.BEFORE_APPOINTMENT, 0.3, "waiting before one's booked time is accepted"),
    (Flag.PROGRESS, 0.7, "seeing one's place in line fall gives a sense of progress"),
])
def test_each_condition_weighs_the_minutes_by_its_factor(flag, factor, proposition):
    minutes = 12.0
    expected = C * (factor * minutes) ** 0.9
    assert felt(minutes, int(flag)) == pytest.approx(expected), proposition
    direction = np.sign(factor - 1.0)
    assert np.sign(felt(minutes, int(flag)) - felt(minutes)) == direction, proposition


def test_an_explained_disruption_is_not_weighted_as_unexplained():
    assert felt(10.0, int(Flag.DISRUPTED | Flag.EXPLAINED)) == pytest.approx(felt(10.0))


def test_anxiety_makes_waits_seem_longer():
    assert felt(10.0, anxiety=1.0) == pytest.approx(C * (1.15 * 10.0) ** 0.9)
    assert felt(10.0, anxiety=0.5) > felt(10.0)


def test_conditions_multiply_and_pieces_add_before_the_power_law():
    # 4 idle minutes, then 6 occupied in-process minutes, for one customer.
    model = ClassPerception([DEFAULT], [0.0])
    flags = np.array([0, int(Flag.OCCUPIED | Flag.IN_PROCESS)])
    result = felt_waits(model, np.array([0]), np.array([0, 0]), flags, np.array([4.0, 6.0]))
    assert result[0] == pytest.approx(C * (4.0 + 0.9 * 0.85 * 6.0) ** 0.9)


def test_overestimation_shrinks_for_long_waits():
    ratios = [felt(m) / m for m in (2.0, 5.0, 20.0, 60.0)]
    assert ratios == sorted(ratios, reverse=True)


def test_identity_model_felt_minutes_are_clock_minutes():
    identity = PerceptionParameters(model="identity")
    for flags in (0, int(Flag.OCCUPIED | Flag.DISRUPTED | Flag.INFORMED)):
        assert felt(7.5, flags, anxiety=1.0, parameters=identity) == 7.5


def test_patience_budget_runs_out_exactly_when_felt_time_reaches_patience():
    model = ClassPerception([DEFAULT], [0.3])
    patience = 12.0
    budget = model.threshold(0, patience)
    flags = int(Flag.OCCUPIED)
    clock_minutes = budget / model.rate(0, 0, flags)
    assert felt_waits(model, np.array([0]), np.array([0]), np.array([flags]),
                      np.array([clock_minutes]))[0] == pytest.approx(patience)


def test_information_makes_customers_more_patient():
    model = ClassPerception([DEFAULT], [0.0])
    plain, informed = model.rate(0, 0, 0), model.rate(0, 0, int(Flag.INFORMED))
    assert informed == pytest.approx(plain * 0.95 * 0.4)


def test_parameters_per_class():
    calm, anxious = DEFAULT, DEFAULT.model_copy(update={"anxiety_effect": 0.5})
    model = ClassPerception([calm, anxious], [1.0, 1.0])
    result = felt_waits(model, np.array([0, 1]), np.array([0, 1]), np.array([0, 0]),
                        np.array([10.0, 10.0]))
    assert result[0] == pytest.approx(C * (1.15 * 10) ** 0.9)
    assert result[1] == pytest.approx(C * (1.5 * 10) ** 0.9)


def test_every_default_has_its_source_or_is_labelled_an_assumption():
    for name, field in PerceptionParameters.model_fields.items():
        assert field.description, name
