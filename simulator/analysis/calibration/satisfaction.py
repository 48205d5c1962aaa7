"""Fitting the satisfaction curve to satisfaction against felt waits.

The model (:mod:`simulator.models.satisfaction`, without promises, blame or fairness, which a
survey row does not record) scores a felt wait ``P`` as ``clip(at_expectation - U0(P; E x e),
0, 100)``, with ``U0`` the piecewise-linear curve (``gain_per_minute`` below the expected wait,
``zone_per_minute`` up to the acceptable wait, ``beyond_per_minute`` past it) and ``e`` the
customer's expectation multiplier, lognormal with mean 1 and log-sd ``expectation_sd``. A
respondent's answer is that score plus answering noise.

The fit is least squares of the answers on the curve's **mean over customers' expectations**
(``e`` integrated out over equally likely quantiles): the mean curve is the piecewise-linear
curve smoothed at its kinks, more so the wider the expectations differ, and that smoothing is
what identifies ``expectation_sd`` (weakly: it needs many respondents near the expected
and acceptable waits).

Fitted: ``expected_wait`` (where the curve crosses ``at_expectation``), ``beyond_per_minute``
(the steep slope past the acceptable wait, the one that decides who is dissatisfied) and
``expectation_sd``. Held at the scenario's values, and reported as not fitted with the reason:
``at_expectation`` (the anchor of the scale: free, it trades off with the expected wait),
``gain_per_minute`` and ``zone_per_minute`` (the gentle slopes on either side of the expected
wait: with them free, a fit on noisy answers swaps a higher expected wait and a steeper zone
for the same curve, and the estimates jump between such fits from one survey to the next),
``gain_cap``, ``acceptable_ratio`` and ``acceptable_min_minutes`` (where the gain stops and
where the tolerance zone ends). ``beyond_per_minute`` is fitted only when enough respondents
felt a wait past the acceptable wait.

The felt wait of a respondent is their reported wait when they gave one (their memory of the
felt wait: recall error blurs the curve and is counted in ``expectation_sd``, an upper bound),
otherwise the fitted perception model's felt wait of their clock wait.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtri

from simulator.analysis.calibration.fitting import (
    Estimate,
    estimate,
    levenberg_marquardt,
    not_fitted,
)
from simulator.models.satisfaction import points_lost
from simulator.spec.parameters import SatisfactionParameters

MIN_ROWS = 30
"""Respondents with a satisfaction answer and a felt wait the curve needs."""
MIN_PER_PART = 15
"""Respondents in a part of the curve (below the expected wait, in the tolerance zone, past
the acceptable wait) that its slope needs."""
PARAMETERS = ("at_expectation", "expected_wait", "gain_per_minute", "zone_per_minute",
              "beyond_per_minute", "expectation_sd")
SLOPES = {"gain_per_minute": "below the expected wait",
          "zone_per_minute": "between the expected and the acceptable wait",
          "beyond_per_minute": "past the acceptable wait"}
FITTED = ("expected_wait", "beyond_per_minute", "expectation_sd")
HELD = {
    "at_expectation": "held at the scenario's value: the score at the expected wait anchors "
                      "the scale, and with it free the level and the expected wait trade off",
    **dict.fromkeys(("gain_per_minute", "zone_per_minute"),
                    "held at the scenario's value: the gentle slopes on either side of the "
                    "expected wait trade off with the expected wait itself (a fit moves the "
                    "expected wait and steepens the tolerance zone for the same curve), so "
                    "only the steep slope past the acceptable wait is fitted"),
}
"""Why the parameters not in :data:`FITTED` are held."""
_NODES = ndtri((np.arange(11) + 0.5) / 11)
"""Standard normal quantiles at the middles of 11 equally likely slices: the expectation
multiplier's distribution as 11 equally likely customers. The score is piecewise linear in the
multiplier, which Gauss-Hermite nodes (made for smooth functions) integrate with visible
kinks; equal slices give each kink its share."""
BOOTSTRAP_ITERATIONS = 8
"""Levenberg-Marquardt steps of a bootstrap refit: it starts from the whole survey's fit, a
few steps away from its own (more move the intervals' ends by well under their width)."""
_CHUNK = 100
"""Bootstrap resamples fitted together (bounds the memory of a batch)."""


@dataclass(frozen=True)
class SatisfactionFit:
    """The fitted satisfaction parameters, and the data and curve the figure draws."""

    estimates: dict[str, Estimate]
    felt: np.ndarray
    """Felt minutes of the respondents used."""
    score: np.ndarray
    """Their satisfaction, 0-100."""
    parameters: np.ndarray | None
    """The fitted parameter set (:data:`PARAMETERS` order), for :meth:`curve`."""
    fixed: SatisfactionParameters

    def curve(self, felt: np.ndarray) -> np.ndarray | None:
        """The fitted mean satisfaction (0-100) at felt waits ``felt`` (minutes)."""
        if self.parameters is None:
            return None
        return mean_curve(self.parameters[None, :], felt, self.fixed)[0]


def mean_curve(theta: np.ndarray, felt: np.ndarray, fixed: SatisfactionParameters
               ) -> np.ndarray:
    """Mean satisfaction over customers' expectations (B x n) of parameter sets ``theta``
    (B x 6, :data:`PARAMETERS` order) at felt waits ``felt`` (n, minutes)."""
    level, expected, gain, zone, beyond, sd = (theta[:, i, None, None] for i in range(6))
    multiplier = np.exp(sd * _NODES)  # (B, 1, nodes)
    multiplier /= multiplier.mean(axis=2, keepdims=True)  # mean exactly 1
    reference = expected * multiplier
    acceptable = np.maximum(reference * fixed.acceptable_ratio,
                            reference + fixed.acceptable_min_minutes)
    with np.errstate(divide="ignore", invalid="ignore"):
        most_gained = np.where(gain > 0, fixed.gain_cap / gain, 0.0)
    lost = points_lost(felt[None, :, None], reference, acceptable, most_gained, gain, zone,
                       beyond)
    scores = np.clip(level - lost, 0.0, 100.0)
    return scores.mean(axis=2)


def _bounds(felt: np.ndarray, free: np.ndarray, start: np.ndarray
            ) -> tuple[np.ndarray, np.ndarray]:
    """Box of the parameters: a slope not fitted is pinned at its start."""
    low = np.array([0.0, 0.05, 0.0, 0.0, 0.0, 0.0])
    high = np.array([100.0, 2 * float(np.max(felt)) + 1, 50.0, 50.0, 50.0, 1.5])
    return np.where(free, low, start), np.where(free, high, start)


def _parts(felt: np.ndarray, expected: float, fixed: SatisfactionParameters) -> dict[str, int]:
    """Respondents felt below the expected wait, in the tolerance zone, past it."""
    acceptable = max(expected * fixed.acceptable_ratio, expected + fixed.acceptable_min_minutes)
    return {"gain_per_minute": int(np.sum(felt < expected)),
            "zone_per_minute": int(np.sum((felt >= expected) & (felt <= acceptable))),
            "beyond_per_minute": int(np.sum(felt > acceptable))}


def _fit(felt: np.ndarray, score: np.ndarray, starts: np.ndarray, weights: np.ndarray,
         free: np.ndarray, fixed: SatisfactionParameters, iterations: int = 60) -> np.ndarray:
    """Best parameter set per row of ``weights`` (each row fitted from every start when
    there are several starts and one weighting, else row by row from its start)."""
    low, high = _bounds(felt, free, starts[0])
    steps = np.array([1e-3, 1e-3, 1e-4, 1e-4, 1e-4, 1e-4])

    def residuals(theta: np.ndarray) -> np.ndarray:
        return score[None, :] - mean_curve(theta, felt, fixed)

    theta, cost = levenberg_marquardt(residuals, starts, weights, low, high, iterations,
                                      step=steps)
    if len(weights) == 1 or starts.shape[0] != weights.shape[0]:
        return theta[[int(np.argmin(cost))]]
    return theta


def fit_satisfaction(felt: np.ndarray, score: np.ndarray, weights: np.ndarray,
                     fixed: SatisfactionParameters, refuse: str | None = None
                     ) -> SatisfactionFit:
    """Fit the satisfaction curve on felt waits ``felt`` (minutes) and answers ``score``
    (0-100), with ``weights`` (B x n) the bootstrap resamples of these respondents;
    ``refuse``: a reason not to fit at all."""
    n = len(felt)
    if n < MIN_ROWS or refuse:
        reason = refuse or (f"needs at least {MIN_ROWS} respondents with a satisfaction "
                            f"answer and a felt wait; the survey has {n}")
        return SatisfactionFit({name: not_fitted(reason) for name in PARAMETERS}, felt, score,
                               None, fixed)
    defaults = np.array([fixed.at_expectation, float(np.median(felt)), fixed.gain_per_minute,
                         fixed.zone_per_minute, fixed.beyond_per_minute, fixed.expectation_sd])
    free = np.array([name in FITTED for name in PARAMETERS])
    reasons = dict(HELD)
    ones = np.ones((1, n))
    for _ in range(3):  # refit while a part of the curve turns out too thin for its slope
        starts = np.repeat(defaults[None, :], 5, axis=0)
        starts[:, 1] = np.quantile(felt, [0.1, 0.3, 0.5, 0.7, 0.9])
        best = _fit(felt, score, starts, ones, free, fixed)[0]
        thin = {name: count for name, count in _parts(felt, best[1], fixed).items()
                if count < MIN_PER_PART and free[PARAMETERS.index(name)]}
        if not thin:
            break
        for name, count in thin.items():
            free[PARAMETERS.index(name)] = False
            reasons[name] = (f"only {count} respondents felt a wait {SLOPES[name]} (at least "
                             f"{MIN_PER_PART} needed); held at the scenario's value")
    replicates = np.vstack([
        _fit(felt, score, np.repeat(best[None, :], len(chunk), axis=0), chunk, free, fixed,
             BOOTSTRAP_ITERATIONS)
        for chunk in np.array_split(weights, max(1, -(-len(weights) // _CHUNK)))
        if len(chunk)]) if len(weights) else np.empty((0, 6))
    estimates = {}
    for i, name in enumerate(PARAMETERS):
        if name in reasons:
            estimates[name] = not_fitted(reasons[name], fixed_at=float(defaults[i]))
        else:
            estimates[name] = estimate(best[i], replicates[:, i])
    return SatisfactionFit(estimates, felt, score, best, fixed)
