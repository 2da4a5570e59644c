"""Writes broken/<kind>/, one canonical export per failure kind, each the export in valid/ with one defect.

Run from this folder: python3 make_broken.py. The folders are committed; tests do not need Python.
"""
import os
import shutil

BASE = "valid"
CASES = {
    # kind: (file, transform of the file's text)
    "unterminated-quote": ("appointments.csv", lambda t: t + 'P1,2024-03-01T10:00:00Z,2024-02-01T10:00:00Z,completed,cleaning,"Dr A,10\n'),
    "stray-quote": ("appointments.csv", lambda t: t.replace("completed,whitening,Dr B", 'completed,whitening,Dr "B"')),
    "wrong-field-count": ("appointments.csv", lambda t: t.replace("cleaning,Dr A,100.00", "cleaning,Dr A,100.00,extra")),
    "bad-date": ("patients.csv", lambda t: t.replace("1990-06-15", "2023-02-29")),
    "bad-timestamp": ("appointments.csv", lambda t: t.replace("2023-09-01T10:00:00Z", "2023-13-01T10:00:00Z")),
    "not-a-number": ("appointments.csv", lambda t: t.replace("120.50", "$120.50")),
    "unknown-value": ("appointments.csv", lambda t: t.replace("2023-09-01T10:00:00Z,2023-08-25T10:00:00Z,completed", "2023-09-01T10:00:00Z,2023-08-25T10:00:00Z,attended")),
    "duplicate-id": ("patients.csv", lambda t: t + "P2,Bo,1991-01-01,male,10002,2023-12-01T10:00:00Z,,,,\n"),
    "unknown-patient": ("communications.csv", lambda t: t + "P9,2024-01-01T12:00:00Z,email,newsletter,,,\n"),
    "missing-required-column": ("appointments.csv", lambda t: "\n".join(",".join(f for i, f in enumerate(line.split(",")) if i != 3) for line in t.split("\n"))),
    "unknown-column": ("consents.csv", lambda t: t.replace("recorded_at\n", "recorded_at,notes\n").replace("Z\n", "Z,\n")),
    "empty-file": ("communications.csv", lambda t: ""),
    "empty-required-field": ("appointments.csv", lambda t: t.replace("completed,whitening,Dr B", "completed,,Dr B")),
    "missing-table": ("consents.csv", None),
}

for kind, (file, transform) in CASES.items():
    target = os.path.join("broken", kind)
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(BASE, target, ignore=shutil.ignore_patterns("README.md"))
    path = os.path.join(target, file)
    if transform is None:
        os.remove(path)
        continue
    with open(path, newline="") as f:
        text = f.read()
    changed = transform(text)
    assert changed != text, kind
    with open(path, "w", newline="") as f:
        f.write(changed)
