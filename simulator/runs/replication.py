"""One replication, its records streamed through perception and the summary.

The model hands over its records in blocks of finished customers (:mod:`simulator.engine.recorder`);
each block's felt waits and scores are computed and added to the summary, then the block is
dropped (or kept, when the records are wanted). Memory therefore stays bounded however many
customers a replication has, and the metrics do not depend on whether records are kept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from simulator.analysis.breakdown import BreakdownAccumulator
from simulator.analysis.experience import customer_experience
from simulator.analysis.summary import SummaryAccumulator
from simulator.engine.journeys import CUSTOMER_TABLES, Journeys, Table
from simulator.engine.model import Model
from simulator.engine.recorder import BLOCK_CUSTOMERS, sort_tables
from simulator.plan.compiled import Plan

RecordsHandler = Callable[[dict[str, Table], Table], None]
"""``on_records(tables, experience)``: a block's customer tables (customers numbered as in
the run, rows sorted by customer) and their
:func:`~simulator.analysis.experience.customer_experience` in the same order."""


@dataclass(frozen=True)
class Replication:
    metrics: dict[str, float]
    """The metrics of :data:`~simulator.analysis.summary.METRICS`."""
    timeseries: Table
    """Per station and time bin: see :meth:`SummaryAccumulator.timeseries`."""
    breakdown: dict[str, float]
    """The metrics per class and per station
    (:class:`~simulator.analysis.breakdown.BreakdownAccumulator`)."""
    journeys: Journeys | None
    """Every record (rows sorted as :func:`simulator.simulate` gives them), if kept."""
    experience: Table | None
    """Per customer, in the order of ``journeys.customers``: see
    :func:`~simulator.analysis.experience.customer_experience`; if kept."""


def renumbered(tables: dict[str, Table]) -> dict[str, Table]:
    """A block's customer tables with its customers numbered 0, 1, ... in the order of their
    ids (what the per-customer functions of :mod:`simulator.analysis.experience` index by)."""
    ids = tables["customers"]["customer"]
    local = {name: dict(columns) for name, columns in tables.items()}
    local["customers"]["customer"] = np.arange(len(ids))
    for name in ("visits", "segments"):
        local[name]["customer"] = np.searchsorted(ids, tables[name]["customer"])
    return local


def run_replication(plan: Plan, replication: int, *, seed: int | None = None,
                    bin_minutes: float, keep_records: bool = False,
                    on_records: RecordsHandler | None = None,
                    block_customers: int = BLOCK_CUSTOMERS,
                    progress: Callable[[float], None] | None = None) -> Replication:
    """Simulate one replication of ``plan`` (seed: the plan's unless given), with its
    metrics and time series (bins of ``bin_minutes``), keeping the records if asked.

    ``on_records(tables, experience)`` is handed each block's records as they come (at least
    one block, empty if nobody came), e.g. to write them out without keeping them.
    ``progress(fraction)`` is called after each block with the share of the arrival window
    (``open`` to the end of arrivals) simulated so far (a run long enough to have several
    blocks)."""
    summary = SummaryAccumulator(plan, plan.stats_start, plan.arrivals_end, bin_minutes)
    breakdown = BreakdownAccumulator(plan, plan.stats_start, plan.arrivals_end)
    kept: list[tuple[dict[str, Table], Table]] = []

    def hand_over(tables: dict[str, Table], experience: Table) -> None:
        if keep_records:
            kept.append((tables, experience))
        if on_records is not None:
            on_records(tables, experience)

    blocks = 0

    def on_block(tables: dict[str, Table], starts: Table) -> None:
        nonlocal blocks
        blocks += 1
        block = Journeys.of(plan, renumbered(tables), model.env.now)
        experience = customer_experience(block, starts)
        summary.add(block, experience)
        breakdown.add(block, experience)
        hand_over(tables, experience)
        if progress is not None and plan.arrivals_end > plan.open:
            window = plan.arrivals_end - plan.open
            progress(min(max((model.env.now - plan.open) / window, 0.0), 1.0))

    model = Model(plan, replication, seed=seed, on_block=on_block,
                  block_customers=block_customers)
    run = model.run()
    if not blocks:  # nobody came: one empty block, so that there are (empty) records
        hand_over({name: run.tables[name] for name in CUSTOMER_TABLES},
                  customer_experience(run))
    journeys, experience = _joined(run, kept) if keep_records else (None, None)
    return Replication(summary.metrics(run), summary.timeseries(run), breakdown.metrics(run),
                       journeys, experience)


def _joined(run: Journeys, blocks: list[tuple[dict[str, Table], Table]]
            ) -> tuple[Journeys, Table]:
    """The run's journeys with the blocks' rows (at least one block, maybe empty) put back
    together, and the customers' experience in the same order."""
    tables = dict(run.tables)
    for name in CUSTOMER_TABLES:
        tables[name] = {column: np.concatenate([t[name][column] for t, _ in blocks])
                        for column in run.tables[name]}
    experience = {key: np.concatenate([e[key] for _, e in blocks]) for key in blocks[0][1]}
    order = np.argsort(tables["customers"]["customer"], kind="stable")
    return (Journeys.of(run.plan, sort_tables(tables), run.end_time),
            {key: values[order] for key, values in experience.items()})
