"""Figures for a report, from a results folder written by ``waitsim run`` (or ``compare``).

Each figure function takes a :class:`Results` (the folder's files, read once) and returns a
matplotlib :class:`~matplotlib.figure.Figure`, made without pyplot so that no window or global
figure list is involved (in a notebook the returned figure displays itself); :func:`save_all`
writes every figure as PNG and SVG. The simulation never imports this module.

Style: about 10 x 6 inches with fonts readable on a slide, the Okabe-Ito colour-blind-safe
palette, a title, axis labels with units and a legend on every figure. A figure that needs data
the folder does not have raises :class:`FigureUnavailable` with what to run, never a guess.

Modules: :mod:`.style` (palette, style, shared helpers), :mod:`.operations` (waits, queue over
the day, abandonment by hour), :mod:`.comparison` (satisfaction, paired improvement, cost vs
satisfaction); this one re-exports the figures and saves them all.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from pathlib import Path

import matplotlib as mpl
from matplotlib.figure import Figure

from simulator.analysis.summary import METRICS
from simulator.errors import ResultsError
from simulator.plots.comparison import FOREST_KINDS as FOREST_KINDS
from simulator.plots.comparison import FOREST_LEGEND as FOREST_LEGEND
from simulator.plots.comparison import FRONTIER_LABEL as FRONTIER_LABEL
from simulator.plots.comparison import LABEL_PLACES as LABEL_PLACES
from simulator.plots.comparison import (
    cost_vs_satisfaction,
    efficient_frontier,
    paired_differences,
    paired_improvement,
    satisfaction_by_variant,
)
from simulator.plots.operations import abandonment_by_hour, queue_over_day, wait_distributions
from simulator.plots.style import CLOCK_COLOUR as CLOCK_COLOUR
from simulator.plots.style import EDGE as EDGE
from simulator.plots.style import FELT_COLOUR as FELT_COLOUR
from simulator.plots.style import LABEL_BOX as LABEL_BOX
from simulator.plots.style import LABELS as LABELS
from simulator.plots.style import MUTED as MUTED
from simulator.plots.style import OKABE_ITO as OKABE_ITO
from simulator.plots.style import STYLE, FigureUnavailable
from simulator.results import Results
from simulator.runs.files import atomic_write_bytes
from simulator.runs.store import FIGURE_FORMATS, FIGURES_DIR

# ``__all__`` as before the split into modules; the constants the module had (``X as X``
# above) stay importable from ``simulator.plots`` too, outside ``__all__`` as they were.
__all__ = ["FIGURES", "FigureUnavailable", "Results", "ResultsError", "abandonment_by_hour",
           "cost_vs_satisfaction", "efficient_frontier", "paired_differences",
           "paired_improvement", "queue_over_day", "satisfaction_by_variant", "save_all",
           "wait_distributions"]

DEFAULT_METRICS = ("satisfaction_mean", "perceived_wait_mean")
"""Metrics of the paired-improvement (forest) plots that :func:`save_all` draws by default."""


# -- Saving -------------------------------------------------------------------------------------

FIGURES: dict[str, Callable[[Results], Figure]] = {
    "wait_distributions": wait_distributions,
    "satisfaction": satisfaction_by_variant,
    "queue_over_day": queue_over_day,
    "abandonment_by_hour": abandonment_by_hour,
    "cost_vs_satisfaction": cost_vs_satisfaction,
}
"""The figures :func:`save_all` writes, by file name, besides one
``improvement_<metric>`` forest plot (:func:`paired_improvement`) per metric."""
SAVE_DPI = 150
"""Dots per inch of PNG files: 1500 x 900 pixels, sharp on a slide."""
_NO_DATE = {"svg": {"Date": None}, "pdf": {"CreationDate": None}}  # same bytes on a rerun


def _skip_warning(name: str, reason: str) -> None:
    import warnings

    warnings.warn(f"{name}: skipped: {reason}", stacklevel=3)


def save_all(results_dir: Path | str, out_dir: Path | str | None = None,
             formats: Sequence[str] = ("png", "svg"),
             metrics: Sequence[str] = DEFAULT_METRICS,
             on_skip: Callable[[str, str], None] | None = None) -> list[Path]:
    """Write every figure of a results folder to ``out_dir`` (default
    ``<results_dir>/figures``), each in every format, atomically; return the files written.

    A figure the folder has no data for is skipped: ``on_skip(name, reason)`` is called
    (default: a warning) and any file of it from an earlier call is removed, so a folder never
    shows a figure of results that are gone. ``metrics``: one forest plot per metric.
    """
    bad = [f for f in formats if f not in FIGURE_FORMATS]
    if bad:
        raise ValueError(f"unknown figure format(s) {', '.join(bad)} (one of: "
                         f"{', '.join(FIGURE_FORMATS)})")
    unknown = [m for m in metrics if m not in METRICS]
    if unknown:
        raise ValueError(f"unknown metric(s) {', '.join(unknown)} (one of: {', '.join(METRICS)})")
    results = Results.load(results_dir)
    out = Path(out_dir) if out_dir is not None else results.folder / FIGURES_DIR
    builders: list[tuple[str, Callable[..., Figure], dict[str, str]]] = [
        (name, build, {}) for name, build in FIGURES.items()]
    builders[2:2] = [(f"improvement_{m}", paired_improvement, {"metric": m})
                     for m in dict.fromkeys(metrics)]
    written: list[Path] = []
    for name, build, options in builders:
        try:
            fig = build(results, **options)
        except FigureUnavailable as exc:
            for fmt in formats:
                (out / f"{name}.{fmt}").unlink(missing_ok=True)
            (on_skip or _skip_warning)(name, str(exc))
            continue
        for fmt in formats:
            buffer = io.BytesIO()
            with mpl.rc_context(STYLE):  # svg.hashsalt is read when saving
                fig.savefig(buffer, format=fmt, dpi=SAVE_DPI, metadata=_NO_DATE.get(fmt))
            path = out / f"{name}.{fmt}"
            atomic_write_bytes(path, buffer.getvalue())
            written.append(path)
    return written
