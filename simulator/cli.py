"""The ``waitsim`` command (also ``python -m simulator``).

Exit codes: 0 success; 2 invalid input (bad YAML, bad field, missing file, bad option) with a
message naming file, line and field and no traceback; 1 any other failure; 130 interrupted
(rerunning the same command resumes).
The command is entered through :mod:`simulator.entry` (Ctrl-C while this module loads);
:func:`main` handles Ctrl-C while a command runs.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from simulator import api
from simulator.analysis.calibration.survey import SCALES
from simulator.analysis.result import ExperimentResult
from simulator.errors import EXIT_INTERRUPTED, INTERRUPTED, InputError, WaitsimError
from simulator.metrics import RANKABLE
from simulator.options import DEFAULT_MAX_REPLICATIONS as MAX_AUTO
from simulator.options import FIGURE_FORMATS, RECORDS_MODES, default_workers
from simulator.options import non_negative_number as _non_negative_number
from simulator.options import positive_number as _positive_number
from simulator.options import whole_number as _whole_number
from simulator.plan.json_schema import schema_text
from simulator.plan.library import DEFAULT_TEMPLATE, templates, write_template
from simulator.plan.loader import LoadedScenario, check_total_work, load_scenario
from simulator.report.text import paragraph
from simulator.runs.executor import address_problem
from simulator.runs.sweep import SweepResult
from simulator.version import __version__

EXIT_OK, EXIT_FAILURE, EXIT_INVALID = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        raise SystemExit(f"{self.prog}: error: {message}") from None


_positive, _seed = _whole_number(1), _whole_number(0)


def _dask_address(text: str) -> str:
    if (problem := address_problem(text)) is not None:
        raise argparse.ArgumentTypeError(f"{text[:100]!r} {problem}")
    return text


def _replications_or_auto(text: str) -> int | str:
    return "auto" if text == "auto" else _positive(text)


def _add_experiment_options(parser: argparse.ArgumentParser,
                            replications: Callable[[str], Any], replications_help: str) -> None:
    """The options of every command that runs replications of a scenario (run, compare)."""
    parser.add_argument("scenario", type=Path, help="scenario YAML file")
    parser.add_argument("--variant", action="append", metavar="NAME",
                        help="run only this variant ('base' for the base); repeatable")
    parser.add_argument("--replications", type=replications, metavar="N",
                        help=replications_help)
    parser.add_argument("--seed", type=_seed, metavar="S", help="root seed (default: the file's)")
    _add_output_and_workers(parser, "scenario")
    parser.add_argument("--metric", action="append", metavar="NAME",
                        help="show this metric's row in the table (default: every metric); "
                             "repeatable; --json always holds every metric")
    parser.add_argument("--records", choices=RECORDS_MODES, default="full",
                        help="full: write per-customer, per-visit and per-segment records; "
                             "summary: metrics and time series only; none: metrics only "
                             "(default: full)")


def _add_output_and_workers(command: argparse.ArgumentParser, what: str) -> None:
    """The options of every command that runs tasks (run, compare, sweep)."""
    command.add_argument("--out", type=Path, metavar="DIR",
                         help=f"results folder (default: results/<{what} file name>)")
    command.add_argument("--json", action="store_true",
                         help="print one JSON document on standard output instead of the table")
    command.add_argument("--workers", type=_positive, metavar="N", default=None,
                         help=f"worker processes (default: all cores, here {default_workers()})")
    command.add_argument("--dask", metavar="ADDRESS|local", type=_dask_address,
                         help="run the tasks on a Dask cluster: a scheduler's address "
                              "(tcp://host:8786), or 'local' for a LocalCluster of --workers "
                              "processes (needs waitsim[dask])")
    command.add_argument("--replace", action="store_true",
                         help="discard finished results of another run that the results folder "
                              "holds and this one would remove (refused otherwise)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="waitsim", description="Queue-wait perception simulator.")
    parser.add_argument("--version", action="version", version=f"waitsim {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = commands.add_parser("run", help="run a scenario's base and variants",
                              description="Run replications of a scenario (base and every "
                              "variant unless --variant is given) and report the metrics.")
    _add_experiment_options(run, _positive, "replications per variant (default: the file's)")

    compare = commands.add_parser(
        "compare", help="compare variants with the base (paired), rank them, cost them",
        description="Run the base and the variants with common random numbers and report each "
        "variant's paired difference from the base (paired t over replications), a ranking "
        "and what each variant's extra cost buys. The base is always run.")
    _add_experiment_options(
        compare, _replications_or_auto,
        "replications per variant (default: the file's), or 'auto': add replications until "
        "the ranking metric's paired 95%% CI half-width is at most --precision")
    compare.add_argument("--precision", type=_positive_number, metavar="P",
                         help="with --replications auto: the target 95%% half-width, in the "
                              "ranking metric's unit (shares as fractions)")
    compare.add_argument("--max-replications", type=_whole_number(2), metavar="N",
                         default=MAX_AUTO,
                         help="with --replications auto: the cap (default: "
                              f"{MAX_AUTO})")
    compare.add_argument("--rank-by", choices=RANKABLE, default="satisfaction_mean",
                         metavar="METRIC", help="metric to rank the variants by (default: "
                         f"satisfaction_mean; one of: {', '.join(RANKABLE)})")
    compare.add_argument("--uncertainty", type=_whole_number(10), metavar="N",
                         help="also draw the model's uncertain parameters N times (Latin "
                              "hypercube, 200 is a good start) and say how sure the ranking is")
    compare.add_argument("--uncertainty-replications", type=_whole_number(1), metavar="K",
                         help="with --uncertainty, when the draws change who leaves: "
                              "replications each draw is simulated on (default 1)")

    sweep = commands.add_parser("sweep", help="run a parameter sweep",
                                description="Run every point of a sweep file (a grid or a Latin "
                                "hypercube over a scenario's parameters); rerunning resumes.")
    sweep.add_argument("sweep", type=Path, help="sweep YAML file")
    _add_output_and_workers(sweep, "sweep")
    sweep.add_argument("--restart", action="store_true",
                       help="deprecated: the same as --replace")

    plot = commands.add_parser("plot", help="draw the figures of a results folder",
                               description="Draw the figures of a results folder written by "
                               "'waitsim run' or 'waitsim compare' (PNG and SVG by default).")
    plot.add_argument("results", type=Path, metavar="RESULTS_DIR", help="results folder")
    plot.add_argument("--out", type=Path, metavar="DIR",
                      help="folder for the figures (default: RESULTS_DIR/figures): new, empty, "
                           "or holding only figures waitsim plot drew (refused otherwise)")
    plot.add_argument("--format", nargs="+", choices=FIGURE_FORMATS,
                      default=["png", "svg"], help="file formats (default: png svg)")
    plot.add_argument("--metric", action="append", metavar="NAME",
                      help="metric of the paired-improvement plot (of a sweep: a panel of "
                           "each parameter's figure); repeatable (default: satisfaction_mean "
                           "and perceived_wait_mean; a sweep: the headline metrics)")
    plot.add_argument("--variant", action="append", metavar="NAME",
                      help="draw only this variant; repeatable (default: all)")

    calibrate = commands.add_parser(
        "calibrate", help="fit the perception and satisfaction parameters to a survey",
        description="Fit the perceived-wait and satisfaction parameters to a customer survey "
        "(CSV, one row a respondent: actual_wait and any of reported_wait, satisfaction, "
        "class, occupied, informed), each with a 95%% bootstrap interval; see "
        "docs/how-to/calibrate.md.")
    calibrate.add_argument("survey", type=Path, metavar="SURVEY.csv", help="survey CSV file")
    calibrate.add_argument("--json", action="store_true",
                           help="print one JSON document on standard output instead of the "
                                "table")
    calibrate.add_argument("--scale", default="0-100", choices=list(SCALES),
                           help="the satisfaction column's scale; a Likert answer is mapped "
                                "linearly to 0-100 (default: 0-100)")
    calibrate.add_argument("--seed", type=_seed, default=0, metavar="S",
                           help="seed of the bootstrap resamples (default: 0)")
    calibrate.add_argument("--bootstrap", type=_seed, default=api.DEFAULT_BOOTSTRAP,
                           metavar="N", help="bootstrap resamples for the 95%% intervals "
                           f"(default: {api.DEFAULT_BOOTSTRAP}; 0: no intervals)")
    calibrate.add_argument("--recall-sd", type=_non_negative_number, default=0.0,
                           metavar="SD", help="log-sd of recall error in reported waits, "
                           "taken out of time_sense_sd (default: 0: all of the spread is "
                           "time sense)")
    calibrate.add_argument("--write", type=Path, metavar="SCENARIO.yaml",
                           help="put the fitted values into this scenario file (comments and "
                                "layout kept, intervals as comments), then validate it")
    calibrate.add_argument("--figure", type=Path, metavar="FILE",
                           help="draw the fit against the data into FILE (.png, .svg or .pdf)")

    report = commands.add_parser(
        "report", help="write one HTML page a manager can read",
        description="Write one self-contained HTML page of a results folder: the "
        "recommendation, the ranking with paired intervals and costs, the key figures, how "
        "sure the ranking is, the assumptions and the scenario. No network needed to view it.")
    report.add_argument("results", type=Path, metavar="RESULTS_DIR", help="results folder")
    report.add_argument("--out", type=Path, metavar="FILE.html",
                        help="the page to write (default: RESULTS_DIR/report.html)")
    report.add_argument("--rank-by", choices=RANKABLE, default=None, metavar="METRIC",
                        help="metric to rank the options by (default: the one the "
                             "uncertainty analysis used, else satisfaction_mean)")

    validate = commands.add_parser("validate", help="check scenario files",
                                   description="Check scenario files and their variants.")
    validate.add_argument("scenarios", type=Path, nargs="+", metavar="SCENARIO")

    names = ", ".join(templates())
    init = commands.add_parser(
        "init", help="write a commented starter scenario from a bundled template",
        description="Write a commented starter scenario (a copy of a bundled scenario, "
        "comments included) to FILE, which must not exist. Templates: " + names + ".")
    init.add_argument("file", type=Path, nargs="?", metavar="FILE",
                      help="the scenario file to write (never overwritten)")
    init.add_argument("--template", default=DEFAULT_TEMPLATE, metavar="NAME",
                      help=f"the template (default: {DEFAULT_TEMPLATE}; one of: {names})")
    init.add_argument("--list", action="store_true", help="list the templates and exit")

    commands.add_parser(
        "schema", help="print the scenario files' JSON Schema",
        description="Print the JSON Schema (draft 2020-12) of scenario files on standard "
        "output, for editors that complete and check keys as you type (the file "
        "schema/scenario.schema.json holds the same).")
    return parser


_BAR_FORMAT = ("{l_bar}{bar}| {done}/{total_fmt} [{elapsed}<{remaining}, {rate_fmt}"
               "{postfix}]")
"""tqdm's own layout, but with ``done``: the replications finished, a whole number."""


@contextmanager
def _progress_bar(file: TextIO | None = None, disable: bool | None = None, delay: float = 0.5,
                  unit: str = "replication") -> Iterator[Callable[[float, int], None]]:
    """A progress callback drawing a tqdm bar (counting ``unit``) on ``file`` (standard
    error), by default only on a terminal (``disable=None``) and after ``delay`` seconds; the
    bar is closed on leaving. The bar moves with fractions of tasks under way, but counts
    finished ones: ``12/60``, never ``12.37/60``."""
    from tqdm import tqdm

    class Bar(tqdm):  # type: ignore[misc,type-arg]
        @property
        def format_dict(self) -> dict[str, Any]:
            shown = super().format_dict
            shown["done"] = math.floor(shown["n"] + 1e-9)  # the fractions of a rounded sum
            return shown

    bar = Bar(total=0, unit=unit, file=file or sys.stderr, delay=delay, leave=False,
              disable=disable, bar_format=_BAR_FORMAT)

    def update(done: float, total: int) -> None:
        if bar.total != total:  # the first call: work found done does not count in the ETA
            bar.total, bar.initial, bar.n, bar.last_print_n = total, done, done, done
            bar.refresh()
        else:  # ``done`` may have a fraction (a long replication under way)
            bar.update(done - bar.n)
            bar.n = done  # no drift from adding fractions

    try:
        yield update
    finally:
        bar.close()


def _load(args: argparse.Namespace) -> tuple[LoadedScenario, list[str] | None, Path]:
    """The scenario (warnings printed), the variants asked for (checked; None = all) and the
    results folder."""
    loaded = api.load_scenario(args.scenario)
    for warning in loaded.warnings:
        print(warning, file=sys.stderr)
    variants = api.check_variants(loaded, args.variant, option="--variant")
    api.check_metrics(args.metric)  # before the run, not after it
    return loaded, variants, args.out or Path("results") / args.scenario.stem


def _where(out: Path, result: ExperimentResult | SweepResult, how: str, unit: str = "") -> str:
    """The closing line of run, compare and sweep: the results folder, the time taken, the
    ``result.reused`` replications (or ``unit``, e.g. ' tasks') an earlier run had finished,
    and ``how`` to read the results (may be empty)."""
    reused = f", {result.reused}{unit} reused from an earlier run" if result.reused else ""
    return paragraph(" ".join(filter(None, [f"Results in {out}/ ({result.seconds:.1f} s{reused}).",
                                            how])))


def _records_hint(out: Path, records: str) -> str:
    """How to read the per-customer records, when ``--records full`` wrote them."""
    if records != "full":
        return ""
    return f"Per-customer records: pandas.read_parquet('{out}/customers')."


def _run_options(args: argparse.Namespace, out: Path, progress: Callable[[float, int], None]
                 ) -> dict[str, Any]:
    """The keyword arguments of :func:`simulator.api.run` and ``compare`` that the options
    of both commands give."""
    return {"seed": args.seed, "workers": args.workers, "out": out, "records": args.records,
            "dask": args.dask, "progress": progress, "command": ["waitsim", *sys.argv[1:]],
            "replace": args.replace}


def _command_run(args: argparse.Namespace) -> int:
    loaded, variants, out = _load(args)
    with _progress_bar() as progress:
        result = api.run(loaded, variants=variants, replications=args.replications,
                         **_run_options(args, out, progress))
    if args.json:
        print(json.dumps(result.to_json(), indent=2, allow_nan=False))
    else:
        print(result.text(args.metric))
        print()
        print(_where(out, result.experiment, _records_hint(out, args.records)))
    return EXIT_OK


def _command_compare(args: argparse.Namespace) -> int:
    loaded, variants, out = _load(args)
    with _progress_bar() as progress:
        result = api.compare(loaded, variants=variants, replications=args.replications,
                             rank_by=args.rank_by, precision=args.precision,
                             uncertainty=args.uncertainty,
                             uncertainty_replications=args.uncertainty_replications,
                             max_replications=args.max_replications,
                             **_run_options(args, out, progress))
    if args.json:
        print(json.dumps(result.to_json(), indent=2, allow_nan=False))
    else:
        print(result.text(args.metric))
        print()
        print(_where(out, result.experiment, " ".join(filter(None, [
            _records_hint(out, args.records), "Comparison: comparison.csv, costs.csv."]))))
    return EXIT_OK


def _command_sweep(args: argparse.Namespace) -> int:
    sweep = api.load_sweep_file(args.sweep)
    for warning in sweep.warnings:
        print(warning, file=sys.stderr)
    out = args.out or Path("results") / args.sweep.stem
    if args.restart:
        print("waitsim: --restart is deprecated; use --replace", file=sys.stderr)
    with _progress_bar() as progress:
        outcome = api.sweep(sweep, out=out, workers=args.workers, dask=args.dask,
                            replace=args.replace or args.restart, progress=progress,
                            command=["waitsim", *sys.argv[1:]])
    result = outcome.result
    if args.json:
        print(json.dumps(outcome.to_json(), indent=2, allow_nan=False))
    else:
        print(outcome)
        print()
        print(_where(out, result, f"Table: pandas.read_csv('{out}/replications.csv').",
                     unit=" tasks"))
    for point in sweep.points:
        error = result.error(point.id)
        if error:
            print(error, file=sys.stderr)
    if result.failures:
        print(f"waitsim: {len(result.failures)} point(s) failed; the others are kept, and "
              "running the same command again retries them", file=sys.stderr)
        return EXIT_FAILURE
    return EXIT_INVALID if any(p.error for p in sweep.points) else EXIT_OK


def _command_plot(args: argparse.Namespace) -> int:
    from simulator import plots  # matplotlib loads only for this command

    api.check_metrics(args.metric)

    def skipped(name: str, reason: str) -> None:
        print(f"waitsim: {name} skipped: {reason}", file=sys.stderr)

    with _progress_bar(unit="figure") as progress:
        written = plots.save_all(args.results, args.out,
                                 formats=list(dict.fromkeys(args.format)), metrics=args.metric,
                                 on_skip=skipped, variants=args.variant, progress=progress)
    for path in written:
        print(path)
    return EXIT_OK


def _command_report(args: argparse.Namespace) -> int:
    print(api.report(args.results, args.out, args.rank_by))
    return EXIT_OK


def _command_calibrate(args: argparse.Namespace) -> int:
    if args.figure is not None and args.figure.suffix.lower().lstrip(".") not in FIGURE_FORMATS:
        raise InputError(f"--figure {args.figure}: the file name must end in one of "
                         f"{', '.join('.' + f for f in FIGURE_FORMATS)}")
    result = api.calibrate(args.survey, scale=args.scale, seed=args.seed,
                           bootstrap=args.bootstrap, recall_sd=args.recall_sd,
                           scenario=args.write)
    notes = result.write(args.write) if args.write is not None else []
    if args.json:
        print(json.dumps(result.to_json(), indent=2, allow_nan=False))
    else:
        print(result)
    if args.figure is not None:
        from simulator.runs.files import atomic_write_bytes

        buffer = io.BytesIO()
        result.figure().savefig(buffer, format=args.figure.suffix.lower().lstrip("."),
                                dpi=150)
        atomic_write_bytes(args.figure, buffer.getvalue())
        print(f"Figure: {args.figure}", file=sys.stderr)
    for note in notes:
        print(f"waitsim: {note}", file=sys.stderr)
    if args.write is not None:
        print(f"Calibrated values written into {args.write} (validated).", file=sys.stderr)
    return EXIT_OK


def _command_validate(args: argparse.Namespace) -> int:
    status = EXIT_OK
    for path in args.scenarios:
        try:
            loaded = load_scenario(path)
            check_total_work(loaded)  # the work of the file as written
        except InputError as exc:
            print(exc, file=sys.stderr)
            status = EXIT_INVALID
            continue
        for warning in loaded.warnings:
            print(warning, file=sys.stderr)
        base, plan = loaded.base, loaded.plans["base"]
        window = f"{plan.clock(plan.open)}-{plan.clock(plan.arrivals_end)}"
        print(f"ok  {path}: '{base.name}', {len(base.customers)} customer class(es), "
              f"{len(base.stations)} station(s), {len(loaded.plans) - 1} variant(s), "
              f"arrivals {window}, {base.replications} replications")
    return status


def _command_init(args: argparse.Namespace) -> int:
    if args.list:
        for name, path in templates().items():
            print(f"{name:24}  {_first_comment(path)}")
        return EXIT_OK
    if args.file is None:
        raise InputError("waitsim init: give the FILE to write (or --list for the templates)")
    loaded = write_template(args.file, args.template)
    print(f"wrote {args.file}: '{loaded.base.name}' with {len(loaded.plans) - 1} variant(s), "
          f"from the template {args.template}. Edit it, then: waitsim validate {args.file}")
    return EXIT_OK


def _first_comment(path: Path) -> str:
    """A template's first comment line that is not an editor hint: what it is."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") and not line.startswith("# yaml-language-server"):
            return line.lstrip("# ").strip()
    return ""


def _command_schema(args: argparse.Namespace) -> int:
    sys.stdout.write(schema_text())
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    try:
        try:
            args = build_parser().parse_args(argv)
        except SystemExit as exc:
            if isinstance(exc.code, str):
                print(exc.code, file=sys.stderr)
                return EXIT_INVALID
            return int(exc.code or 0)
        commands = {"run": _command_run, "compare": _command_compare,
                    "sweep": _command_sweep, "validate": _command_validate,
                    "plot": _command_plot, "calibrate": _command_calibrate,
                    "init": _command_init, "schema": _command_schema,
                    "report": _command_report}
        return commands[args.command](args)
    except InputError as exc:
        print(exc, file=sys.stderr)
        return exc.exit_code
    except WaitsimError as exc:
        print(f"waitsim: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:  # e.g. `waitsim run ... --json | head`: the reader left
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
        return EXIT_OK
    except KeyboardInterrupt:
        print(INTERRUPTED, file=sys.stderr)
        return EXIT_INTERRUPTED
    except MemoryError:
        print("waitsim: error: out of memory. Results already written are kept (run, compare "
              "and sweep resume from them when run again); to need less, use fewer --workers, "
              "fewer replications or a shorter day (a scenario's limits: key sets how large a "
              "run may be)", file=sys.stderr)
        return EXIT_FAILURE
    except Exception as exc:  # exit 1 with a message, not a traceback
        print(f"waitsim: error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
