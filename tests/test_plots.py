"""Figures from a small real run: files written, titles, labels and legends, and the numbers
the figures show checked against the results files."""

from __future__ import annotations

import dataclasses
import io
import json
import shutil
import struct
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from simulator import load_scenario
from simulator.analysis.statistics import paired_difference
from simulator.analysis.summary import METRICS
from simulator.cli import main
from simulator.models.codes import Outcome
from simulator.plots import (
    FRONTIER_LABEL,
    FigureUnavailable,
    Results,
    ResultsError,
    abandonment_by_hour,
    cost_vs_satisfaction,
    efficient_frontier,
    paired_differences,
    paired_improvement,
    queue_over_day,
    satisfaction_by_variant,
    save_all,
    wait_distributions,
)
from simulator.runs.experiment import run_experiment

# Two hours, two stations, impatient customers who balk at long lines; "same" patches the
# base to what it already is, so its paired difference is exactly 0 (not distinguishable).
SCENARIO = """
    name: Tiny branch
    seed: 11
    replications: 3
    open: "09:00"
    close: "11:00"
    customers:
      walk_in:
        arrivals: {process: poisson, rate_per_hour: {"09:00": 50, "10:00": 80}}
        patience: {dist: exponential, mean: 8}
        balk: {probability: {3: 0.3, 6: 0.8}}
        route: {start: teller, teller: {adviser: 0.2, exit: 0.8}}
    stations:
      teller:
        servers: 2
        schedule: {"10:00": 3}
        service: {dist: exponential, mean: 3}
      adviser:
        servers: 1
        service: {dist: exponential, mean: 6}
    variants:
      extra: {stations: {teller: {servers: 3, schedule: {"10:00": 4}}}}
      same: {stations: {adviser: {servers: 1}}}
      tv: {interventions: {occupied_waiting: {share: 0.8}}}
"""
VARIANTS = ["base", "extra", "same", "tv"]
PNG_SIZE = (1500, 900)  # 10 x 6 inches at 150 dpi


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("plots")
    scenario = folder / "tiny.yaml"
    scenario.write_text(textwrap.dedent(SCENARIO), encoding="utf-8")
    out = folder / "run"
    run_experiment(load_scenario(scenario), out=out)
    return out


@pytest.fixture(scope="module")
def results(run_dir: Path) -> Results:
    return Results.load(run_dir)


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", header[16:24])
    return width, height


def legend_texts(fig: Figure) -> list[str]:
    legends = [*fig.legends, *(ax.get_legend() for ax in fig.axes if ax.get_legend())]
    return [t.get_text() for legend in legends for t in legend.get_texts()]


def title(fig: Figure) -> str:
    assert fig._suptitle is not None
    return fig._suptitle.get_text()


def with_costs(run_dir: Path, tmp_path: Path, text: str) -> Path:
    """A copy of the run with a hand-written costs.csv."""
    copy = tmp_path / "run"
    shutil.copytree(run_dir, copy)
    (copy / "costs.csv").write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return copy


COSTS = """
    variant,cost_per_day,extra_cost_per_day,satisfaction_gain,satisfaction_gain_ci_low,satisfaction_gain_ci_high,cost_per_satisfaction_point,perceived_wait_saved_min,cost_per_felt_minute_saved
    base,500,0,,,,,,
    extra,540,40,5.0,3.5,6.5,8,1.5,26.7
    same,510,10,-1.0,-2.0,0.0,,,
    tv,505,5,1.0,0.2,1.8,5,0.3,16.7
"""


def test_results_load_reads_the_folder_and_the_clock(results: Results) -> None:
    assert results.variants == VARIANTS
    assert results.clock_at_zero == 9 * 60
    assert results.stats_start("base") == 0.0
    assert results.customers is not None and set(results.customers["variant"]) == set(VARIANTS)
    assert results.costs is None
    assert results.clock_label(75) == "10:15"


def test_save_all_writes_every_figure_the_same_each_time(run_dir: Path, tmp_path: Path) -> None:
    skipped: list[tuple[str, str]] = []
    written = save_all(run_dir, tmp_path / "figures", formats=["svg"],
                       on_skip=lambda name, reason: skipped.append((name, reason)))
    assert [p.stem for p in written] == [
        "wait_distributions", "satisfaction", "improvement_satisfaction_mean",
        "improvement_perceived_wait_mean", "queue_over_day", "abandonment_by_hour"]
    assert sorted(p.name for p in (tmp_path / "figures").iterdir()) == \
        sorted(p.name for p in written)  # no temporary files left behind
    for path in written:
        assert path.stat().st_size > 15_000, path
        assert path.read_text(encoding="utf-8").lstrip().startswith("<?xml")
    # Without costs.csv the cost figure is skipped with a reason, not drawn from nothing;
    # without an uncertainty analysis, so are its two figures.
    assert [name for name, _ in skipped] == ["cost_vs_satisfaction", "rank_probabilities",
                                             "uncertainty_drivers"]
    assert "waitsim compare" in skipped[0][1]
    assert all("--uncertainty" in reason for _, reason in skipped[1:])
    # The same results give the same bytes (no dates, fixed SVG ids): figures diff cleanly.
    again = save_all(run_dir, tmp_path / "again", formats=["svg"], on_skip=print)
    assert [p.name for p in again] == [p.name for p in written]
    for a, b in zip(written, again, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_every_figure_has_a_title_labelled_axes_and_a_legend(results: Results) -> None:
    figures = {
        "wait": wait_distributions(results), "satisfaction": satisfaction_by_variant(results),
        "improvement": paired_improvement(results), "queue": queue_over_day(results),
        "hour": abandonment_by_hour(results),
    }
    for name, fig in figures.items():
        assert title(fig), name
        assert tuple(fig.get_size_inches()) == (10.0, 6.0), name
        visible = [ax for ax in fig.axes if ax.get_visible()]
        ylabels = [ax.get_ylabel() for ax in visible if ax.get_yticklabels()]
        if fig._supylabel is not None:  # one label for a grid of panels
            ylabels.append(fig._supylabel.get_text())
        assert any(ax.get_xlabel() for ax in visible) and any(ylabels), name
        assert legend_texts(fig), name
    assert title(figures["wait"]) == "How long customers waited, and how long it felt"
    assert legend_texts(figures["wait"]) == ["clock minutes (actual)", "felt minutes (perceived)"]
    assert [ax.get_title() for ax in figures["wait"].axes[:4]] == VARIANTS
    assert figures["wait"].axes[-1].get_xlabel() == ""  # the unused panel is hidden
    assert figures["satisfaction"].axes[0].get_xlabel() == "mean satisfaction (0-100 points)"
    assert figures["satisfaction"].axes[1].get_xlabel() == "dissatisfied (% of arrivals)"
    queue = figures["queue"]
    assert [ax.get_title() for ax in queue.axes[:2]] == ["teller", "adviser"]
    assert queue.axes[0].get_ylabel() == "people waiting"
    assert queue.axes[2].get_ylabel() == "servers on duty"
    assert queue.axes[2].get_xlabel() == "time of day"
    assert queue.axes[2].xaxis.get_major_formatter()(60.0, 0) == "10:00"
    # "same" changed nothing: its line lies under the base's, and the legend says so
    assert legend_texts(queue) == ["base", "extra", "same (= base)", "tv"]
    assert "identical results: base = same" in " ".join(t.get_text() for t in queue.texts)
    hour = figures["hour"]
    assert hour.axes[0].get_ylabel() == "% of that hour's arrivals"
    assert [t.get_text() for t in hour.axes[0].get_xticklabels()] == ["09-10", "10-11"]
    assert legend_texts(hour) == ["base", "extra", "same (= base)", "tv"]


def test_clock_ticks_fall_on_whole_hours_when_the_day_opens_at_half_past(
        results: Results) -> None:
    half_past = dataclasses.replace(results, manifest={**results.manifest,
                                                       "clock_at_zero": 9 * 60 + 30})
    axis = queue_over_day(half_past).axes[2].xaxis
    ticks = [t for t in axis.get_major_locator().tick_values(0.0, 150.0) if 0 <= t <= 150]
    assert ticks == [30.0, 90.0, 150.0]
    assert [axis.get_major_formatter()(t, 0) for t in ticks] == ["10:00", "11:00", "12:00"]


def test_forest_plot_shows_paired_differences_of_replications_csv(results: Results,
                                                                   run_dir: Path) -> None:
    table = pd.read_csv(run_dir / "replications.csv")
    for metric, scale in (("satisfaction_mean", 1.0), ("perceived_wait_mean", 1.0),
                          ("abandoned_share", 100.0)):
        fig = paired_improvement(results, metric)
        ax = fig.axes[0]
        assert [t.get_text() for t in ax.get_yticklabels()] == VARIANTS[1:]
        base = table[table["variant"] == "base"].sort_values("replication")[metric]
        for row, container in zip(VARIANTS[1:], ax.containers, strict=True):
            other = table[table["variant"] == row].sort_values("replication")[metric]
            expected = paired_difference(other.to_numpy(), base.to_numpy()).difference
            point = container.lines[0]
            assert point.get_xdata()[0] == pytest.approx(scale * expected.mean)
            if expected.ci_high > expected.ci_low:
                (low, _), (high, _) = container.lines[2][0].get_segments()[0]
                assert (low, high) == pytest.approx((scale * expected.ci_low,
                                                     scale * expected.ci_high))
        assert any(line.get_xdata()[0] == 0.0 for line in ax.lines  # the line at 0
                   if len(line.get_xdata()) == 2 and line.get_xdata()[1] == 0.0)
        unit = "percentage points" if scale == 100 else ("minutes" if "wait" in metric
                                                         else "points on 0-100")
        assert ax.get_xlabel() == f"difference from base, variant - base ({unit})"
    # "same" is the base itself: a difference of exactly 0, shown as not distinguishable.
    fig = paired_improvement(results, "satisfaction_mean")
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "+0.00 [+0.00, +0.00]\nnot distinguishable" in texts
    assert "not distinguishable (95% CI includes 0)" in legend_texts(fig)


def test_a_forest_plot_for_every_metric_names_its_unit(results: Results) -> None:
    for metric in METRICS:
        fig = paired_improvement(results, metric)
        label = fig.axes[0].get_xlabel()
        assert label.startswith("difference from base, variant - base (") and "()" not in label
    assert "(per 100 arrivals)" in paired_improvement(results, "complaints_per_100"
                                                      ).axes[0].get_xlabel()
    # Which side is better comes from simulator.analysis.comparison.BETTER.
    for metric, arrow in (("satisfaction_mean", "better →"), ("perceived_wait_mean", "← better")):
        assert arrow in [t.get_text() for t in paired_improvement(results, metric).axes[0].texts]
    assert not any("better" in t.get_text()
                   for t in paired_improvement(results, "utilisation").axes[0].texts)


def test_forest_plot_of_one_replication_says_there_is_no_interval(results: Results) -> None:
    first = results.replications[results.replications["replication"] == 0]
    fig = paired_improvement(dataclasses.replace(results, replications=first))
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert sum(t.endswith("[no interval]\nfewer than 2 replications") for t in texts) == 3
    assert legend_texts(fig) == ["no interval (fewer than 2 replications)"]
    assert "paired t over 1 replication," in " ".join(t.get_text() for t in fig.texts)


def test_forest_numbers_match_comparison_csv_of_waitsim_compare(
        run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    copy = tmp_path / "run"
    shutil.copytree(run_dir, copy)
    # compare reuses the finished replications of the same scenario, seed and count.
    assert main(["compare", str(run_dir.parent / "tiny.yaml"), "--out", str(copy),
                 "--workers", "1"]) == 0
    capsys.readouterr()
    results = Results.load(copy)
    table = pd.read_csv(copy / "comparison.csv")
    for metric in ("satisfaction_mean", "perceived_wait_mean", "abandoned_share"):
        rows = table[table["metric"] == metric].set_index("variant")
        for variant, d in paired_differences(results, metric).items():
            i = d.difference
            assert (i.mean, i.ci_low, i.ci_high) == pytest.approx(tuple(
                rows.loc[variant, ["diff_mean", "diff_ci_low", "diff_ci_high"]]))
            assert d.distinguishable == bool(rows.loc[variant, "distinguishable"])
    # This scenario prices nothing, so the cost figure says so instead of drawing zeros.
    with pytest.raises(FigureUnavailable, match="no variant has both a cost"):
        cost_vs_satisfaction(results)


def test_paired_improvement_refuses_an_unknown_metric(results: Results) -> None:
    with pytest.raises(ValueError, match="satisfaction_man"):
        paired_improvement(results, "satisfaction_man")


def test_abandonment_by_hour_plots_each_hours_pooled_shares(results: Results) -> None:
    fig = abandonment_by_hour(results)
    c = results.customers
    assert c is not None
    c = c[c["outcome"] != Outcome.CENSORED]
    for ax, outcome in zip(fig.axes, (Outcome.ABANDONED, Outcome.BALKED), strict=True):
        for line, variant in zip(ax.get_lines(), VARIANTS, strict=True):
            mine = c[c["variant"] == variant]
            hours = np.floor(mine["arrival"] / 60.0) + 9
            expected = [100 * (mine["outcome"][hours == h] == outcome).mean() for h in (9, 10)]
            assert list(line.get_xdata()) == [9.0, 10.0]
            assert list(line.get_ydata()) == pytest.approx(expected)
    # Someone did leave in this busy little branch, so the check above is not all zeros.
    assert (c["outcome"] == Outcome.ABANDONED).any() and (c["outcome"] == Outcome.BALKED).any()


def test_figures_of_customers_need_the_records(results: Results) -> None:
    summary_only = dataclasses.replace(results, customers=None)
    for build in (wait_distributions, abandonment_by_hour):
        with pytest.raises(FigureUnavailable, match="--records full"):
            build(summary_only)
    assert title(queue_over_day(summary_only))  # the time series are always there


def test_efficient_frontier_by_hand() -> None:
    costs = [0, 10, 10, 30, 50, 60]
    gains = [0, 4, 2, 3, 9, 9]
    # 10/2 loses to 10/4 (same cost, less gain); 30/3 to 10/4; 60/9 to 50/9 (same gain).
    assert efficient_frontier(costs, gains).tolist() == [True, True, False, False, True, False]


def test_cost_figure_marks_the_frontier_of_costs_csv(run_dir: Path, tmp_path: Path) -> None:
    fig = cost_vs_satisfaction(Results.load(with_costs(run_dir, tmp_path, COSTS)))
    ax = fig.axes[0]
    by_label = {c.get_label(): c.get_offsets().tolist() for c in ax.collections
                if c.get_label() and not c.get_label().startswith("_")}
    # base (0, 0), tv (5, +1) and extra (40, +5) are efficient; "same" costs 10 and loses 1.
    assert sorted(map(tuple, by_label[FRONTIER_LABEL])) == [(0, 0), (5, 1), (40, 5)]
    assert by_label["dominated (another option is cheaper and better)"] == [[10, -1]]
    assert {t.get_text() for t in ax.texts} - {""} == {"base", "extra", "same", "tv"}
    assert ax.get_xlabel().startswith("extra cost per day")
    assert ax.get_ylabel() == "satisfaction gain vs the base (points on 0-100)"
    assert title(fig) == "What each option costs and what it buys"
    fig.savefig(io.BytesIO(), format="png")  # and it renders


def test_names_of_crowded_points_stay_apart_and_inside_the_plot(run_dir: Path,
                                                                tmp_path: Path) -> None:
    crowded = (COSTS.replace("extra,540,40,5.0,3.5,6.5", "extra,600,100,10.0,9.0,11.0")
               .replace("same,510,10,-1.0,-2.0,0.0", "same,501,1,0.1,0.0,0.2")
               .replace("tv,505,5,1.0,0.2,1.8", "tv,501.5,1.5,0.2,0.1,0.3"))
    fig = cost_vs_satisfaction(Results.load(with_costs(run_dir, tmp_path, crowded)))
    fig.savefig(io.BytesIO(), format="png")
    ax = fig.axes[0]
    boxes = [t.get_window_extent() for t in ax.texts if t.get_text() in VARIANTS]
    assert len(boxes) == 4
    frame = ax.get_window_extent()
    for k, box in enumerate(boxes):
        assert frame.x0 <= box.x0 <= box.x1 <= frame.x1 and frame.y0 <= box.y0 <= box.y1 <= frame.y1
        assert not any(box.padded(-1).overlaps(other) for other in boxes[k + 1:])


def test_cost_figure_leaves_out_variants_without_cost_data(run_dir: Path,
                                                           tmp_path: Path) -> None:
    text = COSTS.replace("tv,505,5,1.0,0.2,1.8,5,0.3,16.7", "tv,,,1.0,0.2,1.8,,,")
    fig = cost_vs_satisfaction(Results.load(with_costs(run_dir, tmp_path, text)))
    texts = {t.get_text() for t in fig.axes[0].texts} - {""}  # "": leader lines
    assert texts == {"base", "extra", "same", "not shown (no cost data): tv"}


def test_waitsim_plot_writes_pngs_lists_them_and_drops_a_stale_cost_figure(
        run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "figs"
    out.mkdir()
    stale = out / "cost_vs_satisfaction.png"  # as if drawn from an earlier costs.csv
    stale.write_bytes(b"old")
    code = main(["plot", str(run_dir), "--out", str(out), "--format", "png",
                 "--metric", "wait_mean"])
    captured = capsys.readouterr()
    assert code == 0
    listed = [Path(line) for line in captured.out.splitlines()]
    assert [p.name for p in listed] == [
        "wait_distributions.png", "satisfaction.png", "improvement_wait_mean.png",
        "queue_over_day.png", "abandonment_by_hour.png"]
    assert all(p.parent == out for p in listed)
    for path in listed:
        assert path.stat().st_size > 15_000, path
        assert png_size(path) == PNG_SIZE
    assert "cost_vs_satisfaction skipped" in captured.err and "waitsim compare" in captured.err
    assert not stale.exists()


def test_a_new_run_removes_the_figures_of_the_old_results(run_dir: Path,
                                                          tmp_path: Path) -> None:
    copy = tmp_path / "run"
    shutil.copytree(run_dir, copy)
    (copy / "figures").mkdir()
    for name in ("satisfaction.png", "satisfaction.svg", "notes.txt"):
        (copy / "figures" / name).write_text("old")
    loaded = load_scenario(run_dir.parent / "tiny.yaml")
    result = run_experiment(loaded, out=copy)
    assert result.reused == len(VARIANTS) * 3  # the same results: the figures still hold
    assert len(list((copy / "figures").iterdir())) == 3
    run_experiment(loaded, out=copy, replications=4)
    assert [p.name for p in (copy / "figures").iterdir()] == ["notes.txt"]  # figures gone


def test_waitsim_plot_refuses_what_is_not_a_complete_results_folder(
        run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plot", str(tmp_path)]) == 2
    assert "not a waitsim results folder" in capsys.readouterr().err
    assert main(["plot", str(tmp_path / "nowhere")]) == 2
    assert "no such folder" in capsys.readouterr().err
    copy = tmp_path / "run"
    shutil.copytree(run_dir, copy)
    (copy / "summary.csv").unlink()
    assert main(["plot", str(copy)]) == 2
    assert "summary.csv: missing" in capsys.readouterr().err
    manifest = json.loads((copy / "manifest.json").read_text())
    (copy / "manifest.json").write_text(json.dumps({**manifest, "status": "running"}))
    assert main(["plot", str(copy)]) == 2
    assert "did not finish" in capsys.readouterr().err
    assert main(["plot", str(run_dir), "--metric", "satisfaction"]) == 2
    assert "did you mean 'satisfaction_mean'" in capsys.readouterr().err


def test_results_error_names_a_missing_column(run_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "run"
    shutil.copytree(run_dir, copy)
    table = pd.read_csv(copy / "replications.csv").drop(columns=["satisfaction_mean"])
    table.to_csv(copy / "replications.csv", index=False)
    with pytest.raises(ResultsError, match=r"replications.csv:1: missing column\(s\) "
                                           "satisfaction_mean"):
        Results.load(copy)
