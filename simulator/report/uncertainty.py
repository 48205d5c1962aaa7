"""What ``waitsim compare --uncertainty N`` shows: how sure the ranking is (text under 100
columns)."""

from __future__ import annotations

import textwrap

from simulator.analysis.uncertainty import UncertaintyResult, drivers_missing
from simulator.report.console import format_number, grid, label

WIDTH = 100
"""Columns the text fits in."""


def uncertainty_text(u: UncertaintyResult) -> str:
    """The ranking's probabilities, the gains' spreads, the EVPI and the drivers."""
    how = (f"each draw simulated again on {u.replications_per_draw} of the comparison's "
           "replications (taken in turn)" if u.resimulated else
           f"the recorded journeys rescored, all {u.replications_per_draw} replications a draw")
    order = sorted(u.variants, key=lambda v: (-u.variants[v].p_best,
                                              -u.variants[v].gain_median))
    rows = [[name, f"{100 * x.p_best:.1f}%",
             "-" if x.p_better_than_base is None else f"{100 * x.p_better_than_base:.1f}%",
             format_number(x.gain_median, u.metric, signed=True),
             f"{format_number(x.gain_low, u.metric, signed=True)} to "
             f"{format_number(x.gain_high, u.metric, signed=True)}"]
            for name, x in ((n, u.variants[n]) for n in order)]
    better = "higher" if u.larger_is_better else "lower"
    lines = [*textwrap.wrap(f"How sure the ranking is: {u.draws} draws of {len(u.ranges)} "
                            f"uncertain parameters, {how}"
                            + (f", in {u.seconds:.1f} s." if u.seconds else "."), WIDTH),
             f"gain: variant minus base on {label(u.metric)}, {better} is better; 90%: "
             "5th to 95th percentile",
             "", *grid(["variant", "P(best)", "P(beats base)", "gain", "90% of draws"], rows),
             "", f"Expected value of perfect information: {format_number(u.evpi, u.metric)} "
             f"({label(u.metric)}):", "what knowing the parameters exactly would add to the "
             "choice."]
    if all(x.gain_low == x.gain_high for x in u.variants.values()):
        lines += ["", f"Note: {u.metric} does not depend on the drawn parameters here; every "
                      "draw ranks the variants alike."]
    lines += ["", "What each gain depends on most (partial rank correlation, -1 to 1; "
                  "significant ones only):"]
    for name in order:
        drivers = u.variants[name].drivers[:3]
        if drivers:
            shown = ", ".join(f"{p} {r:+.2f}" for p, r in drivers)
            lines += textwrap.wrap(f"{name}: {shown}", WIDTH, initial_indent="  ",
                                   subsequent_indent="      ")
    if not any(x.drivers for x in u.variants.values()):
        lines.append(f"  none: {drivers_missing(u)}")
    return "\n".join(lines) + "\n"
