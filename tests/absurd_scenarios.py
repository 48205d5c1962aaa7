"""Absurd numbers the plausibility bounds and the work caps refuse: each is a case of
test_bad_input.py (exit 2 with file, line and field, from ``validate`` and ``run`` alike).
Before the bounds, each was accepted and then crashed after simulating, ran for ever,
exhausted memory, or gave a wrong result."""

from __future__ import annotations

from bad_scenarios import BASE, SERVICE, Case, sub

BIG_RATE = sub('rate_per_hour: {"09:00": 30, "10:00": 50}', "rate_per_hour: 1000000")
COLLIDING = sub("stations:\n", '  "walk_in:booked":\n    arrivals: {process: poisson, '
                "rate_per_hour: 5}\nstations:\n") + \
    "interventions: {appointments: {classes: [walk_in], share: 0.3}}\n"
# 9 "walk_in:booked"; the interventions line is 18

ABSURD_CASES = [
    # --- numbers beyond the plausibility bounds --------------------------------------------
    Case("servers-beyond-record-columns", sub("    servers: 2\n", "    servers: 40000\n"), 11,
         "stations.teller.servers", "must be <= 10,000"),
    Case("schedule-servers-2-to-the-64",
         sub("    servers: 2\n", '    servers: 2\n    schedule: {"10:00": 18446744073709551616}\n'),
         12, "stations.teller.schedule.10:00", "must be <= 10,000"),
    Case("gamma-sd-tiny", sub(SERVICE, "    service: {dist: gamma, mean: 4.0, sd: 1e-200}\n"),
         12, "stations.teller.service.sd", "must be >= 1e-06"),
    Case("gamma-sd-huge", sub(SERVICE, "    service: {dist: gamma, mean: 4.0, sd: 1e200}\n"),
         12, "stations.teller.service.sd", "must be <= 20,000,000"),
    Case("gamma-sd-out-of-proportion",
         sub(SERVICE, "    service: {dist: gamma, mean: 4.0, sd: 1000}\n"), 12,
         "stations.teller.service.sd", "at most 100 times the mean"),
    Case("gamma-sd-too-narrow",
         sub(SERVICE, "    service: {dist: gamma, mean: 400, sd: 0.001}\n"), 12,
         "stations.teller.service.sd", "for a fixed time use dist: deterministic"),
    Case("lognormal-mean-tiny",
         sub(SERVICE, "    service: {dist: lognormal, mean: 1e-300, sd: 1}\n"), 12,
         "stations.teller.service.mean", "must be >= 1e-06"),
    Case("lognormal-sd-huge",
         sub(SERVICE, "    service: {dist: lognormal, mean: 1, sd: 1e300}\n"), 12,
         "stations.teller.service.sd", "must be <= 20,000,000"),
    Case("service-mean-nan", sub("mean: 4.0", "mean: .nan"), 12,
         "stations.teller.service.mean", "must be a finite number"),
    Case("patience-mean-huge", sub("{dist: exponential, mean: 20}", "{dist: exponential, "
                                   "mean: 1e300}"), 7, "customers.walk_in.patience.mean",
         "must be <= 20,000,000"),
    Case("duration-exponent-tiny", BASE + "perception: {duration_exponent: 1e-9}\n", 16,
         "perception.duration_exponent", "must be >= 0.2"),
    Case("rate-per-hour-1e9", sub('rate_per_hour: {"09:00": 30, "10:00": 50}',
                                  "rate_per_hour: 1e9"), 6,
         "customers.walk_in.arrivals.rate_per_hour", "must be <= 1,000,000"),
    Case("horizon-1e12", sub('close: "12:00"', "horizon: 1e12"), 3, "horizon",
         "must be <= 20,000,000"),
    Case("open-1e20", sub('open: "09:00"', "open: 1e20").replace('"09:00": 30, "10:00": 50',
                                                                 "0: 30"),
         2, "open", "within +-20,000,000 (about 38 years)"),
    Case("end-1e10", BASE + "end: 1e10\n", 16, "end", "within +-20,000,000"),
    Case("update-every-microsecond", BASE + "interventions: {wait_time_info: "
         "{every_minutes: 1e-6}}\n", 16, "interventions.wait_time_info.every_minutes",
         "must be >= 0.1"),
    Case("initial-queue-1e8", sub("    balk: {queue_length: 10}\n", "    balk: {queue_length: "
                                  "10}\n    initial_queue: 100000000\n"), 9,
         "customers.walk_in.initial_queue", "must be <= 100,000"),
    Case("replications-1e9", BASE + "replications: 1000000000\n", 16, "replications",
         "must be <= 100,000"),
    Case("cost-1e308", sub("    servers: 2\n", "    servers: 2\n    cost_per_server_hour: "
                           "1e308\n"), 12, "stations.teller.cost_per_server_hour",
         "must be <= 1,000,000,000,000"),
    Case("seed-with-leading-zero", BASE + "seed: 0777\n", 16, "seed",
         "0777 was read as text: a number written with a leading zero is ambiguous"),
    Case("route-loop-taken-too-often",
         BASE + "route: {start: teller, teller: {teller: 0.9999, exit: 0.0001}}\n", 16,
         "route", "about 10,000 station visits"),
    # --- work beyond the caps --------------------------------------------------------------
    Case("customers-per-replication", sub('close: "12:00"', "horizon: 2000000",
                                          BIG_RATE.replace('open: "09:00"\n', "")), 5,
         "customers.walk_in.arrivals", "limits.customers_per_replication"),
    Case("breakdowns-per-replication", sub("mtbf: 120", "mtbf: 0.00001"), 13,
         "stations.teller.breakdowns.mtbf", "limits.breakdowns_per_replication"),
    Case("time-bins", BASE + "limits: {time_bins: 10}\n", 3, "close", "limits.time_bins"),
    Case("limits-in-a-variant", sub("{stations: {teller: {servers: 3}}}",
                                    "{limits: {customers: 5}}"), 15,
         "variants.more -> limits", "a variant cannot set 'limits'"),
    # --- names the appointments intervention generates -------------------------------------
    Case("class-name-collides-with-booked", COLLIDING, 9, "customers.walk_in:booked",
         "this name is taken by the class of customers of 'walk_in' who book"),
]
