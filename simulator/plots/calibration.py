"""The figure of ``waitsim calibrate --figure``: each group of respondents (the whole survey,
then each class) in a row of two panels: reported against actual waits with the fitted felt
wait, and satisfaction against felt waits with the fitted curve."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from simulator.analysis.calibration import Calibration, Survey
from simulator.plots.style import CLOCK_COLOUR, FELT_COLOUR, MUTED, OKABE_ITO, STYLE, _styled

_POINTS: dict[str, Any] = {"s": 14, "alpha": 0.35, "linewidths": 0}


def _perception_panel(ax: Axes, survey: Survey, c: Calibration) -> None:
    top = float(np.nanmax(survey.actual)) if survey.rows else 1.0
    grid = np.linspace(0.0, top, 200)
    ax.plot(grid, grid, color=MUTED, linestyle=":", label="felt = clock")
    if survey.reported is not None:
        ax.scatter(survey.actual, survey.reported, color=CLOCK_COLOUR, label="respondents",
                   **_POINTS)
    flags = {name: np.zeros_like(grid) for name in survey.flags}
    idle = c.perception.felt(grid, flags)
    if idle is None:
        ax.text(0.5, 0.9, "perception not fitted (see the table)", transform=ax.transAxes,
                ha="center", color=MUTED)
    else:
        ax.plot(grid, idle, color=FELT_COLOUR, linewidth=2.5,
                label="fitted mean felt wait" + (", idle and uninformed" if flags else ""))
        for i, name in enumerate(flags):
            curve = c.perception.felt(grid, {**flags, name: np.ones_like(grid)})
            if c.perception.estimates[f"{name}_factor"].fitted and curve is not None:
                ax.plot(grid, curve,
                        color=OKABE_ITO[(2 + i) % len(OKABE_ITO)], linewidth=2, linestyle="--",
                        label=f"fitted, {name}")
    ax.set_xlabel("actual wait (clock minutes)")
    ax.set_ylabel("reported wait (minutes)")
    ax.set_title("Reported against actual wait")
    ax.legend(loc="upper left")


def _satisfaction_panel(ax: Axes, c: Calibration, scale: str) -> None:
    fit = c.satisfaction
    ax.scatter(fit.felt, fit.score, color=CLOCK_COLOUR, label="respondents", **_POINTS)
    grid = np.linspace(0.0, float(np.max(fit.felt)) if len(fit.felt) else 1.0, 300)
    curve = fit.curve(grid)
    if curve is None:
        ax.text(0.5, 0.9, "satisfaction not fitted (see the table)", transform=ax.transAxes,
                ha="center", color=MUTED)
    else:
        ax.plot(grid, curve, color=FELT_COLOUR, linewidth=2.5,
                label="fitted mean satisfaction")
        expected = fit.estimates["expected_wait"]
        if expected.value is not None:
            ax.axvline(expected.value, color=MUTED, linestyle="--",
                       label=f"fitted expected wait, {expected.value:.1f} min")
    ax.set_ylim(-3, 103)
    ax.set_xlabel("felt wait (minutes)")
    mapped = "" if scale == "0-100" else f", {scale} mapped to 0-100"
    ax.set_ylabel(f"satisfaction (0-100{mapped})")
    ax.set_title("Satisfaction against felt wait")
    ax.legend(loc="upper right")


@_styled
def calibration_figure(calibration: Calibration, survey: Survey) -> Figure:
    """The fit of every group of respondents against its data (one row of two panels a
    group)."""
    groups = [("all respondents", calibration, survey)]
    if survey.classes is not None:
        groups += [(f"class {name}", c, survey.subset(survey.classes == name))
                   for name, c in calibration.classes.items()]
    width, height = STYLE["figure.figsize"]
    fig = Figure(figsize=(width * 1.4, height * 0.85 * len(groups) + 0.6),
                 layout="constrained")
    fig.suptitle(f"Calibration from {survey.path.name}: {survey.rows} respondents",
                 fontweight="bold")
    axes = fig.subplots(len(groups), 2, squeeze=False)
    for row, (name, c, part) in enumerate(groups):
        _perception_panel(axes[row][0], part, c)
        _satisfaction_panel(axes[row][1], c, survey.scale)
        for ax in axes[row]:
            ax.set_title(f"{ax.get_title()}: {name} ({c.rows})")
    return fig
