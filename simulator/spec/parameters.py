"""The parameters of the perceived-wait and satisfaction models, as the scenario schema knows
them (``perception:`` and ``satisfaction:``, globally and per customer class). Each field's
description gives the source of its default or labels it an assumption; the models that use
them are :mod:`simulator.models.perception` and :mod:`simulator.models.satisfaction`."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from simulator.spec.base import Strict


def _factor(default: float, source: str) -> float:
    return Field(default, allow_inf_nan=False, description=source)  # type: ignore[return-value]


class PerceptionParameters(Strict):
    """Parameters of the perceived-wait model; ``perception:`` in YAML (globally), and any of
    them again under a customer class's ``perception:``. Each description gives the source of
    the default or labels it an assumption."""

    model: Literal["maister", "identity"] = Field(
        default="maister",
        description="'maister' (this model) or 'identity' (felt = clock minutes)")
    overestimation: Annotated[float, Field(gt=0)] = _factor(
        1.35, "felt/clock minutes of an idle, uncertain 5-minute wait: Larson's 'about 36%'; "
              "Hornik 1984 (retail lines, about +30%); range seen 1.1-1.6 (value: low confidence)")
    reference_minutes: Annotated[float, Field(gt=0)] = _factor(
        5.0, "the clock wait at which 'overestimation' is stated (assumption)")
    duration_exponent: Annotated[float, Field(gt=0, le=1.5)] = _factor(
        0.9, "power of weighted minutes: Antonides, Verhoef & van Aalst 2002 (phone waits); "
             "Eisler 1976 review, near 0.9 (medium/low)")
    occupied_factor: Annotated[float, Field(gt=0)] = _factor(
        0.85, "occupied waiting: Maister 1985; Block, Hancock & Zakay 2010 meta-analysis; field "
              "nulls exist (Katz et al. 1991; Pruyn & Smidts 1998) (low-medium)")
    in_process_factor: Annotated[float, Field(gt=0)] = _factor(
        0.85, "waiting after the process started: Maister 1985; Dube-Rioux, Schmitt & Leclerc "
              "1989; Hui, Thakor & Gill 1998 found the opposite in some settings (low-medium)")
    anxiety_effect: Annotated[float, Field(ge=0)] = _factor(
        0.15, "weight x (1 + anxiety_effect x anxiety), class key anxiety 0..1: Maister 1985; "
              "Osuna 1985; Zakay & Block 1997 (low)")
    informed_factor: Annotated[float, Field(gt=0)] = _factor(
        0.95, "wait announced or start time known: Hui & Zhou 1996; Antonides et al. 2002 "
              "(medium)")
    informed_patience_factor: Annotated[float, Field(gt=0)] = _factor(
        0.4, "patience spent this many times as fast while informed: Munichor & Rafaeli 2007 "
             "(call centre abandonment 69% vs 36% with queue position) (medium direction, "
             "low value)")
    unexplained_factor: Annotated[float, Field(gt=0)] = _factor(
        1.15, "disrupted and unexplained: Taylor 1994; Hui, Tse & Zhou 2006 (low)")
    group_factor: Annotated[float, Field(gt=0)] = _factor(
        0.95, "waiting in a group, class key group_share 0..1: Maister 1985; Pruyn & Smidts "
              "1999 found the opposite for long waits (low: evidence conflicts)")
    before_appointment_factor: Annotated[float, Field(ge=0)] = _factor(
        0.3, "waiting before one's booked time: Maister 1985; Huang 1994 (outpatient clinic) "
             "(medium)")


def _value(default: float, source: str, low: float = 0.0, high: float | None = None) -> float:
    return Field(default, ge=low, le=high, allow_inf_nan=False,  # type: ignore[return-value]
                 description=source)


class SatisfactionParameters(Strict):
    """Parameters of the satisfaction and impact model; ``satisfaction:`` in YAML (globally),
    and any of them again under a customer class's ``satisfaction:``. Each description gives
    the source of the default or labels it an assumption."""

    at_expectation: float = _value(
        80.0, "score (0-100) when the felt wait equals the expected wait (assumption)", 0, 100)
    gain_per_minute: float = _value(
        4.0, "points gained per minute served sooner than expected (assumption; shape: "
             "Caruelle, Lervik-Olsen & Gustafsson 2023)")
    gain_cap: float = _value(15.0, "most points a short wait can add (assumption)")
    zone_per_minute: float = _value(
        2.0, "points lost per minute between the expected and the acceptable wait "
             "(assumption; shape: Zeithaml et al. 1993)")
    beyond_per_minute: float = _value(
        6.4, "points lost per minute past the acceptable wait: 8% of 80 per minute, the course "
             "material's checkout-line finding (calibration anchor)")
    acceptable_ratio: float = _value(
        1.5, "acceptable wait = max(expected x this, expected + acceptable_min_minutes) "
             "(assumption)", 1.0)
    acceptable_min_minutes: float = _value(2.0, "see acceptable_ratio (assumption)")
    promise_anchoring: float = _value(
        1.0, "share of the gap between the expected wait and a longer promised one by which "
             "the promise resets the expectation: 1 = the promise becomes the expectation, 0 = "
             "customers keep their own and minutes up to the promise cost zone_per_minute "
             "(assumption)", 0, 1)
    blame_factor: float = _value(
        1.3, "dissatisfaction x this after an unexplained disruption: Taylor 1994 (low)", 1.0)
    overtaken_penalty: float = _value(
        5.0, "points lost each time a later customer is served first: Larson 1987 (direction; "
             "value an assumption)")
    overtaken_cap: float = _value(20.0, "most points overtaking can cost (assumption)")
    parallel_lines_penalty: float = _value(
        3.0, "points lost in a station with a line per server: Rafaeli, Barron & Haber 2002 "
             "(direction; value an assumption)")
    environment_bonus: float = _value(
        0.0, "points added for a pleasant waiting environment (set by occupied_waiting's "
             "satisfaction_bonus; assumption)", -100.0)
    abandoned_score: float = _value(15.0, "score of a customer who gave up (assumption)", 0, 100)
    balked_score: float = _value(30.0, "score of a customer who did not join (assumption)", 0, 100)
    dissatisfied_below: float = _value(50.0, "a score below this is dissatisfied (assumption)",
                                       0, 100)
    satisfied_above: float = _value(80.0, "a score at or above this is satisfied (assumption)",
                                    0, 100)
    complaint_rate: float = _value(
        0.06, "share of dissatisfied customers who complain: course material (6%; 10% after a "
              "service failure); TARP about 4% (illustrative)", 0, 1)
    tells_when_dissatisfied: float = _value(
        11.0, "people a dissatisfied customer tells: course material (11-16); TARP 9-10 "
              "(illustrative)")
    tells_when_satisfied: float = _value(
        9.0, "people a satisfied customer tells: course material (9); TARP about 5 "
             "(illustrative)")
    churn_silent: float = _value(
        1.0, "share of dissatisfied non-complainers who do not come back: course material "
             "('leave and never come back'; an upper bound)", 0, 1)
    retained_if_handled: float = _value(
        0.95, "share of complainers kept when the complaint is handled fast: course material "
              "(an upper bound)", 0, 1)
