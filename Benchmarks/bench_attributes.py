"""Mapped export with attributes: `strata features` (read and check a mapped export, then features as of a date,
written) against a polars script doing the same mapping and computing the same columns, in the same run.
Target: Strata <= 0.5x polars' wall time, equal outputs.

Data: `strata generate` of --persons people (default 125,000 orthodontic: about 1,000,000 appointment rows),
rewritten (untimed, by polars) into a practice-management layout that needs a mapping: `clients.csv`
(ClientId, DOB as dd/MM/yyyy, Gender as F/M/O/U, Registered, and 10 attributes: 4 categories, 3 numbers,
3 yes/no flags, drawn with a seeded numpy generator, some empty) and `visits.csv` (ClientId, ApptTime,
BookedTime, Outcome as Attended/DNA/Cancelled/Booked, Treatment, Fee). The feature set is what both sides
compute identically: recency, frequency windows, monetary, tenure, age and sex, visit intervals,
no-show/cancellation rates with the population prior, booking lead time, services (top 8 + other), upcoming
appointment, and the attributes (one-hot over the 10 most common values at least 11 patients have, then
other; numbers with median fill; flags 0/1 with 0 fill); no standardization. Outputs are compared column by
column: |strata - polars| <= 1e-9 * max(1, |polars|).

Both sides validate alike: strict parsing of every mapped value, unique ClientIds, no visit of an unknown
client, and the cross-record checks `strata features` runs with their default policies (booked after
scheduled, visit before birth and future birth dates fail; identical appointment rows dropped; ages out of
range and patients without events counted). Strata also writes `features.npy`, `schema.json` and
`patient_ids.csv` beside `features.csv`; the peer writes `features.csv` only.
"""
import argparse
import json
import os
import subprocess
from pathlib import Path

from common import POLARS_VISIT_FEATURES, OUT, log, median, peer_python, release_binaries, run_measured, table, verdict

CATEGORIES = {"insurance": ["private", "medicaid", "medicare", "uninsured", "employer", "student"],
              "neighbourhood": [f"district_{k}" for k in range(14)],
              "membership": ["none", "silver", "gold", "platinum"],
              "referral": ["web", "friend", "doctor", "walk_in", "ad", "rare_a", "rare_b"]}
NUMBERS = ["household_size", "distance_km", "income_band"]
FLAGS = ["chronic_condition", "reminder_opt_in", "smoker"]

CONFIG = """\
exports: {path: data, format: mapped}
mapping:
  patients:
    file: clients.csv
    columns:
      patient_id: ClientId
      birth_date: {column: DOB, format: dd/MM/yyyy}
      sex: {column: Gender, values: {F: female, M: male, O: other, U: unknown}}
      created_at: Registered
  appointments:
    file: visits.csv
    columns:
      patient_id: ClientId
      scheduled_at: ApptTime
      booked_at: BookedTime
      status: {column: Outcome, values: {Attended: completed, DNA: no_show, Cancelled: cancelled, Booked: booked}}
      service: Treatment
      amount: Fee
features:
  services: {max_categories: 8}
  upcoming: {windows: []}
  visit_intervals: {due_windows: []}
  engagement: false
  contact_recency: false
  outreach: false
  conditions: false
  leads: false
  standardize: false
attributes:
""" + "".join(f"  {name}: {{type: category}}\n" for name in CATEGORIES) \
    + "".join(f"  {name}: {{type: number}}\n" for name in NUMBERS) \
    + "".join(f"  {name}: {{type: flag}}\n" for name in FLAGS)

REWRITE = r'''
import sys
import numpy as np
import polars as pl
source, target = sys.argv[1], sys.argv[2]
categories, numbers, flags = __CATEGORIES__, __NUMBERS__, __FLAGS__
rng = np.random.default_rng(14)
patients = pl.read_csv(f"{source}/patients.csv", infer_schema=False)
n = patients.height
columns = {"ClientId": patients["patient_id"],
           "DOB": patients["birth_date"].str.to_date("%Y-%m-%d").dt.strftime("%d/%m/%Y"),
           "Gender": patients["sex"].replace_strict({"female": "F", "male": "M", "other": "O", "unknown": "U"}),
           "Registered": patients["created_at"]}
for name, values in categories.items():
    weights = np.linspace(1.0, 0.2, len(values))
    if name == "referral":
        weights[-2:] = 4.0 / n  # two values too rare to become columns
    picks = rng.choice(len(values), size=n, p=weights / weights.sum())
    text = np.array(values, dtype=object)[picks]
    text[rng.random(n) < 0.03] = None  # some empty
    columns[name] = pl.Series(text, dtype=pl.String)
for k, name in enumerate(numbers):
    value = np.round(rng.gamma(2.0 + k, 1.5, size=n), 1)
    text = np.array([f"{v:.1f}" for v in value], dtype=object)
    text[rng.random(n) < 0.05] = None
    columns[name] = pl.Series(text, dtype=pl.String)
for name in flags:
    text = np.where(rng.random(n) < 0.3, "yes", "no").astype(object)
    text[rng.random(n) < 0.02] = None
    columns[name] = pl.Series(text, dtype=pl.String)
pl.DataFrame(columns).write_csv(f"{target}/clients.csv")
visits = pl.read_csv(f"{source}/appointments.csv", infer_schema=False)
pl.DataFrame({"ClientId": visits["patient_id"], "ApptTime": visits["scheduled_at"], "BookedTime": visits["booked_at"],
              "Outcome": visits["status"].replace_strict({"completed": "Attended", "no_show": "DNA",
                                                           "cancelled": "Cancelled", "booked": "Booked"}),
              "Treatment": visits["service"], "Fee": visits["amount"]}).write_csv(f"{target}/visits.csv")
print(n, visits.height)
'''

PEER = r'''
import sys, datetime
import numpy as np
import polars as pl

folder, as_of, out = sys.argv[1], sys.argv[2], sys.argv[3]
categories, numbers, flags = __CATEGORIES_NAMES__, __NUMBERS__, __FLAGS__
T = (datetime.date.fromisoformat(as_of) - datetime.date(1970, 1, 1)).days
CUT = (T + 1) * 86400
W = 2.0
TS = "%Y-%m-%dT%H:%M:%SZ"

def seconds(name):
    return pl.col(name).str.to_datetime(TS, time_zone="UTC", strict=True).dt.epoch("s")

# The mapping: renamed columns, the date layout, the value maps; strict parsing fails on a bad value as Strata does.
clients = pl.read_csv(f"{folder}/clients.csv", infer_schema=False)
clients = clients.with_columns(pl.when(pl.col(c) == "").then(None).otherwise(pl.col(c)).alias(c) for c in categories + numbers + flags)
patients = clients.select(
    pl.col("ClientId").alias("patient_id"),
    pl.col("DOB").str.to_date("%d/%m/%Y", strict=True).alias("birth"),
    pl.col("Gender").replace_strict({"F": "female", "M": "male", "O": "other", "U": "unknown"}).alias("sex"),
    (seconds("Registered") // 86400).alias("created_day"),
    *[pl.col(c) for c in categories],
    *[pl.col(c).cast(pl.Float64, strict=True) for c in numbers],
    *[pl.col(c).replace_strict({"yes": 1.0, "no": 0.0}, default=None, return_dtype=pl.Float64) for c in flags],
).with_row_index("row")
if patients["patient_id"].is_duplicated().any():
    raise SystemExit("duplicate ClientId")
visits = pl.read_csv(f"{folder}/visits.csv", infer_schema=False, schema_overrides={"Fee": pl.Float64})
appointments = visits.select(
    pl.col("ClientId").alias("patient_id"), seconds("ApptTime").alias("s"), seconds("BookedTime").alias("b"),
    pl.col("Outcome").replace_strict({"Attended": "completed", "DNA": "no_show", "Cancelled": "cancelled",
                                      "Booked": "booked"}).alias("status"),
    pl.col("Treatment").alias("service"), pl.col("Fee").alias("amount"))
if appointments.join(patients.select("patient_id"), on="patient_id", how="anti").height > 0:
    raise SystemExit("visit of an unknown ClientId")

# The cross-record checks `strata features` runs (docs/validation.md) with their default policies, on the rows
# as read: booked after scheduled (a later day), visit before birth and birth date in the future fail; identical
# appointment rows are dropped (the first kept); ages out of 0..120 on the last record's day (the folder's name
# is not a date, so events after the export are not checked) and patients without events are counted and kept.
birth_days = patients.select("patient_id", birth_day=pl.col("birth").cast(pl.Int32))
checked = appointments.select("patient_id", "s", "b").join(birth_days, on="patient_id", how="left")
booked_late = checked.filter(pl.col("b") // 86400 > pl.col("s") // 86400).height
before_birth = checked.filter(pl.col("s") // 86400 < pl.col("birth_day")).height
today = (datetime.date.today() - datetime.date(1970, 1, 1)).days
future_births = birth_days.filter(pl.col("birth_day") > today).height
if booked_late or before_birth or future_births:
    raise SystemExit(f"failed checks: {booked_late} booked after scheduled, {before_birth} visits before birth, "
                     f"{future_births} birth dates in the future")
last_day = max(appointments.filter(pl.col("status") != "booked")["s"].max() // 86400, appointments["b"].max() // 86400,
               patients["created_day"].max())
age_day = datetime.date(1970, 1, 1) + datetime.timedelta(days=int(last_day))
whole_years = (age_day.year - pl.col("birth").dt.year()
               - ((pl.col("birth").dt.month() > age_day.month)
                  | ((pl.col("birth").dt.month() == age_day.month) & (pl.col("birth").dt.day() > age_day.day))).cast(pl.Int32))
ages_out_of_range = patients.filter((whole_years < 0) | (whole_years > 120)).height
rows_read = appointments.height
appointments = appointments.unique(maintain_order=True)
duplicate_rows = rows_read - appointments.height
without_events = patients.join(appointments.select("patient_id").unique(), on="patient_id", how="anti").height

''' + POLARS_VISIT_FEATURES + r'''
frame = (patients.join(visit_features, on="patient_id", how="left").join(gaps, on="patient_id", how="left")
         .join(outcomes, on="patient_id", how="left").join(upcoming, on="patient_id", how="left")
         .join(services, on="patient_id", how="left").sort("row"))

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
def population_prior(events):
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
columns["has_upcoming_appointment"] = pl.col("days_until_next_appointment").is_not_null().cast(pl.Float64)
columns["days_until_next_appointment"] = fill(pl.col("days_until_next_appointment"), "max")
for name in sorted(categories + numbers + flags):
    if name in numbers:
        columns[f"attribute.{name}"] = fill(pl.col(name), "median")
    elif name in flags:
        columns[f"attribute.{name}"] = pl.col(name).fill_null(0.0)
    else:
        counts = frame.filter(pl.col(name).is_not_null() & (pl.col(name) != "")).group_by(name).len()
        kept = counts.filter(pl.col("len") >= 11).sort(["len", name], descending=[True, False])[name].to_list()[:10]
        for value in kept:
            columns[f"attribute.{name}.{value}"] = (pl.col(name) == value).fill_null(False).cast(pl.Float64)
        if counts.height > len(kept):
            columns[f"attribute.{name}.other"] = (pl.col(name).is_not_null() & (pl.col(name) != "")
                                                  & ~pl.col(name).is_in(kept)).cast(pl.Float64)

result = frame.select(pl.col("patient_id"), *[expr.cast(pl.Float64).alias(name) for name, expr in columns.items()])
result.write_csv(out)
print('{"rows": %d, "columns": %d, "duplicate_rows": %d, "ages_out_of_range": %d, "without_events": %d}'
      % (result.height, result.width - 1, duplicate_rows, ages_out_of_range, without_events))
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
report["attribute_columns"] = sum(1 for c in strata.columns if c.startswith("attribute."))
worst, worst_column = 0.0, None
if report["same_columns"] and report["same_ids"]:
    for name in strata.columns[1:]:
        a = strata[name].cast(pl.Float64).to_numpy()
        b = peer[name].cast(pl.Float64).to_numpy()
        error = np.max(np.abs(a - b) / np.maximum(1.0, np.abs(b))) if len(a) else 0.0
        if not np.isfinite(error) or error > worst:
            worst, worst_column = float(error), name
else:
    report["only_strata"] = sorted(set(strata.columns) - set(peer.columns))
    report["only_peer"] = sorted(set(peer.columns) - set(strata.columns))
report["max_relative_difference"] = worst
report["worst_column"] = worst_column
report["equal"] = bool(report["same_ids"] and report["same_columns"] and worst <= 1e-9)
print(json.dumps(report))
'''


def main(argv):
    parser = argparse.ArgumentParser(prog="run.py attributes")
    parser.add_argument("--persons", type=int, default=125_000, help="people for strata generate (orthodontic)")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--as-of", default="2025-06-30")
    parser.add_argument("--rounds", type=int, default=3, help="alternating Strata/polars rounds")
    parser.add_argument("--binary", help="a prebuilt release strata (default: build one)")
    args = parser.parse_args(argv)
    python = peer_python(["polars", "numpy"])
    strata = Path(args.binary) if args.binary else release_binaries() / "strata"
    work = OUT / f"attributes-{args.persons}-{args.seed}"
    data = work / "data"
    if not (data / "visits.csv").exists():
        generated = work / "generated"
        log(f"generating {args.persons} people into {generated}")
        subprocess.run([strata, "generate", "--patients", str(args.persons), "--seed", str(args.seed), "--out", generated,
                        "--truth-out", work / "truth", "--force"], check=True, stdout=subprocess.DEVNULL)
        data.mkdir(parents=True, exist_ok=True)
        rewrite = (REWRITE.replace("__CATEGORIES__", repr(CATEGORIES)).replace("__NUMBERS__", repr(NUMBERS))
                   .replace("__FLAGS__", repr(FLAGS)))
        log("rewriting into the mapped layout")
        subprocess.run([python, "-c", rewrite, generated, data], check=True)
    config = work / "strata.yml"
    config.write_text(CONFIG)
    peer_script = work / "attributes_polars.py"
    peer_script.write_text(PEER.replace("__CATEGORIES_NAMES__", repr(list(CATEGORIES))).replace("__NUMBERS__", repr(NUMBERS))
                           .replace("__FLAGS__", repr(FLAGS)))
    strata_out, peer_out = work / "strata-features", work / "polars-features.csv"
    timings = {"strata": [], "polars": []}
    env = dict(os.environ, POLARS_MAX_THREADS=str(os.cpu_count()))
    for round_ in range(args.rounds):
        log(f"round {round_ + 1}/{args.rounds}")
        measured = run_measured([strata, "features", data, "--as-of", args.as_of, "--out", strata_out, "--config", config, "--force"])
        timings["strata"].append(measured.seconds)
        measured = run_measured([python, peer_script, data, args.as_of, peer_out], env=env)
        timings["polars"].append(measured.seconds)
    comparison = json.loads(subprocess.run([python, "-c", COMPARE, strata_out / "features.csv", peer_out],
                                           check=True, capture_output=True, text=True).stdout)
    version = subprocess.run([python, "-c", "import polars; print(polars.__version__)"], capture_output=True,
                             text=True).stdout.strip()
    rows_of = lambda name: sum(1 for _ in open(data / name, "rb")) - 1
    print(f"attributes benchmark: mapped export of {rows_of('clients.csv'):,} clients with {len(CATEGORIES) + len(NUMBERS) + len(FLAGS)} "
          f"attributes, {rows_of('visits.csv'):,} appointments; {args.rounds} rounds, medians (polars {version})")
    s, p = median(timings["strata"]), median(timings["polars"])
    table([["wall time (s)", f"{s:.2f}", f"{p:.2f}", f"{s / p:.3f}"]], ["", "Strata", "polars", "Strata/polars"])
    print(f"all times: strata {['%.2f' % t for t in timings['strata']]}, polars {['%.2f' % t for t in timings['polars']]}, "
          f"per round {['%.2f' % (a / b) for a, b in zip(timings['strata'], timings['polars'])]}")
    print(f"outputs: {comparison['rows']:,} rows x {comparison['strata_columns']} columns "
          f"({comparison['attribute_columns']} from attributes); max |strata - polars| / max(1, |polars|) = "
          f"{comparison['max_relative_difference']:.2e} (column {comparison['worst_column']}); equal within 1e-9: "
          f"{comparison['equal']}" + ("" if comparison["same_columns"] else
                                      f"; only Strata: {comparison.get('only_strata')}, only polars: {comparison.get('only_peer')}"))
    ok = verdict("mapped ingest+features time Strata/polars", s / p, 0.5)
    return ok and comparison["equal"]
