"""Fitting the perceived-wait model to reported waits.

The model (:mod:`simulator.models.perception`) says a wait of ``W`` clock minutes under
constant conditions feels ``P = m x c x (w x W) ** d``, with ``c = overestimation x
reference_minutes ** (1 - d)``, ``w`` the product of the condition factors that held
(``occupied_factor``, ``informed_factor``) and ``m`` the customer's time sense, lognormal with
mean 1 and log-sd ``time_sense_sd``. We assume a respondent reports their felt wait times a
recall error, lognormal with mean 1 and log-sd ``recall_sd`` (0 unless the user knows better).
In logs the model is a linear regression::

    log R = a + d log W + b_occ x occupied + b_inf x informed + e
    a = log c - (time_sense_sd^2 + recall_sd^2) / 2        (E[log m] = -time_sense_sd^2 / 2)
    b_occ = d log occupied_factor,  b_inf = d log informed_factor
    Var(e) = time_sense_sd^2 + recall_sd^2

The factors enter inside the power, so each is ``exp(b / d)``. Least squares on the logs is
the maximum-likelihood fit of this lognormal model, and the map from the regression's
coefficients to the parameters is one-to-one, so fitting ``(a, d, b)`` linearly and
transforming is the same as a nonlinear fit of the parameters themselves, without an
iterative solver. The overestimation is recovered with the intercept corrected for the mean-1
spreads: ``overestimation = exp(a + s^2 / 2) / reference_minutes ** (1 - d)``, with ``s^2``
the residual variance. ``time_sense_sd = sqrt(s^2 - recall_sd^2)``: with ``recall_sd`` 0 all of
the spread is counted as time sense, an upper bound.

Conditions the survey does not record (anxiety, company, a process already started) are part
of what the respondents lived, so the fitted overestimation is theirs: an idle, uncertain
5-minute wait of these customers, under their usual conditions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.analysis.calibration.fitting import (
    Estimate,
    estimate,
    not_fitted,
    weighted_least_squares,
)
from simulator.analysis.calibration.survey import FLAGS, Survey

Z95 = 1.959964
"""The standard normal quantile of a two-sided 95% interval."""
MIN_ROWS = 20
"""Respondents with both waits (> 0) the regression needs."""
MIN_PER_CONDITION = 10
"""Respondents with and without a condition that its factor needs."""
MIN_LOG_SPREAD = 0.1
"""Standard deviation of log actual waits below which ``duration_exponent`` is not
identified (waits all about the same length)."""
PARAMETERS = ("overestimation", "duration_exponent", "time_sense_sd",
              *(f"{flag}_factor" for flag in FLAGS))


@dataclass(frozen=True)
class PerceptionFit:
    """The fitted perception parameters, and what the figure needs to draw the curve."""

    estimates: dict[str, Estimate]
    used: np.ndarray
    """Which respondents the regression used (both waits > 0)."""
    reference_minutes: float

    def felt(self, actual: np.ndarray, flags: dict[str, np.ndarray] | None = None
             ) -> np.ndarray | None:
        """The fitted mean felt minutes (time sense 1) of clock waits ``actual`` under
        ``flags`` (None when the fit failed)."""
        value = {name: e.value for name, e in self.estimates.items()}
        if value["overestimation"] is None or value["duration_exponent"] is None:
            return None
        d = value["duration_exponent"]
        weight = np.ones_like(actual, dtype=float)
        for flag, on in (flags or {}).items():
            factor = value.get(f"{flag}_factor")
            if factor is not None:
                weight = weight * np.where(on == 1, factor, 1.0)
        c = value["overestimation"] * self.reference_minutes ** (1 - d)
        return c * (weight * actual) ** d


def _spread_interval(residuals: np.ndarray, k: int, recall_sd: float) -> Estimate:
    """``time_sense_sd`` with a 95% interval for the residual variance on the log scale,
    its width from the residuals' kurtosis (Bonett 2006): exact enough for normal residuals
    (it is then the chi-square interval's large-sample form), and wider when reports have
    heavy tails. The percentile bootstrap runs short for a spread (about 88% coverage where
    95% is meant, on surveys drawn from the model), so it is not used here."""
    n = len(residuals)
    variance = float(np.sum(residuals ** 2) / (n - k))
    kurtosis = float(np.mean(residuals ** 4) / np.mean(residuals ** 2) ** 2 - 3.0)
    half = Z95 * np.sqrt(max(2.0 + kurtosis, 0.5) / (n - k))
    low, high = variance * np.exp(-half), variance * np.exp(half)

    def net(v: float) -> float:
        return float(np.sqrt(max(v - recall_sd ** 2, 0.0)))

    return Estimate(net(variance), net(low), net(high))


def _usable(survey: Survey) -> np.ndarray:
    if survey.reported is None:
        return np.zeros(survey.rows, dtype=bool)
    with np.errstate(invalid="ignore"):
        return (survey.actual > 0) & (survey.reported > 0)


def fit_perception(survey: Survey, weights: np.ndarray, reference_minutes: float,
                   recall_sd: float = 0.0) -> PerceptionFit:
    """Fit the perception parameters on ``survey``. ``weights`` (B x rows) are the bootstrap
    resamples of the respondents (:func:`bootstrap_weights`)."""
    used = _usable(survey)
    n = int(used.sum())
    if survey.reported is None:
        reason = "the survey has no reported_wait column"
    elif n < MIN_ROWS:
        reason = (f"needs at least {MIN_ROWS} respondents with both waits above 0; "
                  f"the survey has {n}")
    else:
        reason = ""
    log_actual = np.log(survey.actual[used]) if n else np.array([])
    if not reason and np.std(log_actual) < MIN_LOG_SPREAD:
        reason = ("the actual waits are all about the same length (log-sd "
                  f"{np.std(log_actual):.2f} < {MIN_LOG_SPREAD}): the exponent needs short "
                  "and long waits")
    if reason:
        return PerceptionFit({name: not_fitted(reason) for name in PARAMETERS}, used,
                             reference_minutes)
    columns = [np.ones(n), log_actual]
    estimates: dict[str, Estimate] = {}
    flags: list[str] = []
    for flag, values in survey.flags.items():
        on = values[used]
        with_, without = int(np.sum(on == 1)), int(np.sum(on == 0))
        if np.isnan(on).any():
            estimates[f"{flag}_factor"] = not_fitted(f"the {flag} column has empty cells")
        elif min(with_, without) < MIN_PER_CONDITION:
            estimates[f"{flag}_factor"] = not_fitted(
                f"needs at least {MIN_PER_CONDITION} respondents with {flag} 1 and with 0 "
                f"(among those with both waits); the survey has {with_} and {without}")
        else:
            columns.append(on)
            flags.append(flag)
    for flag in FLAGS:
        estimates.setdefault(f"{flag}_factor", not_fitted(f"the survey has no {flag} column"))
    design = np.column_stack(columns)
    response = np.log(survey.reported[used])  # type: ignore[index]
    all_weights = np.vstack([np.ones(n), weights[:, used]])
    coefficients, variance = weighted_least_squares(design, response, all_weights)
    d = coefficients[:, 1]
    residual_sd = np.sqrt(variance)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        derived = {
            "duration_exponent": d,
            "overestimation": np.exp(coefficients[:, 0] + variance / 2)
            / reference_minutes ** (1 - d),
            **{f"{flag}_factor": np.exp(coefficients[:, 2 + i] / d)
               for i, flag in enumerate(flags)},
        }
    for name, values in derived.items():
        estimates[name] = estimate(values[0], values[1:])
    residuals = response - design @ coefficients[0]
    estimates["time_sense_sd"] = _spread_interval(residuals, design.shape[1], recall_sd)
    if recall_sd >= residual_sd[0]:
        estimates["time_sense_sd"] = not_fitted(
            f"the recall error given ({recall_sd}) is at least the whole spread of reported "
            f"around actual waits ({residual_sd[0]:.3f}): nothing is left for time sense")
    return PerceptionFit({name: estimates[name] for name in PARAMETERS}, used,
                         reference_minutes)
