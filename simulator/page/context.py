"""The sections of the report page that say what the numbers rest on: the assumptions (which
multipliers are illustrative, the perception model's main assumptions) and the scenario in
brief (stations, servers, classes, arrival rates, opening hours).

Both read the scenario file the results folder names, when it is still there and unchanged
(its digest is the manifest's); otherwise they say so and use what the folder holds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from simulator.errors import InputError
from simulator.page.markup import Markup, element, table
from simulator.plan.compiled import AppointmentPlan, ClassPlan, Plan, PoissonPlan, TracePlan
from simulator.plan.loader import BASE, LoadedScenario, load_scenario
from simulator.results import Results
from simulator.spec.parameters import (
    PerceptionParameters,
    SatisfactionParameters,
    parameter_ranges,
)

IMPACT_PARAMETERS = {
    "complaints_per_100": ("complaint_rate",),
    "negative_word_of_mouth_per_100": ("tells_when_dissatisfied",),
    "positive_word_of_mouth_per_100": ("tells_when_satisfied",),
    "customers_lost_per_100": ("complaint_rate", "churn_silent", "retained_if_handled"),
}
"""The impact metrics and the satisfaction parameters they multiply the dissatisfied or
satisfied share by (docs/model.md, "Impact")."""


def illustrative_parameters() -> list[str]:
    """The satisfaction parameters whose source calls them illustrative (the schema's
    descriptions: one source for the docs, the reference and this page)."""
    return [name for name, info in SatisfactionParameters.model_fields.items()
            if "illustrative" in (info.description or "")]


def _candidates(results: Results, name: str) -> list[Path]:
    """Where the scenario file may be: as the manifest names it (relative to where the run
    was started), else relative to each folder above the results folder (a run started in
    the project folder, with results in its ``results/``, is found from anywhere)."""
    path = Path(name)
    if path.is_absolute():
        return [path]
    return [path, *(above / path for above in results.folder.resolve().parents)]


def load_scenario_of(results: Results) -> tuple[LoadedScenario | None, str]:
    """The scenario the folder's results come from, or None and why it is not used: the
    first file of :func:`_candidates` that exists, if it is unchanged since the run (its
    digest is the manifest's)."""
    name = results.manifest.get("scenario_file")
    if not isinstance(name, str):
        return None, "the results folder does not name its scenario file"
    path = next((p for p in _candidates(results, name) if p.is_file()), Path(name))
    try:
        loaded = load_scenario(path)
    except InputError as exc:
        return None, f"its scenario file could not be read from here ({str(exc).splitlines()[0]})"
    if loaded.digest != results.manifest.get("scenario_digest"):
        return None, f"its scenario file {path} has changed since the results were made"
    return loaded, ""


def _parameter_rows(satisfaction: SatisfactionParameters, source: str) -> list[list[str]]:
    rows = []
    ranges = parameter_ranges(SatisfactionParameters)
    for name in illustrative_parameters():
        info = SatisfactionParameters.model_fields[name]
        low, high = ranges[name]
        used = [m for m, names in IMPACT_PARAMETERS.items() if name in names]
        rows.append([name, f"{getattr(satisfaction, name):g} ({source})", f"{low:g} to {high:g}",
                     ", ".join(used), info.description or ""])
    return rows


def assumptions_section(loaded: LoadedScenario | None, why_not: str, uncertain: bool) -> Markup:
    """What the result rests on: the inputs, the perception model, the illustrative
    multipliers (with their values here, plausible ranges and sources)."""
    base = loaded.base if loaded is not None else None
    perception = base.perception if base is not None else PerceptionParameters()
    satisfaction = base.satisfaction if base is not None else SatisfactionParameters()
    source = "this scenario" if base is not None else "default"
    inputs = ("The day as the scenario file describes it: arrivals per hour, service times, "
              "patience, staffing and costs are inputs, taken as given. Where they are "
              "illustrative (the bundled scenarios' are), the levels are too; the comparison "
              "of options on the same customers is the robust part.")
    if perception.model == "identity":
        model = [element("li", "Felt minutes are clock minutes (perception model 'identity'): "
                         "no psychology of waiting is applied.")]
    else:
        model = [element("li", x) for x in (
            "A wait feels longer than the clock says when it is idle, uncertain, before the "
            "service starts, unexplained or anxious, and shorter when occupied, in process or "
            f"informed (Maister 1985): an idle 5-minute wait feels {perception.overestimation:g} "
            "times as long here.",
            "Customers differ: each has a time sense and an expected wait drawn around the "
            f"class's (log-spreads {perception.time_sense_sd:g} and "
            f"{satisfaction.expectation_sd:g}).",
            "Patience is spent in felt minutes; a customer told a wait longer than their "
            "patience leaves.",
            "Satisfaction (0-100) sets the felt wait against the wait the customer expected: "
            f"{satisfaction.at_expectation:g} at the expected wait, and each felt minute beyond "
            f"the acceptable wait costs {satisfaction.beyond_per_minute:g} points (calibrated on "
            "a checkout-line finding of about 8% per minute).",
            "The directions are well supported by research; most magnitudes are not. Rely on "
            "the comparison of options more than on absolute levels.")]
    shown = ", ".join(IMPACT_PARAMETERS)
    body: list[object] = [
        element("ul", element("li", inputs), *model),
        element("h3", "Illustrative multipliers"),
        element("p", f"{shown} are the dissatisfied (or satisfied) share times these "
                "multipliers. Their values are illustrative upper bounds from course material "
                "and industry surveys, not measurements: read those metrics as directions, "
                "not forecasts."),
        table(["parameter", "value", "plausible range", "used by", "source"],
              _parameter_rows(satisfaction, source), numeric_from=5),
    ]
    if base is None:
        body.append(element("p", f"Default values shown: {why_not}.", class_="note"))
    elif any(c.satisfaction for c in base.customers.values()):
        body.append(element("p", "Some customer classes override these values in the scenario "
                            "file; the table shows the scenario-wide ones.", class_="note"))
    if not uncertain:
        body.append(element("p", "How sure the ranking is under these assumptions was not "
                             "analysed here: ", element("code", "waitsim compare SCENARIO "
                             "--uncertainty 200 --out DIR"), " then ", element(
                                 "code", "waitsim report DIR"), " adds it.", class_="note"))
    body.append(element("p", "The model page of waitsim's documentation (docs/model.md) gives "
                        "every equation, parameter and source.", class_="note"))
    return element("section", element("h2", "What the result rests on"), *body)


def _arrivals(plan: Plan, c: ClassPlan) -> str:
    """How a class arrives, in words."""
    a = c.arrivals
    if isinstance(a, PoissonPlan):
        pieces = [f"{60 * rate:g}/h {plan.clock(start)}-{plan.clock(end)}"
                  for start, end, rate in a.pieces]
        return "at random, " + ", ".join(pieces)
    if isinstance(a, AppointmentPlan) and not a.slots:
        return "booked: no slots in the day"
    if isinstance(a, AppointmentPlan):
        shows = f", {100 * a.no_show:g}% no-shows" if a.no_show else ""
        first, last = plan.clock(a.slots[0]), plan.clock(a.slots[-1])
        return f"booked: {len(a.slots)} slots {first}-{last}, {a.per_slot} each{shows}"
    if isinstance(a, TracePlan):
        return f"recorded arrival times ({len(a.times)} a day)"
    return f"{c.initial_queue} already waiting at the start" if c.initial_queue else "none"


def _duty(plan: Plan, duty: tuple[tuple[float, int], ...]) -> str:
    return ", ".join(f"{n} from {plan.clock(max(t, plan.open))}" for t, n in duty)


def _minutes(value: Any) -> str:
    return "-" if value is None else f"{value.expected:.3g}"


def scenario_section(results: Results, loaded: LoadedScenario | None, why_not: str) -> Markup:
    """The scenario in brief: opening hours, customer classes with their arrival rates,
    stations with their servers over the day, and the run."""
    m = results.manifest
    run = (f"{m.get('replications')} simulated days per option, seed {m.get('seed')}, "
           f"waitsim {(m.get('versions') or {}).get('waitsim', '?')}.")
    if loaded is None:
        return element("section", element("h2", "The scenario"),
                       element("p", f"{m.get('scenario', '?')}: {run}"),
                       element("p", f"Not described further: {why_not}.", class_="note"))
    base, plan = loaded.base, loaded.plans[BASE]
    hours = f"Arrivals from {plan.clock(plan.open)} to {plan.clock(plan.arrivals_end)}"
    classes = [[c.name, _arrivals(plan, c), f"{c.expected_wait:g}",
                _minutes(base.customers[c.origin or c.name].patience)
                if (c.origin or c.name) in base.customers else "-"]
               for c in plan.classes]
    stations = [[s.name, _duty(plan, s.duty), _minutes(base.stations[s.name].service),
                 s.layout.replace("_", " "), f"{base.stations[s.name].cost_per_server_hour:g}"]
                for s in plan.stations]
    parts: list[object] = [element("p", element("strong", base.name))]
    if base.description:
        parts.append(element("p", base.description))
    parts += [
        element("p", f"{hours}; {run}"),
        table(["customer class", "arrivals", "expected wait (min)", "patience (mean min)"],
              classes, numeric_from=2),
        table(["station", "servers on duty", "service (mean min)", "layout",
               "cost per server-hour"], stations, numeric_from=2),
        element("p", "Scenario file: ", element("code", str(loaded.path)), class_="note"),
    ]
    return element("section", element("h2", "The scenario"), *parts)



