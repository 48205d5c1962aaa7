"""The results store: task keys, the folder rules, the lock, records under their key, and a
rerun that has nothing to write."""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path

import pytest

from simulator import load_scenario
from simulator.cli import main
from simulator.plan.digest import canonical, canonical_text, digest_of, plan_digest
from simulator.runs import experiment, files, store
from simulator.runs.files import parquet_key
from simulator.runs.store import LOCK, task_key

SCENARIO = """
    name: Store branch
    seed: 1
    replications: 3
    close: 60
    customers:
      a: {arrivals: {process: poisson, rate_per_hour: 50}, expected_wait: 5}
    stations:
      s: {servers: 1, service: {dist: exponential, mean: 1}}
    variants:
      two: {stations: {s: {servers: 2}}}
"""
SWEEP = """
    scenario: scenario.yaml
    replications: 2
    grid:
      stations.s.servers: [1, 2]
"""


@pytest.fixture
def scenario(write_yaml) -> Path:
    return write_yaml(SCENARIO)


def run(scenario: Path, out: Path, *options: str, command: str = "run") -> int:
    return main([command, str(scenario), "--out", str(out), "--workers", "1", *options])


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (links as their target's text), by relative path."""
    return {str(p.relative_to(folder)): (os.readlink(p).encode() if p.is_symlink()
                                         else p.read_bytes())
            for p in sorted(folder.rglob("*")) if p.is_symlink() or p.is_file()}


# -- task keys ---------------------------------------------------------------------------


def test_the_canonical_form_is_fixed_and_ignores_insertion_order():
    value = {"b": [1, 2.5, "x", None, True], "a": {"z": 0.1, "y": (3,)}}
    assert digest_of(value) == digest_of({"a": {"y": [3], "z": 0.1}, "b": [1, 2.5, "x", None,
                                                                          True]})
    # The serialisation itself is pinned: a change to it voids every resumable folder.
    assert canonical_text(value) == '{"a":{"y":[3],"z":0.1},"b":[1,2.5,"x",null,true]}'
    assert digest_of(value) == \
        "5ddfa4ed793a5fbb03359a61fff15b62cb9d8d0de9ea8ca1e25730a6f7126aff"


def test_a_plan_digest_is_stable_and_changes_with_any_field(scenario, write_yaml):
    first, again = load_scenario(scenario), load_scenario(scenario)
    base = first.plans["base"]
    assert plan_digest(base) == plan_digest(again.plans["base"])
    assert plan_digest(base) != plan_digest(first.plans["two"])
    changed = load_scenario(write_yaml(SCENARIO.replace("mean: 1}", "mean: 1.0000001}"),
                                       "b.yaml"))
    assert plan_digest(changed.plans["base"]) != plan_digest(base)
    assert "object at 0x" not in json.dumps(canonical(base))  # no repr anywhere
    # Seed and replication count are not the plan's: a task's key adds them.
    key = task_key(plan_digest(base), 1, 0)
    assert len({key, task_key(plan_digest(base), 2, 0), task_key(plan_digest(base), 1, 1)}) == 3


# -- folder rules ------------------------------------------------------------------------


def test_an_existing_file_as_out_is_refused(scenario, tmp_path, capsys):
    out = tmp_path / "out.txt"
    out.write_text("mine")
    assert run(scenario, out) == 2
    assert "is a file" in capsys.readouterr().err and out.read_text() == "mine"


def test_a_folder_of_other_files_is_refused_and_left_alone(scenario, tmp_path, capsys):
    out = tmp_path / "mine"
    for name in ("notes.txt", "summary.csv", "replications.csv", "comparison.csv",
                 "customers/a.parquet", "customers/base-r00000.parquet", "tasks/x/r00000.json",
                 "timeseries/t.parquet", "figures/f.png", "data/d.csv", "visits/v", "z"):
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text(name)
    before = snapshot(out)
    for options in ((), ("--replace",)):
        assert run(scenario, out, *options) == 2
        assert "not a waitsim results folder" in capsys.readouterr().err
        assert snapshot(out) == before and not (out / LOCK).exists()


def test_a_smaller_run_would_remove_results_and_needs_replace(scenario, tmp_path, capsys):
    out = tmp_path / "out"
    assert run(scenario, out, "--replications", "4") == 0
    before = snapshot(out)
    assert run(scenario, out, "--variant", "base", "--replications", "2") == 2
    err = capsys.readouterr().err
    assert "would remove 6 finished replication(s) of variant(s) base, two (seed 1;" in err
    assert "--replace" in err and snapshot(out) == before
    assert run(scenario, out, "--variant", "base", "--replications", "2", "--replace") == 0
    assert sorted(p.name for p in (out / "customers").iterdir()) == \
        ["base-r00000.parquet", "base-r00001.parquet"]


def test_another_seed_or_scenario_needs_replace(scenario, tmp_path, capsys):
    out = tmp_path / "out"
    assert run(scenario, out) == 0
    assert run(scenario, out, "--seed", "2") == 2
    assert "seed 1, now 2" in capsys.readouterr().err
    scenario.write_text(scenario.read_text().replace("mean: 1}", "mean: 1.5}"))
    assert run(scenario, out) == 2
    assert "the scenario changed" in capsys.readouterr().err


def test_the_same_command_or_more_replications_resume_silently(scenario, tmp_path, capsys):
    out = tmp_path / "out"
    assert run(scenario, out) == 0
    capsys.readouterr()
    assert run(scenario, out) == 0
    assert "6 reused" in " ".join(capsys.readouterr().out.split())
    assert run(scenario, out, "--replications", "5") == 0
    assert "6 reused" in " ".join(capsys.readouterr().out.split())
    assert run(scenario, out, "--replications", "5", command="compare") == 0  # same tasks


def test_a_run_into_a_sweep_folder_and_back_needs_replace(scenario, write_yaml, tmp_path,
                                                          capsys):
    sweep = write_yaml(SWEEP, "sweep.yaml")
    out = tmp_path / "out"
    assert main(["sweep", str(sweep), "--out", str(out), "--workers", "1"]) == 0
    before = snapshot(out)
    assert run(scenario, out) == 2
    err = capsys.readouterr().err
    assert "would remove 4 finished task(s) of a sweep" in err and snapshot(out) == before
    assert run(scenario, out, "--replace") == 0
    assert not (out / "tasks.jsonl").exists() and not (out / "points.csv").exists()
    assert main(["sweep", str(sweep), "--out", str(out)]) == 2
    assert "would remove 6 finished replication(s)" in capsys.readouterr().err
    assert main(["sweep", str(sweep), "--out", str(out), "--restart"]) == 0  # the old name
    assert "deprecated" in capsys.readouterr().err
    assert not (out / "tasks").exists() or not list((out / "tasks").rglob("*.json"))
    assert not list((out / "customers").iterdir())


def test_replace_deletes_only_the_stores_own_files(scenario, tmp_path):
    out = tmp_path / "out"
    assert run(scenario, out) == 0
    mine = ["notes.txt", "customers/extra.parquet", "tasks/readme.md", "tasks/base/notes.json",
            "figures/chart.png.bak", "timeseries/keep"]
    for name in mine:
        (out / name).parent.mkdir(exist_ok=True)
        (out / name).write_text("mine")
    assert run(scenario, out, "--seed", "5", "--variant", "two", "--replace") == 0
    assert all((out / name).read_text() == "mine" for name in mine)
    assert not (out / "customers" / "base-r00000.parquet").exists()


@pytest.mark.parametrize("replace", [(), ("--replace",)])
def test_a_symlinked_store_folder_is_refused_and_never_followed(scenario, tmp_path, capsys,
                                                                 replace):
    target = tmp_path / "elsewhere"
    target.mkdir()
    (target / "base-r00000.parquet").write_text("precious")
    out = tmp_path / "out"
    assert run(scenario, out) == 0
    for path in (out / "customers").iterdir():
        path.unlink()
    (out / "customers").rmdir()
    (out / "customers").symlink_to(target, target_is_directory=True)
    assert run(scenario, out, "--seed", "3", *replace) == 2
    assert "symbolic link" in capsys.readouterr().err
    assert (target / "base-r00000.parquet").read_text() == "precious"
    assert [p.name for p in target.iterdir()] == ["base-r00000.parquet"]


def test_a_folder_in_use_is_refused(scenario, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    with open(out / LOCK, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        assert run(scenario, out) == 2
        assert "in use by another waitsim command" in capsys.readouterr().err
    assert run(scenario, out) == 0  # released


# -- records under their key -------------------------------------------------------------


def expected_keys(scenario: Path, seed: int, reps: int = 3) -> dict[tuple[str, int], str]:
    loaded = load_scenario(scenario)
    return {(v, r): task_key(plan_digest(loaded.plans[v]), seed, r)
            for v in loaded.plans for r in range(reps)}


def check_keys(out: Path, expected: dict[tuple[str, int], str]) -> None:
    """Every marker holds its task's expected key, and so does every record file."""
    found = store.markers(out)
    assert set(found) == set(expected)
    for task, path in found.items():
        assert json.loads(path.read_text())["key"] == expected[task]
    records = store.record_files(out)
    assert len(records) == 4 * len(expected)
    for (_, *task), path in records.items():
        assert parquet_key(path) == expected[tuple(task)]


def test_an_interrupted_run_of_another_seed_leaves_no_foreign_records(scenario, tmp_path,
                                                                       monkeypatch):
    out = tmp_path / "out"
    assert run(scenario, out) == 0
    seed1 = snapshot(out / "customers")
    real = experiment.run_replication
    calls = []

    def interrupted(plan, rep, **kwargs):
        calls.append(rep)
        if len(calls) == 4:
            raise RuntimeError("killed")
        return real(plan, rep, **kwargs)

    monkeypatch.setattr(experiment, "run_replication", interrupted)
    assert run(scenario, out, "--seed", "2", "--replace") == 1
    monkeypatch.setattr(experiment, "run_replication", real)
    # Three tasks of seed 2 finished; the rest of seed 1 is gone, never kept under a marker.
    assert all(json.loads(p.read_text())["key"] in expected_keys(scenario, 2).values()
               for p in store.markers(out).values())
    assert run(scenario, out) == 2  # seed 2's finished tasks would go
    assert run(scenario, out, "--replace") == 0
    check_keys(out, expected_keys(scenario, 1))
    assert snapshot(out / "customers") == seed1  # records identical to seed 1's first run


def test_a_record_file_of_another_run_under_a_valid_marker_is_redone(scenario, tmp_path,
                                                                      capsys):
    one, two = tmp_path / "one", tmp_path / "two"
    assert run(scenario, one) == 0
    assert run(scenario, two, "--seed", "2") == 0
    original = (one / "visits" / "two-r00001.parquet").read_bytes()
    (one / "visits" / "two-r00001.parquet").write_bytes(
        (two / "visits" / "two-r00001.parquet").read_bytes())
    capsys.readouterr()
    assert run(scenario, one) == 0
    assert "5 reused" in " ".join(capsys.readouterr().out.split())
    check_keys(one, expected_keys(scenario, 1))
    assert (one / "visits" / "two-r00001.parquet").read_bytes() == original


def test_a_marker_is_removed_before_its_task_is_redone(scenario, tmp_path, monkeypatch):
    out = tmp_path / "out"
    assert run(scenario, out) == 0
    (out / "customers" / "base-r00002.parquet").write_bytes(b"torn")
    real = experiment.run_replication

    def crash(plan, rep, **kwargs):
        raise RuntimeError("killed")

    monkeypatch.setattr(experiment, "run_replication", crash)
    assert run(scenario, out) == 1
    assert not store.task_file(out, "base", 2).exists()
    monkeypatch.setattr(experiment, "run_replication", real)
    assert run(scenario, out) == 0
    check_keys(out, expected_keys(scenario, 1))


# -- a rerun with nothing to do writes nothing ---------------------------------------------


@pytest.mark.parametrize("command", ["run", "compare"])
def test_a_complete_rerun_writes_nothing(scenario, tmp_path, capsys, monkeypatch, command):
    out = tmp_path / "out"
    assert run(scenario, out, "--json", command=command) == 0
    first = capsys.readouterr().out
    before = snapshot(out)

    def no_writing(*args, **kwargs):
        raise AssertionError("a complete rerun wrote or removed a file")

    monkeypatch.setattr(files, "atomic_file", no_writing)
    monkeypatch.setattr(files.Path, "unlink", no_writing)
    monkeypatch.setattr(files.os, "replace", no_writing)
    assert run(scenario, out, "--json", command=command) == 0
    assert capsys.readouterr().out == first
    assert snapshot(out) == before


def test_compare_auto_resumes_silently(scenario, tmp_path, capsys):
    out = tmp_path / "out"
    options = ("--replications", "auto", "--precision", "2", "--max-replications", "12",
               "--json")
    assert run(scenario, out, *options, command="compare") == 0
    first = capsys.readouterr().out
    before = snapshot(out)
    assert run(scenario, out, *options, command="compare") == 0
    assert capsys.readouterr().out == first
    assert {k: v for k, v in snapshot(out).items() if k != "manifest.json"} == \
        {k: v for k, v in before.items() if k != "manifest.json"}


def test_a_complete_sweep_rerun_writes_nothing(scenario, write_yaml, tmp_path, capsys,
                                               monkeypatch):
    sweep = write_yaml(SWEEP, "sweep.yaml")
    out = tmp_path / "out"
    argv = ["sweep", str(sweep), "--out", str(out), "--workers", "1", "--json"]
    assert main(argv) == 0
    first = capsys.readouterr().out
    before = snapshot(out)

    def no_writing(*args, **kwargs):
        raise AssertionError("a complete rerun wrote a file")

    monkeypatch.setattr(files, "atomic_file", no_writing)
    monkeypatch.setattr(files.os, "write", no_writing)
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out)["points"] == json.loads(first)["points"]
    assert snapshot(out) == before


# -- variant names -----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["../../x", "/etc/passwd", "a\0b", "..", "v" * 101, "_x", ".x"])
def test_a_bad_variant_option_is_refused_before_anything_is_written(scenario, tmp_path, capsys,
                                                                     name):
    out = tmp_path / "out"
    assert run(scenario, out, "--variant", name) == 2
    assert "--variant: a variant name may hold only" in capsys.readouterr().err
    assert not out.exists()


def test_a_variant_named_as_a_path_never_writes_outside_the_folder(write_yaml, tmp_path,
                                                                    capsys):
    path = write_yaml(SCENARIO.replace("two:", '"../../x":'))
    out = tmp_path / "deep" / "out"
    before = snapshot(tmp_path)
    assert run(path, out) == 2
    assert "scenario.yaml:11: variants.../../x: a variant name" in capsys.readouterr().err
    assert snapshot(tmp_path) == before and not out.exists()


def test_a_folder_of_an_earlier_waitsim_is_recognised_and_needs_replace(scenario, tmp_path,
                                                                        capsys):
    out = tmp_path / "out"
    assert run(scenario, out) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    legacy = {k: v for k, v in manifest.items() if k not in ("kind", "files")}
    (out / "manifest.json").write_text(json.dumps(legacy))
    for path in store.markers(out).values():  # keys of the earlier form
        path.write_text(json.dumps({**json.loads(path.read_text()), "key": "0" * 32}))
    assert run(scenario, out) == 2
    assert "earlier waitsim" in capsys.readouterr().err
    assert run(scenario, out, "--replace") == 0
    check_keys(out, expected_keys(scenario, 1))


def test_compare_auto_starts_from_the_replications_of_another_command(scenario, tmp_path,
                                                                       capsys):
    out = tmp_path / "out"
    assert run(scenario, out, "--replications", "12", command="compare") == 0
    auto = ("--replications", "auto", "--precision", "100")  # alone, settles at 10
    capsys.readouterr()
    assert run(scenario, out, *auto, command="compare") == 0  # keeps all 12: none removed
    assert "24 reused" in " ".join(capsys.readouterr().out.split())
    assert len(list((out / "customers").iterdir())) == 2 * 12
    assert run(scenario, out, "--replications", "3", "--seed", "2", command="compare") == 2


def test_temporary_files_of_interrupted_writes_are_removed_and_no_others(scenario, tmp_path):
    out = tmp_path / "out"
    assert run(scenario, out) == 0
    left = [".summary.csv.ab3_9xyz.tmp", "customers/.base-r00001.parquet.k2j4h5g6.tmp",
            "tasks/two/.r00002.json.q1w2e3r4.tmp"]
    mine = [".notes.txt.ab3_9xyz.tmp", "customers/.mine.tmp", "tasks/.r00002.json.q1w2e3r4.tmp"]
    for name in left + mine:
        (out / name).write_text("x")
    store.task_file(out, "two", 2).unlink()  # something to do
    assert run(scenario, out) == 0
    assert not any((out / name).exists() for name in left)
    assert all((out / name).exists() for name in mine)
