"""The notebooks run top to bottom (with WAITSIM_QUICK=1: few replications), are stored
without outputs, and use only the public API (``simulator`` and ``simulator.plots``)."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))


def test_the_three_story_notebooks_exist():
    assert {p.stem for p in NOTEBOOKS} >= {"bank_branch", "clinic_appointments", "checkout"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_stored_without_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, path.name


PACKAGE = Path(__file__).resolve().parent.parent / "simulator"
INTERNAL = {p.stem for p in PACKAGE.iterdir() if p.stem not in {"plots", "__init__"}
            and (p.suffix == ".py" or p.is_dir())}
"""The package's modules other than the public ``plots``: a notebook reaches them only
through ``simulator``'s own names."""


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_uses_only_the_public_api(path):
    notebook = nbformat.read(path, as_version=4)
    code = "\n".join(c.source for c in notebook.cells if c.cell_type == "code")
    modules = set(re.findall(r"^\s*(?:from|import) (simulator[\w.]*)", code, re.M))
    assert modules <= {"simulator", "simulator.plots"}, path.name
    names = {n.strip() for group in re.findall(r"^\s*from simulator import ([\w, ]+)", code,
                                                re.M) for n in group.split(",")}
    assert not names & INTERNAL, path.name
    assert not {m for m in re.findall(r"simulator\.(\w+)", code)} & INTERNAL, path.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_top_to_bottom(path, monkeypatch, tmp_path):
    # The kernel inherits this environment: QUICK mode, and results in a temporary folder.
    monkeypatch.setenv("WAITSIM_QUICK", "1")
    monkeypatch.setenv("WAITSIM_RESULTS", str(tmp_path))
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    errors = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert not errors
    images = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs
              if "image/png" in o.get("data", {})]
    assert len(images) >= 3, "each story shows its figures"
