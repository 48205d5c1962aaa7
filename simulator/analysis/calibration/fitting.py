"""What the calibration fits share: an estimate with its interval, bootstrap weights, and a
least-squares solver that fits many weightings of the same data at once.

**Intervals.** Every interval but ``time_sense_sd``'s (see :mod:`.perception`) is a 95%
percentile bootstrap over respondents: the survey is
resampled with replacement (``bootstrap`` times, seeded), every parameter is fitted again on
each resample, and the interval runs from the 2.5th to the 97.5th percentile of the refits. It
needs no assumption about the shape of the noise (reports are heaped, satisfaction is
bounded) and carries the uncertainty of one parameter into those derived from it (the
intercept correction, the condition factors). A resample is a vector of counts (how many times
each respondent is drawn), so that all resamples are fitted together as weighted fits: one
batched linear solve for the perception regression, one batched Levenberg-Marquardt run for
the satisfaction curve.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

CONFIDENCE = 0.95
DEFAULT_BOOTSTRAP = 400


@dataclass(frozen=True)
class Estimate:
    """A fitted parameter with its 95% interval, or the reason it was not fitted."""

    value: float | None
    ci_low: float | None = None
    ci_high: float | None = None
    reason: str | None = None
    """Why the parameter was not fitted (None when it was)."""
    fixed_at: float | None = None
    """The value the fit held it at, when it was not fitted but the fit needed one."""

    @property
    def fitted(self) -> bool:
        return self.reason is None

    def to_json(self) -> dict[str, object]:
        document: dict[str, object] = {"value": self.value, "ci_low": self.ci_low,
                                       "ci_high": self.ci_high, "fitted": self.fitted}
        if self.reason is not None:
            document["reason"] = self.reason
        if self.fixed_at is not None:
            document["fixed_at"] = self.fixed_at
        return document


def not_fitted(reason: str, fixed_at: float | None = None) -> Estimate:
    return Estimate(None, reason=reason, fixed_at=fixed_at)


def estimate(point: float, replicates: np.ndarray) -> Estimate:
    """``point`` with the percentile interval of its bootstrap ``replicates`` (NaN refits,
    e.g. a resample that left out every respondent of a condition, are dropped)."""
    finite = replicates[np.isfinite(replicates)]
    if not len(finite):
        return Estimate(float(point))
    tail = 100 * (1 - CONFIDENCE) / 2
    low, high = np.percentile(finite, [tail, 100 - tail])
    return Estimate(float(point), float(low), float(high))


def bootstrap_weights(rows: int, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """``resamples`` x ``rows`` counts: how often each respondent is drawn in each resample
    (each row sums to ``rows``)."""
    return rng.multinomial(rows, np.full(rows, 1.0 / rows), size=resamples).astype(float)


def weighted_least_squares(design: np.ndarray, response: np.ndarray, weights: np.ndarray
                           ) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients (B x k) and weighted mean squared residuals (B, on the weights' sum less k
    degrees of freedom) of the linear fits of ``response`` on ``design`` (n x k) under each row of
    ``weights`` (B x n)."""
    gram = np.einsum("bn,ni,nj->bij", weights, design, design)
    moment = np.einsum("bn,ni,n->bi", weights, design, response)
    ridge = 1e-12 * np.trace(gram, axis1=1, axis2=2)[:, None, None] * np.eye(design.shape[1])
    coefficients = np.linalg.solve(gram + ridge, moment[..., None])[..., 0]
    residuals = response[None, :] - coefficients @ design.T
    dof = np.maximum(weights.sum(axis=1) - design.shape[1], 1.0)
    return coefficients, np.sum(weights * residuals ** 2, axis=1) / dof


Residuals = Callable[[np.ndarray], np.ndarray]
"""``residuals(theta)``: B x k parameter sets -> B x n residuals."""


def levenberg_marquardt(residuals: Residuals, start: np.ndarray, weights: np.ndarray,
                        low: np.ndarray, high: np.ndarray, iterations: int = 60,
                        step: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Minimise each row's weighted sum of squared residuals, all rows at once.

    ``start`` (B x k) are the starting parameter sets, ``weights`` (B x n) the weights of the
    observations in each fit; parameters are kept within ``low`` .. ``high`` (projected steps).
    The Jacobian is by forward differences of size ``step`` (k). Returns the parameters
    (B x k) and each fit's weighted sum of squares (B).
    """
    theta = np.clip(start.astype(float), low, high)
    weights = np.broadcast_to(weights, (theta.shape[0], weights.shape[1]))
    k = theta.shape[1]
    step = np.full(k, 1e-4) if step is None else step
    damping = np.full(theta.shape[0], 1e-2)
    r = residuals(theta)
    current = np.sum(weights * r * r, axis=1)
    active = np.ones(theta.shape[0], dtype=bool)  # fits still improving
    for _ in range(iterations):
        rows = np.flatnonzero(active)
        if not len(rows):
            break
        t, w, res, lam = theta[rows], weights[rows], r[rows], damping[rows]
        jacobian = np.empty((*res.shape, k))
        jacobian[:, :, low == high] = 0.0  # pinned parameters do not move
        for j in np.flatnonzero(low < high):
            shifted = t.copy()
            # Step inwards at the upper bound, so the difference stays inside the box.
            direction = np.where(t[:, j] + step[j] > high[j], -1.0, 1.0)
            shifted[:, j] += direction * step[j]
            jacobian[:, :, j] = (residuals(shifted) - res) / (direction * step[j])[:, None]
        weighted = jacobian * w[..., None]
        gram = np.einsum("bni,bnj->bij", weighted, jacobian)
        gradient = np.einsum("bni,bn->bi", weighted, res)
        diagonal = np.einsum("bii->bi", gram) + 1e-12
        system = gram + lam[:, None, None] * diagonal[:, :, None] * np.eye(k)
        delta = -np.linalg.solve(system, gradient[..., None])[..., 0]
        candidate = np.clip(t + delta, low, high)
        r_new = residuals(candidate)
        trial = np.sum(w * r_new * r_new, axis=1)
        better = trial < current[rows]
        gain = (current[rows] - trial) / np.maximum(current[rows], 1e-300)
        theta[rows[better]] = candidate[better]
        r[rows[better]] = r_new[better]
        current[rows[better]] = trial[better]
        damping[rows] = np.where(better, lam / 3, lam * 4)
        # Converged: a step that gained (almost) nothing, or no step that gains at all.
        active[rows] = ~((better & (gain < 1e-9)) | (damping[rows] > 1e7))
    return theta, current
