"""Calibration: the perception and satisfaction parameters fitted to a customer survey.

:func:`calibrate_survey` fits the whole survey and, when it has a ``class`` column, each class
on its own respondents (:mod:`.survey` reads the file, :mod:`.perception` and
:mod:`.satisfaction` fit, :mod:`.fitting` holds the estimates, the bootstrap and the solvers).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from simulator.analysis.calibration.fitting import DEFAULT_BOOTSTRAP, bootstrap_weights
from simulator.analysis.calibration.perception import PerceptionFit, fit_perception
from simulator.analysis.calibration.satisfaction import SatisfactionFit, fit_satisfaction
from simulator.analysis.calibration.survey import Survey, read_survey
from simulator.models.perception import ClassPerception
from simulator.spec.parameters import PerceptionParameters, SatisfactionParameters

__all__ = ["DEFAULT_BOOTSTRAP", "Calibration", "Survey", "calibrate_survey", "read_survey"]


@dataclass(frozen=True)
class Calibration:
    """The fit of one group of respondents (the whole survey, or one class)."""

    rows: int
    perception: PerceptionFit
    satisfaction: SatisfactionFit
    felt_source: str
    """Where the satisfaction fit's felt waits came from (said in the report)."""
    classes: dict[str, Calibration] = field(default_factory=dict)
    """Per class, when the survey has a ``class`` column."""

    def to_json(self) -> dict[str, object]:
        """``{"rows", "perception": {name: {"value", "ci_low", "ci_high", ...}},
        "satisfaction": {...}}``, with ``"classes": {name: the same}`` when there are
        classes."""
        document: dict[str, object] = {
            "rows": self.rows,
            "perception": {k: e.to_json() for k, e in self.perception.estimates.items()},
            "satisfaction": {k: e.to_json() for k, e in self.satisfaction.estimates.items()},
            "felt_wait": self.felt_source,
        }
        if self.classes:
            document["classes"] = {name: c.to_json() for name, c in self.classes.items()}
        return document


def _felt(survey: Survey, fit: PerceptionFit, defaults: PerceptionParameters
          ) -> tuple[np.ndarray, str]:
    """Each respondent's felt wait for the satisfaction fit: the reported wait, else the
    fitted (or, failing that, the default) model's felt wait of the clock wait."""
    modelled = fit.felt(survey.actual, survey.flags)
    source = "the fitted perception model's felt wait of the clock wait"
    if modelled is None:
        model = ClassPerception([defaults], [0.0])
        modelled = model.felt(np.zeros(survey.rows, dtype=int), survey.actual)
        source = ("the scenario's perception model's felt wait of the clock wait (the "
                  "perception parameters could not be fitted)")
    if survey.reported is None:
        return modelled, source
    has = ~np.isnan(survey.reported)
    if has.all():
        return survey.reported, "the reported wait"
    return np.where(has, survey.reported, modelled), f"the reported wait, else {source}"


MIXED_CLASSES = ("the classes' expectations differ, and one curve over all of them fits "
                 "none: see each class")


def _calibrate(survey: Survey, bootstrap: int, rng: np.random.Generator, recall_sd: float,
               perception: PerceptionParameters, satisfaction: SatisfactionParameters,
               refuse_curve: str | None = None) -> Calibration:
    weights = bootstrap_weights(survey.rows, bootstrap, rng)
    fit = fit_perception(survey, weights, perception.reference_minutes, recall_sd)
    felt, source = _felt(survey, fit, perception)
    answered = (~np.isnan(survey.satisfaction) if survey.satisfaction is not None
                else np.zeros(survey.rows, dtype=bool))
    score = survey.satisfaction[answered] if survey.satisfaction is not None else np.array([])
    if survey.satisfaction is None:
        refuse_curve = "the survey has no satisfaction column"
        source = f"none: {refuse_curve}"
    curve = fit_satisfaction(felt[answered], score, weights[:, answered], satisfaction,
                             refuse_curve)
    return Calibration(survey.rows, fit, curve, source)


def calibrate_survey(survey: Survey, *, bootstrap: int = DEFAULT_BOOTSTRAP, seed: int = 0,
                     recall_sd: float = 0.0,
                     perception: PerceptionParameters | None = None,
                     satisfaction: SatisfactionParameters | None = None) -> Calibration:
    """Fit ``survey``: all respondents, then each class (with several classes, the
    satisfaction curve is fitted per class only). ``bootstrap``: resamples for the 95%
    intervals; ``seed``: their random seed (the same seed gives the same intervals);
    ``recall_sd``: log-sd of the respondents' recall error (see :mod:`.perception`);
    ``perception`` / ``satisfaction``: the values held for what the survey cannot fit
    (default: the model's defaults)."""
    perception = perception or PerceptionParameters()
    satisfaction = satisfaction or SatisfactionParameters()
    names = [] if survey.classes is None else sorted({n for n in survey.classes if n})
    streams = np.random.SeedSequence(seed).spawn(1 + len(names))
    whole = _calibrate(survey, bootstrap, np.random.default_rng(streams[0]), recall_sd,
                       perception, satisfaction, MIXED_CLASSES if len(names) > 1 else None)
    if survey.classes is None:
        return whole
    classes = {name: _calibrate(survey.subset(survey.classes == name), bootstrap,
                                np.random.default_rng(stream), recall_sd, perception,
                                satisfaction)
               for name, stream in zip(names, streams[1:], strict=False)}
    return Calibration(whole.rows, whole.perception, whole.satisfaction, whole.felt_source,
                       classes)
