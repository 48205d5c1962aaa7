"""``waitsim report``: the HTML page of a results folder, from a small real compare (with
costs and an uncertainty analysis) and a run without comparison; what the page says is
checked against the comparison's own files, and that it is one safe, self-contained file."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pandas as pd
import pytest

import simulator
from simulator.analysis.comparison import Comparison, compare, rank
from simulator.analysis.result import ExperimentResult
from simulator.analysis.summary import METRICS
from simulator.cli import main
from simulator.errors import InputError
from simulator.page import build_page, write_report
from simulator.page.context import IMPACT_PARAMETERS, illustrative_parameters, load_scenario_of
from simulator.page.markup import esc
from simulator.page.sections import per_class_section
from simulator.page.verdict import recommend
from simulator.page.words import amount, variant_label
from simulator.plots.style import labelled
from simulator.report.comparison import write_comparison
from simulator.results import Results
from simulator.runs.experiment import run_experiment
from simulator.spec.parameters import SatisfactionParameters


@pytest.fixture(scope="module")
def compared(report_folder: Path) -> Path:
    return report_folder


@pytest.fixture(scope="module")
def scenario(report_folder: Path) -> Path:
    return report_folder.parent / "tiny.yaml"


@pytest.fixture(scope="module")
def page_text(compared: Path) -> str:
    return write_report(compared).read_text(encoding="utf-8")


def test_the_page_is_written_into_the_folder_and_the_api_returns_its_path(compared: Path
                                                                          ) -> None:
    path = simulator.report(compared)
    assert path == compared / "report.html"
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert not list(compared.glob(".report.html.*.tmp"))  # written atomically, nothing left
    # The same folder gives the same page, to the byte (no clock time, no random ids).
    assert path.read_text(encoding="utf-8") == build_page(Results.load(compared))


def test_the_recommendation_comes_first_and_matches_the_comparison_files(
        compared: Path, page_text: str) -> None:
    results = Results.load(compared)
    best = rank(compare(results.experiment()), "satisfaction_mean")[0]
    assert best.variant != "base"
    row = pd.read_csv(compared / "comparison.csv").query(
        "variant == @best.variant and metric == 'satisfaction_mean'").iloc[0]
    verdict = page_text[page_text.index('class="verdict"'):page_text.index("</div>")]
    with labelled(results):  # as the page names it: by its label
        label = variant_label(best.variant)
    assert label == "A fourth teller"
    assert f"<strong>{label[0].upper() + label[1:]}</strong> raises mean satisfaction by " \
           f"{amount(row['diff_mean'], 'satisfaction_mean')} " \
           f"[{row['diff_ci_low']:.1f}, {row['diff_ci_high']:.1f}]" in verdict
    extra = pd.read_csv(compared / "costs.csv").set_index("variant").loc[
        best.variant, "extra_cost_per_day"]
    assert f"it costs {extra:,.2f} a day more than today" in verdict
    assert "runner-up" in verdict and "draws" in verdict  # the caveats
    order = [page_text.index(h) for h in (
        'class="verdict"', *(f"<h2>{title}</h2>" for title in (
            "The options, ranked", "Key numbers of each option", "Key figures",
            "How sure is the ranking?", "What the result rests on", "The scenario")))]
    assert order == sorted(order)


def test_the_ranking_table_lists_every_option_best_first(compared: Path, page_text: str
                                                        ) -> None:
    results = Results.load(compared)
    ranking = rank(compare(results.experiment()), "satisfaction_mean")
    section = page_text[page_text.index("<h2>The options, ranked"):
                        page_text.index("<h2>Key numbers of each option")]
    with labelled(results):  # the page names options by their labels
        places = [section.index(f"<td>{variant_label(r.variant)}</td>") for r in ranking]
    assert places == sorted(places) and len(places) == 4


def test_user_text_is_escaped(page_text: str) -> None:
    assert "<script" not in page_text and "<img src=x" not in page_text
    assert "Tiny &lt;script&gt;alert(&#x27;name&#x27;)&lt;/script&gt; &amp; branch" in page_text
    assert "A &lt;img src=x onerror=alert(1)&gt; description" in page_text
    assert esc(variant_label("a<script>b")) == "a&lt;script&gt;b"


def test_the_page_needs_no_network_and_no_script(page_text: str) -> None:
    for pattern in (r"<script", r"<link", r"@import", r"url\(", r"<iframe"):
        assert re.search(pattern, page_text, re.IGNORECASE) is None, pattern
    sources = re.findall(r'(?:src|href)="([^"]*)"', page_text)
    assert sources and all(s.startswith("data:image/svg+xml;base64,") for s in sources)


def test_the_assumptions_name_the_illustrative_multipliers(page_text: str) -> None:
    section = page_text[page_text.index("<h2>What the result rests on"):
                        page_text.index("<h2>The scenario")]
    for name in illustrative_parameters():
        assert f"<td>{name}</td>" in section
    assert "feels 1.35 times as long" in section  # the default overestimation


def test_the_illustrative_parameters_come_from_the_schema() -> None:
    assert illustrative_parameters() == ["complaint_rate", "tells_when_dissatisfied",
                                         "tells_when_satisfied", "churn_silent",
                                         "retained_if_handled"]
    fields = SatisfactionParameters.model_fields
    for metric, names in IMPACT_PARAMETERS.items():
        assert metric in METRICS and all(n in fields for n in names)


def test_the_scenario_in_brief(page_text: str) -> None:
    section = page_text[page_text.index("<h2>The scenario</h2>"):]
    assert "Arrivals from 09:00 to 11:00" in section
    assert "at random, 50/h 09:00-10:00, 80/h 10:00-11:00" in section
    assert "2 from 09:00, 3 from 10:00" in section


def test_the_uncertainty_section_shows_the_analysis_and_its_figures(compared: Path,
                                                                    page_text: str) -> None:
    results = Results.load(compared)
    u = results.uncertainty
    assert u is not None
    section = page_text[page_text.index("<h2>How sure is the ranking?"):
                        page_text.index("<h2>What the result rests on")]
    assert f"drawn {u.draws} times" in section and "EVPI" in section
    best = max(u.variants, key=lambda v: u.variants[v].p_best)
    with labelled(results):
        name = variant_label(best)
    assert f"<td>{name}</td><td class=\"num\">" \
           f"{100 * u.variants[best].p_best:.0f}%</td>" in section
    assert section.count("<img ") in (1, 2)  # rank probabilities (+ drivers when defined)


def test_per_class_results_need_two_classes_and_show_each_class_under_each_option(
        compared: Path, tmp_path: Path) -> None:
    one_class = Results.load(compared)
    assert per_class_section(one_class, one_class.variants) == ""
    assert per_class_section(dataclasses.replace(one_class, classes=None),
                             one_class.variants) == ""
    out = tmp_path / "bank"
    bank = simulator.load_scenario(Path(__file__).parent.parent / "scenarios/bank_branch.yaml")
    run_experiment(bank, variants=["base", "extra_teller"], replications=2, out=out, workers=1,
                   records="summary")
    results = Results.load(out)
    section = per_class_section(results, ["extra_teller", "base"])
    row = results.classes.query("variant == 'extra_teller' and `class` == 'appointment' and "
                                "metric == 'satisfaction_mean'").iloc[0]
    assert ("<td>appointment</td><td>extra teller</td>" in section
            and f"{row['mean']:.2f} [{row['ci_low']:.2f}, {row['ci_high']:.2f}]" in section)
    assert section.index("<td>walk_in</td><td>extra teller</td>") < \
        section.index("<td>walk_in</td><td>today (base)</td>")
    assert "Each customer class" in build_page(results)


def test_a_run_without_comparison_says_so_and_shows_the_metrics(scenario: Path) -> None:
    out = scenario.parent / "ran"
    run_experiment(simulator.load_scenario(scenario), out=out, workers=1, records="summary")
    text = build_page(Results.load(out))
    assert "No recommendation: this folder holds a run without a comparison" in text
    assert "The options, ranked" not in text and "Key numbers of each option" in text
    assert "not shown" in text  # the waits figure needs per-customer records


def test_a_missing_scenario_file_is_said_not_guessed(compared: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    results = Results.load(compared)
    moved = dataclasses.replace(results, manifest={**results.manifest,
                                                   "scenario_file": "gone.yaml"})
    text = build_page(moved)
    assert "Not described further: its scenario file could not be read from here" in text
    assert "Default values shown" in text


def test_the_results_changing_removes_the_page(scenario: Path, tmp_path: Path) -> None:
    out = tmp_path / "folder"
    loaded = simulator.load_scenario(scenario)
    run_experiment(loaded, out=out, workers=1, replications=2, records="summary")
    page = write_report(out)
    run_experiment(loaded, out=out, workers=1, replications=2, records="summary")
    assert page.exists()  # a folder with its page is still the same results folder
    run_experiment(loaded, out=out, workers=1, replications=3, records="summary")
    assert not page.exists()


def test_the_cli_writes_elsewhere_and_refuses_bad_options(compared: Path, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]
                                                         ) -> None:
    target = tmp_path / "shared" / "bank.html"
    assert main(["report", str(compared), "--out", str(target), "--rank-by", "wait_mean"]) == 0
    assert capsys.readouterr().out.strip() == str(target)
    assert "mean clock wait [95% CI]" in target.read_text(encoding="utf-8")
    assert main(["report", str(compared), "--rank-by", "arrivals"]) == 2
    assert main(["report", str(tmp_path / "nowhere")]) == 2
    assert main(["report", str(compared), "--out", str(tmp_path)]) == 2
    sweep = tmp_path / "sweep"
    sweep.mkdir()
    (sweep / "manifest.json").write_text('{"kind": "sweep", "status": "complete"}')
    assert main(["report", str(sweep)]) == 2
    assert "the folder of a sweep" in capsys.readouterr().err
    with pytest.raises(InputError):
        build_page(Results.load(compared), rank_by="utilisation")


def _comparison(satisfaction: dict[str, list[float]]) -> Comparison:
    """A comparison of made-up days: every metric 1 but mean satisfaction."""
    metrics = {v: [{m: (x if m == "satisfaction_mean" else 1.0) for m in METRICS} for x in xs]
               for v, xs in satisfaction.items()}
    return compare(ExperimentResult("made up", 1, 4, metrics, 0, 0.0))


def test_nothing_beats_today_says_keep_today() -> None:
    verdict = recommend(_comparison({"base": [70, 71, 72, 73], "tv": [69, 70, 72, 72]}),
                        "satisfaction_mean", None, None)
    assert verdict.headline.startswith("Keep today&#x27;s setup: no option improves mean "
                                       "satisfaction on average (1 compared)")
    assert "<strong>tv</strong>, lowers mean satisfaction by 0.8 points [-0.0, 1.5]" in \
        verdict.headline


def test_a_runner_up_within_noise_is_a_caveat_and_a_clear_lead_is_said() -> None:
    tied = recommend(_comparison({"base": [60, 61, 62, 63], "a_b": [70, 72, 71, 73],
                                  "c": [71, 70, 72, 72]}), "satisfaction_mean", None, None)
    assert tied.headline.startswith("<strong>A b</strong> raises mean satisfaction by 10.0 "
                                    "points")
    assert "its cost is not in this folder" in tied.headline
    assert any("not distinguishable from the runner-up, <strong>c</strong>" in c
               for c in tied.caveats)
    clear = recommend(_comparison({"base": [60, 61, 62, 63], "a_b": [80, 82, 81, 83],
                                   "c": [71, 70, 72, 72]}), "satisfaction_mean", None, None)
    assert any("clearly ahead of the runner-up, <strong>c</strong>: better by 10.2 points"
               in c for c in clear.caveats)


def test_a_gain_bought_with_customers_turned_away_is_a_caveat() -> None:
    comparison = _comparison({"base": [60, 61, 62, 63], "doubled": [64, 66, 65, 67]})
    for balked, day in zip([0.02, 0.03, 0.025, 0.035], comparison.result.metrics["doubled"],
                           strict=True):
        day["balked_share"] = 1.0 + balked         # the base's days: 1.0, like every metric
    verdict = recommend(compare(comparison.result), "satisfaction_mean", None, None)
    said = [c for c in verdict.caveats if "leave without service" in c]
    assert said == ["Caveat: more customers leave without service with it (balk or give up): "
                    "2.8 per 100 arrivals more [1.7, 3.8]; the shorter line they leave behind "
                    "is part of its gain. Weigh the customers lost beside it."]
    kept = recommend(_comparison({"base": [60, 61, 62, 63], "doubled": [64, 66, 65, 67]}),
                     "satisfaction_mean", None, None)
    assert not any("leave without service" in c for c in kept.caveats)


def test_a_cost_that_counts_lost_visits_says_so_and_whether_it_is_noise() -> None:
    comparison = _comparison({"base": [60, 61, 62, 63], "teller": [70, 72, 71, 73]})

    def said(extra: float, low: float, high: float) -> str:
        costs = pd.DataFrame([{"variant": "teller", "extra_cost_per_day": extra,
                               "unserved_cost_per_day": 40.0, "extra_cost_ci_low": low,
                               "extra_cost_ci_high": high,
                               "cost_per_satisfaction_point": extra / 10}])
        return recommend(comparison, "satisfaction_mean", costs, None).headline

    assert ("; counting what the customers who leave unserved cost, it saves 30.00 a day."
            in said(-30.0, -50.0, -10.0))
    assert ("; counting what the customers who leave unserved cost, it costs 30.00 a day more "
            "than today (not distinguishable from 0)." in said(30.0, -5.0, 65.0))
    assert "(3.00 per satisfaction point)" in said(30.0, 10.0, 50.0)


def test_a_new_comparison_removes_the_page_made_from_the_last(tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text("<!DOCTYPE html>", encoding="utf-8")
    write_comparison(tmp_path, _comparison({"base": [1, 2, 3, 4], "a": [2, 3, 4, 5]}), [])
    assert not page.exists() and (tmp_path / "comparison.csv").exists()


def test_the_scenario_file_is_found_from_another_folder_and_a_changed_one_is_not_used(
        compared: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    results = Results.load(compared)
    relative = dataclasses.replace(results, manifest={**results.manifest,
                                                      "scenario_file": "tiny.yaml"})
    monkeypatch.chdir(tmp_path)  # tiny.yaml is beside the results folder, not here
    assert load_scenario_of(relative)[0] is not None
    changed = dataclasses.replace(results, manifest={**results.manifest,
                                                     "scenario_digest": "0" * 64})
    loaded, why = load_scenario_of(changed)
    assert loaded is None and "has changed since the results were made" in why


def test_variants_are_named_by_their_labels_on_the_page_and_in_figures(report_folder):
    from simulator.page import build_page
    from simulator.plots import satisfaction_by_variant
    from simulator.results import Results

    results = Results.load(report_folder)
    assert "A fourth teller" in build_page(results)
    fig = satisfaction_by_variant(results)
    ticks = [t.get_text() for ax in fig.axes for t in ax.get_yticklabels()]
    assert "A fourth teller" in ticks and "tv screens" in ticks
