"""``waitsim report``: one self-contained HTML page a manager can read and share.

The page is built on a results folder read back (:class:`simulator.results.Results`), the
comparison exactly as ``waitsim compare`` computes it (:mod:`simulator.analysis.comparison`,
from ``replications.csv``, which keeps every float), its ``costs.csv`` and, when present,
its ``uncertainty.json``; the figures are those of :mod:`simulator.plots`. Top to bottom:
the recommendation and its caveats, the ranking with paired intervals and costs, the key
numbers (per customer class too), the key figures, how sure the ranking is, what the result
rests on, the scenario.

One file: the style inline, the figures inline (SVG), no script, nothing fetched from a
network; it prints as it shows. Every name or text from the scenario is escaped.
"""

from __future__ import annotations

from pathlib import Path

from simulator.analysis.comparison import RANKABLE, rank
from simulator.analysis.comparison import compare as compare_variants
from simulator.errors import FolderConflict, InputError, ResultsError
from simulator.page.context import assumptions_section, load_scenario_of, scenario_section
from simulator.page.markup import Markup, element, page
from simulator.page.sections import (
    figures_section,
    join_sections,
    metrics_section,
    per_class_section,
    ranking_section,
    uncertainty_section,
)
from simulator.page.verdict import recommend
from simulator.page.words import metric_label
from simulator.plan.loader import BASE
from simulator.plots.style import labelled
from simulator.results import Results
from simulator.runs.files import atomic_write_bytes
from simulator.runs.lock import hold
from simulator.runs.store import COMPARISON_FILES, REPORT_FILE, read_manifest
from simulator.version import __version__

DEFAULT_RANK_BY = "satisfaction_mean"
"""The ranking metric when neither the caller nor an uncertainty analysis gives one (the
default of ``waitsim compare --rank-by``)."""


def ranking_metric(results: Results, rank_by: str | None) -> str:
    """``rank_by``, else the metric the folder's uncertainty analysis ranked by, else
    :data:`DEFAULT_RANK_BY`."""
    if rank_by is None:
        return results.uncertainty.metric if results.uncertainty else DEFAULT_RANK_BY
    if rank_by not in RANKABLE:
        raise InputError(f"--rank-by {rank_by}: not a metric a ranking can use (one of: "
                         f"{', '.join(RANKABLE)})")
    return rank_by


def has_comparison(results: Results) -> bool:
    """Whether ``waitsim compare`` wrote this folder's comparison (base and options)."""
    return (BASE in results.variants and len(results.variants) > 1
            and (results.folder / COMPARISON_FILES[0]).is_file())


def build_page(results: Results, rank_by: str | None = None) -> str:
    """The report page of a results folder, as HTML text (variants named by their labels)."""
    with labelled(results):
        return _page(results, rank_by)


def _page(results: Results, rank_by: str | None) -> str:
    metric = ranking_metric(results, rank_by)
    loaded, why_not = load_scenario_of(results)
    name = str(results.manifest.get("scenario", "waitsim results"))
    experiment = results.experiment()
    compared = has_comparison(results)
    written = results.manifest.get("written", "?")
    meta = element("p", f"waitsim report of the results folder {results.folder} (results "
                   f"written {written}; waitsim {__version__}).", class_="meta")
    parts: list[Markup] = [element("h1", f"{name}: " + ("which option to choose" if compared
                                                        else "results")), meta]
    if compared:
        comparison = compare_variants(experiment)
        verdict = recommend(comparison, metric, results.costs, results.uncertainty)
        parts.append(element("div", element("p", verdict.headline, class_="headline"),
                             *(element("p", c) for c in verdict.caveats), class_="verdict"))
        parts.append(ranking_section(comparison, metric, results.costs))
        order = [r.variant for r in rank(comparison, metric)]
        intervals = comparison.intervals
    else:
        parts.append(element("div", element("p", "No recommendation: this folder holds a run "
                                            "without a comparison of the options against "
                                            "today.", class_="headline"),
                             element("p", "The numbers of each variant follow. ",
                                     element("code", "waitsim compare SCENARIO --out DIR"),
                                     f" ranks the options by {metric_label(metric)} against "
                                     "today, with paired intervals and costs."),
                             class_="verdict"))
        order, intervals = results.variants, experiment.intervals()
    parts += [metrics_section(intervals, order), per_class_section(results, order),
              figures_section(results, metric, compared)]
    if results.uncertainty is not None:
        parts.append(uncertainty_section(results, results.uncertainty))
    parts += [assumptions_section(loaded, why_not, results.uncertainty is not None),
              scenario_section(results, loaded, why_not)]
    return page(f"{name}: waitsim report", [join_sections(parts)])


def write_report(folder: Path | str, out: Path | str | None = None,
                 rank_by: str | None = None) -> Path:
    """Write the report page of the results folder ``folder`` to ``out`` (default:
    ``folder/report.html``, which the results store owns: removed when the results change)
    atomically, and return its path. The folder's lock is held meanwhile, so no run changes
    the results while the page is made (refused while one runs)."""
    folder = Path(folder)
    if (read_manifest(folder) or {}).get("kind") == "sweep":
        raise ResultsError(f"{folder}: the folder of a sweep; waitsim report reads the folder "
                           "of a run or a compare (its points are in replications.csv)")
    Results.load(folder)  # says what is wrong with the folder before anything else
    target = Path(out) if out is not None else folder / REPORT_FILE
    if target.is_dir() or target.is_symlink():
        raise FolderConflict(f"{target}: a folder or a symbolic link; give a file name "
                             "for --out (e.g. report.html)")
    with hold(folder):
        text = build_page(Results.load(folder), rank_by)
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(target, text.encode("utf-8"))
    return target


__all__ = ["build_page", "write_report"]
