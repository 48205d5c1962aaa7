"""Ctrl-C at any moment -- while Python loads numpy and pandas, while replications run, while
results are written -- ends the command with exit code 130 and one line on standard error,
never a traceback. Ctrl-C is sent as a terminal sends it: SIGINT to the whole process group
(the command and its worker processes)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from bad_scenarios import BASE

from simulator.errors import INTERRUPTED

SCRIPT = Path(sys.executable).with_name("waitsim")
IMPORT_LINE = "import time:"
"""Python's report of each import (PYTHONPROFILEIMPORTTIME=1): tells the test when to press
Ctrl-C while the command is still loading."""


def _start(command: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    # Its own process group, as a terminal's foreground job; SIGINT handled by default even
    # where the tests run with it ignored (a background job).
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, env={**os.environ, **(env or {})},
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def _interrupt(command: list[str], ready: Callable[[list[str]], bool],
               env: dict[str, str] | None = None) -> tuple[int | None, str, str]:
    """Run ``command``, press Ctrl-C once ``ready(lines of standard error so far)`` (None
    if it ended first); its exit code, standard output and standard error (without
    :data:`IMPORT_LINE` lines)."""
    process = _start(command, env)
    assert process.stderr is not None and process.stdout is not None
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(process.stderr), daemon=True)
    reader.start()
    deadline = time.monotonic() + 120
    while not ready(lines) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.001)
    sent = process.poll() is None
    if sent:
        os.killpg(process.pid, signal.SIGINT)
    out = process.stdout.read()
    process.wait(timeout=120)
    reader.join(10)
    err = "".join(line for line in lines if not line.startswith(IMPORT_LINE))
    return (process.returncode if sent else None), out, err


def _check_interrupted(code: int | None, out: str, err: str) -> None:
    assert "Traceback" not in err and "Error" not in err, err
    assert code == 130, f"exit code {code}; stderr:\n{err}"
    said = [line for line in err.strip().splitlines() if ": warning: " not in line]
    assert said == [INTERRUPTED], err  # the scenario's warning aside


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    path = tmp_path / "scenario.yaml"
    path.write_text(BASE, encoding="utf-8")
    return path


def _after(seconds: float) -> Callable[[list[str]], bool]:
    start = time.monotonic()
    return lambda lines: time.monotonic() - start >= seconds


def _imported(module: str) -> Callable[[list[str]], bool]:
    return lambda lines: any(line.split("|")[-1].strip() == module for line in list(lines))


@pytest.mark.parametrize("module", ["simulator.entry", "argparse", "numpy", "pandas"])
def test_ctrl_c_while_python_loads_the_command(module: str, scenario: Path,
                                               tmp_path: Path) -> None:
    """Right after the entry point loads, while the command line and then numpy and pandas
    load (over a second together)."""
    command = ([str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "simulator"])
    code, out, err = _interrupt([*command, "run", str(scenario), "--out", str(tmp_path / "o")],
                                _imported(module), env={"PYTHONPROFILEIMPORTTIME": "1"})
    _check_interrupted(code, out, err)
    assert out == ""


def test_ctrl_c_while_replications_run_on_workers(scenario: Path, tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    markers = out_dir / "tasks" / "base"
    code, out, err = _interrupt(
        [sys.executable, "-m", "simulator", "run", str(scenario), "--replications", "200",
         "--workers", "2", "--out", str(out_dir)],
        lambda _: markers.is_dir() and len(os.listdir(markers)) >= 3)
    _check_interrupted(code, out, err)


def test_ctrl_c_at_many_moments_of_a_run(scenario: Path, tmp_path: Path) -> None:
    """Moments spread over a whole run of one process (loading, simulating, writing records
    and markers, the summary files and the table at the end): each ends with 130 and the one
    line, or, past the end, with the run's own success."""
    command = [sys.executable, "-m", "simulator", "run", str(scenario), "--replications", "12",
               "--workers", "1"]
    started = time.monotonic()
    whole = subprocess.run([*command, "--out", str(tmp_path / "whole")], capture_output=True,
                           text=True, timeout=120)
    assert whole.returncode == 0, whole.stderr
    span = time.monotonic() - started
    interrupted = 0
    for k, share in enumerate((0.3, 0.6, 0.85, 0.95)):
        code, out, err = _interrupt([*command, "--out", str(tmp_path / f"out{k}")],
                                    _after(span * share))
        if code in (None, 0):  # the run had ended, or ended before the signal came
            assert "Traceback" not in err and (code is None or "Results in" in out), err
            continue
        _check_interrupted(code, out, err)
        interrupted += 1
    assert interrupted >= 2, "the moments missed the run: it is too quick to interrupt"


def test_import_loads_no_numerical_library() -> None:
    """``import simulator`` stays light (the names load on first use)."""
    script = ("import sys, simulator; "
              "print(sorted({'numpy', 'pandas', 'scipy', 'pydantic'} & set(sys.modules)))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True, timeout=60)
    assert done.stdout.strip() == "[]", done.stdout


def test_every_public_name_loads_from_its_module() -> None:
    import importlib

    import simulator

    assert sorted(simulator.__all__) == sorted(simulator._HOME)
    for name in simulator.__all__:
        home = importlib.import_module(simulator._HOME[name])
        assert getattr(simulator, name) is getattr(home, name)
    assert simulator.api is importlib.import_module("simulator.api")
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        simulator.nothing  # noqa: B018


def test_a_ctrl_c_swallowed_by_a_finalizer_is_raised_again() -> None:
    """Python may deliver Ctrl-C inside a ``__del__``, where it would be printed with a
    traceback and ignored: the command's hook raises it again, in the command's code."""
    script = textwrap.dedent("""
        import signal, sys, time
        import simulator.entry as entry
        sys.unraisablehook = entry._unraisable
        signal.signal(signal.SIGINT, signal.default_int_handler)
        class Finalized:
            def __del__(self):
                raise KeyboardInterrupt
        Finalized()  # collected at once: its KeyboardInterrupt is 'unraisable'
        try:
            time.sleep(10)
            print("ignored")
        except KeyboardInterrupt:
            print("raised again")
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60)
    assert done.stdout.strip() == "raised again", done.stdout + done.stderr
    assert "Traceback" not in done.stderr, done.stderr
