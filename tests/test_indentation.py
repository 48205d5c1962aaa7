"""Indentation mistakes are said to be indentation mistakes, at their own line, with the
column probably meant."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from simulator.cli import main
from simulator.errors import ScenarioError
from simulator.spec.indentation import _block_lines, explain
from simulator.spec.yamlsource import parse_yaml

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
GOOD = textwrap.dedent("""\
    name: Branch
    stations:
      teller:
        servers: 2
        service: {dist: exponential, mean: 4}
      adviser:
        servers: 1
    interventions:
      occupied_waiting:
        share: 0.5
        stations:
          - teller
          - adviser
    """)


def error_of(text: str) -> str:
    with pytest.raises(ScenarioError) as caught:
        parse_yaml(text, "b.yaml")
    return str(caught.value)


def moved(line: int, spaces: int, text: str = GOOD) -> str:
    """``text`` with 1-based ``line`` indented ``spaces`` more (fewer when negative)."""
    lines = text.split("\n")
    lines[line - 1] = " " * spaces + lines[line - 1] if spaces > 0 else lines[line - 1][-spaces:]
    return "\n".join(lines)


@pytest.mark.parametrize(("line", "spaces", "says"), [
    (5, 1, "'service' is indented 1 space more than 'servers' on line 4, which already has "
           "its value on its line; probably meant 4 spaces, like 'servers'"),  # too far
    (5, -1, "'service' is indented 3 spaces, where no key above it starts; probably meant "
            "4 spaces, like 'servers' on line 4 (or 2 spaces, like 'teller' on line 3)"),
    (13, -1, "'- adviser' is indented 5 spaces, where no list item above it starts; probably "
             "meant 6 spaces, like '- teller' on line 12"),                   # list item
    (4, 1, "'servers' is indented 3 spaces more than 'teller' on line 3, but the other lines "
           "of its block 2 spaces more (like 'service' on line 5); probably meant 4 spaces"),
    (2, 1, "'stations' is indented 1 space more than 'name' on line 1"),     # top level
])
def test_a_key_or_item_one_space_off_is_named_at_its_line(line, spaces, says):
    message = error_of(moved(line, spaces))
    assert message.startswith(f"b.yaml:{line}: YAML syntax error (indentation): {says}")


def test_a_tab_in_the_indentation():
    message = error_of(GOOD.replace("    servers: 2", "\tservers: 2"))
    assert message.startswith("b.yaml:4: YAML syntax error (indentation): a tab in the "
                              "indentation; YAML indents with spaces only")


def test_a_key_without_its_colon_is_named_at_its_own_line_not_the_next():
    message = error_of(GOOD.replace("  teller:", "  teller"))
    assert message == ("b.yaml:3: YAML syntax error (indentation): 'teller' has no ':'; a key "
                       "needs one to open the block indented below it (line 4)")


def test_other_syntax_errors_keep_their_wording():
    assert "indentation" not in error_of(GOOD.replace("mean: 4}", "mean: 4"))
    assert "indentation" not in error_of('name: "Branch\n')


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_every_line_one_space_off_in_the_bundled_scenarios(path):
    """Each block line of each bundled file moved one space either way: when the file no
    longer parses, the message is about indentation, at that line (or, when the line moved
    was the first of its block, at that line all the same)."""
    text = path.read_text(encoding="utf-8")
    assert explain(text, len(text.splitlines())) is None  # no false alarm on good files
    refused = 0
    for line in _block_lines(text):
        for spaces in (1, -1) if line.indent else (1,):
            try:
                parse_yaml(moved(line.number, spaces, text), "f.yaml")
            except ScenarioError as exc:
                refused += 1
                assert str(exc).startswith(
                    f"f.yaml:{line.number}: YAML syntax error (indentation): "), str(exc)
    assert refused >= 40


def test_the_command_line_reports_it_with_exit_2(tmp_path, capsys):
    path = tmp_path / "b.yaml"
    path.write_text(moved(5, 1))
    assert main(["validate", str(path)]) == 2
    assert f"{path}:5: YAML syntax error (indentation): 'service'" in capsys.readouterr().err
