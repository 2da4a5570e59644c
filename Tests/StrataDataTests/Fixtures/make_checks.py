"""Writes checks/<check>/, one canonical export per cross-record check (docs/validation.md), each the export in
valid/ with one record that contradicts another record, the calendar or the export's day. Every file reads
without an error: only the checks find something.

events_after_export needs the export's day, taken from the folder's name, so its export is in
checks/events_after_export/2024-03-31/.

Run from this folder: python3 make_checks.py. The folders are committed; tests do not need Python.
"""
import os
import shutil

BASE = "valid"
CASES = {
    # check: (folder below checks/<check>, file, transform of the file's text)
    # P2's cancelled visit of 2024-01-15 booked the day after (appointments.csv:6).
    "booked_after_scheduled": ("", "appointments.csv",
                               lambda t: t.replace("2024-01-15T10:00:00Z,2024-01-10T10:00:00Z", "2024-01-15T10:00:00Z,2024-01-16T08:00:00Z")),
    # P3 born after their missed visit of 2023-11-01 (appointments.csv:8).
    "visit_before_birth": ("", "patients.csv", lambda t: t.replace("2000-03-01", "2023-12-01")),
    # P2 born in 2199, the last year a date may have (patients.csv:3).
    "birth_date_in_future": ("", "patients.csv", lambda t: t.replace("1990-06-15", "2199-06-15")),
    # P1 born on 1900-01-01, a common placeholder: 124 on the export's last day, 2024-03-02 (patients.csv:2).
    "age_out_of_range": ("", "patients.csv", lambda t: t.replace("1980-02-29", "1900-01-01")),
    # P1's first visit written twice (appointments.csv:9 repeats appointments.csv:2).
    "duplicate_appointments": ("", "appointments.csv",
                               lambda t: t + "P1,2023-03-01T10:00:00Z,2023-02-01T10:00:00Z,completed,cleaning,Dr A,100.00\n"),
    # Taken on 2024-03-31, the export has a completed visit on 2024-04-02 (appointments.csv:5).
    "events_after_export": ("2024-03-31", "appointments.csv",
                            lambda t: t.replace("2024-02-29T10:00:00+01:00,2024-02-19", "2024-04-02T10:00:00+01:00,2024-02-19")),
    # P4 registered, nothing else on file (patients.csv:5).
    "patients_without_events": ("", "patients.csv",
                                lambda t: t + "P4,Di,1985-05-05,female,10003,2024-01-05T09:00:00Z,,,,web\n"),
}

for check, (subfolder, file, transform) in CASES.items():
    shutil.rmtree(os.path.join("checks", check), ignore_errors=True)
    target = os.path.join("checks", check, subfolder)
    shutil.copytree(BASE, target, ignore=shutil.ignore_patterns("README.md"))
    path = os.path.join(target, file)
    with open(path, newline="") as f:
        text = f.read()
    changed = transform(text)
    assert changed != text, check
    with open(path, "w", newline="") as f:
        f.write(changed)
