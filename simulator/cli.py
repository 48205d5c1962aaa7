"""The ``waitsim`` command (also ``python -m simulator``).

Exit codes: 0 success; 2 invalid input (bad YAML, bad field, missing file, bad option) with a
message naming file, line and field and no traceback; 1 any other failure; 130 interrupted
(rerunning the same command resumes).
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from . import __version__
from .experiment import default_workers, run_experiment
from .loader import load_scenario
from .report import json_document, table
from .yamlsource import ScenarioError

EXIT_OK, EXIT_FAILURE, EXIT_INVALID, EXIT_INTERRUPTED = 0, 1, 2, 130


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        raise SystemExit(f"{self.prog}: error: {message}") from None


def _whole_number(minimum: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be a whole number (got {text!r})") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be >= {minimum} (got {value})")
        return value

    return parse


_positive, _seed = _whole_number(1), _whole_number(0)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="waitsim", description="Queue-wait perception simulator.")
    parser.add_argument("--version", action="version", version=f"waitsim {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = commands.add_parser("run", help="run a scenario's base and variants",
                              description="Run replications of a scenario (base and every "
                              "variant unless --variant is given) and report the metrics.")
    run.add_argument("scenario", type=Path, help="scenario YAML file")
    run.add_argument("--variant", action="append", metavar="NAME",
                     help="run only this variant ('base' for the base); repeatable")
    run.add_argument("--replications", type=_positive, metavar="N",
                     help="replications per variant (default: the file's)")
    run.add_argument("--seed", type=_seed, metavar="S", help="root seed (default: the file's)")
    run.add_argument("--out", type=Path, metavar="DIR",
                     help="results folder (default: results/<scenario file name>)")
    run.add_argument("--json", action="store_true",
                     help="print one JSON document on standard output instead of the table")
    run.add_argument("--workers", type=_positive, metavar="N", default=None,
                     help=f"worker processes (default: all cores, here {default_workers()})")
    run.add_argument("--records", choices=["full", "summary"], default="full",
                     help="full: write per-customer, per-visit and per-segment records; "
                          "summary: metrics and time series only (default: full)")

    plot = commands.add_parser("plot", help="draw the figures of a results folder",
                               description="Draw the figures of a results folder written by "
                               "'waitsim run' or 'waitsim compare' (PNG and SVG by default).")
    plot.add_argument("results", type=Path, metavar="RESULTS_DIR", help="results folder")
    plot.add_argument("--out", type=Path, metavar="DIR",
                      help="folder for the figures (default: RESULTS_DIR/figures)")
    plot.add_argument("--format", nargs="+", choices=["png", "svg", "pdf"],
                      default=["png", "svg"], help="file formats (default: png svg)")
    plot.add_argument("--metric", action="append", metavar="NAME",
                      help="metric of the paired-improvement plot; repeatable (default: "
                           "satisfaction_mean and perceived_wait_mean)")

    validate = commands.add_parser("validate", help="check scenario files",
                                   description="Check scenario files and their variants.")
    validate.add_argument("scenarios", type=Path, nargs="+", metavar="SCENARIO")
    return parser


def _progress_bar(enabled: bool):  # type: ignore[no-untyped-def]
    """A tqdm bar on standard error that shows only on a terminal, after a moment."""
    from tqdm import tqdm

    bar = tqdm(total=0, unit="replication", file=sys.stderr, delay=0.5, leave=False,
               disable=None if enabled else True)

    def update(done: int, total: int) -> None:
        bar.total = total
        bar.n = done
        bar.refresh()

    return bar, update


def _command_run(args: argparse.Namespace) -> int:
    loaded = load_scenario(args.scenario)
    for warning in loaded.warnings:
        print(warning, file=sys.stderr)
    variants = args.variant
    if variants:
        for name in variants:
            if name not in loaded.plans:
                close = difflib.get_close_matches(name, loaded.variant_names, n=1)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                raise ScenarioError(f"{args.scenario}: --variant {name}: no such variant{hint} "
                                    f"(variants: {', '.join(loaded.variant_names)})")
        variants = list(dict.fromkeys(variants))
    out = args.out or Path("results") / args.scenario.stem
    bar, update = _progress_bar(enabled=True)
    try:
        result = run_experiment(
            loaded, variants=variants, replications=args.replications, seed=args.seed,
            workers=args.workers or default_workers(), out=out, records=args.records,
            progress=update, command=["waitsim", *sys.argv[1:]],
        )
    finally:
        bar.close()
    if args.json:
        print(json.dumps(json_document(result), indent=2, allow_nan=False))
    else:
        print(table(result))
        print()
        reused = f", {result.reused} reused from an earlier run" if result.reused else ""
        print(f"Results in {out}/ ({result.seconds:.1f} s{reused}). Per-customer records: "
              f"pandas.read_parquet('{out}/customers').")
    return EXIT_OK


def _command_plot(args: argparse.Namespace) -> int:
    from . import plots  # matplotlib loads only for this command
    from .summary import METRICS

    for name in args.metric or ():
        if name not in METRICS:
            close = difflib.get_close_matches(name, list(METRICS), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise ScenarioError(f"--metric {name}: no such metric{hint} (metrics: "
                                f"{', '.join(METRICS)})")

    def skipped(name: str, reason: str) -> None:
        print(f"waitsim: {name} skipped: {reason}", file=sys.stderr)

    written = plots.save_all(args.results, args.out, formats=list(dict.fromkeys(args.format)),
                             metrics=args.metric or plots.DEFAULT_METRICS, on_skip=skipped)
    for path in written:
        print(path)
    return EXIT_OK


def _command_validate(args: argparse.Namespace) -> int:
    status = EXIT_OK
    for path in args.scenarios:
        try:
            loaded = load_scenario(path)
        except ScenarioError as exc:
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


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:
        if isinstance(exc.code, str):
            print(exc.code, file=sys.stderr)
            return EXIT_INVALID
        return int(exc.code or 0)
    try:
        if args.command == "run":
            return _command_run(args)
        if args.command == "plot":
            return _command_plot(args)
        return _command_validate(args)
    except ScenarioError as exc:
        print(exc, file=sys.stderr)
        return EXIT_INVALID
    except BrokenPipeError:  # e.g. `waitsim run ... --json | head`: the reader left
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
        return EXIT_OK
    except KeyboardInterrupt:
        print("waitsim: interrupted; finished replications are saved, and running the same "
              "command again resumes from them", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:  # the contract: exit 1 with a message, not a traceback
        print(f"waitsim: error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
