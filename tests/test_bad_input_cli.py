"""Bad input on the command line: a directory for a file, several files at once, an unknown
variant, bad options, ``python -m simulator``: exit code 2 and a message, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from bad_scenarios import BASE, Case, check_refused, sub

from simulator.cli import main


@pytest.mark.parametrize("command", ["validate", "run"])
def test_directory_instead_of_file(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "scenario.yaml"
    folder.mkdir()
    argv = [command, str(folder)] + (["--out", str(tmp_path / "out")] if command == "run" else [])
    code = main(argv)
    captured = capsys.readouterr()
    case = Case("directory", None, None, None, "is a directory")
    check_refused(case, folder, code, captured.out, captured.err)


def test_validate_reports_every_bad_file_and_checks_the_good_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good, bad = tmp_path / "good.yaml", tmp_path / "bad.yaml"
    good.write_text(BASE, encoding="utf-8")
    bad.write_text(sub("servers: 2", "servrs: 2"), encoding="utf-8")
    missing = tmp_path / "missing.yaml"
    code = main(["validate", str(bad), str(good), str(missing)])
    captured = capsys.readouterr()
    assert code == 2
    assert f"{bad}:11: stations.teller.servrs: " in captured.err
    assert f"{missing}: no such file" in captured.err
    assert f"ok  {good}" in captured.out
    assert "Traceback" not in captured.out + captured.err


def test_unknown_variant_on_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "scenario.yaml"
    path.write_text(BASE, encoding="utf-8")
    out_dir = tmp_path / "results"
    code = main(["run", str(path), "--variant", "mroe", "--out", str(out_dir)])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    assert "Traceback" not in captured.err
    assert f"{path}: --variant mroe: no such variant" in captured.err
    assert "did you mean 'more'?" in captured.err
    assert not out_dir.exists()


@pytest.mark.parametrize(
    "options",
    [["--replications", "0"], ["--seed", "-1"], ["--workers", "many"], ["--records", "some"]],
    ids=["replications-0", "seed-negative", "workers-text", "records-unknown"],
)
def test_bad_command_line_option(
    options: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "scenario.yaml"
    path.write_text(BASE, encoding="utf-8")
    code = main(["run", str(path), "--out", str(tmp_path / "out"), *options])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    assert options[0] in captured.err
    assert "Traceback" not in captured.err


def test_python_dash_m_exits_2_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(sub("servers: 2", "servrs: 2"), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "simulator", "validate", "bad.yaml"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert "bad.yaml:11: stations.teller.servrs: unknown key 'servrs'; did you mean 'servers'?" \
        in result.stderr
