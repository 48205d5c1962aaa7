"""Editor support: the scenario JSON Schema (``waitsim schema``, schema/scenario.schema.json)
and starter files (``waitsim init``)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from simulator import load_scenario
from simulator.cli import main
from simulator.plan.json_schema import schema_text
from simulator.plan.library import SCHEMA_HINT, templates
from simulator.spec.yamlsource import parse_yaml, read_yaml_file

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
HINT = "# yaml-language-server: $schema=../schema/scenario.schema.json\n"


def as_json(value: Any) -> Any:
    """YAML data as an editor's YAML server hands it to the JSON Schema: keys are text."""
    if isinstance(value, dict):
        return {str(k): as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    return value


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads((ROOT / "schema" / "scenario.schema.json").read_text("utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_the_shipped_schema_is_fresh_and_the_command_prints_it(capsys):
    shipped = (ROOT / "schema" / "scenario.schema.json").read_text("utf-8")
    assert shipped == schema_text(), "stale: run `python docs/generate.py` and commit"
    assert main(["schema"]) == 0
    printed = capsys.readouterr().out
    assert printed == shipped
    schema = json.loads(printed)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] and schema["title"] == "waitsim scenario"
    teller = schema["$defs"]["Station"]["properties"]["servers"]
    assert "Servers on duty" in json.dumps(teller) and '"minimum": 1' in json.dumps(teller)
    overestimation = schema["$defs"]["PerceptionParameters"]["properties"]["overestimation"]
    assert "Plausible range: 1.1 to 1.6." in overestimation["description"]


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_every_bundled_scenario_names_the_schema_and_follows_it(path, validator):
    text = path.read_text("utf-8")
    assert text.startswith(HINT)
    assert (path.parent / "../schema/scenario.schema.json").resolve().is_file()
    errors = [f"{list(e.absolute_path)}: {e.message}"
              for e in validator.iter_errors(as_json(read_yaml_file(path).data))]
    assert errors == []


BASE = """
    name: Branch
    open: "09:00"
    close: "12:30"
    customers:
      walk_in:
        arrivals: {process: poisson, rate_per_hour: {"09:00": 30, "11:00": 50}}
        balk: {probability: {8: 0.2, 12: 0.5}}
        patience: {dist: gamma, mean: 20, sd: 10}
    stations:
      teller:
        servers: 2
        schedule: {"10:00": 3}
        service: {dist: lognormal, mean: 4, sd: 2}
    variants:
      extra_teller:
        label: "Second teller"
        stations: {teller: {service: {mean: 3}}}
"""


@pytest.mark.parametrize(("old", "new", "where"), [
    ("servers: 2", "servers: 0", "servers"),                        # below its bound
    ("servers: 2", "server: 2", "server"),                          # misspelt key
    ("dist: gamma", "dist: weibull", "patience"),                   # unknown distribution
    ('close: "12:30"', 'close: "half past twelve"', "close"),       # not a clock time
    ('{"10:00": 3}', '{"ten": 3}', "schedule"),                     # bad clock-time key
    ("{8: 0.2, 12: 0.5}", "{eight: 0.2}", "probability"),           # bad count key
    ('label: "Second teller"', "label: " + "x" * 61, "label"),      # label too long
    ('label: "Second teller"', "seed: 3", "seed"),                  # run setting in a variant
    ("  extra_teller:", "  base:", "base"),                         # the reserved name
    ("sd: 10}", "sd: 10}\n    perception: {occupied_factr: 0.9}", "occupied_factr"),
    ("sd: 10}", "sd: 10}\n    perception: {model: identity}", "model"),  # global only
])
def test_the_schema_refuses_known_mistakes(old, new, where, validator):
    good = as_json(parse_yaml(textwrap.dedent(BASE), "x.yaml").data)
    assert list(validator.iter_errors(good)) == []
    bad_text = textwrap.dedent(BASE).replace(old, new)
    assert bad_text != textwrap.dedent(BASE)
    errors = list(validator.iter_errors(as_json(parse_yaml(bad_text, "x.yaml").data)))
    assert errors, f"{new!r} was accepted"
    said = " ".join(f"{list(e.absolute_path)} {e.message}" for e in errors)
    assert where in said


def test_init_lists_the_templates(capsys):
    assert main(["init", "--list"]) == 0
    listed = capsys.readouterr().out.split("\n")
    assert [line.split()[0] for line in listed if line] == list(templates())
    assert "Bank branch, weekday." in listed[0]


@pytest.mark.parametrize("name", list(templates()))
def test_init_writes_a_commented_file_that_validates(name, tmp_path, capsys):
    target = tmp_path / "sub folder" / "mine.yaml"
    target.parent.mkdir()
    assert main(["init", str(target), "--template", name]) == 0
    assert f"wrote {target}" in capsys.readouterr().out
    written = target.read_text("utf-8")
    template = templates()[name].read_text("utf-8")
    assert written.count("\n#") >= 5 and SCHEMA_HINT.sub("", written) == \
        SCHEMA_HINT.sub("", template)  # comments kept, nothing else changed
    hint = SCHEMA_HINT.match(written)
    assert hint is not None
    schema_path = hint.group(0).split("$schema=")[1].strip()
    assert (target.parent / schema_path).resolve() == \
        (ROOT / "schema" / "scenario.schema.json").resolve()
    assert load_scenario(target).base.name == load_scenario(templates()[name]).base.name


def test_init_never_overwrites_and_checks_its_options(tmp_path, capsys):
    target = tmp_path / "mine.yaml"
    target.write_text("my work\n")
    assert main(["init", str(target)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert target.read_text() == "my work\n"
    assert main(["init", str(tmp_path / "new.yaml"), "--template", "bank"]) == 2
    assert "no such template" in capsys.readouterr().err
    assert not (tmp_path / "new.yaml").exists()
    assert main(["init"]) == 2
    assert main(["init", str(tmp_path / "missing" / "x.yaml")]) == 2
    assert "no such folder" in capsys.readouterr().err
