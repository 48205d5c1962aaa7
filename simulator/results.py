"""Reading a results folder back (for figures and notebooks): :class:`Results`.

The folder is what ``waitsim run`` (or ``compare``) wrote (:mod:`simulator.runs.store`); times are
run minutes, as in the files. Reading needs pandas; the simulation never imports this module.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from simulator.analysis.result import ExperimentResult
from simulator.analysis.summary import METRICS
from simulator.analysis.uncertainty import UncertaintyResult
from simulator.errors import ResultsError
from simulator.metrics import display_name
from simulator.models.codes import Outcome
from simulator.runs.columns import CLOCK_COLUMNS, CODES, DESCRIPTIONS, LABEL_COLUMNS
from simulator.runs.store import (
    BREAKDOWN_FILES,
    UNCERTAINTY_FILE,
    read_json_object,
    read_manifest,
    read_task,
    task_key,
)
from simulator.spec.base import did_you_mean, format_clock
from simulator.spec.inputfiles import file_problem

CUSTOMER_COLUMNS = ["variant", "replication", "arrival", "outcome", "wait", "perceived_wait"]
TIMESERIES_COLUMNS = ["variant", "replication", "station", "station_name", "bin_start",
                      "bin_minutes", "queue_length", "on_duty"]
COST_COLUMNS = ["variant", "extra_cost_per_day", "satisfaction_gain",
                "satisfaction_gain_ci_low", "satisfaction_gain_ci_high"]
"""The columns read (of more in the files): what the figures need."""


def _need(path: Path, what: str) -> None:
    if not path.exists():
        raise ResultsError(f"{path}: missing ({what}); is this a complete waitsim results "
                           "folder? `waitsim run SCENARIO.yaml --out DIR` writes one")


def check_results_file(path: Path) -> Path:
    """``path``, refused unless it is a regular file: a named pipe would block the reader for
    ever, a device never end."""
    problem = file_problem(path)
    if problem is not None:
        raise ResultsError(f"{path}: {problem}; waitsim reads back only the files it wrote")
    return path


def check_records_folder(folder: Path) -> Path:
    """``folder``, refused if it holds anything but regular files (the Parquet reader opens
    every file in it; hidden and ``_`` files it skips)."""
    with os.scandir(folder) as entries:
        for entry in entries:
            if not entry.name.startswith((".", "_")):
                check_results_file(Path(entry.path))
    return folder


# pandas 3 parses floats exactly by default (and deprecates the option); pandas 2 needs it.
EXACT_FLOATS: dict[str, Any] = ({} if int(pd.__version__.split(".")[0]) >= 3
                                else {"float_precision": "round_trip"})
TEXT_COLUMNS = ("variant", "metric", "class", "station")
"""Columns read as text: a variant named ``nan`` or ``null`` stays a name."""


def _read_csv(path: Path, columns: Iterable[str]) -> pd.DataFrame:
    """A CSV file the store wrote, numbers read back exactly (every float round-trips)."""
    check_results_file(path)
    try:
        header = pd.read_csv(path, nrows=0).columns
        frame = pd.read_csv(
            path, keep_default_na=False, **EXACT_FLOATS,
            dtype={c: str for c in TEXT_COLUMNS if c in header},
            na_values={c: ["nan", ""] for c in header if c not in TEXT_COLUMNS})
    except (OSError, ValueError) as exc:
        raise ResultsError(f"{path}: unreadable ({exc})") from None
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ResultsError(f"{path}:1: missing column(s) {', '.join(missing)} (found: "
                           f"{', '.join(map(str, frame.columns))})")
    return frame


def _read_parquet(folder: Path, columns: list[str] | None) -> pd.DataFrame:
    check_records_folder(folder)
    try:
        return pd.read_parquet(folder, columns=columns)
    except MemoryError:
        raise  # the records are fine: the machine is short of memory (the command says so)
    except Exception as exc:  # pyarrow raises several types; the message says which
        raise ResultsError(f"{folder}: unreadable records ({type(exc).__name__}: {exc})"
                           ) from None


RECORD_TABLES = tuple(DESCRIPTIONS)
"""The record tables a results folder may hold: customers, visits, segments, timeseries."""


def _flag_names(bits: int) -> str:
    """``flags`` as the names of its conditions, e.g. ``"in_process, occupied"``; ``"none"``."""
    names = [name for code, name in CODES["flags"].items() if bits & code]
    return ", ".join(names) if names else "none"


def readable(frame: pd.DataFrame, table: str, clocks: Mapping[str, float | None]
             ) -> pd.DataFrame:
    """A record table (``customers``, ``visits``, ``segments``, ``timeseries``) with readable
    columns added beside the numeric ones, which are kept as they are: a time of day
    (``arrived_at``...: a Timedelta since midnight, to the second) beside each run-minute
    column, from ``clocks`` (per variant, clock minutes after midnight at run minute 0; None:
    time since the start of the run), and labels beside the codes (``outcome_label``,
    ``kind_label``: Categorical; ``conditions``: the names of ``flags``' bits)."""
    frame = frame.copy()
    minutes_at_zero = frame["variant"].map(lambda v: clocks.get(v) or 0.0).astype(float)
    added: dict[str, tuple[str, Any]] = {}
    for column, name in CLOCK_COLUMNS.get(table, {}).items():
        if column in frame:
            clock = pd.to_timedelta((frame[column] + minutes_at_zero) * 60.0, unit="s")
            added[name] = (column, clock.dt.round("s").astype("timedelta64[ns]"))
    for column, name in LABEL_COLUMNS.items():
        if column not in frame:
            continue
        if column == "flags":
            values = frame[column].map({v: _flag_names(int(v)) for v in frame[column].unique()})
            added[name] = (column, values.astype("category"))
        else:
            names = [CODES[column][code] for code in sorted(CODES[column])]
            added[name] = (column, pd.Categorical.from_codes(frame[column].astype(int),
                                                             categories=names))
    for name, (beside, values) in added.items():
        frame.insert(frame.columns.get_loc(beside) + 1, name, values)
    return frame


@dataclass(frozen=True)
class SweepSummary:
    """A finished sweep's folder, read back for figures: its manifest and summary.csv (a row
    per point and metric: point, a column per swept parameter, metric, mean, ci_low,
    ci_high, n)."""

    folder: Path
    manifest: dict[str, Any]
    summary: pd.DataFrame

    @property
    def parameters(self) -> list[str]:
        """The swept parameters (dotted scenario paths), in the sweep file's order."""
        return [str(p) for p in self.manifest.get("parameters") or []]

    @classmethod
    def load(cls, folder: Path | str) -> SweepSummary:
        """Read a sweep's folder; :class:`ResultsError` says what is missing."""
        folder = Path(folder)
        manifest = read_manifest(folder)
        if manifest is None or manifest.get("kind") != "sweep":
            raise ResultsError(f"{folder}: not the folder of a `waitsim sweep`")
        if manifest.get("status") not in ("complete", "incomplete"):
            raise ResultsError(f"{folder / 'manifest.json'}: status '{manifest.get('status')}'"
                               ": the sweep did not finish; run the same command again")
        _need(folder / "summary.csv", "means and intervals per point")
        parameters = [str(p) for p in manifest.get("parameters") or []]
        summary = _read_csv(folder / "summary.csv", ["point", *parameters, "metric", "mean",
                                                     "ci_low", "ci_high", "n"])
        return cls(folder, manifest, summary)


@dataclass(frozen=True)
class Results:
    """The files of one results folder, read once."""

    folder: Path
    manifest: dict[str, Any]
    summary: pd.DataFrame
    """summary.csv: variant, metric, mean, ci_low, ci_high, n."""
    replications: pd.DataFrame
    """replications.csv: one row per variant and replication, every metric."""
    timeseries: pd.DataFrame | None
    """Per variant, replication, station and bin (:data:`TIMESERIES_COLUMNS`; None after
    ``--records none``)."""
    customers: pd.DataFrame | None
    """The customers records (:data:`CUSTOMER_COLUMNS`; None after ``--records summary``)."""
    costs: pd.DataFrame | None
    """costs.csv, written by ``waitsim compare`` (None when absent)."""
    classes: pd.DataFrame | None = None
    """classes.csv: variant, class, metric, mean, ci_low, ci_high, n (None in a folder
    written before per-class summaries existed)."""
    stations: pd.DataFrame | None = None
    """stations.csv: variant, station, metric, mean, ci_low, ci_high, n (likewise)."""
    uncertainty: UncertaintyResult | None = None
    """The analysis of ``compare --uncertainty`` (None when absent)."""

    @classmethod
    def load(cls, folder: Path | str) -> Results:
        """Read a results folder; :class:`ResultsError` says which file is missing or bad."""
        folder = Path(folder)
        if not folder.is_dir():
            raise ResultsError(f"{folder}: no such folder (give the folder `waitsim run` wrote, "
                               "e.g. results/bank_branch)")
        manifest = read_manifest(folder)
        if manifest is None:
            raise ResultsError(f"{folder}: not a waitsim results folder (no readable "
                               "manifest.json; `waitsim run SCENARIO.yaml --out DIR` writes one)")
        if manifest.get("status") != "complete" or not isinstance(manifest.get("variants"),
                                                                   dict):
            raise ResultsError(f"{folder / 'manifest.json'}: status '{manifest.get('status')}': "
                               "the run did not finish; run the same command again to finish it")
        for name, what in (("summary.csv", "means and intervals"),
                           ("replications.csv", "metrics per replication")):
            _need(folder / name, what)
        summary = _read_csv(folder / "summary.csv", ["variant", "metric", "mean", "ci_low",
                                                     "ci_high", "n"])
        replications = _read_csv(folder / "replications.csv",
                                 ["variant", "replication", *METRICS])
        timeseries = None  # absent after --records none
        if (folder / "timeseries").is_dir():
            timeseries = _read_parquet(folder / "timeseries", TIMESERIES_COLUMNS)
        customers = None
        if (folder / "customers").is_dir():
            customers = _read_parquet(folder / "customers", CUSTOMER_COLUMNS)
        costs = None
        if (folder / "costs.csv").exists():
            costs = _read_csv(folder / "costs.csv", COST_COLUMNS)
        classes, stations = (
            _read_csv(folder / name, ["variant", member, "metric", "mean", "ci_low",
                                      "ci_high", "n"]) if (folder / name).exists() else None
            for name, member in zip(BREAKDOWN_FILES, ("class", "station"), strict=True))
        uncertainty = None
        if (folder / UNCERTAINTY_FILE).exists():
            document = read_json_object(folder / UNCERTAINTY_FILE)
            try:
                uncertainty = UncertaintyResult.from_json(document or {})
            except (KeyError, TypeError, ValueError, IndexError):
                raise ResultsError(f"{folder / UNCERTAINTY_FILE}: unreadable; run the compare "
                                   "with --uncertainty again to rewrite it") from None
        return cls(folder, manifest, summary, replications, timeseries, customers, costs,
                   classes, stations, uncertainty)

    @property
    def variants(self) -> list[str]:
        """Variant names in the run's order (the base first when it was run)."""
        return list(self.manifest["variants"])

    def only(self, variants: Iterable[str]) -> Results:
        """The same results with only ``variants`` (in the run's order; the base stays the
        reference of paired differences when it is among them). :class:`ResultsError` names
        a variant the folder does not have."""
        wanted = list(dict.fromkeys(variants))
        missing = [v for v in wanted if v not in self.variants]
        if missing:
            hint = did_you_mean(missing[0], self.variants)
            raise ResultsError(f"{self.folder}: no variant {', '.join(missing)} in these "
                               f"results{hint} (variants: {', '.join(self.variants)})")
        keep = [v for v in self.variants if v in wanted]

        def rows(frame: pd.DataFrame | None) -> pd.DataFrame | None:
            return None if frame is None else frame[frame["variant"].isin(keep)]

        manifest = {**self.manifest,
                    "variants": {v: self.manifest["variants"][v] for v in keep}}
        return dataclasses.replace(
            self, manifest=manifest, summary=rows(self.summary),
            replications=rows(self.replications), timeseries=rows(self.timeseries),
            customers=rows(self.customers), costs=rows(self.costs),
            classes=rows(self.classes), stations=rows(self.stations))

    @property
    def clock_at_zero(self) -> float | None:
        """Clock minutes after midnight at run minute 0 (None: the scenario has no clock)."""
        value = self.manifest.get("clock_at_zero")
        return float(value) if value is not None else None

    @property
    def labels(self) -> dict[str, str]:
        """Variants' ``label:`` texts by name (only those given; none in older folders)."""
        return {v: str(entry["label"]) for v, entry in self.manifest["variants"].items()
                if isinstance(entry, dict) and entry.get("label")}

    def display_name(self, variant: str) -> str:
        """How figures and reports name a variant: its label, else its name with spaces
        (:func:`simulator.metrics.display_name`)."""
        return display_name(variant, self.labels)

    def clock_of(self, variant: str) -> float | None:
        """Clock minutes after midnight at run minute 0 of ``variant`` (a variant may move
        the opening time; older folders give the base's for every variant)."""
        entry = self.manifest["variants"].get(variant) or {}
        value = entry.get("clock_at_zero", self.manifest.get("clock_at_zero"))
        return float(value) if value is not None else None

    def records(self, table: str = "customers") -> pd.DataFrame:
        """Every column of a record table (``customers``, ``visits``, ``segments``;
        ``timeseries``) of every variant and replication, with readable columns added: times
        of day beside run minutes, labels beside codes (:func:`readable`; the columns are
        described in docs/results-folders.md)."""
        if table not in RECORD_TABLES:
            raise ResultsError(f"no record table '{table}' (tables: "
                               f"{', '.join(RECORD_TABLES)})")
        folder = self.folder / table
        if not folder.is_dir():
            raise ResultsError(f"{folder}: no such records; per-customer records need "
                               "--records full (the time series: full or summary)")
        frame = _read_parquet(folder, None)
        return readable(frame, table, {v: self.clock_of(v) for v in self.variants})

    def stats_start(self, variant: str) -> float:
        """Run minute from which arrivals count (open + warm-up); 0 for older manifests."""
        return float(self.manifest["variants"][variant].get("stats_start", 0.0))

    def experiment(self) -> ExperimentResult:
        """The run's metrics, replication by replication, as the run returned them
        (``replications.csv`` keeps every float exactly; the per-class and per-station ones
        come from the markers of finished replications, when the folder has them)."""
        table = self.replications
        m = self.manifest
        metrics = {v: [{**{k: float(row[k]) for k in METRICS},
                        **self._breakdown(v, int(row["replication"]))}
                       for row in table[table["variant"] == v].sort_values("replication")
                       .to_dict("records")]
                   for v in self.variants}
        return ExperimentResult(scenario=str(m["scenario"]), seed=int(m["seed"]),
                                replications=int(m["replications"]), metrics=metrics,
                                reused=0, seconds=0.0, labels=self.labels)

    def _breakdown(self, variant: str, replication: int) -> dict[str, float]:
        """A replication's metrics per class and station, from its marker (none if the
        marker is missing or not of this run)."""
        digest = self.manifest["variants"][variant].get("plan_digest")
        if not isinstance(digest, str):
            return {}
        found = read_task(self.folder, variant, replication,
                          task_key(digest, int(self.manifest["seed"]), replication))
        return {k: v for k, v in (found or {}).items() if k not in METRICS}

    def to_json(self) -> dict[str, Any]:
        """The document ``waitsim run --json`` printed for this folder."""
        return self.experiment().to_json()

    def clock_label(self, run_minutes: float) -> str:
        """A run minute as HH:MM when the clock is known, else as minutes."""
        if self.clock_at_zero is None:
            return f"{run_minutes:g}"
        return format_clock(self.clock_at_zero + run_minutes)

    def counted_customers(self) -> pd.DataFrame | None:
        """Customers who arrived after the warm-up and were not censored, as the metrics count
        them (None without per-customer records)."""
        c = self.customers
        if c is None:
            return None
        start = c["variant"].map({v: self.stats_start(v) for v in self.variants})
        return c[(c["arrival"] >= start) & (c["outcome"] != Outcome.CENSORED)]
