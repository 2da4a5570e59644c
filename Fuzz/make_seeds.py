#!/usr/bin/env python3
"""Writes the seed corpora in Fuzz/corpus/ from the repository's fixtures, datasets and docs.

Run from the repository root: python3 Fuzz/make_seeds.py [--models CHURN.json CLUSTERS.json]. The seeds
stay small (a header and a few rows); libFuzzer grows its own working corpus from them (see README.md).
Model-file seeds come from model files written by `strata train churn` and `strata discover --model-out`
(README.md says how they were made); without --models the committed ones are kept.
"""
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "Fuzz", "corpus")
TABLES = ["patients", "appointments", "communications", "consents", "conditions", "leads"]


def write(target, name, data):
    folder = os.path.join(CORPUS, target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def head(path, lines):
    with open(path, "rb") as f:
        return b"".join(f.readlines()[:lines])


def csv_canonical():
    """The first byte picks the table (0-5) and the policy (+6: up to 3 bad rows)."""
    folders = {
        "valid": "Tests/StrataDataTests/Fixtures/valid",
        "hand": "Tests/StrataFeaturesTests/Fixtures/hand",
        "demo": "datasets/demo-clinic",
    }
    for label, folder in folders.items():
        for index, table in enumerate(TABLES):
            path = os.path.join(ROOT, folder, table + ".csv")
            if os.path.exists(path):
                write("csv-canonical", f"{label}-{table}", bytes([index]) + head(path, 8))
    broken = os.path.join(ROOT, "Tests/StrataDataTests/Fixtures/broken")
    for case in sorted(os.listdir(broken)):
        for index, table in enumerate(TABLES):
            path = os.path.join(broken, case, table + ".csv")
            valid = os.path.join(ROOT, folders["valid"], table + ".csv")
            # Only the table that differs from the valid export carries the defect.
            if os.path.exists(path) and (not os.path.exists(valid) or open(path, "rb").read() != open(valid, "rb").read()):
                write("csv-canonical", f"broken-{case}-{table}", bytes([index + 6]) + head(path, 8))


def csv_mapped():
    visits = head(os.path.join(ROOT, "Tests/StrataDataTests/Fixtures/mapped/visits.csv"), 8)
    write("csv-mapped", "no-shows", b"\x00" + visits)
    write("csv-mapped", "no-shows-lenient", b"\x02" + visits)
    iso = (b"PatientId,BirthDate,Gender,Email,ScheduledDay,AppointmentDay,Status,Service,Amount\r\n"
           b"101,1962-04-29,F,a@example.com,2016-04-25T08:15:00Z,2016-04-29T09:00:00Z,done,cleaning,80.5\r\n"
           b"102,1960-01-01,M,,2016-04-26T09:00:00Z,2016-04-29T10:00:00Z,missed,\"x-ray, full\",\r\n"
           b"101,1962-04-29,F,a@example.com,2016-04-27T10:30:00Z,2016-05-10T11:00:00Z,off,cleaning,0\r\n")
    write("csv-mapped", "iso", b"\x01" + iso)


def rules():
    texts = set()
    for path in ["docs/segments.md", "Tests/StrataSegmentsTests/SegmentRuleTests.swift",
                 "Sources/StrataSegments/ProjectTemplate.swift"]:
        text = open(os.path.join(ROOT, path), encoding="utf-8").read()
        texts.update(m.strip() for m in re.findall(r"rule: ([^\n]+)", text))
        texts.update(m.strip() for m in re.findall(r"\| `([^`|]+)` \| (?:marketing|care)", text))
        texts.update(m.strip() for m in re.findall(r'\(\s*"((?:[^"\\]|\\.)+)",\s*(?:\[|\d)', text))
    block = re.search(r"## The rule language\s+```\n(.*?)```", open(os.path.join(ROOT, "docs/segments.md")).read(), re.S)
    texts.update(line.strip() for line in block.group(1).splitlines() if line.strip())
    # The known hostile shapes (issue 16 rows 4 and 5), so every campaign checks they stay refused.
    write("rules", "deep-parentheses", ("(" * 10000 + "age > 1" + ")" * 10000).encode())
    write("rules", "long-or-chain", (" or ".join(f"age > {i}" for i in range(1500))).encode())
    write("rules", "huge-duration", b"last_visit < as_of + 9223372036854775807d")
    write("rules", "huge-weeks", b"last_visit > as_of - 9223372036854775807w")
    for index, text in enumerate(sorted(t.replace('\\"', '"') for t in texts if t and not re.search(r"String|throws|\{|column \d", t))):
        write("rules", f"rule-{index:03}", text.encode())


def project_file():
    template = open(os.path.join(ROOT, "Sources/StrataSegments/ProjectTemplate.swift"), encoding="utf-8").read()
    body = re.search(r'"""\n(.*?)\n\s*"""', template, re.S).group(1)
    lines = body.splitlines()
    indent = min(len(l) - len(l.lstrip()) for l in lines if l.strip())
    write("project-file", "init-template.yml", "\n".join(l[indent:] for l in lines).encode() + b"\n")
    spec = open(os.path.join(ROOT, "docs/feature-spec.md"), encoding="utf-8").read()
    write("project-file", "feature-spec.yml", re.search(r"```yaml\n(.*?)```", spec, re.S).group(1).encode())
    segments = open(os.path.join(ROOT, "docs/segments.md"), encoding="utf-8").read()
    write("project-file", "segments.yml", re.search(r"```yaml\n(.*?)```", segments, re.S).group(1).encode())
    mapping = open(os.path.join(ROOT, "docs/column-mapping.md"), encoding="utf-8").read()
    for index, block in enumerate(re.findall(r"```yaml\n(.*?)```", mapping, re.S)):
        write("project-file", f"mapping-{index}.yml", block.encode())
    write("project-file", "empty.yml", b"")
    # The known hostile shapes (issue 16 rows 6 and 7), so every campaign checks they stay refused.
    write("project-file", "deep-brackets.yml", b"segments: " + b"[" * 10000 + b"\n")
    write("project-file", "huge-window.yml", b"features:\n  frequency: {windows: [9223372036854775807]}\nlabels: {churn_horizon_days: 1e300}\n")
    write("project-file", "outputs.yml", b"outputs: {store: s.sqlite, lists: out/lists, models: m}\n")


def model_file(churn, clusters):
    """The first byte picks the file name: 0 churn-1.json (logistic), 1 clusters-1.json (kmeans)."""
    for index, (name, path) in enumerate([("churn", churn), ("clusters", clusters)]):
        model = json.load(open(path))
        write("model-file", f"{name}-compact", bytes([index]) + json.dumps(model, separators=(",", ":"), sort_keys=True).encode())
        # The same model cut to its first three feature columns: the same shape, quicker to mutate.
        small = json.loads(json.dumps(model))
        small["featureSchema"]["columns"] = small["featureSchema"]["columns"][:3]
        parameters = small["parameters"]
        for key in ("coefficients", "featureMeans"):
            if key in parameters:
                parameters[key] = parameters[key][:3]
        if "centers" in parameters:
            parameters["centers"] = [center[:3] for center in parameters["centers"]]
        small["metrics"] = {}
        write("model-file", f"{name}-small", bytes([index]) + json.dumps(small, separators=(",", ":"), sort_keys=True).encode())


if __name__ == "__main__":
    if sys.argv[1:2] == ["--models"]:
        model_file(sys.argv[2], sys.argv[3])
    csv_canonical()
    csv_mapped()
    rules()
    project_file()
    for target in sorted(os.listdir(CORPUS)):
        print(target, len(os.listdir(os.path.join(CORPUS, target))), file=sys.stderr)
