"""compare --uncertainty: the draws, the statistics of a ranking under them, rescoring recorded
journeys (exactly what simulating again gives), and the command's document."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from simulator import load_scenario
from simulator.analysis.rescoring import rescore_draws
from simulator.analysis.summary import summarise
from simulator.analysis.uncertainty import (
    _rank_shares,
    latin_hypercube,
    partial_rank_correlations,
    significant_prcc,
    summarise_draws,
)
from simulator.engine.model import simulate
from simulator.errors import InputError, ScenarioError
from simulator.plan.uncertain import (
    changes_behaviour,
    drawn_ranges,
    recording_plan,
    with_parameters,
)
from simulator.runs.experiment import run_experiment
from simulator.runs.uncertainty import DrawTask, check_uncertainty, design, run_uncertainty
from simulator.spec.parameters import PerceptionParameters

ROOT = Path(__file__).resolve().parents[1]
BANK = ROOT / "scenarios" / "bank_branch.yaml"


# -- the draws and their statistics ----------------------------------------------------------

def test_a_latin_hypercube_uses_every_slice_of_every_range_once():
    draws = latin_hypercube({"a": (0.0, 1.0), "b": (10.0, 20.0)}, 50, np.random.default_rng(3))
    for name, (low, high) in (("a", (0.0, 1.0)), ("b", (10.0, 20.0))):
        slices = np.floor((draws[name] - low) / (high - low) * 50).astype(int)
        assert sorted(slices) == list(range(50))
    again = latin_hypercube({"a": (0.0, 1.0), "b": (10.0, 20.0)}, 50, np.random.default_rng(3))
    assert all(np.array_equal(draws[k], again[k]) for k in draws)


def test_rank_probabilities_sum_to_one_and_ties_share_places():
    values = np.array([[3.0, 2.0, 2.0], [1.0, 5.0, 0.0]])
    shares = _rank_shares(values)
    np.testing.assert_allclose(shares.sum(axis=2), 1.0)   # every option has some place
    np.testing.assert_allclose(shares.sum(axis=1), 1.0)   # every place has someone
    np.testing.assert_allclose(shares[0, 1], [0, 0.5, 0.5])  # tied for 2nd and 3rd


def test_p_best_gains_and_evpi_of_a_known_case():
    # Two levers, each best under half the draws, by 1 point: knowing which half we are in
    # would be worth 1 point half the time.
    values = np.array([[0.0, 2.0, 1.0], [0.0, 1.0, 2.0]] * 10)
    params = {"x": np.arange(20.0)}
    result, evpi = summarise_draws(values, ["base", "a", "b"], True, params)
    assert sum(u.p_best for u in result.values()) == pytest.approx(1.0)
    assert result["a"].p_best == pytest.approx(0.5)
    assert result["a"].p_better_than_base == 1.0 and result["base"].p_better_than_base is None
    assert result["a"].gain_median == pytest.approx(1.5)
    assert evpi == pytest.approx(0.5)
    # Lower is better (a wait): the ranking turns over.
    result, evpi = summarise_draws(values, ["base", "a", "b"], False, params)
    assert result["base"].p_best == 1.0 and evpi == 0.0


def test_partial_rank_correlations_find_the_driver_and_its_direction():
    rng = np.random.default_rng(5)
    params = latin_hypercube({"up": (0, 1), "down": (0, 1), "idle": (0, 1)}, 200, rng)
    gain = np.exp(3 * params["up"]) - 2 * params["down"] + 0.05 * rng.standard_normal(200)
    prcc = partial_rank_correlations(params, np.column_stack([gain, np.zeros(200)]))
    assert prcc["up"][0] > 0.9 and prcc["down"][0] < -0.7 and abs(prcc["idle"][0]) < 0.2
    assert np.isnan(prcc["up"][1])  # an output that never varies has no driver


def test_drivers_are_named_only_when_they_pass_the_significance_test():
    rng = np.random.default_rng(9)
    names = [f"p{k}" for k in range(35)]
    params = latin_hypercube(dict.fromkeys(names, (0.0, 1.0)), 200, rng)
    noise = rng.standard_normal(200)  # a gain no parameter moves
    driven = 3 * params["p0"] + noise
    values = np.column_stack([np.zeros(200), noise, driven])
    result, _ = summarise_draws(values, ["base", "noise", "driven"], True, params)
    assert result["noise"].drivers == ()
    assert [p for p, _ in result["driven"].drivers] == ["p0"]
    # The threshold: Bonferroni over 35 tests at 5%, t with 200 - 35 - 1 degrees of freedom.
    assert 0.24 < significant_prcc(200, 35) < 0.26 and significant_prcc(30, 35) == 1.0


# -- which parameters are drawn, and where they apply ---------------------------------------

def _bank(tmp_path: Path, top: str = "", variants: str = "", drop: tuple[str, ...] = ()
          ) -> Path:
    """The bank branch day, with ``top`` added at the top level, ``variants`` added to its
    variants (it is the file's last block) and the lines starting with ``drop`` removed."""
    lines = [line for line in BANK.read_text().splitlines()
             if not line.strip().startswith(drop)] if drop else BANK.read_text().splitlines()
    text = "\n".join(lines) + "\n" + variants
    path = tmp_path / "s.yaml"
    path.write_text(top + "\n" + text)
    return path


def _without_patience(tmp_path: Path) -> Path:
    """The bank branch day with nobody who leaves: no drawn parameter can change who is
    served, and every condition of the model occurs (booked customers, displays,
    breakdowns explained or not, company, occupied waiting, a greeter)."""
    return _bank(tmp_path, drop=("patience:", "balk:"))


def test_pinned_parameters_are_not_drawn_and_variants_keep_their_own(tmp_path):
    loaded = load_scenario(_bank(
        tmp_path, top="perception: {overestimation: 1.4}\n"
                      "uncertainty: {ranges: {satisfaction.promise_anchoring: [0.2, 0.4],\n"
                      "                       perception.occupied_factor: [0.9, 0.9]}}",
        variants="  anchored: {satisfaction: {promise_anchoring: 1.0}}\n"))
    ranges = drawn_ranges(loaded)
    assert "perception.overestimation" not in ranges           # pinned in the file
    assert "perception.occupied_factor" not in ranges          # a range of equal ends
    assert ranges["satisfaction.promise_anchoring"] == (0.2, 0.4)
    assert ranges["perception.duration_exponent"] == (0.7, 1.0)  # its plausible range
    values = {"satisfaction.promise_anchoring": 0.25, "perception.duration_exponent": 0.8}
    base = with_parameters(loaded, "base", values)
    anchored = with_parameters(loaded, "anchored", values)
    assert {cp.satisfaction.promise_anchoring for cp in base.classes} == {0.25}
    assert {cp.satisfaction.promise_anchoring for cp in anchored.classes} == {1.0}
    assert {cp.perception.duration_exponent for cp in anchored.classes} == {0.8}
    assert changes_behaviour(loaded, loaded.variant_names, ranges)  # walk-ins have patience


def test_booked_customers_keep_their_class_settings(tmp_path):
    # The appointments lever makes a class 'walk_in:booked' out of walk-ins: it keeps what
    # the walk_in class sets, under every draw.
    lines = (ROOT / "scenarios" / "outpatient_clinic.yaml").read_text().replace(
        "    anxiety: 0.6                    # unplanned: something worries them",
        "    anxiety: 0.6\n    satisfaction: {promise_anchoring: 0.9}")
    path = tmp_path / "clinic.yaml"
    path.write_text(lines)
    loaded = load_scenario(path)
    plan = with_parameters(loaded, "book_walk_ins", {"satisfaction.promise_anchoring": 0.2})
    anchoring = {cp.name: cp.satisfaction.promise_anchoring for cp in plan.classes}
    assert anchoring["walk_in"] == anchoring["walk_in:booked"] == 0.9
    assert anchoring["booked"] == 0.2


def test_a_class_can_have_a_range_of_its_own(tmp_path):
    # What a calibration per class writes: each class's own value drawn from its own range,
    # over the class's setting; booked walk-ins follow their class.
    text = (ROOT / "scenarios" / "outpatient_clinic.yaml").read_text().replace(
        "    anxiety: 0.6                    # unplanned: something worries them",
        "    anxiety: 0.6\n    perception: {overestimation: 1.5}")
    path = tmp_path / "clinic.yaml"
    path.write_text("uncertainty: {ranges: {customers.walk_in.perception.overestimation: "
                    "[1.4, 1.6]}}\n" + text)
    loaded = load_scenario(path)
    assert drawn_ranges(loaded)["customers.walk_in.perception.overestimation"] == (1.4, 1.6)
    plan = with_parameters(loaded, "book_walk_ins", {
        "customers.walk_in.perception.overestimation": 1.45,
        "perception.overestimation": 1.2})
    felt = {cp.name: cp.perception.overestimation for cp in plan.classes}
    assert felt == {"booked": 1.2, "walk_in": 1.45, "walk_in:booked": 1.45}
    path.write_text("uncertainty: {ranges: {customers.nobody.perception.overestimation: "
                    "[1.4, 1.6]}}\n" + text)
    with pytest.raises(ScenarioError, match="no customer class 'nobody'"):
        load_scenario(path)


def test_a_parameter_every_class_sets_is_not_drawn(tmp_path):
    assert "satisfaction.gain_cap" in drawn_ranges(load_scenario(BANK))
    text = BANK.read_text().replace("    expected_wait:", "    satisfaction: {gain_cap: 12}\n"
                                    "    expected_wait:")
    (tmp_path / "all.yaml").write_text(text)
    assert "satisfaction.gain_cap" not in drawn_ranges(load_scenario(tmp_path / "all.yaml"))


def test_a_pinned_perception_parameter_counts_as_changing_behaviour(tmp_path):
    # All perception parameters set at the top, one pinned by a range to another value: the
    # bank's walk-ins have patience, so the pinned value changes who leaves.
    fields = [name.partition(".")[2] for name in drawn_ranges(load_scenario(BANK))
              if name.startswith("perception.")]
    top = "perception: {" + ", ".join(f"{f}: {getattr(PerceptionParameters(), f)}"
                                      for f in fields) + "}\n"
    top += "uncertainty: {ranges: {perception.informed_patience_factor: [0.7, 0.7]}}"
    loaded = load_scenario(_bank(tmp_path, top=top))
    how = check_uncertainty(loaded, loaded.variant_names, 20, "satisfaction_mean", 30, None)
    assert how.resimulate


def test_rescoring_draws_of_progress_from_a_scenario_that_records_none(tmp_path):
    # progress_factor 1 at the top: the engine marks no progress; drawn from a range, the
    # journeys to rescore are recorded with the marks, and the draws are exact again.
    loaded = load_scenario(_bank(
        tmp_path, drop=("patience:", "balk:"),
        top="perception: {progress_factor: 1}\n"
            "uncertainty: {ranges: {perception.progress_factor: [0.5, 1.0]}}",
        variants="  position: {interventions: {wait_time_info: {mode: position, "
                 "every_minutes: 2}}}\n"))
    plan_draws = design(loaded, 10, seed=2)
    assert "perception.progress_factor" in plan_draws.ranges
    seed = loaded.base.seed
    plans = [with_parameters(loaded, "position", plan_draws.draw(d)) for d in range(10)]
    recorded = recording_plan(loaded, "position", plan_draws.ranges)
    rescored = rescore_draws(simulate(recorded, 0, seed=seed), plans, seed, 0)
    for d, plan in enumerate(plans):
        assert rescored["satisfaction_mean"][d] == summarise(simulate(plan, 0, seed=seed))[
            "satisfaction_mean"]


@pytest.mark.parametrize(("ranges", "expected"), [
    ({"perception.nonsense": [1, 2]}, "unknown parameter 'perception.nonsense'"),
    ({"satisfaction.gain_cap": [5, 1]}, "low <= high"),
    ({"satisfaction.promise_anchoring": [0, 2]}, "does not accept"),
])
def test_a_bad_range_is_refused_at_its_line(tmp_path, ranges, expected):
    with pytest.raises(ScenarioError, match=expected) as error:
        load_scenario(_bank(tmp_path, top=f"uncertainty: {{ranges: {json.dumps(ranges)}}}"))
    assert "s.yaml:" in str(error.value) and "uncertainty" in str(error.value)


def test_a_variant_cannot_set_the_uncertainty(tmp_path):
    with pytest.raises(ScenarioError, match="same draws"):
        load_scenario(_bank(tmp_path, variants="  unsure: {uncertainty: {ranges: {}}}\n"))


# -- rescoring is simulating again, to the last bit ------------------------------------------

def test_rescoring_gives_exactly_what_simulating_again_gives(tmp_path):
    loaded = load_scenario(_without_patience(tmp_path))
    ranges = drawn_ranges(loaded)
    assert not changes_behaviour(loaded, loaded.variant_names, ranges)
    plan_draws = design(loaded, 12, seed=4)
    seed = loaded.base.seed
    checked = 0
    for variant in ("base", "greeter_forms", "explained_breakdowns", "wait_display",
                    "tv_screens", "lines_per_teller"):
        plans = [with_parameters(loaded, variant, plan_draws.draw(d)) for d in range(12)]
        rescored = rescore_draws(simulate(loaded.plans[variant], 1, seed=seed), plans, seed, 1)
        for d, plan in enumerate(plans):
            again = summarise(simulate(plan, 1, seed=seed))
            for metric, value in again.items():
                assert (rescored[metric][d] == value
                        or (np.isnan(value) and np.isnan(rescored[metric][d]))), \
                    (variant, d, metric, value, rescored[metric][d])
                checked += 1
    assert checked > 1000


# -- the analysis ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def bank_comparison():
    loaded = load_scenario(BANK)
    names = ["base", "extra_teller", "wait_display"]
    return loaded, run_experiment(loaded, variants=names, replications=3).metrics


def test_same_seed_same_result_on_any_number_of_workers(bank_comparison):
    loaded, nominal = bank_comparison
    one = run_uncertainty(loaded, nominal, 12, "satisfaction_mean", loaded.base.seed)
    two = run_uncertainty(loaded, nominal, 12, "satisfaction_mean", loaded.base.seed, workers=2)
    assert one.to_json() == two.to_json()
    assert one.resimulated and one.replications_per_draw == 1
    assert sum(v.p_best for v in one.variants.values()) == pytest.approx(1.0)
    other = run_uncertainty(loaded, nominal, 12, "satisfaction_mean", loaded.base.seed + 1)
    assert other.to_json() != one.to_json()


def test_an_interrupted_analysis_resumes_without_redoing_finished_draws(bank_comparison,
                                                                        tmp_path,
                                                                        monkeypatch):
    loaded, nominal = bank_comparison
    first = run_uncertainty(loaded, nominal, 10, "wait_mean", loaded.base.seed, out=tmp_path)
    assert (tmp_path / "uncertainty.json").exists()

    def refuse(self, progress=None):
        raise AssertionError("a finished draw was simulated again")

    monkeypatch.setattr(DrawTask, "run", refuse)
    again = run_uncertainty(loaded, nominal, 10, "wait_mean", loaded.base.seed, out=tmp_path)
    assert again.to_json() == first.to_json()
    # Lower is better for a wait: the extra teller is first under every draw.
    assert first.variants["extra_teller"].p_best == 1.0


def test_too_few_draws_or_a_metric_without_direction_are_refused(bank_comparison):
    loaded, nominal = bank_comparison
    with pytest.raises(InputError, match="at least 10 draws"):
        run_uncertainty(loaded, nominal, 5, "satisfaction_mean", 1)
    with pytest.raises(InputError, match="no better direction"):
        run_uncertainty(loaded, nominal, 10, "arrivals", 1)


def test_compare_uncertainty_json_document(tmp_path):
    out = tmp_path / "results"
    command = [sys.executable, "-m", "simulator", "compare", str(BANK), "--replications", "2",
               "--variant", "extra_teller", "--variant", "tv_screens", "--uncertainty", "10",
               "--out", str(out), "--records", "summary", "--json"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)["uncertainty"]
    assert document["draws"] == 10 and document["metric"] == "satisfaction_mean"
    assert document["evpi"] >= 0
    variants = document["variants"]
    assert set(variants) == {"base", "extra_teller", "tv_screens"}
    assert sum(v["p_best"] for v in variants.values()) == pytest.approx(1.0)
    for v in variants.values():
        assert set(v["gain"]) == {"median", "low", "high"}
        assert v["gain"]["low"] <= v["gain"]["median"] <= v["gain"]["high"]
        assert len(v["rank_probabilities"]) == 3
        assert all(set(d) == {"parameter", "importance"} for d in v["drivers"])
    assert json.loads((out / "uncertainty.json").read_text())["variants"] == variants
    bad = subprocess.run([*command[:-1], "--uncertainty", "3"], capture_output=True,
                         text=True, timeout=60)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_the_figures_of_an_analysis(bank_comparison, tmp_path):
    from simulator.plots import rank_probabilities, uncertainty_drivers
    from simulator.results import Results

    out = tmp_path / "results"
    api_result = __import__("simulator").compare(
        BANK, variants=["extra_teller", "wait_display"], replications=2, uncertainty=120,
        out=out)
    results = Results.load(out)
    assert results.uncertainty is not None
    assert results.uncertainty.to_json() == api_result.uncertainty.to_json()
    fig = rank_probabilities(results)
    ax = fig.axes[0]
    assert fig.texts and "How sure" in fig.texts[0].get_text()
    assert ax.get_xlabel().startswith("probability") and ax.get_xlim() == (0, 100)
    assert [t.get_text() for t in fig.legends[0].get_texts()][:3] == ["1st", "2nd", "3rd"]
    drivers = uncertainty_drivers(results)
    shown = [a for a in drivers.axes if a.get_visible()]
    assert 1 <= len(shown) <= 2 and all(a.get_xlim() == (-1, 1) for a in shown)
    table = api_result.rank_probabilities()
    assert list(table.index) == ["base", "extra_teller", "wait_display"]
    assert table["p_best"].sum() == pytest.approx(1.0)


def test_options_are_checked_before_the_comparison_runs(tmp_path):
    import simulator

    out = tmp_path / "never"
    with pytest.raises(InputError, match="more than the comparison's 2 replications"):
        simulator.compare(BANK, variants=["extra_teller"], replications=2, uncertainty=10,
                          uncertainty_replications=3, out=out)
    with pytest.raises(InputError, match="with --uncertainty N only"):
        simulator.compare(BANK, variants=["extra_teller"], replications=2,
                          uncertainty_replications=3, out=out)
    no_patience = load_scenario(_without_patience(tmp_path))
    with pytest.raises(InputError, match="leave the option out"):
        simulator.compare(no_patience, variants=["extra_teller"], replications=2,
                          uncertainty=10, uncertainty_replications=1, out=out)
    with pytest.raises(InputError, match=r"expects about .* customers"):
        simulator.compare(_bank(tmp_path, top="limits: {customers: 100000}"),
                          variants=["extra_teller"], replications=2, uncertainty=500,
                          out=out)
    assert not out.exists()  # refused before anything ran


def test_an_analysis_goes_when_the_comparison_is_run_without_one(tmp_path):
    import simulator
    from simulator.results import Results

    out = tmp_path / "results"
    simulator.compare(BANK, variants=["extra_teller"], replications=2, uncertainty=10,
                      out=out, rank_by="wait_mean")
    assert Results.load(out).uncertainty is not None
    simulator.compare(BANK, variants=["extra_teller"], replications=2, out=out)
    assert not (out / "uncertainty.json").exists() and Results.load(out).uncertainty is None


def test_re_simulated_draws_take_the_comparisons_days_in_turn():
    from simulator.runs.uncertainty import _days

    assert [_days(d, 1, 3) for d in range(4)] == [[0], [1], [2], [0]]
    assert [_days(d, 2, 3) for d in range(3)] == [[0, 1], [2, 0], [1, 2]]


def test_an_analysis_on_a_dask_cluster_equals_one_in_this_process(bank_comparison, tmp_path):
    pytest.importorskip("distributed")
    pytest.importorskip("cryptography")
    from simulator.runs.executor import open_executor

    loaded, nominal = bank_comparison
    here = run_uncertainty(loaded, nominal, 10, "satisfaction_mean", loaded.base.seed)
    with open_executor("local", 2) as (executor, workers):
        on_dask = run_uncertainty(loaded, nominal, 10, "satisfaction_mean", loaded.base.seed,
                                  workers=workers, executor=executor, out=tmp_path)
    assert on_dask.to_json() == here.to_json()
    assert len(list((tmp_path / "uncertainty").glob("*.json"))) == 30  # 10 draws x 3 variants
