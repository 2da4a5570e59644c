"""The realistic clinic's calibration at scale (issue 23): `strata generate --behaviour realistic` of 100,000
people per clinic kind (release), then from each export alone the three measures of docs/export-format.md
("Realistic behaviour", "Measures") over the year before the cut W = (cut - 365 days, cut]:

- no-show rate: among appointments scheduled in W with status completed or no_show, the share no_show;
- median booking lead time: the median of scheduled_at - booked_at, in days, over appointments scheduled in W;
- yearly attrition: among patients with a completed appointment in the year before W, the share with no
  completed appointment in W and none booked at the cut.

Prints one row per kind with the documented ranges (the same as Tests/StrataGeneratorTests/RealismTests.swift)
and exits non-zero when a measure is outside its range. No peer and no timing: this checks the data.
"""
import argparse
import csv
from datetime import date, datetime, timedelta, timezone

from common import OUT, log, release_binaries, run_measured, table

# kind: (no-show rate, median lead days, yearly attrition), each (low, high); docs/export-format.md.
RANGES = {
    "primary-care": ((0.15, 0.25), (5, 30), (0.25, 0.50)),
    "multi-specialty": ((0.13, 0.25), (5, 30), (0.25, 0.50)),
    "orthodontic": ((0.08, 0.16), (10, 35), (0.20, 0.45)),
    "aesthetic": ((0.07, 0.15), (7, 30), (0.20, 0.50)),
}


def instant(text):
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp()


def measures(export, cut):
    """The three measures of one export (pure Python, one pass over appointments.csv)."""
    window_start = (cut - timedelta(days=365)).isoformat()
    previous_start = (cut - timedelta(days=730)).isoformat()
    cut_text = cut.isoformat()
    no_shows = attended = 0
    leads = []
    before, within, booked = set(), set(), set()
    with open(export / "appointments.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            status, scheduled, patient = row["status"], row["scheduled_at"], row["patient_id"]
            day = scheduled[:10]
            if status == "booked":
                booked.add(patient)
            if window_start < day <= cut_text:
                if status == "no_show":
                    no_shows += 1
                if status in ("no_show", "completed"):
                    attended += 1
                leads.append((instant(scheduled) - instant(row["booked_at"])) / 86400)
                if status == "completed":
                    within.add(patient)
            elif previous_start < day <= window_start and status == "completed":
                before.add(patient)
    leads.sort()
    middle = len(leads) // 2
    median = leads[middle] if len(leads) % 2 else (leads[middle - 1] + leads[middle]) / 2
    lost = [p for p in before if p not in within and p not in booked]
    return no_shows / max(1, attended), median, len(lost) / max(1, len(before)), len(before)


def main(argv):
    parser = argparse.ArgumentParser(prog="run.py clinic_realism")
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=23)
    parser.add_argument("--kinds", default=",".join(RANGES))
    parser.add_argument("--to", default="2025-12-31")
    args = parser.parse_args(argv)

    strata = release_binaries(("strata",)) / "strata"
    cut = date.fromisoformat(args.to)
    rows, ok = [], True
    for kind in args.kinds.split(","):
        folder = OUT / "clinic-realism" / kind
        log(f"{kind}: generating {args.patients:,} people (realistic)")
        measured = run_measured([strata, "generate", "--patients", args.patients, "--seed", args.seed, "--kind", kind,
                                 "--behaviour", "realistic", "--to", args.to, "--out", folder / "export",
                                 "--truth-out", folder / "truth", "--force"])
        log(f"  {measured.seconds:.1f} s wall, {measured.cpu_seconds:.1f} s CPU")
        no_show, lead, attrition, base = measures(folder / "export", cut)
        (ns_low, ns_high), (lead_low, lead_high), (att_low, att_high) = RANGES[kind]
        verdicts = [ns_low <= no_show <= ns_high, lead_low <= lead <= lead_high, att_low <= attrition <= att_high]
        ok = ok and all(verdicts)
        mark = lambda good: "" if good else " OUT"
        rows.append([kind, f"{no_show:.3f} [{ns_low}-{ns_high}]{mark(verdicts[0])}",
                     f"{lead:.1f} [{lead_low}-{lead_high}]{mark(verdicts[1])}",
                     f"{attrition:.3f} [{att_low}-{att_high}]{mark(verdicts[2])}", f"{base:,}"])
    print(f"clinic realism: {args.patients:,} people per kind, seed {args.seed}, realistic, year before {args.to}")
    table(rows, ["kind", "no-show rate [range]", "median lead days [range]", "yearly attrition [range]", "patients seen the year before"])
    print(f"every measure inside its documented range -> {'PASS' if ok else 'FAIL'}")
    return ok
