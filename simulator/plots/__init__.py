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
satisfaction), :mod:`.uncertainty` (rank probabilities, drivers); this one re-exports the
figures and saves them all.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import matplotlib as mpl
from matplotlib.figure import Figure

from simulator.analysis.summary import METRICS
from simulator.errors import FolderConflict, ResultsError
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
from simulator.plots.sweep import SWEEP_METRICS, sweep_figure
from simulator.plots.uncertainty import rank_probabilities, uncertainty_drivers
from simulator.results import Results, SweepSummary
from simulator.runs.files import atomic_write_bytes, remove
from simulator.runs.lock import hold
from simulator.runs.store import (
    FIGURE_FORMATS,
    FIGURE_STEMS,
    FIGURES_DIR,
    IMPROVEMENT,
    is_figure_name,
    read_manifest,
    sweep_figure_stem,
)

# ``__all__`` as before the split into modules; the constants the module had (``X as X``
# above) stay importable from ``simulator.plots`` too, outside ``__all__`` as they were.
__all__ = ["FIGURES", "FigureUnavailable", "Results", "ResultsError", "abandonment_by_hour",
           "cost_vs_satisfaction", "efficient_frontier", "paired_differences",
           "paired_improvement", "queue_over_day", "rank_probabilities",
           "satisfaction_by_variant", "save_all", "sweep_figure", "uncertainty_drivers",
           "wait_distributions"]

DEFAULT_METRICS = ("satisfaction_mean", "perceived_wait_mean")
"""Metrics of the paired-improvement (forest) plots that :func:`save_all` draws by default."""


# -- Saving -------------------------------------------------------------------------------------

FIGURES: dict[str, Callable[[Results], Figure]] = dict(zip(FIGURE_STEMS, (
    wait_distributions, satisfaction_by_variant, queue_over_day, abandonment_by_hour,
    cost_vs_satisfaction, rank_probabilities, uncertainty_drivers), strict=True))
"""The figures :func:`save_all` writes, by file name (the store's
:data:`~simulator.runs.store.FIGURE_STEMS`, the only figure files it ever deletes), besides
one ``improvement_<metric>`` forest plot (:func:`paired_improvement`) per metric."""
SAVE_DPI = 150
"""Dots per inch of PNG files: 1500 x 900 pixels, sharp on a slide."""
_NO_DATE = {"svg": {"Date": None}, "pdf": {"CreationDate": None}}  # same bytes on a rerun


def _skip_warning(name: str, reason: str) -> None:
    import warnings

    warnings.warn(f"{name}: skipped: {reason}", stacklevel=3)


def save_all(results_dir: Path | str, out_dir: Path | str | None = None,
             formats: Sequence[str] = ("png", "svg"),
             metrics: Sequence[str] | None = None,
             on_skip: Callable[[str, str], None] | None = None,
             variants: Sequence[str] | None = None,
             progress: Callable[[float, int], None] | None = None) -> list[Path]:
    """Write every figure of a results folder to ``out_dir`` (default
    ``<results_dir>/figures``), each in every format, atomically; return the files written.

    A figure the folder has no data for is skipped: ``on_skip(name, reason)`` is called
    (default: a warning) and any file of it from an earlier call is removed, so a folder never
    shows a figure of results that are gone. ``metrics``: one forest plot per metric (default
    :data:`DEFAULT_METRICS`); for a sweep's folder, the panels of each parameter's figure
    (default: the headline metrics). ``variants``: draw only these (default: all; not for a
    sweep). ``progress(done, total)`` is called before each figure and at the end.

    Only files named as figures (:func:`simulator.runs.store.is_figure_name`) are written or
    removed; any other file in ``<results_dir>/figures`` stays. An ``out_dir`` elsewhere
    that holds anything but such figures is refused (:class:`FolderConflict`), as is one
    that is a symbolic link or a file. The results folder's lock is held meanwhile, so no
    run changes the results while they are drawn (refused while one runs).
    """
    bad = [f for f in formats if f not in FIGURE_FORMATS]
    if bad:
        raise ValueError(f"unknown figure format(s) {', '.join(bad)} (one of: "
                         f"{', '.join(FIGURE_FORMATS)})")
    unknown = [m for m in metrics or () if m not in METRICS]
    if unknown:
        raise ValueError(f"unknown metric(s) {', '.join(unknown)} (one of: {', '.join(METRICS)})")
    folder = Path(results_dir)
    manifest = read_manifest(folder) if folder.is_dir() else None
    if manifest is not None and manifest.get("kind") == "sweep":
        if variants:
            raise ResultsError(f"{folder}: a sweep has points, not variants; --variant "
                               "applies to the folders of run and compare")
        with hold(folder):
            sweep = SweepSummary.load(folder)
            builders = [(sweep_figure_stem(p), sweep_figure,
                         {"parameter": p, "metrics": tuple(metrics or SWEEP_METRICS)})
                        for p in sweep.parameters]
            return _draw(sweep, folder, out_dir, builders, formats, on_skip, progress)
    if manifest is None:
        Results.load(folder)  # says what is wrong
    with hold(folder):
        results = Results.load(folder)
        if variants:
            results = results.only(variants)
        builders: list[tuple[str, Callable[..., Figure], dict[str, Any]]] = [
            (name, build, {}) for name, build in FIGURES.items()]
        builders[2:2] = [(f"{IMPROVEMENT}{m}", paired_improvement, {"metric": m})
                         for m in dict.fromkeys(metrics or DEFAULT_METRICS)]
        return _draw(results, folder, out_dir, builders, formats, on_skip, progress)


def _check_out(out: Path, default: bool) -> None:
    """Refuse a figures folder that is a link or a file, or (not the default one) holds
    files that are not figures (:func:`save_all`)."""
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise FolderConflict(f"{out}: a symbolic link or a file, not a folder; nothing was "
                             "changed. Choose another --out")
    if default or not out.is_dir():
        return
    other = sorted(name for name in os.listdir(out) if not is_figure_name(name)
                   and not (name.startswith(".") and name.endswith(".tmp")))
    if other:
        raise FolderConflict(
            f"{out}: holds files that are not waitsim figures ({', '.join(other[:3])}"
            f"{', ...' if len(other) > 3 else ''}); nothing was changed. Choose a new or "
            "empty folder for --out")


def _draw(source: Any, folder: Path, out_dir: Path | str | None,
          builders: Sequence[tuple[str, Callable[..., Figure], dict[str, Any]]],
          formats: Sequence[str], on_skip: Callable[[str, str], None] | None,
          progress: Callable[[float, int], None] | None) -> list[Path]:
    """Draw each of ``builders`` (file stem, figure function, its options) from ``source``
    and write it in every format (see :func:`save_all`)."""
    default = folder / FIGURES_DIR
    out = Path(out_dir) if out_dir is not None else default
    _check_out(out, os.path.abspath(out) == os.path.abspath(default))
    written: list[Path] = []
    for done, (name, build, options) in enumerate(builders):
        if progress is not None:
            progress(done, len(builders))
        try:
            fig = build(source, **options)
        except FigureUnavailable as exc:
            for fmt in formats:
                remove(out / f"{name}.{fmt}")
            (on_skip or _skip_warning)(name, str(exc))
            continue
        for fmt in formats:
            buffer = io.BytesIO()
            with mpl.rc_context(STYLE):  # svg.hashsalt is read when saving
                fig.savefig(buffer, format=fmt, dpi=SAVE_DPI, metadata=_NO_DATE.get(fmt))
            path = out / f"{name}.{fmt}"
            atomic_write_bytes(path, buffer.getvalue())
            written.append(path)
    if progress is not None:
        progress(len(builders), len(builders))
    return written
