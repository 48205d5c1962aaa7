"""``waitsim calibrate --write``: the fitted values into a scenario file, each with its 95%
interval in a comment beside it, the rest of the file kept as written, the result validated.

Where each value goes: without a ``class`` column, the perception values into the top-level
``perception:`` block and the satisfaction slopes and ``expectation_sd`` into
``satisfaction:``; ``expected_wait`` (a class key) only when the scenario has one class. With a
``class`` column, each class's values into ``customers.NAME.perception``,
``customers.NAME.satisfaction`` and ``customers.NAME.expected_wait``. Parameters that were not
fitted are left as they are.

The survey's overestimation includes the respondents' anxiety, which the scenario adds on top
(``weight x (1 + anxiety_effect x anxiety)``): the value written is divided by
``(1 + anxiety_effect x anxiety) ** duration_exponent`` of the class, so that the scenario's
customers feel what the respondents felt.

Each interval goes into the comment beside its value. Values written at the top level also
get their interval as a range under ``uncertainty.ranges``, so that ``compare --uncertainty``
draws them from what the survey allows instead of the literature's plausible range. A class's
own values are pinned under every draw of an uncertainty analysis, so a per-class fit writes
its intervals as comments only.
"""

from __future__ import annotations

import os
from pathlib import Path

from simulator.analysis.calibration import Calibration
from simulator.analysis.calibration.fitting import Estimate
from simulator.errors import FieldPath, ScenarioError
from simulator.plan.loader import LoadedScenario, load_scenario
from simulator.report.scenario_update import Setting, set_values
from simulator.runs.files import atomic_write_text


def _comment(survey: str, e: Estimate, divisor: float = 1.0, extra: str = "") -> str:
    interval = ("" if e.ci_low is None or e.ci_high is None
                else f": 95% interval [{e.ci_low / divisor:.3g}, {e.ci_high / divisor:.3g}]")
    return f"calibrated from {survey}{interval}{extra}"


def _write_group(text: str, file: str, c: Calibration, survey: str, where: FieldPath,
                 loaded: LoadedScenario, class_name: str | None) -> str:
    """``c``'s fitted values into the blocks under ``where`` (() = the top level) and, for a
    class, its ``expected_wait``."""
    base = loaded.base
    if class_name is not None:
        plan_class = next(cp for cp in loaded.plans["base"].classes if cp.name == class_name)
        anxiety, effect = plan_class.anxiety, plan_class.perception.anxiety_effect
        exponent = plan_class.perception.duration_exponent
    else:
        anxieties = {c.anxiety for c in base.customers.values()}
        anxiety = anxieties.pop() if len(anxieties) == 1 else 0.0  # differ: see the notes
        effect, exponent = base.perception.anxiety_effect, base.perception.duration_exponent
    fitted_exponent = c.perception.estimates["duration_exponent"].value
    exponent = fitted_exponent if fitted_exponent is not None else exponent
    perception: dict[str, Setting] = {}
    for name, e in c.perception.estimates.items():
        if e.value is None:
            continue
        if name == "overestimation" and anxiety * effect:
            felt_more = (1 + effect * anxiety) ** exponent
            perception[name] = (e.value / felt_more, _comment(
                survey, e, felt_more, f" (the survey's {e.value:.3g} / {felt_more:.3g}, "
                f"its anxiety {anxiety:g})"))
        else:
            perception[name] = (e.value, _comment(survey, e))
    satisfaction = {name: (e.value, _comment(survey, e))
                    for name, e in c.satisfaction.estimates.items()
                    if e.value is not None and name != "expected_wait"}
    if not where:  # the intervals as the ranges an uncertainty analysis draws from
        ranges = {f"{block}.{name}": ((low, high), f"95% interval, from {survey}")
                  for block, fitted in (("perception", perception),
                                        ("satisfaction", satisfaction))
                  for name in fitted
                  for low, high in [_interval(c, block, name, perception)] if low < high}
        if ranges:
            text = set_values(text, file, ("uncertainty", "ranges"), ranges)
    # satisfaction first: a block new to a class goes first in it, so perception ends on top
    if satisfaction:
        text = set_values(text, file, (*where, "satisfaction"), satisfaction)
    if perception:
        text = set_values(text, file, (*where, "perception"), perception)
    expected = c.satisfaction.estimates["expected_wait"]
    if class_name is not None and expected.value is not None:
        text = set_values(text, file, ("customers", class_name),
                          {"expected_wait": (expected.value, _comment(survey, expected))})
    return text


def _interval(c: Calibration, block: str, name: str,
              perception: dict[str, Setting]) -> tuple[float, float]:
    """The 95% interval of a written value, on the scale it was written at (the
    overestimation's divided as its value was); (0, 0) when there is none."""
    e = (c.perception if block == "perception" else c.satisfaction).estimates[name]
    if e.ci_low is None or e.ci_high is None or e.value is None:
        return 0.0, 0.0
    written = perception[name][0] if block == "perception" else e.value
    scale = float(written) / e.value if e.value else 1.0  # type: ignore[arg-type]
    return float(f"{e.ci_low * scale:.4g}"), float(f"{e.ci_high * scale:.4g}")


def write_calibration(calibration: Calibration, scenario: str | Path, survey: str
                      ) -> list[str]:
    """Write ``calibration`` into ``scenario`` (see the module docstring) and validate the
    result; the file is replaced only when the result is a valid scenario. Returns notes on
    what was not written."""
    path = Path(scenario)
    loaded = load_scenario(path)
    text = path.read_text(encoding="utf-8")
    file, notes = str(path), []
    classes = list(loaded.base.customers)
    if calibration.classes:
        for name, c in calibration.classes.items():
            if name not in loaded.base.customers:
                notes.append(f"class {name!r} of the survey is not a class of {path} "
                             f"(classes: {', '.join(classes)}): its values were not written")
                continue
            text = _write_group(text, file, c, survey, ("customers", name), loaded, name)
    else:
        anxieties = {c.anxiety for c in loaded.base.customers.values()}
        one = classes[0] if len(classes) == 1 else None
        if one is None and len(anxieties) > 1:
            notes.append("the scenario's classes differ in anxiety, which adds to the "
                         "overestimation written at the top level; a class column in the "
                         "survey fits each class on its own")
        if one is None:
            notes.append("expected_wait was not written: it is a class key and the survey has "
                         "no class column")
        text = _write_group(text, file, calibration, survey, (), loaded, one)
    scratch = path.with_name(f".{path.name}.calibrated")
    try:
        atomic_write_text(scratch, text)
        load_scenario(scratch)
        os.replace(scratch, path)
    except ScenarioError as exc:
        raise ScenarioError(f"{path}: the calibrated file would not be a valid scenario, so "
                            f"it was left unchanged: {str(exc).replace(str(scratch), file)}"
                            ) from None
    finally:
        scratch.unlink(missing_ok=True)
    return notes
