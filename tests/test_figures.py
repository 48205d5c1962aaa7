"""Figures for a report: small multiples for many variants, labels that do not overlap, the
palette, whole-number ticks for counts, identical variants named, a subset of variants,
progress, folders without records, and sweep figures."""

from __future__ import annotations

import itertools
import textwrap
from pathlib import Path

import pytest
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure

from simulator import load_scenario
from simulator.cli import main
from simulator.metrics import HEADLINE
from simulator.plots import (
    FIGURES,
    Results,
    abandonment_by_hour,
    queue_over_day,
    save_all,
    wait_distributions,
)
from simulator.plots.style import PALETTE, SMALL_MULTIPLES, display_name, identical_groups
from simulator.runs.experiment import run_experiment
from simulator.runs.sweep import run_sweep
from simulator.runs.sweep_points import load_sweep

# One morning hour at a teller and an adviser; six variants (more than SMALL_MULTIPLES), two
# of which change nothing (so their results are the base's, replication by replication).
SCENARIO = """
    name: Busy branch
    seed: 5
    replications: 2
    open: "09:00"
    close: "10:30"
    customers:
      walk_in:
        arrivals: {process: poisson, rate_per_hour: 70}
        patience: {dist: exponential, mean: 10}
        route: {start: teller, teller: {adviser: 0.3, exit: 0.7}}
    stations:
      teller:
        servers: 2
        schedule: {"09:30": 3}
        service: {dist: exponential, mean: 2.5}
      adviser:
        servers: 1
        service: {dist: exponential, mean: 5}
    variants:
      extra_teller: {stations: {teller: {servers: 3, schedule: {"09:30": 4}}}}
      same_adviser: {stations: {adviser: {servers: 1}}}
      faster_service: {stations: {teller: {service: {dist: exponential, mean: 2}}}}
      tv_screens: {interventions: {occupied_waiting: {share: 0.8}}}
      second_adviser: {stations: {adviser: {servers: 2}}}
"""
VARIANTS = ["base", "extra_teller", "same_adviser", "faster_service", "tv_screens",
            "second_adviser"]

SWEEP = """
    scenario: busy.yaml
    replications: 2
    seed: 3
    grid:
      stations.teller.servers: [2, 3]
      stations.teller.service.mean: [2.0, 2.5, 3.0]
"""


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("figures")
    (base / "busy.yaml").write_text(textwrap.dedent(SCENARIO), encoding="utf-8")
    return base


@pytest.fixture(scope="module")
def run_dir(folder: Path) -> Path:
    out = folder / "run"
    run_experiment(load_scenario(folder / "busy.yaml"), out=out)
    return out


@pytest.fixture(scope="module")
def results(run_dir: Path) -> Results:
    return Results.load(run_dir)


def panels(fig: Figure) -> list:
    return [ax for ax in fig.axes if ax.get_visible()]


def texts(fig: Figure) -> str:
    return " ".join(t.get_text() for t in fig.texts)


def whole(values) -> bool:
    return all(float(v).is_integer() for v in values)


def visible_ticks(ax, axis: str = "y") -> list[float]:
    low, high = sorted(ax.get_ylim() if axis == "y" else ax.get_xlim())
    ticks = ax.get_yticks() if axis == "y" else ax.get_xticks()
    return [t for t in ticks if low - 1e-9 <= t <= high + 1e-9]


def assert_labels_apart(fig: Figure) -> None:
    """No two of the figure's titles, axis labels and legends overlap when drawn."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    artists = [a for ax in panels(fig) for a in (ax.title, ax.xaxis.label, ax.yaxis.label)
               if a.get_text()]
    artists += [a for a in (fig._suptitle, fig._supxlabel, fig._supylabel) if a is not None]
    artists += list(fig.legends)
    boxes = [a.get_window_extent(renderer) for a in artists]
    for (a, box_a), (b, box_b) in itertools.combinations(zip(artists, boxes,
                                                             strict=True), 2):
        assert not box_a.overlaps(box_b), (a, b)


def test_palette_has_enough_distinct_colours_none_too_light():
    assert len(PALETTE) >= 12 and len(set(PALETTE)) == len(PALETTE)
    assert "#F0E442" not in PALETTE  # Okabe-Ito's yellow: unreadable on white
    for colour in PALETTE:
        r, g, b = to_rgb(colour)
        assert 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.75, colour  # luminance


def test_display_name_draws_every_variant_name(results):
    assert display_name("extra_teller") == "extra teller"
    fig = wait_distributions(results)
    assert [ax.get_title() for ax in panels(fig)] == [display_name(v) for v in VARIANTS]


def test_identical_variants_are_named_in_every_figure(results):
    assert identical_groups(results) == [["base", "same_adviser"]]
    for build in (wait_distributions, queue_over_day, abandonment_by_hour):
        assert "identical results: base = same adviser" in texts(build(results))
    pair = queue_over_day(results.only(["base", "same_adviser"]))
    assert [t.get_text() for t in pair.legends[0].get_texts()] == ["base",
                                                                   "same adviser (= base)"]


def test_many_variants_get_a_panel_each_with_whole_number_ticks(results):
    assert len(VARIANTS) > SMALL_MULTIPLES
    queue = queue_over_day(results)
    assert [ax.get_title() for ax in panels(queue)] == [display_name(v) for v in VARIANTS]
    assert queue._supylabel.get_text() == "people"
    assert [ax.get_xlabel() for ax in panels(queue)][-3:] == ["time of day"] * 3
    for ax in panels(queue):
        assert whole(visible_ticks(ax)), ax.get_title()
    legend = [t.get_text() for t in queue.legends[0].get_texts()]
    assert legend == ["teller: people waiting", "adviser: people waiting",
                      "teller: servers on duty", "adviser: servers on duty",
                      "people waiting in the base"]
    hours = abandonment_by_hour(results)
    assert len(panels(hours)) == len(VARIANTS)
    assert hours._supylabel.get_text() == "% of that hour's arrivals"
    for fig in (queue, hours, wait_distributions(results)):
        assert {ax.get_subplotspec().rowspan.start for ax in panels(fig)} == {0, 1}
        assert_labels_apart(fig)


def test_few_variants_share_panels_with_whole_number_ticks_for_counts(results):
    few = results.only(["base", "extra_teller", "tv_screens"])
    assert few.variants == ["base", "extra_teller", "tv_screens"]
    queue = queue_over_day(few)
    assert len(panels(queue)) == 4  # people waiting and servers on duty, per station
    assert queue.axes[2].get_ylabel() == "servers on duty"
    for ax in panels(queue):
        assert whole(visible_ticks(ax))
    assert [t.get_text() for t in queue.legends[0].get_texts()] == \
        ["base", "extra teller", "tv screens"]
    assert_labels_apart(queue)


def test_plot_draws_a_subset_of_variants_with_progress(run_dir, tmp_path, capsys):
    calls: list[tuple[float, int]] = []
    skipped: list[str] = []
    written = save_all(run_dir, tmp_path / "few", formats=["png"],
                       variants=["tv_screens", "base"], progress=lambda d, t: calls.append((d, t)),
                       on_skip=lambda name, _: skipped.append(name))
    assert "cost_vs_satisfaction" in skipped  # a run has no costs.csv
    total = len(FIGURES) + 2  # and two improvement figures
    assert len(written) == total - len(skipped)
    assert [d for d, _ in calls] == list(range(total + 1)) and {t for _, t in calls} == {total}
    assert main(["plot", str(run_dir), "--out", str(tmp_path / "bad"), "--variant",
                 "tv_screen"]) == 2
    assert "did you mean 'tv_screens'" in capsys.readouterr().err


def test_a_folder_without_records_gets_the_figures_it_can(folder, tmp_path):
    out = tmp_path / "none"
    run_experiment(load_scenario(folder / "busy.yaml"), out=out, records="none",
                   variants=["base", "extra_teller"])
    skipped: dict[str, str] = {}
    written = save_all(out, formats=["png"], on_skip=skipped.__setitem__)
    assert {p.stem for p in written} == {"satisfaction", "improvement_satisfaction_mean",
                                         "improvement_perceived_wait_mean"}
    assert {"wait_distributions", "queue_over_day", "abandonment_by_hour",
            "cost_vs_satisfaction"} <= set(skipped)
    assert not {"satisfaction", "improvement_satisfaction_mean"} & set(skipped)
    assert "no time series" in skipped["queue_over_day"]
    assert all("\n" not in reason for reason in skipped.values())


def test_a_sweep_folder_gets_a_figure_per_parameter(folder, capsys):
    (folder / "sweep.yaml").write_text(textwrap.dedent(SWEEP), encoding="utf-8")
    out = folder / "sweep"
    run_sweep(load_sweep(folder / "sweep.yaml"), out)
    assert main(["plot", str(out), "--format", "png"]) == 0
    names = sorted(Path(line).name for line in capsys.readouterr().out.split())
    assert names == ["sweep_stations.teller.servers.png",
                     "sweep_stations.teller.service.mean.png"]
    from simulator.plots.sweep import sweep_figure
    from simulator.results import SweepSummary

    sweep = SweepSummary.load(out)
    fig = sweep_figure(sweep, "stations.teller.servers")
    shown = panels(fig)
    assert len(shown) == len(HEADLINE)
    assert [ax.get_title() for ax in shown] == ["mean clock wait (min)", "mean felt wait (min)",
                                                "mean satisfaction (0-100)",
                                                "share who abandoned (%)"]
    assert shown[-1].get_xlabel() == "teller servers"
    assert whole(visible_ticks(shown[0], "x"))
    legend = fig.legends[0]
    assert legend.get_title().get_text() == "teller service mean"
    assert [t.get_text() for t in legend.get_texts()] == ["2", "2.5", "3"]
    # every point's mean and interval, as summary.csv has them
    bars = shown[0].containers
    assert len(bars) == 3  # a line per teller service mean
    rows = sweep.summary[(sweep.summary["metric"] == "wait_mean")
                         & (sweep.summary["stations.teller.service.mean"] == 2.0)]
    line = bars[0].lines[0]
    assert list(line.get_ydata()) == list(rows.sort_values("stations.teller.servers")["mean"])
    assert [round(x) for x in line.get_xdata()] == [2, 3]  # dodged sideways a little
    assert_labels_apart(fig)
    one = sweep_figure(sweep, "stations.teller.service.mean", metrics=["utilisation"])
    assert len(panels(one)) == 1 and panels(one)[0].get_title() == "utilisation (%)"
