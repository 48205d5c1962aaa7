"""Write docs/examples/clinic_survey.csv: a SYNTHETIC patient survey of the outpatient clinic
(scenarios/outpatient_clinic.yaml), drawn from waitsim's own perception and satisfaction
models with known parameter values, for trying ``waitsim calibrate``.

    python docs/scripts/make_example_survey.py        # needs the test extra (waitsim[test])

400 respondents: 160 booked patients (expected wait 10 minutes past their slot, anxiety 0.4)
and 240 walk-ins (expected wait 30 minutes, anxiety 0.6), as in the clinic scenario; the model's
default parameters; a third of the waits occupied (the waiting room's screen), a quarter
informed. Reports carry a recall error (log-sd 0.15) and are rounded to whole minutes;
satisfaction answers carry noise of 5 points on 0-100. The same seed writes the same file.
"""

from __future__ import annotations

from pathlib import Path

from simulator.spec.parameters import PerceptionParameters, SatisfactionParameters
from simulator.testing.surveys import SurveyClass, synthetic_survey

SEED = 20261205
OUT = Path(__file__).resolve().parent.parent / "examples" / "clinic_survey.csv"
PERCEPTION, SATISFACTION = PerceptionParameters(), SatisfactionParameters()
CLASSES = [
    SurveyClass("booked", 160, expected_wait=10, wait_mean=12, wait_sd=9, anxiety=0.4,
                occupied_share=0.33, informed_share=0.25),
    SurveyClass("walk_in", 240, expected_wait=30, wait_mean=35, wait_sd=20, anxiety=0.6,
                occupied_share=0.33, informed_share=0.25),
]


def header() -> str:
    felt_more = {c.name: (1 + PERCEPTION.anxiety_effect * c.anxiety) ** PERCEPTION.duration_exponent
                 for c in CLASSES}
    overestimation = ", ".join(f"{name} {PERCEPTION.overestimation * f:.3f}"
                               for name, f in felt_more.items())
    return "\n".join([
        "# SYNTHETIC survey, not real patients: drawn by docs/scripts/make_example_survey.py from",
        "# waitsim's perception and satisfaction models with known values, to try",
        "# `waitsim calibrate docs/examples/clinic_survey.csv`. True values: overestimation "
        f"{PERCEPTION.overestimation}",
        f"# (with each class's anxiety: {overestimation}), duration_exponent "
        f"{PERCEPTION.duration_exponent}, time_sense_sd {PERCEPTION.time_sense_sd}",
        f"# (recall error 0.15 on top), occupied_factor {PERCEPTION.occupied_factor}, "
        f"informed_factor {PERCEPTION.informed_factor}; expected_wait booked 10, walk_in 30,",
        f"# gain/zone/beyond_per_minute {SATISFACTION.gain_per_minute}/"
        f"{SATISFACTION.zone_per_minute}/{SATISFACTION.beyond_per_minute}, expectation_sd "
        f"{SATISFACTION.expectation_sd}; answers with noise of 5 points on 0-100.",
    ]) + "\n"


def main() -> None:
    table = synthetic_survey(CLASSES, SEED, recall_sd=0.15, answer_sd=5.0, round_to=1.0)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(header() + table.to_csv(index=False), encoding="utf-8")
    print(f"{OUT}: {len(table)} respondents")


if __name__ == "__main__":
    main()
