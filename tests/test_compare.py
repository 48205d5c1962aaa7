"""``waitsim compare``: paired differences, ranking, costs, files, auto replications, errors."""

from __future__ import annotations

import csv
import json
import math
import textwrap
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from simulator import load_scenario
from simulator.analysis.comparison import (
    BETTER,
    RANKABLE,
    compare,
    half_widths,
    rank,
    replications_needed,
    run_until_precise,
    turned_away,
)
from simulator.analysis.costs import CostEffect, DailyCost, cost_effects, daily_cost, server_hours
from simulator.analysis.result import ExperimentResult
from simulator.analysis.statistics import Interval
from simulator.analysis.summary import METRICS
from simulator.cli import main
from simulator.errors import ScenarioError
from simulator.report.comparison import (
    COMPARISON_COLUMNS,
    COST_COLUMNS,
    compare_document,
    comparison_rows,
    costs_text,
    turned_away_text,
)
from simulator.runs.experiment import run_experiment

# One server near saturation: waits vary a lot from day to day, which the variants share.
SCENARIO = """
    name: Compare branch
    replications: 3
    close: 180
    customers:
      a:
        arrivals: {process: poisson, rate_per_hour: 50}
        patience: {dist: exponential, mean: 15}
    stations:
      s: {servers: 1, service: {dist: exponential, mean: 1.0}}
    variants:
      faster: {stations: {s: {service: {mean: 0.95}}}}    # close to the base
      same: {description: nothing that changes the day}   # identical to the base
      two: {stations: {s: {servers: 2}}}
"""
REPLICATIONS = 8


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("compare") / "branch.yaml"
    path.write_text(textwrap.dedent(SCENARIO), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def result(scenario_file: Path) -> ExperimentResult:
    return run_experiment(load_scenario(scenario_file), replications=REPLICATIONS, seed=11)


def values(result: ExperimentResult, variant: str, metric: str) -> np.ndarray:
    return np.array([r[metric] for r in result.metrics[variant]])


def test_every_metric_has_a_better_direction():
    assert set(BETTER) == set(METRICS)
    assert "satisfaction_mean" in RANKABLE and "utilisation" not in RANKABLE


@pytest.mark.parametrize("variant", ["faster", "two"])
@pytest.mark.parametrize("metric", ["wait_mean", "satisfaction_mean", "abandoned_share"])
def test_paired_intervals_match_scipy_ttest_rel(result, variant, metric):
    comparison = compare(result)
    paired = comparison.metrics[variant][metric].paired
    assert paired is not None
    v, b = values(result, variant, metric), values(result, "base", metric)
    expected = stats.ttest_rel(v, b).confidence_interval()
    d = paired.difference
    assert (d.mean, d.ci_low, d.ci_high, d.n) == pytest.approx(
        ((v - b).mean(), expected.low, expected.high, REPLICATIONS))
    own = stats.ttest_1samp(v, 0).confidence_interval()
    i = comparison.metrics[variant][metric].interval
    assert (i.ci_low, i.ci_high) == pytest.approx((own.low, own.high))


def test_pairing_narrows_the_interval_of_two_close_variants(result):
    comparison = compare(result)
    paired = comparison.metrics["faster"]["wait_mean"].paired
    v, b = values(result, "faster", "wait_mean"), values(result, "base", "wait_mean")
    welch = stats.ttest_ind(v, b, equal_var=False).confidence_interval()
    paired_width = paired.difference.ci_high - paired.difference.ci_low
    measured = (welch.high - welch.low) / paired_width
    assert paired.variance_reduction == pytest.approx(measured)
    assert measured > 1.5  # common random numbers: the days' shared noise cancels
    assert np.corrcoef(v, b)[0, 1] > 0.5


def test_a_variant_identical_to_the_base_is_not_distinguishable(result):
    comparison = compare(result)
    for metric in METRICS:
        vm = comparison.metrics["same"][metric]
        d = vm.paired.difference
        if math.isnan(vm.interval.mean):
            continue
        assert (d.mean, d.ci_low, d.ci_high) == (0.0, 0.0, 0.0)  # degenerate interval
        assert vm.distinguishable is False
        assert math.isnan(vm.paired.variance_reduction)
    placed = {r.variant: r for r in rank(comparison, "satisfaction_mean")}
    assert placed["same"].distinguishable is False
    assert placed["base"].distinguishable is None  # the base is the reference
    rows = {(r[0], r[1]): r for r in comparison_rows(comparison)}
    column = COMPARISON_COLUMNS.index("distinguishable")
    assert rows[("same", "wait_mean")][column] is False
    assert rows[("two", "wait_mean")][column] is True


def test_ranking_follows_each_metrics_better_direction(result):
    comparison = compare(result)
    by_wait = rank(comparison, "wait_mean")  # lower is better
    means = [r.interval.mean for r in by_wait]
    assert means == sorted(means) and by_wait[0].variant == "two"
    by_satisfaction = rank(comparison, "satisfaction_mean")  # higher is better
    means = [r.interval.mean for r in by_satisfaction]
    assert means == sorted(means, reverse=True) and by_satisfaction[0].variant == "two"
    assert [r.place for r in by_wait] == [1, 2, 3, 4]
    with pytest.raises(ValueError, match="no better direction"):
        rank(comparison, "utilisation")


def synthetic(rows: dict[str, list[float]], metric: str = "wait_mean") -> ExperimentResult:
    """An experiment whose replications have the given values of ``metric`` (others 0)."""
    return ExperimentResult(
        scenario="synthetic", seed=0, replications=len(rows["base"]),
        metrics={v: [{**dict.fromkeys(METRICS, 0.0), metric: x} for x in xs]
                 for v, xs in rows.items()},
        reused=0, seconds=0.0)


def test_an_undefined_mean_ranks_last():
    nan = math.nan
    result = synthetic({"base": [3.0, 4.0], "gone": [nan, nan], "better": [1.0, 2.0]})
    assert [r.variant for r in rank(compare(result), "wait_mean")] == ["better", "base", "gone"]


def test_a_gain_that_comes_with_customers_lost_is_flagged():
    # Satisfaction up on every day for both; "sheds" also turns more customers away on every
    # day, "keeps" loses the same share as the base, "noisy" more only on average.
    days = {"base": (70.0, 0.02, 0.01), "sheds": (75.0, 0.01, 0.05),
            "keeps": (74.0, 0.02, 0.01), "noisy": (76.0, 0.02, 0.01)}
    wobble = [0.0, 0.001, -0.001, 0.002]
    noise = [0.04, -0.03, 0.05, -0.04]
    metrics = {v: [{**dict.fromkeys(METRICS, 0.0), "satisfaction_mean": s + k,
                    "abandoned_share": a + w, "balked_share": b + w
                    + (n if v == "noisy" else 0.0)}
                   for k, (w, n) in enumerate(zip(wobble, noise, strict=True))]
               for v, (s, a, b) in days.items()}
    comparison = compare(ExperimentResult(scenario="synthetic", seed=0, replications=4,
                                          metrics=metrics, reused=0, seconds=0.0))
    flagged = turned_away(comparison, "satisfaction_mean")
    assert list(flagged) == ["sheds"]
    assert flagged["sheds"].mean == pytest.approx(3.0)        # (0.01 + 0.05) - (0.02 + 0.01)
    text = " ".join(turned_away_text(comparison, "satisfaction_mean", width=100).split())
    assert "sheds +3.00" in text and "keeps" not in text and "noisy" not in text
    order = compare_document(comparison, "satisfaction_mean", [])["ranking"]["order"]
    shown = {r["variant"]: r["more_leave_unserved_per_100"] for r in order}
    assert shown["sheds"]["mean"] == pytest.approx(3.0)
    assert shown["keeps"] is shown["noisy"] is shown["base"] is None
    # Ranked by a measure on which "sheds" is worse: no flag. Ranked by abandonment, which it
    # lowers by turning customers away at the door: flagged.
    assert turned_away(comparison, "wait_mean") == {}
    assert turned_away(comparison, "balked_share") == {}
    assert list(turned_away(comparison, "abandoned_share")) == ["sheds"]


# ---------------------------------------------------------------- costs

COSTED = """
    name: Costed
    replications: 4
    open: "09:00"
    close: "13:00"
    cost_per_day: 0                  # written: the base has cost data
    customers:
      a: {arrivals: {process: poisson, rate_per_hour: 50}}
    stations:
      s:
        servers: 2                   # 09-10: 2, 10-12: 3, 12-13: 1 = 9 server-hours
        schedule: {"10:00": 3, "12:00": 1}
        service: {dist: exponential, mean: 2}
        cost_per_server_hour: 20
    interventions:
      occupied_waiting: {share: 0.5, cost_per_day: 10, cost_per_hour: 5}
    variants:
      more: {stations: {s: {schedule: {"10:00": 4}}}}     # 11 server-hours
      training: {cost_per_day: 7}
      no_tv: {interventions: {occupied_waiting: null}}
"""


def test_daily_cost_by_hand(write_yaml):
    loaded = load_scenario(write_yaml(COSTED))
    cost = {v: daily_cost(loaded.scenarios[v], loaded.plans[v]) for v in loaded.plans}
    # servers 9 h x 20 = 180; occupied_waiting 10 + 5 x 4 h = 30
    assert cost["base"] == DailyCost(servers=180.0, interventions=30.0, other=0.0, hours=4.0)
    assert cost["base"].total == 210.0
    assert cost["more"].total == 11 * 20 + 30
    assert cost["training"].total == 217.0
    assert cost["no_tv"].total == 180.0


def test_server_hours_count_only_the_opening_window(plan_of):
    plan = plan_of("""
        name: x
        open: 60
        close: 180
        customers: {a: {arrivals: {process: poisson, rate_per_hour: 5}}}
        stations: {s: {servers: 4, schedule: {30: 1, 120: 2}, service: {dist: exponential,
                                                                          mean: 1}}}
    """)
    # on duty: 4 from 0, 1 from 30, 2 from 120; open 60-180 -> 1 x 60 + 2 x 60 minutes
    assert server_hours(plan.stations[0], plan.open, plan.arrivals_end) == pytest.approx(3.0)


def test_cost_effects_of_a_real_run(write_yaml):
    loaded = load_scenario(write_yaml(COSTED))
    comparison = compare(run_experiment(loaded, seed=3))
    effects = {e.variant: e for e in cost_effects(loaded, comparison)}
    assert effects["base"].extra_cost_per_day == 0.0
    assert effects["base"].satisfaction_gain is None
    assert effects["more"].extra_cost_per_day == 40.0
    assert effects["no_tv"].extra_cost_per_day == -30.0
    more = effects["more"]
    gain = comparison.metrics["more"]["satisfaction_mean"].paired.difference
    assert more.satisfaction_gain == gain and gain.mean > 0  # a fourth server from 10:00
    assert more.cost_per_satisfaction_point == pytest.approx(40.0 / gain.mean)
    felt = comparison.metrics["more"]["perceived_wait_mean"].paired.difference
    served = comparison.metrics["more"]["served"].interval.mean
    assert more.perceived_wait_saved.mean == pytest.approx(-felt.mean)
    assert more.perceived_wait_saved_per_day == pytest.approx(-felt.mean * served)
    assert more.cost_per_felt_minute_saved == pytest.approx(40.0 / (-felt.mean * served))


TURNED_AWAY = """
    name: Turned away
    replications: 5
    horizon: 240
    cost_per_unserved_customer: 12
    customers:
      walk_in: {arrivals: {process: poisson, rate_per_hour: 40}, expected_wait: 5,
                patience: {dist: gamma, mean: 15, sd: 3}}
    stations: {teller: {servers: 3, service: {dist: lognormal, mean: 4, sd: 2.5}}}
    variants: {doubled: {interventions: {wait_time_info: {every_minutes: 5, bias: 1.0}}}}
"""


def test_customers_who_leave_unserved_are_priced(write_yaml):
    # Each customer who balks or gives up costs 12: the display that turns customers away
    # pays for each of them, at its own mean number a day, with a paired interval.
    loaded = load_scenario(write_yaml(TURNED_AWAY))
    comparison = compare(run_experiment(loaded, seed=2))
    effects = {e.variant: e for e in cost_effects(loaded, comparison)}
    lost = {}
    for variant, e in effects.items():
        days = comparison.result.metrics[variant]
        lost[variant] = [d["arrivals"] * (d["abandoned_share"] + d["balked_share"]) for d in days]
        assert np.mean(lost[variant]) > 0
        assert e.daily is not None
        assert e.daily.unserved == pytest.approx(12 * np.mean(lost[variant]))
        assert e.cost_per_day == pytest.approx(e.daily.unserved)   # nothing else is priced
    doubled = effects["doubled"]
    assert doubled.extra_cost_per_day == pytest.approx(
        doubled.daily.unserved - effects["base"].daily.unserved)
    by_day = stats.ttest_rel(12 * np.array(lost["doubled"]), 12 * np.array(lost["base"]))
    low, high = by_day.confidence_interval(0.95)
    assert (doubled.extra_cost_interval.ci_low, doubled.extra_cost_interval.ci_high) == \
        pytest.approx((low, high))
    assert effects["base"].extra_cost_interval is None
    text = " ".join(costs_text(list(effects.values()), width=100).split())
    assert "Unserved cost/day = cost_per_unserved_customer x the customers" in text
    unpriced = load_scenario(write_yaml(TURNED_AWAY.replace("cost_per_unserved_customer: 12",
                                                            "cost_per_day: 0")))
    assert "nserved" not in costs_text(cost_effects(unpriced, comparison), width=100)


def test_lost_visits_are_counted_over_the_opening_hours_and_priced_alike(write_yaml, tmp_path):
    # The summaries count customers after the warm-up; the cost counts the whole window.
    warm = load_scenario(write_yaml(TURNED_AWAY.replace("horizon: 240",
                                                        "horizon: 240\n    warmup: 120")))
    comparison = compare(run_experiment(warm, seed=2))
    e = cost_effects(warm, comparison)[0]
    days = [d["arrivals"] * (d["abandoned_share"] + d["balked_share"])
            for d in comparison.result.metrics["base"]]
    assert e.daily.unserved == pytest.approx(12 * 2 * np.mean(days))
    # What a lost visit costs is the business's, not an option's: a variant cannot set it.
    patched = TURNED_AWAY.replace("bias: 1.0}}}}", "bias: 1.0}}, cost_per_unserved_customer: 1}}")
    with pytest.raises(ScenarioError, match="a variant cannot set 'cost_per_unserved_customer'"):
        load_scenario(write_yaml(patched))


def test_cost_ratios_are_undefined_without_a_gain_or_a_price():
    gain, saved = Interval(2.0, 1.0, 3.0, 10), Interval(1.5, 1.0, 2.0, 10)
    daily = DailyCost(100.0, 0.0, 0.0, 8.0)
    e = CostEffect("v", daily, 30.0, gain, saved, served=100.0)
    assert (e.cost_per_satisfaction_point, e.perceived_wait_saved_per_day,
            e.cost_per_felt_minute_saved) == pytest.approx((15.0, 150.0, 0.2))
    loss = Interval(-2.0, -3.0, -1.0, 10)
    assert CostEffect("v", daily, 30.0, loss, loss, 100.0).cost_per_satisfaction_point is None
    assert CostEffect("v", daily, 30.0, loss, loss, 100.0).cost_per_felt_minute_saved is None
    cheaper = CostEffect("v", daily, -30.0, gain, saved, 100.0)  # cheaper and better
    assert cheaper.cost_per_satisfaction_point is None and cheaper.cheaper_and_better
    assert not e.cheaper_and_better
    unpriced = CostEffect("v", None, None, gain, saved, 100.0)
    assert (unpriced.cost_per_day, unpriced.cost_per_satisfaction_point) == (None, None)


def test_variants_without_cost_data_still_compare(write_yaml):
    loaded = load_scenario(write_yaml(SCENARIO.replace(
        "      two:", "      tv: {interventions: {occupied_waiting: {share: 0.5, "
        "cost_per_day: 25}}}\n      two:")))
    comparison = compare(run_experiment(loaded, replications=3, seed=1))
    effects = {e.variant: e for e in cost_effects(loaded, comparison)}
    assert effects["tv"].cost_per_day == 25.0
    assert effects["tv"].extra_cost_per_day == 25.0  # the unpriced base counts 0
    for name in ("base", "faster", "two"):  # nothing priced: no made-up cost
        assert effects[name].cost_per_day is None
        assert effects[name].extra_cost_per_day is None
        assert effects[name].cost_per_satisfaction_point is None
    assert effects["two"].satisfaction_gain is not None


# ---------------------------------------------------------------- command line


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_compare_json_document_and_files(scenario_file, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["compare", str(scenario_file), "--json", "--out", str(out), "--seed", "11",
                 "--replications", "4", "--workers", "1", "--records", "summary"])
    document = json.loads(capsys.readouterr().out)
    assert code == 0
    assert set(document) == {"scenario", "seed", "replications", "variants", "paired",
                             "ranking", "costs"}
    assert list(document["variants"]) == ["base", "faster", "same", "two"]
    assert set(document["variants"]["base"]) == {"metrics", "classes", "stations"}
    for name in ("faster", "same", "two"):
        variant = document["variants"][name]
        assert set(variant) == {"metrics", "classes", "stations", "vs_base"}
        assert set(variant["vs_base"]) == {*METRICS, "classes", "stations"}
        assert set(variant["vs_base"]["classes"]) == set(variant["classes"])
        for by_metric in variant["vs_base"]["classes"].values():
            assert set(by_metric) == set(variant["classes"][next(iter(variant["classes"]))]
                                         ["metrics"])
        for m in METRICS:
            assert set(variant["vs_base"][m]) == {"mean", "ci_low", "ci_high"}
    assert document["variants"]["same"]["vs_base"]["wait_mean"] == \
        {"mean": 0.0, "ci_low": 0.0, "ci_high": 0.0}
    assert document["paired"]["variants"]["same"]["wait_mean"]["distinguishable"] is False
    assert document["ranking"]["metric"] == "satisfaction_mean"
    assert [r["place"] for r in document["ranking"]["order"]] == [1, 2, 3, 4]
    assert document["costs"]["two"]["cost_per_day"] is None  # no cost keys: null, not 0

    with (out / "comparison.csv").open(encoding="utf-8") as handle:
        assert handle.readline().strip().split(",") == COMPARISON_COLUMNS
    rows = read_csv(out / "comparison.csv")
    assert len(rows) == 4 * len(METRICS)
    base = next(r for r in rows if r["variant"] == "base" and r["metric"] == "wait_mean")
    assert [base[c] for c in ("diff_mean", "diff_ci_low", "diff_ci_high",
                              "variance_reduction", "distinguishable")] == [""] * 5
    assert base["n"] == "4"
    two = next(r for r in rows if r["variant"] == "two" and r["metric"] == "wait_mean")
    assert float(two["diff_mean"]) == pytest.approx(
        document["variants"]["two"]["vs_base"]["wait_mean"]["mean"])
    with (out / "costs.csv").open(encoding="utf-8") as handle:
        assert handle.readline().strip().split(",") == COST_COLUMNS
    costs = read_csv(out / "costs.csv")
    assert [r["variant"] for r in costs] == ["base", "faster", "same", "two"]
    assert costs[3]["cost_per_day"] == "" and float(costs[3]["satisfaction_gain"]) > 0


def test_compare_prints_the_tables_and_always_runs_the_base(scenario_file, tmp_path, capsys):
    code = main(["compare", str(scenario_file), "--variant", "two", "--out",
                 str(tmp_path / "o"), "--replications", "3", "--rank-by", "wait_mean"])
    text = capsys.readouterr().out
    assert code == 0
    assert "paired t over replications, common random numbers" in text
    assert "Ranking by wait_mean (lower is better)" in text
    assert "Costs per day" in text and "No cost keys in this scenario" in text
    header = next(line for line in text.splitlines() if line.startswith("metric "))
    assert header.split() == ["metric", "base", "two"]


def fake_run(sd: float):
    """``run(n)``: a base at 0 and a variant at 1 + normal noise of ``sd``, the same values
    for the same replication index (as resumed replications are)."""
    calls: list[int] = []

    def run(n: int) -> ExperimentResult:
        calls.append(n)
        noise = [np.random.default_rng([r, 7]).normal(0, sd) for r in range(n)]
        return synthetic({"base": [0.0] * n, "v": [1.0 + e for e in noise]},
                         "satisfaction_mean")

    return run, calls


def test_auto_replications_stop_at_the_precision():
    run, calls = fake_run(sd=2.0)
    auto = run_until_precise(run, start=10, precision=0.5, cap=500, metric="satisfaction_mean")
    assert auto.reached and not auto.capped
    assert calls == list(auto.rounds) and calls[0] == 10 and calls == sorted(calls)
    assert len(calls) >= 2 and auto.widest[0] == "v" and auto.widest[1] <= 0.5
    # about (t x sd / precision)^2 = (2 x 2 / 0.5)^2 = 64 replications
    assert 40 <= auto.rounds[-1] <= 130
    before = run_until_precise(run, calls[-2], 1e9, calls[-2], "satisfaction_mean")
    assert before.widest[1] > 0.5  # the round before had not reached it


def test_replications_needed_lets_the_t_quantile_shrink():
    half = stats.t.ppf(0.975, 9) * 2.0 / math.sqrt(10)  # sd 2 over 10 replications
    needed = replications_needed(10, half, 0.5, cap=1000)
    assert stats.t.ppf(0.975, needed - 1) * 2.0 / math.sqrt(needed) <= 0.5
    assert stats.t.ppf(0.975, needed - 2) * 2.0 / math.sqrt(needed - 1) > 0.5
    assert needed < 10 * (half / 0.5) ** 2  # the naive rule asks for more
    assert replications_needed(10, half, 0.5, cap=30) == 30
    assert replications_needed(10, half, 100.0, cap=30) == 11  # always at least one more


def test_with_the_base_alone_the_target_is_its_own_half_width():
    result = synthetic({"base": [1.0, 2.0, 4.0]}, "satisfaction_mean")
    own = compare(result).metrics["base"]["satisfaction_mean"].interval
    assert half_widths(compare(result), "satisfaction_mean") == \
        {"base": pytest.approx((own.ci_high - own.ci_low) / 2)}


def test_auto_replications_stop_at_the_cap():
    run, calls = fake_run(sd=2.0)
    auto = run_until_precise(run, start=10, precision=0.01, cap=25, metric="satisfaction_mean")
    assert auto.capped and not auto.reached
    assert calls[-1] == 25 and max(calls) == 25


def test_auto_replications_on_the_command_line(scenario_file, tmp_path, capsys):
    out = str(tmp_path / "o")
    args = ["compare", str(scenario_file), "--out", out, "--replications", "auto",
            "--records", "summary", "--variant", "faster"]
    assert main([*args, "--precision", "50"]) == 0
    text = capsys.readouterr().out
    assert "Replications auto: 10 per variant; target reached" in text  # file: 3, at least 10
    assert main([*args, "--precision", "0.0001", "--max-replications", "12", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    auto = document["replications_auto"]
    assert auto["capped"] is True and auto["reached"] is False
    assert auto["rounds"][-1] == 12 and document["replications"] == 12
    assert auto["widest"]["variant"] == "faster" and auto["widest"]["half_width"] > 0.0001
    assert main([*args, "--precision", "0.0001", "--max-replications", "12"]) == 0
    assert "CAP HIT at --max-replications 12" in capsys.readouterr().out


@pytest.mark.parametrize("option", [
    ["--replications", "0"], ["--replications", "many"], ["--replications", "auto"],
    ["--precision", "0.5"], ["--replications", "auto", "--precision", "0"],
    ["--replications", "auto", "--precision", "-1"],
    ["--replications", "auto", "--precision", "nan"],
    ["--replications", "auto", "--precision", "1", "--max-replications", "1"],
    ["--rank-by", "utilisation"], ["--rank-by", "happiness"], ["--variant", "tow"],
    ["--workers", "0"], ["--records", "all"],
])
def test_bad_options_exit_2(scenario_file, tmp_path, option, capsys):
    assert main(["compare", str(scenario_file), "--out", str(tmp_path), *option]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.strip()


@pytest.mark.parametrize(("replace", "by", "line", "message"), [
    ("servers: 1, service", "servers: 1, cost_per_server_hour: -5, service", 10,
     "stations.s.cost_per_server_hour: must be >= 0"),
    ("servers: 1, service", "servers: 1, cost_per_server_hours: 5, service", 10,
     "stations.s.cost_per_server_hours: unknown key 'cost_per_server_hours'; did you mean "
     "'cost_per_server_hour'?"),
    ("replications: 3", "replications: 3\ncost_per_day: lots", 4,
     "cost_per_day: must be a number (got 'lots')"),
    ("two: {stations: {s: {servers: 2}}}", "two: {cost_per_day: -1}", 14,
     "variants.two -> cost_per_day: must be >= 0"),
    ("same: {description: nothing that changes the day}",
     "same: {interventions: {occupied_waiting: {share: 0.5, cost_per_hour: -2}}}", 13,
     "variants.same -> interventions.occupied_waiting.cost_per_hour: must be >= 0"),
])
def test_bad_cost_keys_exit_2_with_file_line_and_field(write_yaml, tmp_path, capsys, replace,
                                                       by, line, message):
    text = textwrap.dedent(SCENARIO)
    assert replace in text
    path = write_yaml(text.replace(replace, by))
    assert main(["compare", str(path), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert f"{path}:{line}: {message}" in err, err
    assert "Traceback" not in err


def test_compare_with_the_base_alone(scenario_file, tmp_path, capsys):
    assert main(["compare", str(scenario_file), "--variant", "base", "--out",
                 str(tmp_path / "o"), "--replications", "3", "--records", "summary"]) == 0
    text = capsys.readouterr().out
    table = text.split("Ranking by")[0]
    assert "wait_mean (min)" in table and "  vs base" not in table
    assert "1      base" in text


def test_a_new_run_removes_a_comparison_it_would_make_stale(scenario_file, tmp_path, capsys):
    out = tmp_path / "o"
    common = [str(scenario_file), "--out", str(out), "--replications", "2",
              "--records", "summary"]
    assert main(["compare", *common]) == 0
    assert (out / "comparison.csv").exists() and (out / "costs.csv").exists()
    assert main(["run", *common, "--seed", "99", "--replace"]) == 0
    assert not (out / "comparison.csv").exists() and not (out / "costs.csv").exists()


def test_a_ratio_over_an_unsure_gain_is_marked():
    daily = DailyCost(100.0, 0.0, 0.0, 8.0)
    sure, unsure = Interval(2.0, 1.0, 3.0, 10), Interval(0.5, -0.2, 1.2, 10)
    text = costs_text([CostEffect("sure", daily, 30.0, sure, sure, 100.0),
                       CostEffect("unsure", daily, 30.0, unsure, unsure, 100.0)],
                      width=200)  # wide: one line per variant
    rows = {line.split()[0]: line for line in text.splitlines() if line.split()}
    assert "15.00" in rows["sure"] and "n.d." not in rows["sure"]
    assert rows["unsure"].count("60.00 n.d.") == 1  # 30 / 0.5 points
    assert rows["unsure"].count("0.60 n.d.") == 1   # 30 / (0.5 min x 100 served)
