"""How sure a ranking is: the model's parameters drawn from their plausible ranges, every
variant evaluated under each draw, and what the spread of results says (pure numpy).

- :func:`latin_hypercube`: the draws. Each parameter's range is cut into ``n`` equal slices
  and every slice is used exactly once, in an independent random order per parameter
  (McKay, Beckman & Conover 1979): with a few hundred draws every range is covered evenly,
  which plain random sampling does not guarantee.
- :func:`summarise_draws`: per variant, its gain over the base on the ranking metric (median
  and 5th-95th percentiles over draws), the probability that it ranks first, that it beats
  the base, and of each rank; and the expected value of perfect information (EVPI).
- :func:`partial_rank_correlations`: which parameters drive each gain. The partial rank
  correlation coefficient (PRCC; Marino, Hogue, Ray & Kirschner 2008) of a parameter with the
  gain is the correlation of their ranks once the ranks of every other parameter are
  regressed out. It reads the Latin hypercube draws as they are (Sobol indices would need
  ``n x (parameters + 2)`` evaluations, a dozen times as many simulations), is unaffected by
  any monotone transformation of a parameter, and its sign says the direction of the effect.
  A driver is named only when its PRCC differs from 0 at the 5% level after a Bonferroni
  correction over the parameters (:func:`significant_prcc`): with 35 parameters, chance alone
  gives a few coefficients of 0.15-0.2 at 200 draws, and of 0.8 at 38.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import stdtrit

from simulator.analysis.statistics import json_ready

LOW_PERCENTILE, HIGH_PERCENTILE = 5.0, 95.0
"""The percentiles a gain's spread is given by."""
DRIVERS_SHOWN = 5
"""Parameters listed as drivers of each variant's gain (by importance)."""


def latin_hypercube(ranges: Mapping[str, tuple[float, float]], n: int,
                    rng: np.random.Generator) -> dict[str, np.ndarray]:
    """``n`` draws of each parameter, uniform on its range, stratified: the range is cut
    into ``n`` equal slices and each slice holds exactly one draw (a random point in it);
    slices are paired across parameters in independent random orders."""
    draws = {}
    for name, (low, high) in ranges.items():
        points = (rng.permutation(n) + rng.random(n)) / n
        draws[name] = low + (high - low) * points
    return draws


def _rank_shares(values: np.ndarray) -> np.ndarray:
    """``shares[d, i, k]``: for draw ``d``, the share of rank ``k`` (0: best) that option ``i``
    holds. ``values[d, i]``, larger is better. Options tied in a draw share the ranks they
    occupy equally, so every draw's shares sum to 1 per rank and per option."""
    draws, options = values.shape
    order = np.argsort(-values, axis=1, kind="stable")
    ordered = np.take_along_axis(values, order, axis=1)
    shares = np.zeros((draws, options, options))
    for d in range(draws):
        start = 0
        while start < options:  # a group of equal values (usually of one)
            stop = start + 1
            while stop < options and ordered[d, stop] == ordered[d, start]:
                stop += 1
            members = order[d, start:stop]
            shares[d, members[:, None], np.arange(start, stop)[None, :]] = 1.0 / (stop - start)
            start = stop
    return shares


@dataclass(frozen=True)
class VariantUncertainty:
    """One variant under parameter uncertainty (the base included, with a zero gain)."""

    gain_median: float
    gain_low: float
    gain_high: float
    """Variant minus base on the ranking metric, in its unit: median, 5th and 95th
    percentiles over draws."""
    p_best: float
    """Probability that the variant ranks first of all (the base included)."""
    p_better_than_base: float | None
    """Probability that it does strictly better than the base (None for the base)."""
    rank_probabilities: tuple[float, ...]
    """Probability of each place, first to last."""
    drivers: tuple[tuple[str, float], ...]
    """The parameters its gain depends on most: (dotted name, PRCC), by |PRCC|, those
    significantly different from 0 only (:func:`significant_prcc`)."""


def summarise_draws(values: np.ndarray, names: Sequence[str], larger_is_better: bool,
                    parameters: Mapping[str, np.ndarray]) -> tuple[dict[str, VariantUncertainty],
                                                                   float]:
    """Per variant, the uncertainty of its result, and the EVPI.

    ``values[d, v]``: the ranking metric of variant ``names[v]`` under draw ``d`` (the base
    first). ``parameters``: each drawn parameter's values (length: draws), for the drivers.
    EVPI, in the metric's unit: the mean over draws of the best variant's value in that draw,
    minus the value of the variant best on average: what knowing the parameters exactly would
    be worth to the choice (0 when one variant is best under every draw)."""
    score = values if larger_is_better else -values
    gains = values - values[:, :1]
    shares = _rank_shares(score).mean(axis=0)
    evpi = float(score.max(axis=1).mean() - score.mean(axis=0).max())
    better = (score > score[:, :1]).mean(axis=0)
    drivers = partial_rank_correlations(parameters, gains)
    threshold = significant_prcc(len(values), len(parameters))
    result = {}
    for i, name in enumerate(names):
        low, median, high = np.percentile(gains[:, i], [LOW_PERCENTILE, 50, HIGH_PERCENTILE])
        ranked = sorted(drivers.items(), key=lambda kv: -abs(kv[1][i]))
        result[name] = VariantUncertainty(
            float(median), float(low), float(high), float(shares[i, 0]),
            float(better[i]) if i else None, tuple(float(p) for p in shares[i]),
            tuple((p, float(r[i])) for p, r in ranked[:DRIVERS_SHOWN]
                  if np.isfinite(r[i]) and abs(r[i]) > threshold))
    return result, max(evpi, 0.0)


SIGNIFICANCE = 0.05
"""Level of the test a driver must pass, over all parameters together (Bonferroni)."""


def significant_prcc(draws: int, parameters: int) -> float:
    """The smallest |PRCC| that differs from 0 at :data:`SIGNIFICANCE` over ``parameters``
    tests (Bonferroni): the t test of a partial correlation controlling for the other
    ``parameters - 1``, ``t = r sqrt(df / (1 - r^2))`` with ``df = draws - parameters - 1``
    (1.0 when there are too few draws for the test)."""
    df = draws - parameters - 1
    if parameters == 0 or df < 1:
        return 1.0
    t = float(stdtrit(df, 1 - SIGNIFICANCE / (2 * parameters)))
    return t / np.sqrt(df + t * t)


def _ranks(x: np.ndarray) -> np.ndarray:
    """Ranks along axis 0 (ties get their mean rank)."""
    order = np.argsort(x, axis=0, kind="stable")
    ranks = np.empty_like(x, dtype=float)
    np.put_along_axis(ranks, order, np.arange(len(x), dtype=float)[:, None]
                      * np.ones((1, x.shape[1])), axis=0)
    for j in range(x.shape[1]):  # mean ranks for ties
        values, inverse = np.unique(x[:, j], return_inverse=True)
        if len(values) < len(x):
            ranks[:, j] = (np.bincount(inverse, ranks[:, j]) / np.bincount(inverse))[inverse]
    return ranks


def partial_rank_correlations(parameters: Mapping[str, np.ndarray], outputs: np.ndarray
                              ) -> dict[str, np.ndarray]:
    """PRCC of each parameter with each column of ``outputs[d, v]``: per parameter, an array
    over the columns (NaN where an output does not vary, or with too few draws: fewer than
    parameters + 3)."""
    names = list(parameters)
    draws, columns = outputs.shape
    result = {name: np.full(columns, np.nan) for name in names}
    if not names or draws < fewest_draws_for_drivers(len(names)):
        return result
    x = _ranks(np.column_stack([parameters[n] for n in names]))
    y = _ranks(outputs)
    design = np.column_stack([np.ones(draws), x])
    for k, name in enumerate(names):
        others = np.delete(design, k + 1, axis=1)
        # Residuals of the parameter's ranks and of the outputs' ranks on the others' ranks.
        rx = x[:, k] - others @ np.linalg.lstsq(others, x[:, k], rcond=None)[0]
        ry = y - others @ np.linalg.lstsq(others, y, rcond=None)[0]
        norm = np.sqrt((rx @ rx) * (ry * ry).sum(axis=0))
        with np.errstate(invalid="ignore", divide="ignore"):
            r = (rx @ ry) / norm
        varies = np.ptp(outputs, axis=0) > 0
        result[name] = np.where(varies & (norm > 0), r, np.nan)
    return result


def fewest_draws_for_drivers(parameters: int) -> int:
    """Draws a partial rank correlation needs: one more than a regression on every other
    parameter (and a constant) can fit exactly."""
    return parameters + 3


def drivers_missing(u: UncertaintyResult) -> str:
    """Why no variant has drivers: too few draws, or no gain varied."""
    needed = fewest_draws_for_drivers(len(u.ranges))
    if u.draws < needed:
        return (f"the drivers of {len(u.ranges)} parameters need at least {needed} draws "
                f"(got {u.draws})")
    return ("no parameter's partial rank correlation with a gain passed the significance "
            f"test (|PRCC| > {significant_prcc(u.draws, len(u.ranges)):.2f} at "
            f"{u.draws} draws); more draws find weaker drivers")


@dataclass(frozen=True)
class UncertaintyResult:
    """The uncertainty analysis of a comparison."""

    draws: int
    metric: str
    evpi: float
    variants: dict[str, VariantUncertainty]
    """Base first, then the variants in the comparison's order."""
    ranges: dict[str, tuple[float, float]]
    """The ranges the drawn parameters came from (dotted names)."""
    pinned: dict[str, float]
    """Parameters pinned for the analysis by a range of equal ends."""
    resimulated: bool
    """True when the drawn parameters change who joins, leaves or is served, so each draw was
    simulated again; False when the recorded journeys were rescored."""
    replications_per_draw: int
    """Replications each draw rests on (every variant of a draw on the same customers)."""
    larger_is_better: bool
    """The ranking metric's better direction."""
    seconds: float = 0.0
    """Wall time of the analysis (0 when read back)."""

    def to_json(self) -> dict[str, Any]:
        """The ``uncertainty`` section of the comparison's ``--json`` document."""
        return json_ready({
            "draws": self.draws, "metric": self.metric, "evpi": self.evpi,
            "larger_is_better": self.larger_is_better,
            "resimulated": self.resimulated,
            "replications_per_draw": self.replications_per_draw,
            "ranges": {name: list(r) for name, r in self.ranges.items()},
            "pinned": dict(self.pinned),
            "variants": {name: {
                "gain": {"median": u.gain_median, "low": u.gain_low, "high": u.gain_high},
                "p_best": u.p_best, "p_better_than_base": u.p_better_than_base,
                "rank_probabilities": list(u.rank_probabilities),
                "drivers": [{"parameter": p, "importance": r} for p, r in u.drivers],
            } for name, u in self.variants.items()},
        })

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> UncertaintyResult:
        """The result :meth:`to_json` wrote (a results folder read back)."""
        def number(x: Any) -> float:
            return float("nan") if x is None else float(x)

        return cls(
            draws=int(doc["draws"]), metric=str(doc["metric"]), evpi=number(doc["evpi"]),
            variants={name: VariantUncertainty(
                number(v["gain"]["median"]), number(v["gain"]["low"]), number(v["gain"]["high"]),
                number(v["p_best"]),
                None if v["p_better_than_base"] is None else number(v["p_better_than_base"]),
                tuple(number(p) for p in v["rank_probabilities"]),
                tuple((d["parameter"], number(d["importance"])) for d in v["drivers"]))
                for name, v in doc["variants"].items()},
            ranges={name: (float(r[0]), float(r[1])) for name, r in doc["ranges"].items()},
            pinned={name: float(v) for name, v in doc["pinned"].items()},
            resimulated=bool(doc["resimulated"]),
            replications_per_draw=int(doc["replications_per_draw"]),
            larger_is_better=bool(doc["larger_is_better"]))
