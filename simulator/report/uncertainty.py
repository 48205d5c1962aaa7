"""What ``waitsim compare --uncertainty N`` shows: how sure the ranking is (text under 100
columns)."""

from __future__ import annotations

from simulator.analysis.uncertainty import UncertaintyResult, drivers_missing
from simulator.report.console import format_number, grid, label


def uncertainty_text(u: UncertaintyResult) -> str:
    """The ranking's probabilities, the gains' spreads, the EVPI and the drivers."""
    how = (f"each draw simulated again on {u.replications_per_draw} replication(s), the same "
           "customers in every draw" if u.resimulated else
           f"the recorded journeys rescored, {u.replications_per_draw} replications a draw")
    order = sorted(u.variants, key=lambda v: (-u.variants[v].p_best,
                                              -u.variants[v].gain_median))
    rows = [[name, f"{100 * x.p_best:.1f}%", f"{100 * x.p_better_than_base:.1f}%" if i else "-",
             format_number(x.gain_median, u.metric, signed=True),
             f"{format_number(x.gain_low, u.metric, signed=True)} to "
             f"{format_number(x.gain_high, u.metric, signed=True)}"]
            for name, x in ((n, u.variants[n]) for n in order)
            for i in [list(u.variants).index(name)]]
    lines = [f"How sure the ranking is: {u.draws} draws of {len(u.ranges)} uncertain "
             "parameters,", f"{how}.",
             f"gain: variant minus base on {label(u.metric)}; 5th to 95th percentile over draws",
             "", *grid(["variant", "P(best)", "P(beats base)", "gain", "90% of draws"], rows),
             "", f"Expected value of perfect information: {format_number(u.evpi, u.metric)} "
             f"({label(u.metric)}): what knowing the parameters exactly would add to the choice.",
             "", "What each gain depends on most (partial rank correlation, -1 to 1):"]
    for name in order:
        drivers = u.variants[name].drivers[:3]
        if drivers:
            shown = ", ".join(f"{p} {r:+.2f}" for p, r in drivers)
            lines.append(f"  {name}: {shown}")
    if not any(x.drivers for x in u.variants.values()):
        lines.append(f"  none: {drivers_missing(u)}")
    return "\n".join(lines) + "\n"
