"""How each lever's gain on the bank branch day moves with the assumptions it rests on.

Runs ``waitsim compare scenarios/bank_branch.yaml`` (30 replications, common random numbers)
once per setting and prints a Markdown table: each variant's paired gain in mean satisfaction
over the base (points, 0-100), for promise_anchoring at 0, 0.3 (the default) and 1, and for
both per-customer spreads (time_sense_sd, expectation_sd) at 0, 0.3 (the default) and 0.6.
The model page (docs/model.md) quotes its output. Run from the repository root::

    python docs/scripts/bank_sensitivity.py
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import yaml

import simulator

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = {
    "anchoring 0": {"satisfaction": {"promise_anchoring": 0.0}},
    "anchoring 0.3 (defaults)": {},
    "anchoring 1": {"satisfaction": {"promise_anchoring": 1.0}},
    "spreads 0": {"perception": {"time_sense_sd": 0.0}, "satisfaction": {"expectation_sd": 0.0}},
    "spreads 0.6": {"perception": {"time_sense_sd": 0.6},
                    "satisfaction": {"expectation_sd": 0.6}},
}


def gains(setting: dict[str, dict[str, float]], folder: Path) -> dict[str, float]:
    """Each variant's paired gain in satisfaction_mean over the base, under ``setting``."""
    source = ROOT / "scenarios" / "bank_branch.yaml"
    path = folder / "bank_branch.yaml"
    path.write_text(source.read_text() + ("\n" + yaml.safe_dump(setting) if setting else ""))
    table = simulator.compare(path).differences()
    rows = table[(table["metric"] == "satisfaction_mean") & (table["variant"] != "base")]
    return dict(zip(rows["variant"], rows["diff_mean"], strict=True))


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        columns = {name: gains(setting, Path(folder)) for name, setting in SETTINGS.items()}
    variants = sorted(columns["anchoring 0.3 (defaults)"],
                      key=lambda v: -columns["anchoring 0.3 (defaults)"][v])
    print("| variant | " + " | ".join(columns) + " |")
    print("| --- |" + " --- |" * len(columns))
    for v in variants:
        print(f"| `{v}` | " + " | ".join(f"{columns[c][v]:+.1f}" for c in columns) + " |")


if __name__ == "__main__":
    main()
