"""``compare --uncertainty N``: every variant evaluated under N draws of the model's uncertain
parameters, on common random numbers, resumable and parallel like every run.

Two ways, chosen by what the draws can change (:func:`simulator.plan.uncertain.changes_behaviour`):

- **rescored** (no drawn parameter changes a clock time): each (variant, replication) of the
  comparison is simulated once and its journeys are scored under all N draws at once
  (:mod:`simulator.analysis.rescoring`); every draw rests on all the comparison's
  replications.
- **re-simulated** (perception parameters drawn while customers' patience is in play: they
  decide who leaves): each (draw, variant) is simulated on ``k`` of the comparison's
  replications (by default 1), the draws taking the replications in turn, every variant of
  a draw on the same customers. What a draw changes is measured on its days and added to the
  comparison's own result over all its replications: ``value(draw) = mean over all R of the
  nominal metric + (mean over its k days of the metric under the draw - the same days'
  nominal mean)``, a difference estimator on common random numbers. The level's day-to-day
  noise cancels (one day's gain of a lever can be half or twice its mean over 30 days); the
  effect of a draw still varies from day to day, which adds some noise to the spread, and
  taking the days in turn keeps any one day from setting every draw's effect.

A task's result is written atomically under ``uncertainty/`` in the results folder, named by
a key of everything it depends on (the plans under its draws, the root seed, the replication,
the waitsim version), so an interrupted analysis resumes where it stopped.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from simulator.analysis.rescoring import rescore_draws
from simulator.analysis.summary import summarise
from simulator.analysis.uncertainty import UncertaintyResult, latin_hypercube, summarise_draws
from simulator.engine.model import simulate
from simulator.engine.randomness import stream_key
from simulator.errors import InputError
from simulator.metrics import BY_NAME
from simulator.plan.compiled import Plan
from simulator.plan.digest import digest_of, plan_digest
from simulator.plan.loader import LoadedScenario
from simulator.plan.uncertain import (
    changes_behaviour,
    drawn_ranges,
    pinned_values,
    recording_plan,
    with_parameters,
)
from simulator.plan.workload import total_customers_problem
from simulator.runs.experiment import execute
from simulator.runs.files import remove, write_json
from simulator.runs.store import UNCERTAINTY_DIR, UNCERTAINTY_FILE, read_json_object
from simulator.version import __version__

DESIGN_STREAM = "uncertainty:design"
"""Name of the random stream the Latin hypercube is drawn from (beside the root seed)."""
MIN_DRAWS = 10
"""Fewest draws that say anything about a ranking's probabilities."""
RESCORE_VALUES = 2_000_000
"""Most values (draws x pieces of wait) an array of the rescoring holds: about 16 MB each,
a few of them at once, whatever the number of draws and the length of the day."""


@dataclass(frozen=True)
class Design:
    """The draws of an analysis: parameter values by dotted name (arrays over draws)."""

    ranges: dict[str, tuple[float, float]]
    values: dict[str, np.ndarray]
    pinned: dict[str, float]

    def draw(self, index: int) -> dict[str, float]:
        return {**self.pinned, **{name: float(v[index]) for name, v in self.values.items()}}


def design(loaded: LoadedScenario, draws: int, seed: int) -> Design:
    """``draws`` Latin hypercube draws of the scenario's uncertain parameters, from a stream
    of their own under the root ``seed`` (the same seed gives the same draws)."""
    ranges = drawn_ranges(loaded)
    sequence = np.random.SeedSequence(seed, spawn_key=(stream_key(DESIGN_STREAM),))
    return Design(ranges, latin_hypercube(ranges, draws, np.random.default_rng(sequence)),
                  pinned_values(loaded))


@dataclass(frozen=True)
class AnalysisPlan:
    """How an analysis will run, decided (and checked) before anything is simulated."""

    resimulate: bool
    """True when a drawn (or pinned) parameter changes who leaves: each draw is simulated."""
    per_draw: int
    """Replications each draw rests on."""


def check_uncertainty(loaded: LoadedScenario, variants: Sequence[str], draws: int,
                      metric: str, replications: int | None, per_draw: int | None) -> AnalysisPlan:
    """Refuse (:class:`InputError`, exit 2) an analysis that cannot run, before the
    comparison it follows is run; say how it will run. ``replications``: the comparison's
    (None: not known before it runs, with ``--replications auto``)."""
    if draws < MIN_DRAWS:
        raise InputError(f"--uncertainty needs at least {MIN_DRAWS} draws (got {draws}): "
                         "probabilities of a ranking from fewer are noise; 200 is a good start")
    if BY_NAME[metric].better not in ("higher", "lower"):
        raise InputError(f"--uncertainty ranks by {metric!r}, which has no better direction")
    ranges = drawn_ranges(loaded)
    if not ranges:
        raise InputError("--uncertainty: every parameter is pinned (set in the scenario, or an "
                         "uncertainty.ranges entry of equal ends): nothing to draw")
    resimulate = changes_behaviour(loaded, list(variants), [*ranges, *pinned_values(loaded)])
    if per_draw is not None and not resimulate:
        raise InputError("--uncertainty-replications: no drawn parameter changes who leaves "
                         "here, so every draw is scored on all the comparison's replications "
                         "at once; leave the option out")
    if per_draw is not None and replications is not None and per_draw > replications:
        raise InputError(f"--uncertainty-replications {per_draw} is more than the "
                         f"comparison's {replications} replications")
    days = draws * (per_draw or 1) if resimulate else (replications or 0)
    problem = total_customers_problem([loaded.plans[v] for v in variants], days,
                                      loaded.base.limits, f"{len(variants)} variant(s) under "
                                      f"{draws} draws")
    if problem is not None:
        raise InputError(f"--uncertainty {draws}: the analysis {problem}")
    return AnalysisPlan(resimulate, per_draw or 1)


@dataclass(frozen=True)
class RescoreTask:
    """Simulate one (variant, replication) and score it under every draw."""

    plan: Plan
    plans: tuple[Plan, ...]
    seed: int
    replication: int

    def run(self, progress: Callable[[float], None] | None = None) -> dict[str, list[float]]:
        journeys = simulate(self.plan, self.replication, seed=self.seed)
        # Draws in groups, so that the arrays of a group (draws x pieces of wait) stay small.
        size = max(1, RESCORE_VALUES // max(1, len(journeys.segments["customer"])))
        parts = [rescore_draws(journeys, self.plans[k:k + size], self.seed, self.replication)
                 for k in range(0, len(self.plans), size)]
        return {m: [x for part in parts for x in part[m].tolist()] for m in parts[0]}


@dataclass(frozen=True)
class DrawTask:
    """Simulate one (draw, variant, replication) with the draw's parameters."""

    plan: Plan
    seed: int
    replication: int

    def run(self, progress: Callable[[float], None] | None = None) -> dict[str, float]:
        return summarise(simulate(self.plan, self.replication, seed=self.seed))


def run_uncertainty(loaded: LoadedScenario,
                    nominal: Mapping[str, Sequence[Mapping[str, float]]], draws: int,
                    metric: str, seed: int, per_draw: int | None = None, workers: int = 1,
                    executor: Executor | None = None, out: Path | None = None,
                    progress: Callable[[float, int], None] | None = None) -> UncertaintyResult:
    """The uncertainty analysis of a comparison's variants on ``metric``.

    ``nominal``: the comparison's metrics, per variant (the base first) and replication,
    with the scenario's own parameters and root ``seed``. ``per_draw``: replications each
    re-simulated draw rests on (default 1; rescored draws use all of the comparison's).
    With ``out``, each task's result is kept in ``out/uncertainty`` and found again by a
    rerun; the document goes to ``out/uncertainty.json``."""
    started = time.perf_counter()
    names = list(nominal)
    replications = len(nominal[names[0]])
    how = check_uncertainty(loaded, names, draws, metric, replications, per_draw)
    plan_draws = design(loaded, draws, seed)
    plans = {v: tuple(with_parameters(loaded, v, plan_draws.draw(d)) for d in range(draws))
             for v in names}
    reps = how.per_draw if how.resimulate else replications
    tasks: list[Any] = []
    keys: list[str] = []
    for v in names:
        if how.resimulate:
            for d in range(draws):
                for r in _days(d, reps, replications):
                    tasks.append(DrawTask(plans[v][d], seed, r))
                    keys.append(_key([plan_digest(plans[v][d])], seed, r))
        else:
            recorded = recording_plan(loaded, v, plan_draws.ranges)
            digests = [plan_digest(recorded), *(plan_digest(p) for p in plans[v])]
            for r in range(reps):
                tasks.append(RescoreTask(recorded, plans[v], seed, r))
                keys.append(_key(digests, seed, r))
    outcomes = iter(_run_tasks(tasks, keys, workers, executor, out, progress))
    values = np.zeros((draws, len(names)))
    for i, name in enumerate(names):
        measured = np.array([row[metric] for row in nominal[name]])
        if how.resimulate:
            for d in range(draws):
                days = _days(d, reps, replications)
                under_draw = [next(outcomes)[metric] for _ in days]
                # The draw's effect on its days, added to the comparison's mean over all.
                values[d, i] = measured.mean() + np.mean(under_draw) - measured[days].mean()
        else:
            values[:, i] = np.mean([next(outcomes)[metric] for _ in range(reps)], axis=0)
    larger_is_better = BY_NAME[metric].better == "higher"
    by_variant, evpi = summarise_draws(values, names, larger_is_better, plan_draws.values)
    result = UncertaintyResult(draws=draws, metric=metric, evpi=evpi, variants=by_variant,
                               ranges=plan_draws.ranges, pinned=plan_draws.pinned,
                               resimulated=how.resimulate, replications_per_draw=reps,
                               larger_is_better=larger_is_better,
                               seconds=time.perf_counter() - started)
    if out is not None:
        write_json(out / UNCERTAINTY_FILE, result.to_json())
    return result


def _days(draw: int, per_draw: int, replications: int) -> list[int]:
    """The replications a re-simulated draw rests on: ``per_draw`` of them, the draws taking
    the comparison's replications in turn, so that no one day's customers set every draw's
    effect."""
    return [(draw * per_draw + k) % replications for k in range(per_draw)]


def _key(digests: Sequence[str], seed: int, replication: int) -> str:
    return digest_of({"waitsim": __version__, "plans": list(digests), "seed": seed,
                      "replication": replication})[:32]


def _run_tasks(tasks: Sequence[Any], keys: Sequence[str], workers: int,
               executor: Executor | None, out: Path | None,
               progress: Callable[[float, int], None] | None) -> list[Any]:
    """Each task's result, from its file in ``out`` if a finished one is there, else run
    (and written there as it finishes)."""
    folder = out / UNCERTAINTY_DIR if out is not None else None
    results: dict[int, Any] = {}
    if folder is not None:
        wanted = {f"{key}.json" for key in keys}
        for path in folder.glob("*.json") if folder.is_dir() else ():
            if path.name not in wanted:  # another analysis's: never read again
                remove(path)
        for i, key in enumerate(keys):
            found = read_json_object(folder / f"{key}.json")
            if found is not None and "result" in found:
                results[i] = found["result"]
    if progress:
        progress(len(results), len(tasks))

    def finished(index: int, outcome: Any) -> None:
        if isinstance(outcome, str):
            raise RuntimeError(f"uncertainty analysis: {outcome}")
        if folder is not None:
            write_json(folder / f"{keys[index]}.json", {"key": keys[index],
                                                        "result": _finite(outcome)})
        results[index] = outcome
        if progress:
            progress(len(results), len(tasks))

    execute([(i, t) for i, t in enumerate(tasks) if i not in results], finished, workers,
            executor)
    return [_restored(results[i]) for i in range(len(tasks))]


def _finite(outcome: dict[str, Any]) -> dict[str, Any]:
    """A task's result as JSON allows it (NaN as null)."""
    def clean(x: Any) -> Any:
        if isinstance(x, list):
            return [clean(v) for v in x]
        return None if isinstance(x, float) and not math.isfinite(x) else x
    return {k: clean(v) for k, v in outcome.items()}


def _restored(outcome: dict[str, Any]) -> dict[str, Any]:
    """A result read back: null as NaN."""
    def value(x: Any) -> Any:
        if isinstance(x, list):
            return [value(v) for v in x]
        return math.nan if x is None else x
    return {k: value(v) for k, v in outcome.items()}

