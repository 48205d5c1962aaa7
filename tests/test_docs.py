"""The documentation: generated reference pages up to date, and every relative link resolving."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md")),
         ROOT / "benchmarks" / "README.md"]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
"""A Markdown link's target (inline links; the docs use no reference-style links)."""


def _generator():
    spec = importlib.util.spec_from_file_location("docs_generate", ROOT / "docs" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", ["scenario.md", "metrics.md"])
def test_generated_reference_is_up_to_date(name: str) -> None:
    generate = _generator()
    stored = (ROOT / "docs" / "reference" / name).read_text(encoding="utf-8")
    assert stored == generate.PAGES[name](), (
        f"docs/reference/{name} is stale: run `{generate.COMMAND}` and commit the result")


def _anchors(page: Path) -> set[str]:
    """GitHub's anchors of a page's headings: lower case, punctuation dropped, spaces to -."""
    headings = re.findall(r"^#+ (.+)$", page.read_text(encoding="utf-8"), flags=re.M)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


def _links(page: Path) -> list[str]:
    text = re.sub(r"```.*?```", "", page.read_text(encoding="utf-8"), flags=re.S)
    return [t for t in LINK.findall(text) if not re.match(r"[a-z]+:", t)]


@pytest.mark.parametrize("page", PAGES, ids=[p.relative_to(ROOT).as_posix() for p in PAGES])
def test_relative_links_resolve(page: Path) -> None:
    broken = []
    for target in _links(page):
        path, _, anchor = target.partition("#")
        resolved = (page.parent / path).resolve() if path else page
        missing_anchor = (resolved.exists() and bool(anchor) and resolved.suffix == ".md"
                          and anchor not in _anchors(resolved))
        if not resolved.exists() or missing_anchor:
            broken.append(target)
    assert broken == []


def test_anchor_rule_matches_github() -> None:
    page = ROOT / "docs" / "model.md"
    assert "felt-wait" in _anchors(page)


FENCE = re.compile(r"^```([a-z]*)\n(.*?)^```", re.M | re.S)
COMMAND = re.compile(r"waitsim (?:run|compare|plot) [^&#\n\\]*")
"""A command that writes results (the synopsis lines, with ``[``, are left out)."""


def _commands(page: Path) -> list[str]:
    """The run, compare and plot commands in the fenced blocks of a page (not Windows ones),
    in order."""
    return [match.group(0).strip()
            for language, block in FENCE.findall(page.read_text(encoding="utf-8"))
            if language != "powershell"
            for match in COMMAND.finditer(block) if "[" not in match.group(0)]


def test_the_readme_and_tutorial_commands_work_in_order(tmp_path, monkeypatch, capsys):
    """A new user's session: the README (its first run included), then the tutorial, each
    command as written, one after another in one project folder."""
    import shlex
    import shutil

    from simulator.cli import main

    shutil.copytree(ROOT / "scenarios", tmp_path / "scenarios")
    tutorial = (ROOT / "docs" / "tutorial.md").read_text(encoding="utf-8")
    variant = re.search(r"^```yaml\n(.*?)^```", tutorial, re.M | re.S)
    assert variant is not None
    mine = (ROOT / "scenarios" / "bank_branch.yaml").read_text(encoding="utf-8")
    mine = mine.replace("\nvariants:\n", "\nvariants:\n" + variant.group(1), 1)
    (tmp_path / "my_branch.yaml").write_text(mine, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    commands = _commands(ROOT / "README.md") + _commands(ROOT / "docs" / "tutorial.md")
    assert len(commands) >= 8 and commands[0] == "waitsim run scenarios/bank_branch.yaml"
    for command in commands:
        assert main(shlex.split(command)[1:]) == 0, (command, capsys.readouterr().err)
