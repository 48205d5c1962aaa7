"""The parameters of the perceived-wait and satisfaction models, as the scenario schema knows
them (``perception:`` and ``satisfaction:``, globally and per customer class).

Each field's description gives the source of its default or labels it an assumption, and
each numeric parameter carries a **plausible range** (``json_schema_extra["range"]``: the
values the evidence allows, or a wide range for an assumption). The range is documentation,
not a bound: any value the field's bounds accept is valid, and :func:`parameter_ranges` gives
the ranges to the uncertainty analysis. The models that use these parameters are
:mod:`simulator.models.perception` and :mod:`simulator.models.satisfaction`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, model_validator

from simulator.spec.base import Strict
from simulator.spec.bounds import (
    MAX_FACTOR,
    MAX_MINUTES,
    MAX_PEOPLE_TOLD,
    MAX_POINTS_PER_MINUTE,
    MIN_DURATION_EXPONENT,
    MIN_FACTOR,
    MIN_MINUTES,
)

FACTOR = (MIN_FACTOR, MAX_FACTOR)
"""Bounds of a multiplier of felt time or of a spending rate."""
POINTS = (0.0, 100.0)
"""Bounds of a number of satisfaction points."""


def _parameter(default: float, plausible: tuple[float, float], source: str,
               low: float | None = None, high: float | None = None, *,
               above: float | None = None) -> Any:
    """A model parameter: its default, plausible range, source, and hard bounds (``low`` <=
    value <= ``high``, or value > ``above``)."""
    return Field(default, ge=low, le=high, gt=above, allow_inf_nan=False, description=source,
                 json_schema_extra={"range": list(plausible)})


class PerceptionParameters(Strict):
    """Parameters of the perceived-wait model; ``perception:`` in YAML (globally), and any of
    them again under a customer class's ``perception:``."""

    model: Literal["maister", "identity"] = Field(
        default="maister",
        description="'maister' (this model) or 'identity' (felt = clock minutes, patience in "
                    "clock minutes, no spread between customers)")
    overestimation: float = _parameter(
        1.35, (1.1, 1.6), "felt/clock minutes of an idle, uncertain 5-minute wait: Larson's "
        "'about 36%'; Hornik 1984 (retail lines, about +30%) (value: low confidence)",
        *FACTOR)
    reference_minutes: float = _parameter(
        5.0, (5.0, 5.0), "the clock wait at which 'overestimation' is stated (a definition, "
        "not an estimate)", MIN_MINUTES, MAX_MINUTES)
    duration_exponent: float = _parameter(
        0.9, (0.7, 1.0), "power of weighted minutes: Antonides, Verhoef & van Aalst 2002 "
        "(phone waits); Eisler 1976 review, near 0.9 (medium/low)", MIN_DURATION_EXPONENT, 1.5)
    time_sense_sd: float = _parameter(
        0.3, (0.0, 0.6), "log-sd of each customer's time-sense multiplier (lognormal, mean 1) "
        "on felt minutes: reported and actual waits correlate only about 0.5-0.6 in surveys, "
        "part of it recall error (assumption)", 0, 2)
    occupied_factor: float = _parameter(
        0.9, (0.8, 1.0), "occupied waiting: Maister 1985; Block, Hancock & Zakay 2010 "
        "meta-analysis (lab); field trials of TVs and news boards found little (Katz, Larson & "
        "Larson 1991; Pruyn & Smidts 1998), so the range includes no effect (low-medium)",
        *FACTOR)
    in_process_factor: float = _parameter(
        0.85, (0.7, 1.0), "waiting after the process started: Maister 1985; Dube-Rioux, "
        "Schmitt & Leclerc 1989; Hui, Thakor & Gill 1998 found the opposite in some settings "
        "(low-medium)", *FACTOR)
    anxiety_effect: float = _parameter(
        0.15, (0.0, 0.3), "weight x (1 + anxiety_effect x anxiety), class key anxiety 0..1: "
        "Maister 1985; Osuna 1985; Zakay & Block 1997 (low)", 0, MAX_FACTOR)
    informed_factor: float = _parameter(
        0.95, (0.85, 1.0), "wait announced or start time known: Hui & Zhou 1996; Antonides "
        "et al. 2002 (medium)", *FACTOR)
    informed_patience_factor: float = _parameter(
        0.4, (0.3, 0.7), "patience spent this many times as fast while informed: Munichor & "
        "Rafaeli 2007 (call centre abandonment 69% vs 36% with queue position) (medium "
        "direction, low value)", *FACTOR)
    progress_factor: float = _parameter(
        0.7, (0.5, 1.0), "weight of waiting minutes after a customer has seen their place in "
        "line fall (position information updated while waiting): satisfaction tracks the "
        "sense of progress (Munichor & Rafaeli 2007, direction); the value makes position "
        "information do at least as well as honest duration information at three times the "
        "expected wait, as Hui & Tse 1996 found (a calibration to that result)", *FACTOR)
    broken_promise_factor: float = _parameter(
        1.5, (1.0, 2.0), "patience spent this many times as fast once an announced wait has "
        "passed: in call-centre data each minute past the announced time raised the "
        "abandonment hazard by up to 52% (Yu, Allon & Bassamboo 2017) (medium direction, low "
        "value)", *FACTOR)
    leave_when_told: bool = Field(
        default=True,
        description="a customer told a remaining wait (a display on arrival, an announcement, "
                    "an update, a position to infer it from) that would use more patience "
                    "than they have left leaves at once: balks before joining, reneges after "
                    "(Webb, Yu & Bretthauer 2017; Yu, Allon & Bassamboo 2017: longer announced "
                    "waits raise abandonment)")
    unexplained_factor: float = _parameter(
        1.15, (1.0, 1.3), "disrupted and unexplained: Taylor 1994; Hui, Tse & Zhou 2006 (low)",
        *FACTOR)
    group_factor: float = _parameter(
        1.0, (0.95, 1.1), "waiting in a group, class key group_share 0..1: Maister 1985 says "
        "company shortens waits; Pruyn & Smidts 1999 found it makes long waits less "
        "acceptable (low: evidence conflicts; default no effect)", *FACTOR)
    before_appointment_factor: float = _parameter(
        0.3, (0.0, 0.5), "waiting before one's booked time: Maister 1985; Huang 1994 "
        "(outpatient clinic) (medium)", 0, MAX_FACTOR)


class SatisfactionParameters(Strict):
    """Parameters of the satisfaction and impact model; ``satisfaction:`` in YAML (globally),
    and any of them again under a customer class's ``satisfaction:``."""

    at_expectation: float = _parameter(
        80.0, (70.0, 90.0), "score (0-100) when the felt wait equals the expected wait "
        "(assumption)", 0, 100)
    expectation_sd: float = _parameter(
        0.3, (0.0, 0.6), "log-sd of each customer's multiplier (lognormal, mean 1) on the "
        "class's expected_wait: customers' expectations differ (assumption)", 0, 2)
    gain_per_minute: float = _parameter(
        4.0, (2.0, 6.0), "points gained per minute served sooner than expected (assumption; "
        "shape: Caruelle, Lervik-Olsen & Gustafsson 2023)", 0, MAX_POINTS_PER_MINUTE)
    gain_cap: float = _parameter(15.0, (10.0, 20.0), "most points a short wait can add "
                                 "(assumption)", *POINTS)
    zone_per_minute: float = _parameter(
        2.0, (1.0, 4.0), "points lost per minute between the expected and the acceptable wait "
        "(assumption; shape: Zeithaml, Berry & Parasuraman 1993)", 0, MAX_POINTS_PER_MINUTE)
    beyond_per_minute: float = _parameter(
        6.4, (4.8, 8.0), "points lost per minute past the acceptable wait: 8% of 80 per "
        "minute, a retailer's checkout-line finding reported in service-operations course "
        "material (calibration anchor; range 6-10%)", 0, MAX_POINTS_PER_MINUTE)
    acceptable_ratio: float = _parameter(
        1.5, (1.2, 2.0), "acceptable wait = max(expected x this, expected + "
        "acceptable_min_minutes) (assumption)", 1.0, MAX_FACTOR)
    acceptable_min_minutes: float = _parameter(2.0, (1.0, 4.0), "see acceptable_ratio "
                                               "(assumption)", 0, MAX_MINUTES)
    promise_anchoring: float = _parameter(
        0.3, (0.0, 1.0), "share of the gap between the expected wait and a longer announced "
        "one by which the announcement moves the customer's reference (and its tolerance "
        "zone): 0 = customers keep their own expectation, 1 = the promise becomes it "
        "(assumption; at 1 a display is a top lever, at 0 nearly worthless)", 0, 1)
    overstatement_credit: float = _parameter(
        0.0, (0.0, 1.0), "share of the minutes by which service beat an announced time that "
        "the customer credits: 0 = an over-stated wait eases the wait no more than an honest "
        "one (over-stating is no free lunch), 1 = the full promise counts (assumption)", 0, 1)
    blame_factor: float = _parameter(
        1.3, (1.0, 1.5), "dissatisfaction x this after a disruption nobody explained: Taylor "
        "1994 (low)", 1.0, MAX_FACTOR)
    explained_blame_factor: float = _parameter(
        1.15, (1.0, 1.3), "dissatisfaction x this after a disruption explained as the "
        "provider's own failure (explained_delays.cause: provider); an external cause removes "
        "the blame: Taylor 1994 (delays the provider controls anger more) (low)", 1.0, MAX_FACTOR)
    overtaken_penalty: float = _parameter(
        5.0, (2.0, 8.0), "points lost each time a later customer is served first: Larson 1987 "
        "(direction; value an assumption)", *POINTS)
    overtaken_cap: float = _parameter(20.0, (10.0, 30.0), "most points overtaking can cost "
                                      "(assumption)", *POINTS)
    parallel_lines_penalty: float = _parameter(
        3.0, (0.0, 6.0), "points lost in a station with a line per server: Rafaeli, Barron & "
        "Haber 2002 (direction; value an assumption)", *POINTS)
    environment_bonus: float = _parameter(
        0.0, (0.0, 0.0), "points added for a pleasant waiting environment (set by "
        "occupied_waiting's satisfaction_bonus; yours to set)", -100.0, 100.0)
    abandoned_score: float = _parameter(15.0, (0.0, 30.0), "score of a customer who gave up "
                                        "(assumption)", 0, 100)
    balked_score: float = _parameter(30.0, (10.0, 50.0), "score of a customer who did not join "
                                     "(assumption)", 0, 100)
    dissatisfied_below: float = _parameter(50.0, (50.0, 50.0), "a score below this is "
                                           "dissatisfied (a definition)", 0, 100)
    satisfied_above: float = _parameter(80.0, (80.0, 80.0), "a score at or above this is "
                                        "satisfied (a definition)", 0, 100)
    complaint_rate: float = _parameter(
        0.06, (0.04, 0.10), "share of dissatisfied customers who complain: service-recovery course "
        "material (6%; 10% after a service failure); TARP about 4% (illustrative)", 0, 1)
    tells_when_dissatisfied: float = _parameter(
        11.0, (9.0, 16.0), "people a dissatisfied customer tells: service-recovery course "
        "material (11-16); TARP 9-10 (illustrative)", 0, MAX_PEOPLE_TOLD)
    tells_when_satisfied: float = _parameter(
        9.0, (5.0, 9.0), "people a satisfied customer tells: service-recovery course material "
        "(9); TARP about 5 (illustrative)", 0, MAX_PEOPLE_TOLD)
    churn_silent: float = _parameter(
        1.0, (0.5, 1.0), "share of dissatisfied non-complainers who do not come back ('leave "
        "and never come back'; an upper bound, illustrative)", 0, 1)
    retained_if_handled: float = _parameter(
        0.95, (0.8, 0.95), "share of complainers kept when the complaint is handled fast (an "
        "upper bound, illustrative)", 0, 1)


def parameter_ranges(model: type[PerceptionParameters] | type[SatisfactionParameters]
                     ) -> dict[str, tuple[float, float]]:
    """Every numeric parameter's plausible range, by name (a range whose ends are equal is a
    definition, not uncertain)."""
    ranges = {}
    for name, field in model.model_fields.items():
        extra = field.json_schema_extra
        plausible = extra.get("range") if isinstance(extra, dict) else None
        if isinstance(plausible, list):
            ranges[name] = (float(plausible[0]), float(plausible[1]))  # type: ignore[arg-type]
    return ranges


MODELS: dict[str, type[PerceptionParameters] | type[SatisfactionParameters]] = {
    "perception": PerceptionParameters, "satisfaction": SatisfactionParameters}
"""The parameter blocks of a scenario, by their key."""


def uncertain_ranges() -> dict[str, tuple[float, float]]:
    """Every parameter the uncertainty analysis may draw, by dotted name
    (``perception.overestimation``), with its plausible range (definitions excluded)."""
    return {f"{block}.{name}": r for block, model in MODELS.items()
            for name, r in parameter_ranges(model).items() if r[0] < r[1]}


class UncertaintySettings(Strict):
    """``uncertainty:`` in YAML: how the parameters are drawn by ``compare --uncertainty``."""

    ranges: dict[str, Annotated[list[Annotated[float, Field(allow_inf_nan=False)]],
                                Field(min_length=2, max_length=2)]] = Field(
        default_factory=dict,
        description="ranges to draw parameters from, by dotted name "
                    "(perception.overestimation: [1.2, 1.5]), replacing their plausible "
                    "ranges; a parameter with a range here is drawn even where the scenario "
                    "sets its value (a range with equal ends pins it)")

    @model_validator(mode="after")
    def _known_and_ordered(self) -> UncertaintySettings:
        for dotted, (low, high) in self.ranges.items():
            block, _, name = dotted.partition(".")
            model = MODELS.get(block)
            if model is None or name not in parameter_ranges(model):
                raise ValueError(f"unknown parameter {dotted!r} in ranges: use "
                                 "perception.NAME or satisfaction.NAME, a numeric parameter "
                                 "(see the model parameter reference)")
            if not low <= high:
                raise ValueError(f"the range of {dotted} must be [low, high] with low <= high "
                                 f"(got [{low:g}, {high:g}])")
            for end in (low, high):
                try:  # the field's own bounds
                    model.model_validate({name: end})
                except ValueError:
                    raise ValueError(f"the range of {dotted} reaches {end:g}, which "
                                     f"{block}.{name} does not accept") from None
        return self
