"""What people read: tables that fit the console, variants' labels, ``--metric`` rows."""

from __future__ import annotations

import io
import json
import re
import time
from pathlib import Path

import pytest

import simulator
from simulator.cli import main
from simulator.errors import ScenarioError
from simulator.metrics import display_name
from simulator.report.text import grid

ROOT = Path(__file__).resolve().parent.parent
LABELLED = """
    name: Labels
    replications: 2
    close: 60
    customers:
      a: {arrivals: {process: poisson, rate_per_hour: 40}}
    stations:
      s: {servers: 1, service: {dist: exponential, mean: 1}}
    variants:
      second_server:
        label: "Second teller"
        stations: {s: {servers: 2}}
      faster: {stations: {s: {service: {mean: 0.8}}}}
"""


def test_display_name_is_the_label_else_the_name_with_spaces():
    assert display_name("extra_teller", {"extra_teller": "Second teller"}) == "Second teller"
    assert display_name("extra_teller") == "extra teller"
    assert display_name("base", {"other": "x"}) == "base"


def test_labels_are_read_kept_out_of_the_patch_and_saved(write_yaml, tmp_path, capsys):
    path = write_yaml(LABELLED)
    loaded = simulator.load_scenario(path)
    assert loaded.labels == {"second_server": "Second teller"}
    assert "label" not in loaded.data["second_server"]
    # a label alone changes nothing that runs: the plan equals the base's
    unlabelled = simulator.load_scenario(write_yaml(
        LABELLED.replace('label: "Second teller"', ""), "plain.yaml"))
    assert unlabelled.digest == loaded.digest
    out = tmp_path / "out"
    assert main(["run", str(path), "--out", str(out), "--workers", "1"]) == 0
    text = capsys.readouterr().out
    headers = " ".join(line for line in text.splitlines() if line.startswith("metric "))
    assert "Second teller" in headers and "faster" in headers and "second" not in headers
    results = simulator.load_results(out)
    assert results.labels == {"second_server": "Second teller"}
    assert results.display_name("second_server") == "Second teller"
    assert results.display_name("faster") == "faster"
    assert results.experiment().labels == results.labels
    assert main(["run", str(path), "--out", str(out), "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["variants"]["second_server"]["label"] == "Second teller"
    assert "label" not in document["variants"]["faster"]


@pytest.mark.parametrize(("label", "says"), [
    ('"' + "x" * 61 + '"', "at most 60 characters"),
    ('"two\\nlines"', "printable"),
    ("12", "must be text"),
    ('" "', "must not be empty"),
])
def test_a_bad_label_is_refused_at_its_line(write_yaml, label, says):
    path = write_yaml(LABELLED.replace('"Second teller"', label))
    with pytest.raises(ScenarioError) as caught:
        simulator.load_scenario(path)
    line = 11  # the label's line in the file (after dedent, counting the leading newline)
    assert f"{path}:{line}: variants.second_server.label: " in str(caught.value)
    assert says in str(caught.value)


def test_every_bundled_variant_has_a_label():
    for path in sorted((ROOT / "scenarios").glob("*.yaml")):
        loaded = simulator.load_scenario(path)
        assert set(loaded.labels) == set(loaded.variant_names) - {"base"}, path


def test_grid_cuts_wide_tables_into_blocks_repeating_the_key_column():
    header = ["metric", *(f"variant number {k}" for k in range(6))]
    rows = [["wait_mean (min)", *(f"{k}.00 [1.00, 2.00]" for k in range(6))]]
    lines = grid(header, rows, width=60)
    assert max(map(len, lines)) <= 60
    assert sum(line.startswith("wait_mean") for line in lines) == 3  # 6 columns, 2 a block
    assert all(f"{k}.00 [1.00, 2.00]" in "\n".join(lines) for k in range(6))
    assert grid(header, rows, width=500)[0].split("  ")[0] == "metric"
    assert len(grid(header, rows, width=500)) == 3  # fits: one block, unchanged


@pytest.fixture(scope="module")
def widest() -> dict[str, simulator.ComparisonResult]:
    """The bundled scenarios with the most variants and the longest names and labels,
    compared over 2 replications without writing files."""
    return {name: simulator.compare(ROOT / "scenarios" / f"{name}.yaml", replications=2,
                                    workers=1)
            for name in ("bank_branch", "outpatient_clinic")}


def test_run_and_compare_text_fit_100_columns(widest):
    for result in widest.values():
        for text in (result.text(width=100), simulator.RunResult.text(result, width=100)):
            lines = text.splitlines()
            assert max(map(len, lines)) <= 100, max(lines, key=len)
            for variant in result.experiment.metrics:  # every variant is shown
                assert result.display_name(variant).split()[0] in text


def test_the_metric_option_chooses_the_rows(widest):
    text = widest["bank_branch"].text(["satisfaction_mean", "wait_mean"], width=100)
    table = text[:text.index("Ranking by")]
    rows = [line.split()[0] for line in table.splitlines() if line[:1].isalpha()]
    assert {"satisfaction_mean", "wait_mean"} <= set(rows)
    assert "perceived_wait_mean" not in table and "abandoned_share" not in table
    with pytest.raises(simulator.InputError, match=r"no such metric.*did you mean 'wait_mean'"):
        widest["bank_branch"].text(["wait_man"])


def test_the_command_line_fits_100_columns(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    scenario = ROOT / "scenarios" / "outpatient_clinic.yaml"
    assert main(["compare", str(scenario), "--replications", "2", "--workers", "1",
                 "--records", "none", "--out", str(tmp_path / "o"),
                 "--metric", "wait_mean", "--metric", "satisfaction_mean"]) == 0
    lines = capsys.readouterr().out.splitlines()
    table = [line for line in lines if not line.startswith("Results in")]
    assert max(map(len, table)) <= 100
    assert not any(line.startswith("abandoned_share") for line in lines)
    assert main(["run", str(scenario), "--metric", "nope", "--out", str(tmp_path / "p")]) == 2
    assert "--metric nope: no such metric" in capsys.readouterr().err
    assert not (tmp_path / "p").exists()  # refused before running


def test_the_progress_bar_counts_whole_replications():
    from simulator.cli import _progress_bar

    shown = io.StringIO()
    with _progress_bar(shown, disable=False, delay=0) as progress:
        for done in (2.0, 3.37, 4.999999):  # found done; a third of one under way; rounding
            time.sleep(0.11)  # tqdm redraws at most every 0.1 s
            progress(done, 10)
    text = shown.getvalue()
    counts = re.findall(r"\| ([0-9.]+)/([0-9.]+) \[", text)
    assert counts and all("." not in done + total for done, total in counts), text
    assert ("3", "10") in counts and ("4", "10") in counts
    assert "34%" in text  # the bar itself moves with the fraction under way (3.37 of 10)
