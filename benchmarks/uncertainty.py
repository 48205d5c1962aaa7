"""What ``compare --uncertainty`` costs beside a plain compare (benchmarks/README.md holds the
results)::

    python benchmarks/uncertainty.py [--scenario scenarios/bank_branch.yaml] [--draws 200]
                                     [--workers 1] [--repeat 3]

Times, in this process, a plain comparison of every variant over the file's replications and
then the uncertainty analysis alone (``run_uncertainty``, nothing on disk), ``--repeat``
times in turn; prints each pair, the ratio of the medians, and which way the draws were
evaluated (re-simulated when they change who leaves, else rescored) with the tasks' count.
The same scenario with nobody who leaves (patience and balking removed) is timed too, so
the rescoring path is measured as well.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from simulator import load_scenario  # noqa: E402
from simulator.runs.experiment import run_experiment  # noqa: E402
from simulator.runs.uncertainty import run_uncertainty  # noqa: E402


def _without_patience(path: Path, folder: Path) -> Path:
    lines = [line for line in path.read_text().splitlines()
             if not line.strip().startswith(("patience:", "balk:"))]
    out = folder / f"{path.stem}_no_patience.yaml"
    out.write_text("\n".join(lines) + "\n")
    for data in path.parent.glob("*.csv"):  # trace files the scenario may name
        (folder / data.name).write_bytes(data.read_bytes())
    return out


def measure(path: Path, draws: int, workers: int, repeat: int) -> None:
    loaded = load_scenario(path)
    plain, analysis = [], []
    for _ in range(repeat):
        started = time.perf_counter()
        result = run_experiment(loaded, workers=workers)
        plain.append(time.perf_counter() - started)
        started = time.perf_counter()
        u = run_uncertainty(loaded, result.metrics, draws, "satisfaction_mean",
                            loaded.base.seed, workers=workers)
        analysis.append(time.perf_counter() - started)
    how = (f"re-simulated, {u.replications_per_draw} replication a draw" if u.resimulated
           else f"rescored, {u.replications_per_draw} replications a draw")
    print(f"| {path.name} | {len(loaded.plans)} | {loaded.base.replications} | {draws} | {how} "
          f"| {statistics.median(plain):.1f} | {statistics.median(analysis):.1f} "
          f"| {statistics.median(analysis) / statistics.median(plain):.1f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scenario", type=Path, default=ROOT / "scenarios" / "bank_branch.yaml")
    parser.add_argument("--draws", type=int, default=200)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print("| scenario | variants | replications | draws | draws evaluated | plain compare (s) "
          "| uncertainty (s) | ratio |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    measure(args.scenario, args.draws, args.workers, args.repeat)
    with tempfile.TemporaryDirectory() as folder:
        measure(_without_patience(args.scenario, Path(folder)), args.draws, args.workers,
                args.repeat)


if __name__ == "__main__":
    main()
