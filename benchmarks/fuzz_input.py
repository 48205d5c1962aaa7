"""Fuzz waitsim's input checks with absurd numbers: mutate the bundled scenarios, run
``waitsim validate`` and then ``waitsim run --replications 1 --records none`` on each mutant
under a time limit and a memory limit, and count how each one ended.

Mutation families (each case draws one):

- ``huge``: a number of the scenario replaced by 40,000, 10^8, 10^9, 10^12, 10^20, 10^300 or 2^64;
- ``tiny``: a number replaced by 1e-300, 1e-200, 1e-9, 1e-6 or 5e-324;
- ``nonfinite``: a number replaced by .nan, .inf or -.inf;
- ``collision``: a class named ``NAME:booked`` added beside ``NAME``, with the appointments
  intervention booking ``NAME`` (the name it would generate);
- ``audit``: one of a list of absurd inputs found by hand (many servers, a gamma with a tiny
  sd, rates of 10^9 per hour, a huge horizon or end, an update every microsecond, ...).

Outcomes: ``refused`` (validate exit 2), ``ran`` (run exit 0), ``run-2`` (run exit 2),
``crash`` (exit 1 or another code: a traceback or an error found late), ``timeout`` (killed
after ``--timeout`` seconds) and ``memory`` (a MemoryError under the ``--memory-gb`` limit).
A sound input check leaves no ``crash``, ``timeout`` or ``memory``.

Usage (the same ``--seed`` and ``--cases`` draw the same mutants)::

    python benchmarks/fuzz_input.py --cases 300 --seed 1
    python benchmarks/fuzz_input.py --python /other/venv/bin/python   # another install
"""

from __future__ import annotations

import argparse
import collections
import copy
import os
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
HUGE = [40_000, 10**8, 10**9, 10**12, 1e20, 1e300, 2**64]
TINY = [1e-300, 1e-200, 1e-9, 1e-6, 5e-324]
NONFINITE = [float("nan"), float("inf"), float("-inf")]
OUTCOMES = ("refused", "ran", "run-2", "crash", "timeout", "memory")
Doc = dict[str, Any]
OCTAL = "<octal seed>"
"""Stands for ``0777`` (a number YAML 1.1 reads as octal), which a dump cannot write."""


class _Loader(yaml.SafeLoader):
    """YAML 1.2's booleans, as waitsim reads them: only true and false (``on:`` is a key)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regex) for tag, regex in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
_Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(
    "^(?:true|false)$"), list("tf"))


def _numbers(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Paths to every number (not a boolean) in a parsed YAML document."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _numbers(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _numbers(value, (*path, index))
    elif isinstance(node, int | float) and not isinstance(node, bool):
        yield path


def _set(doc: Doc, path: tuple[Any, ...], value: Any) -> None:
    for part in path[:-1]:
        doc = doc[part]
    doc[path[-1]] = value


def _replace_number(values: list[Any]) -> Callable[[Doc, random.Random], Doc]:
    def mutate(doc: Doc, rng: random.Random) -> Doc:
        paths = list(_numbers(doc))
        if paths:
            _set(doc, rng.choice(paths), rng.choice(values))
        return doc
    return mutate


def _collision(doc: Doc, rng: random.Random) -> Doc:
    poisson = [n for n, c in doc["customers"].items()
               if (c.get("arrivals") or {}).get("process") == "poisson"]
    name = rng.choice(poisson or list(doc["customers"]))
    doc["customers"][f"{name}:booked"] = copy.deepcopy(doc["customers"][name])
    doc.setdefault("interventions", {})["appointments"] = {"classes": [name], "share": 0.3}
    return doc


def _first(mapping: Doc) -> Any:
    return mapping[next(iter(mapping))]


def _poisson(doc: Doc) -> Doc:
    """The arrivals block of the first Poisson class (one is made if there is none)."""
    for c in doc["customers"].values():
        if (c.get("arrivals") or {}).get("process") == "poisson":
            return c["arrivals"]
    first = _first(doc["customers"])
    first["arrivals"] = {"process": "poisson", "rate_per_hour": 10}
    return first["arrivals"]


def _service(doc: Doc, dist: Doc) -> Doc:
    for station in doc["stations"].values():
        station["service"] = dist
    for c in doc["customers"].values():
        c.pop("service", None)
    return doc


def _horizon(doc: Doc, minutes: float) -> Doc:
    doc.pop("close", None)
    doc.pop("end", None)
    doc["horizon"] = minutes
    return doc


def _interventions(doc: Doc, name: str, block: Doc) -> Doc:
    doc.setdefault("interventions", {})[name] = block
    return doc


def _first_station(doc: Doc, **changes: Any) -> Doc:
    _first(doc["stations"]).update(changes)
    return doc


def _class(doc: Doc, **changes: Any) -> Doc:
    _first(doc["customers"]).update(changes)
    return doc


AUDIT: list[Callable[[Doc], Doc]] = [
    lambda d: _first_station(d, servers=40_000, schedule=None),
    lambda d: _first_station(d, schedule={0: 2**64}) if not isinstance(d.get("open"), str)
    else _first_station(d, schedule={d["open"]: 2**64}),
    lambda d: _service(d, {"dist": "gamma", "mean": 3, "sd": 1e-200}),
    lambda d: _service(d, {"dist": "gamma", "mean": 3, "sd": 1e200}),
    lambda d: _service(d, {"dist": "lognormal", "mean": 1e-300, "sd": 1e300}),
    lambda d: _class(d, patience={"dist": "exponential", "mean": 1e300}),
    lambda d: {**d, "perception": {"duration_exponent": 1e-9}},
    lambda d: (_poisson(d).update(rate_per_hour=1e9), d)[1],
    lambda d: _horizon(d, 1e12),
    lambda d: _interventions(d, "wait_time_info", {"every_minutes": 1e-6}),
    lambda d: _class(d, initial_queue=10**8),
    lambda d: {**d, "replications": 10**9},
    lambda d: {**d, "end": 1e10} if not isinstance(d.get("open"), str) else {**d, "end": 1e10,
                                                                             "open": 0,
                                                                             "close": 600},
    lambda d: {**d, "open": 1e20},
    lambda d: {**d, "seed": OCTAL},
]
"""Absurd inputs found by hand: each turns a bundled scenario into one."""

FAMILIES: dict[str, Callable[[Doc, random.Random], Doc]] = {
    "huge": _replace_number(HUGE),
    "tiny": _replace_number(TINY),
    "nonfinite": _replace_number(NONFINITE),
    "collision": _collision,
    "audit": lambda doc, rng: rng.choice(AUDIT)(doc),
}


def _limits(memory_bytes: int) -> Callable[[], None]:
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    return apply


def _call(command: list[str], timeout: float, memory_bytes: int, cwd: Path
          ) -> tuple[int | str, str]:
    """(exit code or "timeout", stderr) of ``command`` under the limits."""
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True, start_new_session=True,
                               preexec_fn=_limits(memory_bytes))
    try:
        _, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # the run and any worker it started
        process.communicate()
        return "timeout", ""
    return process.returncode, err


def run_case(python: str, file: Path, out: Path, timeout: float, memory_bytes: int
             ) -> tuple[str, str]:
    """(outcome, last line of stderr) of one mutant."""
    def outcome(code: int | str, err: str, ok: str) -> tuple[str, str]:
        last = (err.strip().splitlines() or [""])[-1][:160]
        if code == "timeout":
            return "timeout", ""
        if "MemoryError" in err or code == -signal.SIGKILL:
            return "memory", last
        return (ok if code == 0 else "refused" if ok == "valid" and code == 2
                else "run-2" if code == 2 else "crash"), last

    cwd = file.parent
    code, err = _call([python, "-m", "simulator", "validate", str(file)], timeout,
                      memory_bytes, cwd)
    result = outcome(code, err, "valid")
    if result[0] != "valid":
        return result
    code, err = _call([python, "-m", "simulator", "run", str(file), "--replications", "1",
                       "--records", "none", "--out", str(out)], timeout, memory_bytes, cwd)
    return outcome(code, err, "ran")


def mutants(cases: int, seed: int, folder: Path) -> list[tuple[str, Path]]:
    """``cases`` mutated scenario files written to ``folder`` (a copy of scenarios/)."""
    rng = random.Random(seed)
    sources = sorted(folder.glob("*.yaml"))
    docs = {p: yaml.load(p.read_text(encoding="utf-8"), Loader=_Loader) for p in sources}
    made = []
    for index in range(cases):
        family = rng.choice(sorted(FAMILIES))
        source = rng.choice(sources)
        doc = FAMILIES[family](copy.deepcopy(docs[source]), rng)
        file = folder / f"case{index:04d}_{family}.yaml"
        text = yaml.safe_dump(doc, sort_keys=False).replace(f"'{OCTAL}'", "0777")
        file.write_text(text, encoding="utf-8")
        made.append((family, file))
    return made


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds per command")
    parser.add_argument("--memory-gb", type=float, default=2.0, help="address-space limit")
    parser.add_argument("--jobs", type=int, default=1, help="cases run at once")
    parser.add_argument("--python", default=sys.executable,
                        help="interpreter whose waitsim is fuzzed (default: this one)")
    parser.add_argument("--scenarios", type=Path, default=REPO / "scenarios")
    parser.add_argument("--show", action="store_true", help="print every case's outcome")
    args = parser.parse_args()
    memory = int(args.memory_gb * 2**30)
    with tempfile.TemporaryDirectory(prefix="waitsim-fuzz-") as tmp:
        folder = Path(tmp) / "scenarios"
        shutil.copytree(args.scenarios, folder)
        cases = mutants(args.cases, args.seed, folder)

        def one(case: tuple[int, tuple[str, Path]]) -> tuple[str, str, str]:
            index, (family, file) = case
            outcome, why = run_case(args.python, file, Path(tmp) / f"out{index}",
                                    args.timeout, memory)
            if args.show:
                print(f"{file.name}: {outcome} {why}", flush=True)
            return family, outcome, why

        with ThreadPoolExecutor(args.jobs) as pool:
            results = list(pool.map(one, enumerate(cases)))
    table: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for family, outcome, _ in results:
        table[family][outcome] += 1
        table["all"][outcome] += 1
    print(f"{args.cases} cases, seed {args.seed}, timeout {args.timeout:g} s, "
          f"memory {args.memory_gb:g} GB\n")
    print("| family | " + " | ".join(OUTCOMES) + " |")
    print("|---|" + "---:|" * len(OUTCOMES))
    for family in [*sorted(f for f in table if f != "all"), "all"]:
        print(f"| {family} | " + " | ".join(str(table[family][o]) for o in OUTCOMES) + " |")
    bad = [(f, o, w) for f, o, w in results if o in ("crash", "timeout", "memory")]
    for family, outcome, why in bad[:30]:
        print(f"  {family}: {outcome}: {why}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
