"""Scenarios for the tests of published evidence (tests/test_evidence.py).

``fixed_wait`` builds a line where every counted customer waits the same clock minutes: one
server with 1-minute services, a backlog of customers already there at the opening, and one
newcomer every minute, each joining the same number of people ahead (their place in line
then falls by one a minute). Nobody may leave it: one leaving would shorten the others' waits.
``held`` gives customers who may leave the same hold each: one at a time, each behind a
single customer being served. Everything else is an ordinary scenario file.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import numpy as np

from simulator import load_scenario, simulate
from simulator.analysis.experience import customer_experience
from simulator.models.codes import Outcome

NEWCOMERS = 400
"""Counted customers in a fixed-wait scenario (each with their own time sense and expectation)."""


def fixed_wait(folder: Path, wait: float, interventions: str = "{}", extra: str = "",
               perception: str = "{}", expected: float = 5.0) -> Path:
    """A scenario whose counted customers (class ``newcomer``, arriving every minute from 0.5
    on) each wait ``wait`` clock minutes (a whole number plus 0.5), with the given
    ``interventions`` block, perception overrides, and ``extra`` class keys."""
    ahead = int(wait + 0.5)
    (folder / "backlog.csv").write_text("time\n" + "0\n" * ahead)
    (folder / "newcomers.csv").write_text(
        "time\n" + "".join(f"{k + 0.5}\n" for k in range(NEWCOMERS)))
    path = folder / f"fixed_{wait}.yaml"
    path.write_text(textwrap.dedent(f"""\
        name: every newcomer waits {wait} minutes
        seed: 7
        open: 0
        close: {NEWCOMERS + ahead + 1}
        perception: {perception}
        customers:
          backlog: {{arrivals: {{process: trace, file: backlog.csv}}, expected_wait: {expected}}}
          newcomer:
            arrivals: {{process: trace, file: newcomers.csv}}
            expected_wait: {expected}
            {extra}
        stations:
          desk: {{servers: 1, service: {{dist: deterministic, value: 1}}}}
        interventions: {interventions}
        """))
    return path


def held(folder: Path, hold: float, interventions: str = "{}", extra: str = "") -> Path:
    """A scenario whose counted customers (class ``newcomer``) each arrive to find one
    customer starting a service of ``hold`` minutes, so that they wait ``hold`` minutes
    unless they leave; one newcomer every ``hold + 5`` minutes, so that nobody else's wait
    depends on them."""
    cycle = hold + 5
    (folder / "backlog.csv").write_text(
        "time\n" + "".join(f"{k * cycle}\n" for k in range(NEWCOMERS)))
    (folder / "newcomers.csv").write_text(
        "time\n" + "".join(f"{k * cycle + 0.5}\n" for k in range(NEWCOMERS)))
    path = folder / f"held_{hold}.yaml"
    path.write_text(textwrap.dedent(f"""\
        name: every newcomer is held {hold} minutes
        seed: 7
        open: 0
        close: {NEWCOMERS * cycle}
        customers:
          backlog:
            arrivals: {{process: trace, file: backlog.csv}}
            service: {{desk: {{dist: deterministic, value: {hold + 0.5}}}}}
            expected_wait: 1
          newcomer:
            arrivals: {{process: trace, file: newcomers.csv}}
            expected_wait: 1
            {extra}
        stations:
          desk: {{servers: 1, service: {{dist: deterministic, value: 1}}}}
        interventions: {interventions}
        """))
    return path


def newcomers(path: Path, variant: str = "base", replication: int = 0) -> dict[str, np.ndarray]:
    """Per counted customer: clock wait, felt wait, satisfaction and outcome."""
    plan = load_scenario(path).plans[variant]
    j = simulate(plan, replication)
    e = customer_experience(j)
    mine = j.customers["customer_class"] == [c.name for c in plan.classes].index("newcomer")
    return {"wait": e["wait"][mine], "felt": e["perceived_wait"][mine],
            "satisfaction": e["satisfaction"][mine], "outcome": j.customers["outcome"][mine]}


def satisfaction_at(folder: Path, wait: float, interventions: str = "{}",
                    **options: str) -> float:
    """Mean satisfaction (0-100) of customers who all wait ``wait`` clock minutes."""
    return float(newcomers(fixed_wait(folder, wait, interventions, **options))
                 ["satisfaction"].mean())


def lost_share(outcome: np.ndarray) -> float:
    """Share of customers who left unserved (balked or abandoned)."""
    return float(np.isin(outcome, [Outcome.BALKED, Outcome.ABANDONED]).mean())


def write(folder: Path) -> Callable[[str, str], Path]:
    """``write(name, text)``: a dedented scenario file in ``folder``."""
    def make(name: str, text: str) -> Path:
        path = folder / name
        path.write_text(textwrap.dedent(text))
        return path
    return make
