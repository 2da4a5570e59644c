"""Ingest + features: `strata features` against polars computing the same features from the same CSV files,
in the same run. Target: Strata <= 0.5x polars' wall time, with lower peak memory, and equal outputs.

Data: `strata generate` of --persons people (default 1,200,000: about 1,000,000 patients and 10M appointment
rows, plus ~18M messages). The feature set is what both sides compute identically (`SPEC` below): recency,
frequency windows, monetary, tenure, age and sex, visit intervals, no-show/cancellation rates shrunk toward the
population's rate (empirical-Bayes prior, beta-binomial method of moments as docs/feature-spec.md states it),
booking lead time, upcoming appointment, per-service counts (top 8 + other), engagement per channel, days
since last contact; missing-value fills and log1p/clip transforms as Strata's defaults; no standardization.
Both read the CSV files, compute, and write a features CSV. Outputs are compared column by column after
timing: |strata - polars| <= 1e-9 * max(1, |polars|) for every value (the only differences are the last bits
of sums and means taken in a different order).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from common import POLARS_VISIT_FEATURES, OUT, log, median, peer_python, release_binaries, run_measured, table, verdict

SPEC = """\
features:
  leads: false
  conditions: false
  services: {max_categories: 8}
  upcoming: {windows: []}
  visit_intervals: {due_windows: []}
  outreach: false
  standardize: false
"""

# The polars peer in three parts, so that `month` (bench_month.py) can read an export once and compute the
# features as of two dates: PEER_SETUP (imports and helpers), PEER_READ (the CSVs of `folder`) and
# PEER_FEATURES (the columns as of `as_of`, in `result`).
PEER_SETUP = r'''
import sys, time, datetime
import numpy as np
import polars as pl

W = 2.0
PRIORS = {"open": 0.3, "click": 0.1, "response": 0.05}
TS = "%Y-%m-%dT%H:%M:%SZ"

def seconds(name):
    return pl.col(name).str.to_datetime(TS, time_zone="UTC").dt.epoch("s")

'''

PEER_READ = r'''
patients = pl.read_csv(f"{folder}/patients.csv", columns=["patient_id", "birth_date", "sex", "created_at"],
                       schema_overrides={"patient_id": pl.String, "birth_date": pl.String, "created_at": pl.String})
patients = patients.with_columns(
    birth=pl.col("birth_date").str.to_date("%Y-%m-%d"),
    created_day=(seconds("created_at") // 86400),
).with_row_index("row")
appointments = pl.read_csv(f"{folder}/appointments.csv",
                           columns=["patient_id", "scheduled_at", "booked_at", "status", "service", "amount"],
                           schema_overrides={"patient_id": pl.String, "scheduled_at": pl.String,
                                             "booked_at": pl.String, "amount": pl.Float64})
appointments = appointments.with_columns(s=seconds("scheduled_at"), b=seconds("booked_at")).drop("scheduled_at", "booked_at")
communications = pl.read_csv(f"{folder}/communications.csv",
                             columns=["patient_id", "sent_at", "channel", "opened_at", "clicked_at", "responded_at"],
                             schema_overrides={"patient_id": pl.String, "sent_at": pl.String, "opened_at": pl.String,
                                               "clicked_at": pl.String, "responded_at": pl.String})

'''

PEER_FEATURES = r'''
T = (datetime.date.fromisoformat(as_of) - datetime.date(1970, 1, 1)).days
CUT = (T + 1) * 86400
''' + POLARS_VISIT_FEATURES + r'''
sent = communications.with_columns(sent=seconds("sent_at")).filter(pl.col("sent") < CUT)
flags = {e: (seconds(f"{c}_at") < CUT).fill_null(False) for e, c in (("open", "opened"), ("click", "clicked"), ("response", "responded"))}
per_channel = sent.group_by(["patient_id", "channel"]).agg(
    sent_count=pl.len(), **{e: f.sum() for e, f in flags.items()})
channels = [c for c in ("email", "sms", "phone", "whatsapp") if c in set(per_channel["channel"].unique().to_list())]
engagement = per_channel.pivot(on="channel", index="patient_id", values=["sent_count", "open", "click", "response"])
contact = sent.group_by("patient_id").agg(days_since_last_contact=(T - pl.col("sent").max() // 86400).cast(pl.Float64))

frame = (patients.join(visit_features, on="patient_id", how="left").join(gaps, on="patient_id", how="left")
         .join(outcomes, on="patient_id", how="left").join(upcoming, on="patient_id", how="left")
         .join(services, on="patient_id", how="left").join(engagement, on="patient_id", how="left")
         .join(contact, on="patient_id", how="left").sort("row"))

bd = pl.col("birth")
t_date = datetime.date.fromisoformat(as_of)
age = (t_date.year - bd.dt.year() - (((bd.dt.month() > t_date.month) | ((bd.dt.month() == t_date.month) & (bd.dt.day() > t_date.day)))).cast(pl.Int32))
columns = {}
def fill(expr, how):
    present = frame.select(expr.alias("x")).filter(pl.col("x").is_not_null())["x"]
    value = 0.0 if present.len() == 0 else {"max": present.max(), "median": present.median(), "zero": 0.0}[how]
    return expr.fill_null(value)
def log1p(expr):
    return expr.clip(lower_bound=0).log1p()

columns["days_since_last_visit"] = fill(pl.col("days_since_last_visit"), "max")
for w in (90, 365, 730):
    columns[f"visits_{w}d"] = log1p(pl.col(f"visits_{w}d").fill_null(0))
columns["total_amount"] = log1p(pl.col("total_amount").fill_null(0))
columns["mean_amount"] = log1p(fill(pl.col("mean_amount"), "median"))
columns["tenure_days"] = pl.when(pl.col("created_day") <= T).then(T - pl.col("created_day")).otherwise(None).cast(pl.Float64).fill_null(0)
columns["age_years"] = fill(pl.when(bd <= t_date).then(age).otherwise(None).cast(pl.Float64), "median")
for sex in ("female", "male", "other", "unknown"):
    if (frame["sex"] == sex).any():
        columns[f"sex.{sex}"] = (pl.col("sex") == sex).cast(pl.Float64)
columns["mean_visit_interval_days"] = fill(pl.col("mean_visit_interval_days"), "median")
columns["visit_interval_spread_days"] = fill(pl.col("visit_interval_spread_days"), "median")
overdue = pl.when(pl.col("mean_visit_interval_days") > 0).then(pl.col("days_since_last_visit") / pl.col("mean_visit_interval_days")).otherwise(None)
columns["overdue_ratio"] = fill(overdue, "median").clip(0, 10)
def population_prior(events):
    # Beta-binomial method of moments over patients with appointments (docs/feature-spec.md).
    counts = outcomes.filter(pl.col("outcomes") > 0)
    n = counts["outcomes"].cast(pl.Float64).to_numpy()
    x = counts[events].cast(pl.Float64).to_numpy()
    k, total = float(len(n)), n.sum()
    if total == 0:
        return 0.0, W
    p = x.sum() / total
    denominator = total - k - (n * n).sum() / total + 1
    if p <= 0 or p >= 1 or denominator <= 1e-9:
        return p, W
    rho = ((n * (x / n - p) ** 2).sum() / (p * (1 - p)) - (k - 1)) / denominator
    return p, (10000.0 if rho <= 0 else min(max(1 / rho - 1, 0.01), 10000.0))
for name, events in (("no_show_rate", "no_shows"), ("cancellation_rate", "cancellations")):
    p, w = population_prior(events)
    columns[name] = (pl.col(events).fill_null(0) + w * p) / (pl.col("outcomes").fill_null(0) + w)
columns["mean_booking_lead_days"] = fill(pl.col("mean_booking_lead_days"), "median")
named = pl.sum_horizontal([pl.col(s).fill_null(0) for s in top_services])
everything = pl.sum_horizontal([pl.col(s).fill_null(0) for s in service_counts["service"].to_list()])
for service in top_services:
    columns[f"service_count.{service}"] = log1p(pl.col(service).fill_null(0).cast(pl.Float64))
if len(service_counts) > 8:
    columns["service_count.other"] = log1p((everything - named).cast(pl.Float64))
for channel in channels:
    for event in ("open", "click", "response"):
        columns[f"{event}_rate.{channel}"] = ((pl.col(f"{event}_{channel}").fill_null(0) + W * PRIORS[event])
                                             / (pl.col(f"sent_count_{channel}").fill_null(0) + W))
columns["days_since_last_contact"] = fill(pl.col("days_since_last_contact"), "max")
columns["has_upcoming_appointment"] = pl.col("days_until_next_appointment").is_not_null().cast(pl.Float64)
columns["days_until_next_appointment"] = fill(pl.col("days_until_next_appointment"), "max")

result = frame.select(pl.col("patient_id"), *[expr.cast(pl.Float64).alias(name) for name, expr in columns.items()])
'''

PEER = PEER_SETUP + r'''
folder, as_of, out = sys.argv[1], sys.argv[2], sys.argv[3]
''' + PEER_READ + PEER_FEATURES + r'''
result.write_csv(out)
print('{"rows": %d, "columns": %d}' % (result.height, result.width - 1))
'''

COMPARE = r'''
import sys, json
import numpy as np
import polars as pl
strata = pl.read_csv(sys.argv[1], schema_overrides={"patient_id": pl.String})
peer = pl.read_csv(sys.argv[2], schema_overrides={"patient_id": pl.String})
report = {"strata_columns": strata.width - 1, "peer_columns": peer.width - 1, "rows": strata.height}
report["same_ids"] = strata["patient_id"].equals(peer["patient_id"])
report["same_columns"] = strata.columns == peer.columns
worst = 0.0
worst_column = None
if report["same_columns"] and report["same_ids"]:
    for name in strata.columns[1:]:
        a = strata[name].cast(pl.Float64).to_numpy()
        b = peer[name].cast(pl.Float64).to_numpy()
        error = np.max(np.abs(a - b) / np.maximum(1.0, np.abs(b))) if len(a) else 0.0
        if not np.isfinite(error) or error > worst:
            worst, worst_column = float(error), name
report["max_relative_difference"] = worst
report["worst_column"] = worst_column
report["equal"] = bool(report["same_ids"] and report["same_columns"] and worst <= 1e-9)
print(json.dumps(report))
'''


def main(argv):
    parser = argparse.ArgumentParser(prog="run.py ingest")
    parser.add_argument("--persons", type=int, default=1_200_000, help="people for strata generate")
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--as-of", default="2025-06-30")
    parser.add_argument("--rounds", type=int, default=3, help="alternating Strata/polars rounds")
    parser.add_argument("--binary", help="a prebuilt release strata (default: build one)")
    args = parser.parse_args(argv)
    python = peer_python(["polars", "numpy"])
    strata = Path(args.binary) if args.binary else release_binaries() / "strata"
    data = OUT / f"ingest-{args.persons}-{args.seed}"
    if not (data / "appointments.csv").exists():
        log(f"generating {args.persons} people into {data}")
        subprocess.run([strata, "generate", "--patients", str(args.persons), "--seed", str(args.seed), "--out", data,
                        "--truth-out", OUT / f"ingest-{args.persons}-{args.seed}-truth", "--force"], check=True,
                       stdout=subprocess.DEVNULL)
    config = OUT / "ingest-strata.yml"
    config.write_text(SPEC)
    peer_script = OUT / "ingest_polars.py"
    peer_script.write_text(PEER)
    strata_out, peer_out = OUT / "ingest-strata-features", OUT / "ingest-polars-features.csv"
    timings = {"strata": [], "polars": []}
    memory = {"strata": [], "polars": []}
    env = dict(os.environ, POLARS_MAX_THREADS=str(os.cpu_count()))
    def run_strata():
        # `strata features` refuses a non-empty --out folder (it never overwrites what it did not write), so each
        # round starts from an empty one, as the first did; the removal is not timed.
        shutil.rmtree(strata_out, ignore_errors=True)
        measured = run_measured([strata, "features", data, "--as-of", args.as_of, "--out", strata_out, "--config", config])
        timings["strata"].append(measured.seconds)
        memory["strata"].append(measured.peak_bytes)

    def run_polars():
        measured = run_measured([python, peer_script, data, args.as_of, peer_out], env=env)
        timings["polars"].append(measured.seconds)
        memory["polars"].append(measured.peak_bytes)

    for round_ in range(args.rounds):
        log(f"round {round_ + 1}/{args.rounds}")
        # Alternate which tool goes first, so a round's ratio compares runs made under about the same load.
        for run in ((run_strata, run_polars) if round_ % 2 == 0 else (run_polars, run_strata)):
            run()
    comparison = json.loads(subprocess.run([python, "-c", COMPARE, strata_out / "features.csv", peer_out],
                                           check=True, capture_output=True, text=True).stdout)
    version = subprocess.run([python, "-c", "import polars; print(polars.__version__)"], capture_output=True,
                             text=True).stdout.strip()
    rows_of = lambda name: sum(1 for _ in open(data / name, "rb")) - 1
    print(f"ingest benchmark: {rows_of('patients.csv'):,} patients, {rows_of('appointments.csv'):,} appointments, "
          f"{rows_of('communications.csv'):,} messages; {args.rounds} rounds, medians (polars {version})")
    s, p = median(timings["strata"]), median(timings["polars"])
    ms, mp = median(memory["strata"]), median(memory["polars"])
    table([["wall time (s)", f"{s:.2f}", f"{p:.2f}", f"{s / p:.3f}"],
           ["peak memory (MB)", f"{ms / 2**20:.0f}", f"{mp / 2**20:.0f}", f"{ms / mp:.3f}"]],
          ["", "Strata", "polars", "Strata/polars"])
    print(f"all times: strata {['%.2f' % t for t in timings['strata']]}, polars {['%.2f' % t for t in timings['polars']]}")
    per_round = [a / b for a, b in zip(timings["strata"], timings["polars"])]
    print(f"per-round ratios: {['%.3f' % r for r in per_round]}, median {median(per_round):.3f}")
    print(f"outputs: {comparison['rows']:,} rows x {comparison['strata_columns']} columns; "
          f"max |strata - polars| / max(1, |polars|) = {comparison['max_relative_difference']:.2e} "
          f"(column {comparison['worst_column']}); equal within 1e-9: {comparison['equal']}")
    ok = verdict("ingest+features time Strata/polars", s / p, 0.5)
    ok = verdict("peak memory Strata/polars", ms / mp, 1.0) and ok
    return ok and comparison["equal"]
