"""The public Python API: what ``import simulator`` offers, and what the command line uses.

::

    import simulator

    result = simulator.compare("scenarios/bank_branch.yaml", replications=10, out="results/bank")
    result.differences()          # pandas: every variant's paired difference from the base
    result.ranking()              # pandas: variants ranked by satisfaction_mean
    result.to_json()              # the document `waitsim compare --json` prints
    saved = simulator.load_results("results/bank")   # the same folder, read back later
    fit = simulator.calibrate("survey.csv", scale="1-5")   # parameters from a survey

:func:`run` and :func:`compare` take a scenario file (or a scenario already loaded with
:func:`simulator.load_scenario`) and return a :class:`RunResult` / :class:`ComparisonResult`
whose tables are pandas DataFrames. :func:`load_results` reads a results folder back."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from simulator.analysis.calibration import DEFAULT_BOOTSTRAP, Calibration, calibrate_survey
from simulator.analysis.calibration.survey import Survey, parse_scale, read_survey
from simulator.analysis.comparison import AutoReplications, Comparison, rank, run_until_precise
from simulator.analysis.comparison import compare as compare_variants
from simulator.analysis.costs import CostEffect, cost_effects
from simulator.analysis.result import ExperimentResult
from simulator.analysis.statistics import json_ready
from simulator.analysis.summary import METRICS
from simulator.analysis.uncertainty import UncertaintyResult
from simulator.errors import InputError, ResultsError
from simulator.options import DEFAULT_MAX_REPLICATIONS, RecordsMode, default_workers
from simulator.plan.loader import BASE, LoadedScenario, check_total_work, load_scenario
from simulator.report.calibration import ROW_COLUMNS as CALIBRATION_COLUMNS
from simulator.report.calibration import calibration_rows, calibration_text
from simulator.report.calibration_write import write_calibration
from simulator.report.classes import classes_section
from simulator.report.comparison import (
    COMPARISON_COLUMNS,
    COST_COLUMNS,
    compare_document,
    compare_text,
    comparison_rows,
    cost_rows,
    write_comparison,
)
from simulator.report.console import table
from simulator.report.sweep import sweep_document, sweep_table
from simulator.report.uncertainty import uncertainty_text
from simulator.results import Results, check_records_folder, check_results_file, readable
from simulator.runs.executor import check_dask, open_executor
from simulator.runs.experiment import reusable_replications, run_experiment
from simulator.runs.files import remove
from simulator.runs.store import UNCERTAINTY_FILE, open_folder, read_manifest
from simulator.runs.sweep import SweepResult, run_sweep
from simulator.runs.sweep_points import Sweep, load_sweep
from simulator.runs.uncertainty import check_uncertainty, run_uncertainty
from simulator.spec.base import did_you_mean, variant_name_problem

Progress = Callable[[float, int], None]
"""``progress(done, total)``: replications finished (with a fraction for one under way)."""

AUTO_START = 10
"""``replications="auto"`` starts from the file's replications, but at least this many."""


def check_variants(loaded: LoadedScenario, names: Sequence[str] | None,
                   option: str = "variant") -> list[str] | None:
    """``names`` without repeats, each checked to be a variant of ``loaded`` (``base``
    included); None means all. An unknown name raises :class:`InputError` naming ``option``."""
    if not names:
        return None
    for name in names:
        problem = variant_name_problem(name)
        if problem is not None:
            raise InputError(f"{option}: {problem}")
        if name not in loaded.plans:
            hint = did_you_mean(name, loaded.variant_names)
            raise InputError(f"{loaded.path}: {option} {name}: no such variant{hint} "
                             f"(variants: {', '.join(loaded.variant_names)})")
    return list(dict.fromkeys(names))


def check_metrics(names: Sequence[str] | None, option: str = "--metric") -> list[str] | None:
    """``names`` without repeats, each checked to be a metric; None (all) when empty. An
    unknown name raises :class:`InputError` naming ``option``."""
    for name in names or ():
        if name not in METRICS:
            raise InputError(f"{option} {name}: no such metric{did_you_mean(name, METRICS)} "
                             f"(metrics: {', '.join(METRICS)})")
    return list(dict.fromkeys(names)) if names else None


def _frame(header: Sequence[str], rows: Any) -> pd.DataFrame:
    return pd.DataFrame([list(r) for r in rows], columns=list(header))


@dataclass(frozen=True)
class RunResult:
    """The replications of a scenario's variants: what :func:`run` returns."""

    scenario: LoadedScenario
    experiment: ExperimentResult
    out: Path | None
    """The results folder written (None when the run kept nothing on disk)."""

    def display_name(self, variant: str) -> str:
        """How tables and figures name a variant: its ``label:``, else its name with spaces
        (:func:`simulator.metrics.display_name`)."""
        return self.experiment.display_name(variant)

    def to_json(self) -> dict[str, Any]:
        """The document ``waitsim run --json`` prints."""
        return self.experiment.to_json()

    def summary(self) -> pd.DataFrame:
        """One row per variant and metric: mean, ci_low, ci_high (95%, Student t), n."""
        return _frame(*self.experiment.summary_table())

    def replications(self) -> pd.DataFrame:
        """One row per variant and replication, a column per metric."""
        return _frame(*self.experiment.replications_table())

    def classes(self) -> pd.DataFrame:
        """One row per variant, customer class and metric: mean, ci_low, ci_high (95%,
        Student t), n (the table ``classes.csv`` holds)."""
        return _frame(*self.experiment.group_table("classes"))

    def stations(self) -> pd.DataFrame:
        """One row per variant, station and metric (wait in its line, its queue length and
        utilisation): mean, ci_low, ci_high, n (the table ``stations.csv`` holds)."""
        return _frame(*self.experiment.group_table("stations"))

    def records(self, table: str = "customers") -> pd.DataFrame:
        """A record table of every variant and replication (``customers``, ``visits``,
        ``segments``; ``timeseries`` also with ``records="summary"``), read from the results
        folder: times in run minutes, and beside them times of day and labels of the codes
        (:func:`simulator.results.readable`)."""
        if self.out is None:
            raise ResultsError("no results folder: pass out=FOLDER (and records='full' for "
                               "per-customer records) to keep records")
        folder = self.out / table
        if not folder.is_dir():
            raise ResultsError(f"{folder}: no such records; per-customer records need "
                               "records='full'")
        clocks = {v: self.scenario.plans[v].clock_at_zero for v in self.experiment.metrics}
        return readable(pd.read_parquet(check_records_folder(folder)), table, clocks)

    def text(self, metrics: Sequence[str] | None = None, width: int | None = None) -> str:
        """The console table of ``waitsim run``: the rows of ``metrics`` (default all), the
        variants in blocks of columns that fit ``width`` (default: the terminal's, else
        100), then each class's results when there are several."""
        return (table(self.experiment, check_metrics(metrics), width)
                + classes_section(self.experiment))

    def __str__(self) -> str:
        return self.text()


@dataclass(frozen=True)
class ComparisonResult(RunResult):
    """Every variant against the base (paired, common random numbers), ranked and costed:
    what :func:`compare` returns."""

    comparison: Comparison
    effects: list[CostEffect]
    rank_by: str
    auto: AutoReplications | None
    uncertainty: UncertaintyResult | None = None
    """With ``uncertainty=N``: how sure the ranking is under N draws of the parameters."""

    def to_json(self) -> dict[str, Any]:
        """The document ``waitsim compare --json`` prints."""
        document = compare_document(self.comparison, self.rank_by, self.effects, self.auto)
        if self.uncertainty is not None:
            document["uncertainty"] = self.uncertainty.to_json()
        return document

    def rank_probabilities(self) -> pd.DataFrame:
        """With an uncertainty analysis: per variant, its gain over the base (median, 5th and
        95th percentiles over draws), the probability it ranks first and beats the base,
        and the probability of each place (columns ``p_rank_1``, ...)."""
        if self.uncertainty is None:
            raise InputError("no uncertainty analysis: compare with uncertainty=N")
        return uncertainty_frame(self.uncertainty)

    def differences(self) -> pd.DataFrame:
        """One row per variant and metric: its mean and interval, and the paired difference
        from the base (``diff_*``), the variance reduction pairing gave, and whether the
        difference is distinguishable from 0 (the table ``comparison.csv`` holds)."""
        return _frame(COMPARISON_COLUMNS, comparison_rows(self.comparison))

    def group_differences(self, group: str = "classes") -> pd.DataFrame:
        """Per variant other than the base, class (``group="classes"``) or station
        (``"stations"``) and metric: the paired difference from the base's same class or
        station, ``diff_mean, diff_ci_low, diff_ci_high, n`` (what ``vs_base.classes`` and
        ``vs_base.stations`` of the ``--json`` document hold)."""
        member = {"classes": "class", "stations": "station"}[group]
        rows = [(v, name, m, d.mean, d.ci_low, d.ci_high, d.n)
                for v, groups in self.comparison.groups.items()
                for name, by_metric in groups.get(group, {}).items()
                for m, vm in by_metric.items() if vm.paired is not None
                for d in (vm.paired.difference,)]
        return _frame(["variant", member, "metric", "diff_mean", "diff_ci_low", "diff_ci_high",
                       "n"], rows)

    def ranking(self, metric: str | None = None) -> pd.DataFrame:
        """The variants ranked by ``metric`` (default: the comparison's ``rank_by``), best
        first: mean, paired difference from the base with its 95% interval, and whether it
        is distinguishable from the base (None for the base)."""
        rows = [(r.place, r.variant, r.interval.mean,
                 *((r.difference.mean, r.difference.ci_low, r.difference.ci_high)
                   if r.difference is not None else (None, None, None)),
                 r.distinguishable)
                for r in rank(self.comparison, metric or self.rank_by)]
        return _frame(["place", "variant", "mean", "vs_base", "ci_low", "ci_high",
                       "distinguishable"], rows).set_index("place")

    def costs(self) -> pd.DataFrame:
        """Per variant: cost per day, extra cost over the base, and what it buys (the table
        ``costs.csv`` holds)."""
        return _frame(COST_COLUMNS, cost_rows(self.effects))

    def text(self, metrics: Sequence[str] | None = None, width: int | None = None) -> str:
        """The console report of ``waitsim compare``: the table of ``metrics`` (default
        all), the ranking and the costs, laid out for ``width`` columns (default: the
        terminal's, else 100)."""
        text = compare_text(self.comparison, self.rank_by, self.effects, self.auto,
                            check_metrics(metrics), width)
        if self.uncertainty is not None:
            text += "\n" + uncertainty_text(self.uncertainty)
        return text + classes_section(self.experiment)

    def __str__(self) -> str:
        return self.text()


@contextmanager
def _working(folder: Path | None, dask: str | None, workers: int | None
             ) -> Iterator[tuple[Any, int]]:
    """Hold the results folder (checked, locked: :func:`simulator.runs.store.open_folder`)
    and open the executor, for the block."""
    check_dask(dask)  # before the folder is made
    with ExitStack() as stack:
        if folder is not None:
            stack.enter_context(open_folder(folder))
        yield stack.enter_context(open_executor(dask, workers or default_workers()))


def _loaded(scenario: str | Path | LoadedScenario) -> LoadedScenario:
    return scenario if isinstance(scenario, LoadedScenario) else load_scenario(scenario)


def _out(out: str | Path | None) -> Path | None:
    return Path(out) if out is not None else None


def run(scenario: str | Path | LoadedScenario, *, variants: Sequence[str] | None = None,
        replications: int | None = None, seed: int | None = None, workers: int | None = None,
        out: str | Path | None = None, records: RecordsMode = "summary",
        dask: str | None = None, progress: Progress | None = None,
        command: Sequence[str] | None = None, replace: bool = False) -> RunResult:
    """Run replications of the base and every variant (or only ``variants``; ``"base"`` is
    the unpatched scenario). ``replications`` and ``seed`` default to the file's; ``workers``
    to all cores (results do not depend on it); ``out`` is a results folder to write (and
    resume from); ``records``: ``"full"`` (per-customer records too), ``"summary"`` (metrics
    and time series) or ``"none"``; ``dask``: a scheduler address or ``"local"``.
    ``replace``: allow removing another run's finished results from ``out`` (refused
    otherwise, with :class:`simulator.errors.FolderConflict`)."""
    loaded = _loaded(scenario)
    names = check_variants(loaded, variants)
    check_total_work(loaded, names, replications)  # before the folder is made
    folder = _out(out)
    with _working(folder, dask, workers) as (executor, n_workers):
        experiment = run_experiment(loaded, variants=names, replications=replications,
                                    seed=seed, workers=n_workers, out=folder, records=records,
                                    progress=progress, command=command, executor=executor,
                                    replace=replace)
    return RunResult(loaded, experiment, folder)


def compare(scenario: str | Path | LoadedScenario, *, variants: Sequence[str] | None = None,
            replications: int | str | None = None, seed: int | None = None,
            workers: int | None = None, out: str | Path | None = None,
            records: RecordsMode = "summary", dask: str | None = None,
            progress: Progress | None = None, command: Sequence[str] | None = None,
            rank_by: str = "satisfaction_mean", precision: float | None = None,
            max_replications: int = DEFAULT_MAX_REPLICATIONS, replace: bool = False,
            uncertainty: int | None = None, uncertainty_replications: int | None = None
            ) -> ComparisonResult:
    """Like :func:`run` (the base is always run: every variant is measured against it), then
    each variant's paired difference from the base, a ranking by ``rank_by`` and costs.

    ``replications="auto"`` with ``precision`` adds replications in rounds until the 95%
    half-width of ``rank_by``'s paired difference is at most ``precision`` for every variant
    (in the metric's unit), up to ``max_replications``.

    ``uncertainty=N`` adds an uncertainty analysis (:mod:`simulator.runs.uncertainty`): every
    variant under N Latin hypercube draws of the model's uncertain parameters, ranked by
    ``rank_by``; ``uncertainty_replications``: replications each draw rests on when the
    draws must be simulated again (default 1)."""
    auto_mode = replications == "auto"
    if auto_mode and precision is None:
        raise InputError("waitsim compare: --replications auto needs --precision P "
                         "(the target 95% half-width of the ranking metric)")
    if not auto_mode and precision is not None:
        raise InputError("waitsim compare: --precision works with --replications auto only")
    if not auto_mode and not (replications is None or isinstance(replications, int)):
        raise InputError(f"replications must be a whole number or 'auto' (got {replications!r})")
    loaded = _loaded(scenario)
    names = check_variants(loaded, variants)
    if names is not None:  # pairing needs the base
        names = [BASE, *(v for v in names if v != BASE)]
    check_total_work(loaded, names, replications if isinstance(replications, int) else None)
    if uncertainty is not None:  # refused now, not after the comparison has run
        known = None if auto_mode else (replications if isinstance(replications, int)
                                        else loaded.base.replications)
        check_uncertainty(loaded, names or loaded.variant_names, uncertainty, rank_by, known,
                          uncertainty_replications)
    elif uncertainty_replications is not None:
        raise InputError("--uncertainty-replications works with --uncertainty N only")
    folder = _out(out)
    auto: AutoReplications | None = None
    with _working(folder, dask, workers) as (executor, n_workers):
        def run_n(n: int | None, search: dict[str, Any] | None = None, more_later: bool = False,
                  replace: bool = replace) -> ExperimentResult:
            return run_experiment(loaded, variants=names, replications=n, seed=seed,
                                  workers=n_workers, out=folder, records=records,
                                  progress=progress, command=command, executor=executor,
                                  kind="compare", replace=replace, search=search,
                                  more_later=more_later)

        if auto_mode:
            assert precision is not None
            start = max(loaded.base.replications, AUTO_START)
            search = {"start": start, "precision": precision,
                      "max_replications": max_replications, "rank_by": rank_by}
            if folder is not None and (read_manifest(folder) or {}).get("search") != search:
                # Another command's replications of the same plans and seed are reused, never
                # removed: a search starts from them (the same search resumed does not, so
                # that its rounds are those of an uninterrupted run).
                start = max(start, min(max_replications, reusable_replications(
                    loaded, names, seed, folder)))
            auto = run_until_precise(lambda n: run_n(n, search, more_later=True), start,
                                     precision, max_replications, rank_by)
            comparison = auto.comparison
            # Replications past the number found are of the same search (the first round
            # refused or replaced any other results, and started from those it keeps):
            # removed.
            run_n(comparison.result.replications, search, replace=True)
        else:
            comparison = compare_variants(run_n(replications if isinstance(replications, int)
                                                else None))
        effects = cost_effects(loaded, comparison)
        if folder is not None:
            write_comparison(folder, comparison, effects)
        analysis = None
        if folder is not None and uncertainty is None:  # no earlier analysis stays beside it
            remove(folder / UNCERTAINTY_FILE)
        if uncertainty is not None:
            analysis = run_uncertainty(
                loaded, comparison.result.metrics, uncertainty, rank_by,
                comparison.result.seed, uncertainty_replications, n_workers, executor, folder,
                progress)
    return ComparisonResult(loaded, comparison.result, folder, comparison, effects, rank_by,
                            auto, analysis)


def uncertainty_frame(u: UncertaintyResult) -> pd.DataFrame:
    """The table of :meth:`ComparisonResult.rank_probabilities`."""
    places = max(len(x.rank_probabilities) for x in u.variants.values())
    return pd.DataFrame(
        [[name, x.gain_median, x.gain_low, x.gain_high, x.p_best, x.p_better_than_base,
          *x.rank_probabilities] for name, x in u.variants.items()],
        columns=["variant", "gain_median", "gain_low", "gain_high", "p_best",
                 "p_better_than_base", *(f"p_rank_{k + 1}" for k in range(places))]
    ).set_index("variant")


@dataclass(frozen=True)
class SweepRunResult:
    """Every point of a sweep: what :func:`sweep` returns."""

    sweep: Sweep
    result: SweepResult
    out: Path

    def to_json(self) -> dict[str, Any]:
        """The document ``waitsim sweep --json`` prints."""
        return sweep_document(self.result)

    def replications(self) -> pd.DataFrame:
        """One row per point and replication: the parameters and every metric (the table
        ``replications.csv`` holds)."""
        return pd.read_csv(check_results_file(self.out / "replications.csv"))

    def __str__(self) -> str:
        return sweep_table(self.result)


def load_sweep_file(path: str | Path) -> Sweep:
    """A sweep file read and expanded into validated points (invalid points are kept with
    their error; see :attr:`Sweep.warnings` for warnings)."""
    return load_sweep(path)


def sweep(sweep_file: str | Path | Sweep, *, out: str | Path, workers: int | None = None,
          dask: str | None = None, replace: bool = False, progress: Progress | None = None,
          command: Sequence[str] | None = None) -> SweepRunResult:
    """Run every valid point of a sweep file into the results folder ``out``, resuming what an
    interrupted run finished (``replace``: allow removing other results found there)."""
    points = sweep_file if isinstance(sweep_file, Sweep) else load_sweep(sweep_file)
    folder = Path(out)
    with _working(folder, dask, workers) as (executor, n_workers):
        result = run_sweep(points, folder, workers=n_workers, executor=executor,
                           replace=replace, progress=progress, command=command)
    return SweepRunResult(points, result, folder)


def report(folder: str | Path, out: str | Path | None = None,
           rank_by: str | None = None) -> Path:
    """Write the report page of a results folder: one self-contained HTML file (the
    recommendation, the ranking with paired intervals and costs, the key figures, how sure
    the ranking is, the assumptions, the scenario), by default ``folder/report.html``;
    return its path. ``rank_by``: the ranking metric (default: the one the folder's
    uncertainty analysis used, else satisfaction_mean)."""
    from simulator.page import write_report  # matplotlib loads only for the page

    return write_report(folder, out, rank_by)


def load_results(folder: str | Path) -> Results:
    """A finished results folder read back (:class:`simulator.results.Results`): its summary,
    replications, time series, customer records and costs as pandas tables; ``.to_json()``
    gives the document ``waitsim run --json`` printed for it."""
    return Results.load(folder)


@dataclass(frozen=True)
class CalibrationResult:
    """A survey's fit: what :func:`calibrate` returns."""

    survey: Survey
    calibration: Calibration
    bootstrap: int
    seed: int

    def to_json(self) -> dict[str, Any]:
        """The document ``waitsim calibrate --json`` prints."""
        return json_ready(self.calibration.to_json())

    def table(self) -> pd.DataFrame:
        """One row a parameter of each group (``all respondents``, then ``class NAME``):
        value and 95% interval, or why it was not fitted."""
        return _frame(CALIBRATION_COLUMNS, calibration_rows(self.calibration))

    def figure(self) -> Any:
        """The fit against the data (a matplotlib Figure; loads matplotlib)."""
        from simulator.plots.calibration import calibration_figure

        return calibration_figure(self.calibration, self.survey)

    def write(self, scenario: str | Path) -> list[str]:
        """Put the fitted values into the scenario file ``scenario``, keeping its comments
        and layout, each value's 95% interval in a comment; the file is validated and
        replaced only when valid. Returns notes on what was not written."""
        return write_calibration(self.calibration, scenario, self.survey.path.name)

    def __str__(self) -> str:
        return calibration_text(self.calibration, str(self.survey.path), self.bootstrap,
                                self.seed)


def calibrate(survey: str | Path, *, scale: str = "0-100", seed: int = 0,
              bootstrap: int = DEFAULT_BOOTSTRAP, recall_sd: float = 0.0,
              scenario: str | Path | LoadedScenario | None = None) -> CalibrationResult:
    """Fit the perception and satisfaction parameters to a survey CSV file (docs/how-to/
    calibrate.md): one row a respondent, ``actual_wait`` (clock minutes) and any of
    ``reported_wait`` (minutes), ``satisfaction`` (0-100, or the Likert ``scale`` ``1-5`` /
    ``1-7``), ``class``, ``occupied``, ``informed`` (0/1). ``bootstrap`` resamples (seeded by
    ``seed``) give each parameter's 95% interval; ``recall_sd`` is the log-sd of recall error
    in reported waits (0: all spread is time sense); what the survey cannot fit is held at
    ``scenario``'s values (default: the model's defaults)."""
    if bootstrap < 0:
        raise InputError(f"bootstrap: must be >= 0 (got {bootstrap})")
    if not (recall_sd >= 0 and math.isfinite(recall_sd)):
        raise InputError(f"recall_sd: must be a number >= 0 (got {recall_sd})")
    held = _loaded(scenario).base if scenario is not None else None
    read = read_survey(survey, parse_scale(scale))
    fitted = calibrate_survey(read, bootstrap=bootstrap, seed=seed, recall_sd=recall_sd,
                              perception=held.perception if held else None,
                              satisfaction=held.satisfaction if held else None)
    return CalibrationResult(read, fitted, bootstrap, seed)
