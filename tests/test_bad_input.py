"""Bad input: every malformed scenario is refused with exit code 2 and a message naming the
file, the line and the field, never with a traceback (exit codes: see the README).

Each case is a whole scenario file written as text (or bytes) whose offending line is known;
``validate FILE`` and ``run FILE --out DIR`` must both refuse it in the same way. Problems on
the command line are in test_bad_input_cli.py, random mutations in
test_bad_input_mutations.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from absurd_scenarios import ABSURD_CASES
from bad_scenarios import (
    ARRIVALS,
    BASE,
    CUSTOMERS,
    ROUTED,
    SERVICE,
    STATIONS,
    TWO_STATIONS,
    VARIANT,
    Case,
    check_refused,
    sub,
)

from simulator.cli import main

CASES = [
    # --- YAML syntax --------------------------------------------------------------------------
    Case("yaml-tab-indent", sub("    servers: 2\n", "\tservers: 2\n"), 11, None,
         "YAML syntax error"),
    Case("yaml-colon-in-plain-value", sub("name: Test branch", "name: Test: branch"), 1, None,
         "YAML syntax error"),
    Case("yaml-bad-indent", sub(SERVICE, "   " + SERVICE.lstrip()), 12, None,
         "YAML syntax error"),
    Case("yaml-unclosed-flow-mapping",
         sub("{dist: exponential, mean: 20}", "{dist: exponential, mean: 20"), 8, None,
         "line 7"),
    Case("yaml-duplicate-key", sub("    servers: 2\n", "    servers: 2\n    servers: 3\n"), 12,
         "stations.teller.servers", "duplicate key (first given on line 11)"),
    Case("yaml-python-tag", BASE + "description: !!python/object/apply:os.system [ls]\n", 16,
         None, "could not determine a constructor"),
    Case("yaml-two-documents", BASE + "---\nname: again\n", 16, None, "YAML syntax error"),
    Case("yaml-recursive-alias", BASE + "description: &loop [*loop]\n", 16, None, None),
    Case("yaml-deeply-nested", "name: x\ndescription: " + "[" * 500 + "]" * 500 + "\n",
         None, None, None),
    Case("control-character", sub("close: ", "\x07close: "), 3, None, "character"),
    # --- whole-file problems ------------------------------------------------------------------
    Case("missing-file", None, None, None, "no such file"),
    Case("empty-file", "", None, None, "the file is empty"),
    Case("comments-only", "# nothing here yet\n", None, None, "the file is empty"),
    Case("binary-garbage", bytes(range(256)) * 4, None, None, "not a text file"),
    Case("nul-in-utf8-text", BASE.encode() + b"\x00\x00", None, None, "NUL"),
    Case("latin-1-text", sub("Test branch", "Caf\xe9 branch").encode("latin-1"), None, None,
         "invalid UTF-8"),
    Case("top-level-list", "- name: Test branch\n- stations: {}\n", 1, "(top level)",
         "must be a mapping"),
    Case("top-level-scalar", "just some text\n", 1, "(top level)", "must be a mapping"),
    # --- variant names (they become file names in results folders) ---------------------------
    *(Case(f"variant-name-{id_}", sub(VARIANT, VARIANT.replace("more", name)), 15, field,
           "a variant name may hold only letters, digits")
      for id_, name, field in (
          ("path", '"../../x"', "variants.../../x"),
          ("absolute", "/etc/passwd", "variants./etc/passwd"),
          ("nul", '"a\\0b"', None),
          ("dot-dot", '".."', None),
          ("leading-underscore", "_draft", "variants._draft"),
          ("leading-dot", '".hidden"', "variants..hidden"),
          ("space", '"my variant"', "variants.my variant"),
          ("too-long", "v" * 101, "variants." + "v" * 101))),
    Case("variant-name-yaml-true", sub(VARIANT, VARIANT.replace("more", "true")), 15,
         "variants.true", "must be text"),
    Case("variant-name-yaml-number", sub(VARIANT, VARIANT.replace("more", "1")), 15,
         "variants.1", "must be text"),
    # --- how a scenario is run is not a variant's to change (common random numbers) -----------
    *(Case(f"variant-sets-{key}", sub(VARIANT, f"  more: {{{key}: 5}}\n"), 15,
           f"variants.more -> {key}", f"a variant cannot set '{key}'")
      for key in ("seed", "replications")),
    # --- wrong types --------------------------------------------------------------------------
    Case("servers-text", sub("servers: 2", "servers: two"), 11, "stations.teller.servers",
         "must be a whole number (got 'two')"),
    Case("servers-fraction", sub("servers: 2", "servers: 2.5"), 11, "stations.teller.servers",
         "must be a whole number"),
    Case("servers-yes", sub("servers: 2", "servers: yes"), 11, "stations.teller.servers",
         "must be a whole number (got 'yes')"),
    Case("servers-bool", sub("servers: 2", "servers: true"), 11, "stations.teller.servers",
         "must be a whole number"),
    Case("name-list", sub("name: Test branch", "name: [a, b]"), 1, "name", "must be text"),
    Case("customers-list", sub(CUSTOMERS, "customers: [walk_in]\n"), 4, "customers",
         "must be a mapping"),
    Case("patience-number", sub("patience: {dist: exponential, mean: 20}", "patience: 20"), 7,
         "customers.walk_in.patience", "must be a mapping"),
    Case("seed-text", BASE + "seed: lucky\n", 16, "seed", "must be a whole number"),
    Case("replications-zero", BASE + "replications: 0\n", 16, "replications", ">= 1"),
    Case("layout-unknown", sub("    servers: 2\n", "    servers: 2\n    layout: zigzag\n"), 12,
         "stations.teller.layout", "line_per_server"),
    Case("patience-nan", sub("mean: 20", "mean: .nan"), 7, "customers.walk_in.patience.mean",
         "must be a finite number"),
    # --- unknown keys, with a suggestion ------------------------------------------------------
    Case("unknown-servrs", sub("servers: 2", "servrs: 2"), 11, "stations.teller.servrs",
         "did you mean 'servers'?"),
    Case("unknown-nmae", sub("name: Test branch", "nmae: Test branch"), 1, "nmae",
         "did you mean 'name'?"),
    Case("unknown-patiense", sub("    patience:", "    patiense:"), 7,
         "customers.walk_in.patiense", "did you mean 'patience'?"),
    # --- negative or malformed rates ----------------------------------------------------------
    Case("rate-negative-number",
         sub(ARRIVALS, "    arrivals:\n      process: poisson\n      rate_per_hour: -5\n"), 8,
         "customers.walk_in.arrivals.rate_per_hour", "must be >= 0"),
    Case("rate-negative-in-table",
         sub(ARRIVALS, '    arrivals:\n      process: poisson\n      rate_per_hour:\n'
                       '        "09:00": 30\n        "10:00": -5\n'), 10,
         "customers.walk_in.arrivals.rate_per_hour.10:00", "must be >= 0"),
    Case("rate-text", sub('rate_per_hour: {"09:00": 30, "10:00": 50}', "rate_per_hour: lots"),
         6, "customers.walk_in.arrivals.rate_per_hour", "(got 'lots')"),
    Case("arrivals-without-process",
         sub(ARRIVALS, "    arrivals:\n      rate_per_hour: 30\n"), 6,
         "customers.walk_in.arrivals", "needs a 'process' key"),
    # --- distributions ------------------------------------------------------------------------
    Case("dist-unknown", sub("dist: lognormal, mean: 4.0, sd: 2.5", "dist: weibull, mean: 4"),
         12, "stations.teller.service", "'weibull'"),
    Case("dist-missing", sub("{dist: exponential, mean: 20}", "{mean: 20}"), 7,
         "customers.walk_in.patience", "needs a 'dist' key"),
    Case("lognormal-negative-sd",
         sub(SERVICE, "    service:\n      dist: lognormal\n      mean: 4.0\n      sd: -1\n"),
         15, "stations.teller.service.sd", "must be >= 0"),
    Case("triangular-low-above-high",
         sub("dist: lognormal, mean: 4.0, sd: 2.5", "dist: triangular, low: 5, mode: 4, high: 3"),
         12, "stations.teller.service", "low <= mode <= high"),
    Case("normal-as-service-duration",
         sub("dist: lognormal, mean: 4.0, sd: 2.5", "dist: normal, mean: 4.0, sd: 1.0"), 12,
         "stations.teller.service", "a duration cannot be negative"),
    Case("empirical-without-values-or-file",
         sub("dist: lognormal, mean: 4.0, sd: 2.5", "dist: empirical"), 12,
         "stations.teller.service", "give exactly one of 'values'"),
    Case("empirical-missing-csv",
         sub(SERVICE, "    service:\n      dist: empirical\n      file: durations.csv\n"
                      "      column: minutes\n"), 14, "stations.teller.service.file",
         "no such data file"),
    Case("empirical-csv-bad-cell",
         sub(SERVICE, "    service:\n      dist: empirical\n      file: durations.csv\n"
                      "      column: minutes\n"), 14, "stations.teller.service.file",
         "durations.csv:3:", files=(("durations.csv", "minutes\n3.5\nabout four\n"),)),
    Case("empirical-csv-huge-cell",
         sub(SERVICE, "    service:\n      dist: empirical\n      file: durations.csv\n"
                      "      column: minutes\n"), 14, "stations.teller.service.file",
         "cannot read", files=(("durations.csv", "minutes\n" + "9" * 200_000 + "\n"),)),
    # --- clock times and the arrival window ---------------------------------------------------
    Case("close-25h", sub('close: "12:00"', 'close: "25:00"'), 3, "close",
         "not a valid clock time"),
    Case("close-9h", sub('close: "12:00"', 'close: "9h"'), 3, "close", "clock time"),
    Case("open-9h", sub('open: "09:00"', 'open: "9h"'), 2, "open", "clock time"),
    Case("close-before-open", sub('close: "12:00"', 'close: "08:00"'), 3, "close",
         "before the start of the run"),
    Case("close-equals-open", sub('close: "12:00"', 'close: "09:00"'), 3, "close",
         "must be after open"),
    Case("neither-close-nor-horizon", sub('close: "12:00"\n', ""), 1, "(top level)",
         "give 'close'"),
    Case("close-and-horizon", BASE + "horizon: 180\n", 16, "horizon", "not both"),
    Case("horizon-negative", sub('close: "12:00"', "horizon: -100"), 3, "horizon", ">= 1e-06"),
    Case("warmup-too-long", BASE + "warmup: 500\n", 16, "warmup", "leaves no arrivals"),
    Case("rate-table-out-of-order",
         sub(ARRIVALS, '    arrivals:\n      process: poisson\n      rate_per_hour:\n'
                       '        "09:00": 30\n        "11:00": 50\n        "10:00": 40\n'), 11,
         "customers.walk_in.arrivals.rate_per_hour.10:00", "times must increase"),
    Case("rate-table-starts-late",
         sub('{"09:00": 30, "10:00": 50}', '{"09:30": 30, "10:00": 50}'), 6,
         "customers.walk_in.arrivals.rate_per_hour.09:30", "start at or before 'open'"),
    Case("rate-table-bad-clock",
         sub(ARRIVALS, '    arrivals:\n      process: poisson\n      rate_per_hour:\n'
                       '        "09:00": 30\n        "25:00": 50\n'), 10,
         "customers.walk_in.arrivals.rate_per_hour.25:00", "not a valid clock time"),
    Case("schedule-out-of-order",
         sub("    servers: 2\n", '    schedule:\n      "09:00": 1\n      "11:00": 3\n'
                                '      "10:00": 2\n'), 14,
         "stations.teller.schedule.10:00", "times must increase"),
    # --- routes -------------------------------------------------------------------------------
    Case("route-missing-station", BASE + "route:\n  start: teller\n  teller: cashier\n", 18,
         "route.teller", "no station named 'cashier'"),
    Case("route-start-typo", TWO_STATIONS + "route:\n  start: cashir\n", 20, "route.start",
         "did you mean 'cashier'?"),
    Case("route-probabilities",
         BASE + "route:\n  teller:\n    teller: 0.3\n    exit: 0.5\n", 17, "route.teller",
         "add up to 1"),
    Case("route-loop-without-exit",
         TWO_STATIONS + "route:\n  start: teller\n  teller: cashier\n  cashier: teller\n", 21,
         "route.teller", "never leave"),
    Case("route-from-exit", ROUTED + "  exit: teller\n", 23, "route.exit", None),
    Case("station-named-start", sub("  teller:\n", "  start:\n"), 10, "stations.start",
         "reserved"),
    # --- missing or contradictory required parts ----------------------------------------------
    Case("missing-name", sub("name: Test branch\n", ""), 1, "name", "is required"),
    Case("missing-customers", sub(CUSTOMERS, ""), 1, "customers", "is required"),
    Case("missing-stations", sub(STATIONS, "").replace(VARIANT, "  more: {seed: 3}\n"), 1,
         "stations", "is required"),
    Case("stations-empty", sub(STATIONS, "stations: {}\n").replace(
        VARIANT, "  more: {seed: 3}\n"), 9, "stations", "at least 1"),
    Case("station-without-servers", sub("    servers: 2\n", ""), 10, "stations.teller",
         "needs 'servers'"),
    Case("balk-both-rules",
         sub("balk: {queue_length: 10}", "balk: {queue_length: 10, probability: {3: 0.5}}"), 8,
         "customers.walk_in.balk", "exactly one"),
    Case("jockeying-single-line",
         sub("    servers: 2\n", "    servers: 2\n    jockeying: {margin: 2}\n"), 10,
         "stations.teller", "line_per_server"),
    Case("class-service-unknown-station",
         sub("    balk: {queue_length: 10}\n", "    balk: {queue_length: 10}\n    service:\n"
             "      telller: {dist: exponential, mean: 3}\n"), 10,
         "customers.walk_in.service.telller", "did you mean 'teller'?"),
    # --- trace arrivals -----------------------------------------------------------------------
    Case("trace-bad-cell",
         sub(ARRIVALS, "    arrivals:\n      process: trace\n      file: arrivals.csv\n"), 8,
         "customers.walk_in.arrivals.file", "arrivals.csv:4: 'time' must be minutes",
         files=(("arrivals.csv", "time\n5\n12.5\nsoon\n"),)),
    Case("trace-missing-file",
         sub(ARRIVALS, "    arrivals:\n      process: trace\n      file: arrivals.csv\n"), 8,
         "customers.walk_in.arrivals.file", "no such trace file"),
    Case("trace-missing-column",
         sub(ARRIVALS, "    arrivals:\n      process: trace\n      file: arrivals.csv\n"
                       "      column: when\n"), 9,
         "customers.walk_in.arrivals.column", "no column 'when'",
         files=(("arrivals.csv", "time\n5\n"),)),
    Case("trace-csv-huge-cell",
         sub(ARRIVALS, "    arrivals:\n      process: trace\n      file: arrivals.csv\n"), 8,
         "customers.walk_in.arrivals.file", "cannot read",
         files=(("arrivals.csv", "time\n" + "9" * 200_000 + "\n"),)),
    # --- interventions -----------------------------------------------------------------------
    Case("greeter-missing-task", BASE + "interventions:\n  greeter: {staff: 1}\n", 17,
         "interventions.greeter.task", "is required"),
    Case("greeter-saves-both", BASE + "interventions:\n  greeter:\n"
         "    task: {dist: deterministic, value: 1}\n    saves: {minutes: 1, fraction: 0.2}\n",
         19, "interventions.greeter.saves", "exactly one of 'minutes' or 'fraction'"),
    Case("greeter-negative-cost", BASE + "interventions:\n  greeter:\n"
         "    task: {dist: deterministic, value: 1}\n    cost_per_hour: -2\n", 19,
         "interventions.greeter.cost_per_hour", "must be >= 0"),
    Case("wait-info-bad-mode", BASE + "interventions:\n  wait_time_info: {mode: clock}\n", 17,
         "interventions.wait_time_info.mode", "must be one of 'duration' or 'position'"),
    Case("wait-info-balk-on-position", BASE + "interventions:\n  wait_time_info:\n"
         "    mode: position\n    balk_on_displayed: 10\n", 17,
         "interventions.wait_time_info", "balk_on_displayed needs mode: duration"),
    Case("wait-info-unknown-station", BASE + "interventions:\n  wait_time_info:\n"
         "    stations: [desk]\n", 18, "interventions.wait_time_info.stations.0",
         "no station named 'desk'"),
    Case("explained-after-without-minutes", BASE + "interventions:\n"
         "  explained_delays: {on: after_minutes}\n", 17, "interventions.explained_delays",
         "give 'minutes' exactly when on: after_minutes"),
    Case("explained-unknown-class", BASE + "interventions:\n  explained_delays:\n"
         "    classes: [walkin]\n", 18, "interventions.explained_delays.classes.0",
         "did you mean 'walk_in'"),
    Case("appointments-share-above-1", BASE + "interventions:\n  appointments: {share: 2}\n",
         17, "interventions.appointments.share", "must be <= 1"),
    Case("appointments-unknown-class", BASE + "interventions:\n  appointments:\n"
         "    share: 0.3\n    classes: [walkin]\n", 19, "interventions.appointments.classes.0",
         "no class named 'walkin'; did you mean 'walk_in'"),
    Case("fair-queue-unknown-station", BASE + "interventions:\n  fair_queue:\n"
         "    stations: [teler]\n", 18, "interventions.fair_queue.stations.0",
         "no station named 'teler'; did you mean 'teller'"),
    Case("fair-queue-single-line-station", BASE + "interventions:\n  fair_queue:\n"
         "    stations: [teller]\n", 18, "interventions.fair_queue.stations.0",
         "already has one line"),
    Case("intervention-unknown", BASE + "interventions:\n  tv: {share: 1}\n", 17,
         "interventions.tv", "unknown key 'tv'"),
    Case("occupied-share-above-1", BASE + "interventions:\n  occupied_waiting:\n"
         "    share: 1.5\n", 18, "interventions.occupied_waiting.share", "must be <= 1"),
    Case("occupied-unknown-station", BASE + "interventions:\n  occupied_waiting:\n"
         "    share: 0.5\n    stations: [teler]\n", 19,
         "interventions.occupied_waiting.stations.0", "did you mean 'teller'"),
    Case("occupied-negative-cost", BASE + "interventions:\n  occupied_waiting:\n"
         "    share: 0.5\n    cost_per_day: -3\n", 19,
         "interventions.occupied_waiting.cost_per_day", "must be >= 0"),
    Case("satisfaction-unknown-key", BASE + "satisfaction:\n  treshold: 3\n", 17,
         "satisfaction.treshold", "unknown key 'treshold'"),
    Case("perception-unknown-model", BASE + "perception:\n  model: magic\n", 17,
         "perception.model", "must be one of 'maister' or 'identity'"),
    Case("perception-negative-factor", BASE + "perception:\n  occupied_factor: -1\n", 17,
         "perception.occupied_factor", "must be >= 0.01"),
    Case("class-perception-override", sub("    balk: {queue_length: 10}\n",
                                          "    balk: {queue_length: 10}\n"
                                          "    perception: {anxiety_effect: -2}\n"), 9,
         "customers.walk_in.perception.anxiety_effect", ">= 0"),
    Case("class-perception-model", sub("    balk: {queue_length: 10}\n",
                                       "    balk: {queue_length: 10}\n"
                                       "    perception: {model: identity}\n"), 9,
         "customers.walk_in.perception.model", "whole scenario"),
    Case("class-anxiety-above-1", sub("    balk: {queue_length: 10}\n",
                                      "    balk: {queue_length: 10}\n    anxiety: 2\n"), 9,
         "customers.walk_in.anxiety", "must be <= 1"),
    # --- variants: the message points at the variant's line -----------------------------------
    Case("variant-negative-servers", sub("servers: 3", "servers: -3"), 15,
         "variants.more -> stations.teller.servers", ">= 1"),
    Case("variant-block-zero-servers",
         sub(VARIANT, "  more:\n    stations:\n      teller:\n        servers: 0\n"), 18,
         "variants.more -> stations.teller.servers", ">= 1"),
    Case("variant-unknown-key", sub("servers: 3", "servrs: 3"), 15,
         "variants.more -> stations.teller.servrs", "did you mean 'servers'?"),
    Case("variant-normal-service",
         sub(VARIANT, "  more:\n    stations:\n      teller:\n"
                      "        service: {dist: normal, mean: 3, sd: 1}\n"), 18,
         "variants.more -> stations.teller.service", "a duration cannot be negative"),
    Case("variant-negative-sd",
         sub(VARIANT, "  more:\n    stations:\n      teller:\n        service:\n"
                      "          sd: -2\n"), 19,
         "variants.more -> stations.teller.service.sd", "must be >= 0"),
    Case("variant-new-dist-missing-mean",
         sub(VARIANT, "  more:\n    stations:\n      teller:\n"
                      "        service: {dist: gamma, sd: 1}\n"), 18,
         "variants.more -> stations.teller.service.mean", "is required"),
    Case("variant-route-missing-station",
         sub(VARIANT, "  more:\n    route:\n      teller: cashier\n"), 17,
         "variants.more -> route.teller", "no station named 'cashier'"),
    Case("variant-removes-stations", sub(VARIANT, "  more: {stations: null}\n"), 15,
         "variants.more -> stations", "is required"),
    Case("variant-not-a-mapping", sub(VARIANT, "  more: 5\n"), 15, "variants.more",
         "must be a mapping"),
    Case("variant-named-base", sub("  more:", "  base:"), 15, None,
         "'base' is the name of the unpatched scenario"),
]


CASES += ABSURD_CASES  # numbers beyond the plausibility bounds, work beyond the caps


def _param(case: Case) -> Any:
    return pytest.param(case, id=case.id)


def _write_case(case: Case, folder: Path) -> Path:
    for name, text in case.files:
        (folder / name).write_text(text, encoding="utf-8")
    path = folder / "scenario.yaml"
    if isinstance(case.content, bytes):
        path.write_bytes(case.content)
    elif case.content is not None:
        path.write_text(case.content, encoding="utf-8")
    return path


@pytest.mark.parametrize("command", ["validate", "run"])
@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_refused_with_file_line_and_field(
    case: Case, command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write_case(case, tmp_path)
    out_dir = tmp_path / "results"
    argv = [command, str(path)]
    if command == "run":
        # --replications/--workers only bound the cost should a case wrongly load.
        argv += ["--out", str(out_dir), "--replications", "1", "--workers", "1"]
    code = main(argv)
    captured = capsys.readouterr()
    check_refused(case, path, code, captured.out, captured.err)
    assert not out_dir.exists(), "a refused scenario must not leave a results folder"


def test_case_table_is_well_formed() -> None:
    assert len(CASES) >= 25
    assert len({c.id for c in CASES}) == len(CASES), "duplicate case ids"
    for case in CASES:
        if isinstance(case.content, str) and case.line is not None:
            assert case.line <= case.content.count("\n") + 1, case.id


def test_baseline_is_valid(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "scenario.yaml"
    for text in (BASE, TWO_STATIONS, ROUTED):
        path.write_text(text, encoding="utf-8")
        assert main(["validate", str(path)]) == 0
        # Valid: at most the warning that expected_wait is assumed (the baseline omits it).
        err = capsys.readouterr().err
        assert all("warning: no 'expected_wait'" in line for line in err.splitlines()), err
