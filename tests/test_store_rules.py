"""The results store's rules, continued (see test_store.py): figures, threads, interrupted
cleanup, the plot command's folders, links, and what is checked before a folder is made."""

from __future__ import annotations

import fcntl
import json
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from test_store import SCENARIO, SWEEP, run, snapshot

from simulator.cli import main
from simulator.errors import FolderConflict
from simulator.runs import files, store
from simulator.runs.files import AppendLog
from simulator.runs.store import LOCK


@pytest.fixture
def scenario(write_yaml) -> Path:
    return write_yaml(SCENARIO)


def test_the_figure_names_of_the_store_are_those_plot_draws():
    from simulator import plots

    assert tuple(plots.FIGURES) == store.FIGURE_STEMS
    assert {f"improvement_{m}.svg" for m in plots.DEFAULT_METRICS} <= store.figure_names()


def test_only_the_figures_plot_draws_are_removed_with_the_results(scenario, tmp_path):
    out = tmp_path / "out"
    assert run(scenario, out) == 0
    figures = out / "figures"
    figures.mkdir()
    mine = ["notes.png", "my_chart.svg", "satisfaction_old.pdf", "logo.png"]
    for name in [*mine, "satisfaction.png", "improvement_wait_mean.svg"]:
        (figures / name).write_text(name)
    assert run(scenario, out, "--seed", "2", "--replace") == 0  # the results change
    assert sorted(p.name for p in figures.iterdir()) == sorted(mine)


@contextmanager
def held_by_another_thread(out: Path) -> Iterator[None]:
    """``out`` held open by another thread of this process for the block."""
    entered, leave = threading.Event(), threading.Event()

    def hold() -> None:
        with store.open_folder(out):
            entered.set()
            leave.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert entered.wait(10)
        yield
    finally:
        leave.set()
        holder.join()


def test_another_thread_cannot_enter_a_folder_a_thread_holds(tmp_path):
    out = tmp_path / "out"
    with held_by_another_thread(out):
        with pytest.raises(FolderConflict, match="in use"), store.open_folder(out):
            pass
        with store.hold(tmp_path / "other", create=True):  # another folder is free
            pass
    with store.open_folder(out), store.open_folder(out):  # the same thread enters again
        pass


def test_a_run_in_another_thread_is_refused_and_leaves_the_folder(scenario, tmp_path):
    import simulator

    out = tmp_path / "out"
    assert run(scenario, out) == 0
    before = snapshot(out)
    with held_by_another_thread(out), pytest.raises(FolderConflict, match="in use"):
        simulator.run(scenario, out=out, seed=7, replace=True, workers=1)
    assert snapshot(out) == before


def test_an_interrupted_replace_leaves_a_manifest_that_is_not_complete(scenario, tmp_path,
                                                                        monkeypatch):
    out = tmp_path / "out"
    assert run(scenario, out) == 0
    removed = []

    def interrupt(path: Path) -> None:
        removed.append(path)
        if len(removed) == 3:
            raise KeyboardInterrupt
        files.remove(path)

    monkeypatch.setattr(store, "remove", interrupt)
    assert run(scenario, out, "--seed", "2", "--replace") == 130
    assert json.loads((out / "manifest.json").read_text())["status"] == "running"
    monkeypatch.undo()
    assert run(scenario, out, "--seed", "2", "--replace") == 0
    assert json.loads((out / "manifest.json").read_text())["status"] == "complete"


def test_plot_is_refused_while_a_command_holds_the_folder(scenario, tmp_path, capsys):
    out = tmp_path / "out"
    assert run(scenario, out, "--records", "summary") == 0
    with open(out / LOCK, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        assert main(["plot", str(out)]) == 2
        assert "in use by another waitsim command" in capsys.readouterr().err
    assert not (out / "figures").exists()


def test_plot_out_refuses_a_folder_of_other_files(scenario, tmp_path, capsys):
    out = tmp_path / "out"
    assert run(scenario, out, "--records", "summary") == 0
    mine = tmp_path / "mine"
    mine.mkdir()
    for name in ("notes.txt", "satisfaction.png", "cost_vs_satisfaction.svg"):
        (mine / name).write_text(name)
    before = snapshot(mine)
    assert main(["plot", str(out), "--out", str(mine)]) == 2
    assert "not waitsim figures" in capsys.readouterr().err and snapshot(mine) == before
    link = tmp_path / "link"
    link.symlink_to(mine, target_is_directory=True)
    assert main(["plot", str(out), "--out", str(link)]) == 2
    assert snapshot(mine) == before
    fresh = tmp_path / "fresh"
    assert main(["plot", str(out), "--out", str(fresh)]) == 0
    assert main(["plot", str(out), "--out", str(fresh)]) == 0  # a folder of its figures
    assert {p.name for p in fresh.iterdir()} <= store.figure_names()


def test_run_after_compare_keeps_the_comparison_of_unchanged_results(scenario, tmp_path):
    out = tmp_path / "out"
    assert run(scenario, out, command="compare") == 0
    kept = {name: (out / name).read_bytes() for name in store.COMPARISON_FILES}
    assert run(scenario, out) == 0
    assert {name: (out / name).read_bytes() for name in store.COMPARISON_FILES} == kept
    assert run(scenario, out, "--replications", "4") == 0  # the results change
    assert not any((out / name).exists() for name in store.COMPARISON_FILES)


def test_a_finer_search_reuses_a_coarser_ones_replications(scenario, tmp_path, capsys):
    out = tmp_path / "out"
    auto = ("--replications", "auto", "--max-replications", "40", "--records", "summary")
    assert run(scenario, out, *auto, "--precision", "6", command="compare") == 0
    coarse = len(list((out / "timeseries").iterdir()))
    assert coarse > 2 * 10  # more than the first round's
    capsys.readouterr()
    assert run(scenario, out, *auto, "--precision", "4", command="compare") == 0
    assert f"{coarse} reused" in " ".join(capsys.readouterr().out.split())
    assert len(list((out / "timeseries").iterdir())) >= coarse


def test_a_linked_lock_file_is_refused_and_never_followed(scenario, tmp_path, capsys):
    out = tmp_path / "out"
    assert run(scenario, out) == 0
    target = tmp_path / "elsewhere" / "made"
    target.parent.mkdir()
    (out / LOCK).unlink()
    (out / LOCK).symlink_to(target)
    assert run(scenario, out) == 2
    assert "symbolic link" in capsys.readouterr().err
    assert not target.exists()


def test_a_linked_sweep_log_is_refused_and_never_written(scenario, write_yaml, tmp_path,
                                                          capsys):
    sweep = write_yaml(SWEEP, "sweep.yaml")
    out = tmp_path / "out"
    assert main(["sweep", str(sweep), "--out", str(out), "--workers", "1"]) == 0
    target = tmp_path / "precious.txt"
    target.write_text('{"torn": ')
    (out / "tasks.jsonl").unlink()
    (out / "tasks.jsonl").symlink_to(target)
    assert main(["sweep", str(sweep), "--out", str(out), "--workers", "1"]) == 2
    assert "symbolic link" in capsys.readouterr().err
    assert target.read_text() == '{"torn": '
    with pytest.raises(FolderConflict):
        AppendLog(out / "tasks.jsonl")
    assert target.read_text() == '{"torn": '


@pytest.mark.parametrize("kind", ["file", "dangling"])
def test_a_linked_variant_folder_of_markers_is_refused_up_front(scenario, tmp_path, capsys,
                                                                 kind):
    out = tmp_path / "out"
    assert run(scenario, out, "--variant", "base") == 0
    target = tmp_path / "target"
    if kind == "file":
        target.write_text("mine")
    (out / "tasks" / "two").symlink_to(target)
    before = snapshot(out)
    assert run(scenario, out) == 2
    assert "symbolic link" in capsys.readouterr().err
    assert snapshot(out) == before


def test_an_out_below_a_file_is_refused_as_input(scenario, tmp_path, capsys):
    (tmp_path / "file").write_text("mine")
    assert run(scenario, tmp_path / "file" / "x") == 2
    assert "is a file" in capsys.readouterr().err


def test_a_missing_dask_is_refused_before_the_folder_is_made(scenario, tmp_path, capsys,
                                                            monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import fails
    out = tmp_path / "d0"
    assert run(scenario, out, "--dask", "local") == 2
    assert "dask" in capsys.readouterr().err
    assert not out.exists()
