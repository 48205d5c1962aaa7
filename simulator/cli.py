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
from .cluster import open_executor
from .experiment import RECORDS_MODES, default_workers, run_experiment
from .loader import load_scenario
from .report import json_document, table
from .sweep import load_sweep
from .sweeprun import run_sweep, sweep_document, sweep_table
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
    _add_output_and_workers(run, "scenario")
    run.add_argument("--records", choices=RECORDS_MODES, default="full",
                     help="full: write per-customer, per-visit and per-segment records; "
                          "summary: metrics and time series only; none: metrics only "
                          "(default: full)")

    sweep = commands.add_parser("sweep", help="run a parameter sweep",
                                description="Run every point of a sweep file (a grid or a Latin "
                                "hypercube over a scenario's parameters); rerunning resumes.")
    sweep.add_argument("sweep", type=Path, help="sweep YAML file")
    _add_output_and_workers(sweep, "sweep")
    sweep.add_argument("--restart", action="store_true",
                       help="discard the results folder's earlier results of a different sweep "
                            "(refused otherwise)")

    validate = commands.add_parser("validate", help="check scenario files",
                                   description="Check scenario files and their variants.")
    validate.add_argument("scenarios", type=Path, nargs="+", metavar="SCENARIO")
    return parser


def _add_output_and_workers(command: argparse.ArgumentParser, what: str) -> None:
    command.add_argument("--out", type=Path, metavar="DIR",
                         help=f"results folder (default: results/<{what} file name>)")
    command.add_argument("--json", action="store_true",
                         help="print one JSON document on standard output instead of the table")
    command.add_argument("--workers", type=_positive, metavar="N", default=None,
                         help=f"worker processes (default: all cores, here {default_workers()})")
    command.add_argument("--dask", metavar="ADDRESS|local",
                         help="run the tasks on a Dask cluster: a scheduler's address "
                              "(tcp://host:8786), or 'local' for a LocalCluster of --workers "
                              "processes (needs waitsim[dask])")


def _progress_bar(enabled: bool):  # type: ignore[no-untyped-def]
    """A tqdm bar on standard error that shows only on a terminal, after a moment."""
    from tqdm import tqdm

    bar = tqdm(total=0, unit="replication", file=sys.stderr, delay=0.5, leave=False,
               disable=None if enabled else True)

    def update(done: int, total: int) -> None:
        if bar.total != total:  # the first call: work found done does not count in the ETA
            bar.total, bar.initial, bar.n, bar.last_print_n = total, done, done, done
            bar.refresh()
        else:
            bar.update(done - bar.n)

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
    with open_executor(args.dask, args.workers or default_workers()) as (executor, workers):
        try:
            result = run_experiment(
                loaded, variants=variants, replications=args.replications, seed=args.seed,
                workers=workers, out=out, records=args.records, progress=update,
                command=["waitsim", *sys.argv[1:]], executor=executor,
            )
        finally:
            bar.close()
    if args.json:
        print(json.dumps(json_document(result), indent=2, allow_nan=False))
    else:
        print(table(result))
        print()
        reused = f", {result.reused} reused from an earlier run" if result.reused else ""
        records = (f" Per-customer records: pandas.read_parquet('{out}/customers')."
                   if args.records == "full" else "")
        print(f"Results in {out}/ ({result.seconds:.1f} s{reused}).{records}")
    return EXIT_OK


def _command_sweep(args: argparse.Namespace) -> int:
    sweep = load_sweep(args.sweep)
    out = args.out or Path("results") / args.sweep.stem
    bar, update = _progress_bar(enabled=True)
    with open_executor(args.dask, args.workers or default_workers()) as (executor, workers):
        try:
            result = run_sweep(sweep, out, workers=workers, executor=executor,
                               restart=args.restart, progress=update,
                               command=["waitsim", *sys.argv[1:]])
        finally:
            bar.close()
    if args.json:
        print(json.dumps(sweep_document(result), indent=2, allow_nan=False))
    else:
        print(sweep_table(result))
        print()
        reused = f", {result.reused} tasks reused from an earlier run" if result.reused else ""
        print(f"Results in {out}/ ({result.seconds:.1f} s{reused}). Table: "
              f"pandas.read_csv('{out}/replications.csv').")
    for point in sweep.points:
        error = result.error(point.id)
        if error:
            print(error, file=sys.stderr)
    if result.failures:
        print(f"waitsim: {len(result.failures)} point(s) failed; the others are kept, and "
              "running the same command again retries them", file=sys.stderr)
        return EXIT_FAILURE
    return EXIT_INVALID if any(p.error for p in sweep.points) else EXIT_OK


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
        if args.command == "sweep":
            return _command_sweep(args)
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
