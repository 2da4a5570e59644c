"""Makes reports (the demo project, and generated clinics of each kind at each size), then checks each:
nbformat validation, `jupyter nbconvert --to html`, and a headless-Chromium render of both HTML files to
PNG that must load, must not be blank, and must show every chart with marks in it. Run by
Scripts/check-reports.sh (which installs chromium and the venv); exits non-zero on the first failure.
"""
import argparse
import base64
import html.parser
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
from PIL import Image

KINDS = ["orthodontic", "aesthetic", "primary-care", "multi-specialty"]
CUTS = ["2025-11-30", "2025-12-31"]


def run(command, **kwargs):
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        sys.exit(f"FAILED: {' '.join(map(str, command))}\n{result.stdout}\n{result.stderr}")
    return result.stdout


def generated_project(strata, folder, kind, patients):
    """A project on a generated clinic: two exports a month apart, churn, lifetime and (from 5,000 people, where
    there are leads enough to fit on) conversion trained and clusters discovered on the first, a refresh on
    each, the second with --report, so the report has every section. Returns the report folder."""
    run([strata, "init", "--project", folder])
    for cut in CUTS:
        run([strata, "generate", "--patients", str(patients), "--seed", "7", "--kind", kind, "--to", cut,
             "--out", f"{folder}/exports/{cut}", "--truth-out", f"{folder}/truth/{cut}"])
    first = f"{folder}/exports/{CUTS[0]}"
    config = f"{folder}/strata.yml"
    run([strata, "train", "churn", first, "--config", config, "--model-out", f"{folder}/models/churn-{CUTS[0]}.json"])
    # Plain maximum likelihood at every size: where BG/NBD's a and b run off to infinity (200 orthodontic
    # patients: the same dropout chance for everyone) the fit returns that limit and says so (docs/lifetime.md).
    run([strata, "train", "lifetime", first, "--config", config,
         "--model-out", f"{folder}/models/lifetime-{CUTS[0]}.json"])
    if patients >= 5000:
        run([strata, "train", "conversion", first, "--config", config,
             "--model-out", f"{folder}/models/conversion-{CUTS[0]}.json"])
    run([strata, "discover", first, "--config", config, "--as-of", CUTS[0], "--k", "3...5",
         "--model-out", f"{folder}/models/clusters-{CUTS[0]}.json"])
    run([strata, "refresh", "--project", folder, first])
    run([strata, "refresh", "--project", folder, f"{folder}/exports/{CUTS[1]}", "--report"])
    return Path(folder) / "reports" / "run-2"


class Charts(html.parser.HTMLParser):
    """Counts the SVG charts of a page and the data marks (lines, bars, cells) in each: inline SVG (the report)
    and SVG images as data URLs (nbconvert's rendering of image/svg+xml outputs)."""

    def __init__(self):
        super().__init__()
        self.marks = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        source = attributes.get("src") or ""
        if tag == "img" and source.startswith("data:image/svg+xml;base64,"):
            inner = Charts()
            inner.feed(base64.b64decode(source.split(",", 1)[1]).decode("utf-8"))
            self.marks += inner.marks
        elif tag == "svg" and "strata-chart" in (attributes.get("class") or ""):
            self.marks.append(0)
        elif self.marks and attributes.get("class") in ("series", "bar", "cell"):
            size = [float(attributes.get(key, "1")) for key in ("width", "height")]
            if min(size) > 0 or tag == "polyline":
                self.marks[-1] += 1


class CheckFailed(Exception):
    pass


def fail(message):
    raise CheckFailed(message)


def screenshot(page, png):
    """Renders `page` in headless Chromium; fails when it does not load (the rendered DOM lacks the report's
    title: a missing file gives Chromium's error page) or the image is blank."""
    dom = run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", page.resolve().as_uri()])
    if "Strata report" not in dom:
        fail(f"{page} did not load in chromium (no report title in the rendered page)")
    run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1100,6000",
         f"--screenshot={png}", page.resolve().as_uri()])
    if not png.exists():
        fail(f"chromium wrote no screenshot of {page}")
    image = Image.open(png).convert("L")
    pixels = list(image.tobytes())
    inked = sum(1 for value in pixels if value < 200) / len(pixels)
    if inked < 0.01:
        fail(f"{page} renders blank ({inked:.2%} of the page inked)")
    return inked


def check(report, out):
    notebook_path = report / "report.ipynb"
    notebook = nbformat.read(notebook_path, as_version=4)
    nbformat.validate(notebook)
    if notebook.nbformat_minor < 5:
        fail(f"{notebook_path} is nbformat 4.{notebook.nbformat_minor}, expected 4.5")
    converted = out / "nbconvert"
    run([sys.executable, "-m", "nbconvert", "--to", "html", str(notebook_path), "--output-dir", str(converted)])
    pages = [report / "report.html", converted / "report.html"]
    for index, page in enumerate(pages):
        charts = check_charts(page)
        inked = screenshot(page, out / f"page-{index}.png")
        print(f"  {page.name if index == 0 else 'nbconvert ' + page.name}: {len(charts.marks)} charts, {inked:.1%} inked")


def self_test(out):
    """The checks fail where they should: a blank page, a chart without marks, a page that does not exist."""
    out.mkdir(parents=True, exist_ok=True)
    chart = '<svg class="strata-chart" width="100" height="100"><rect class="bar" width="0" height="10"/></svg>'
    pages = {
        "blank": "<html><head><title>Strata report</title></head><body></body></html>",
        "empty-chart": f"<html><body><h1>Strata report</h1>{chart}</body></html>",
    }
    for name, text in pages.items():
        (out / f"{name}.html").write_text(text)
    cases = [("blank page", lambda: screenshot(out / "blank.html", out / "blank.png")),
             ("missing page", lambda: screenshot(out / "missing.html", out / "missing.png")),
             ("empty chart", lambda: check_charts(out / "empty-chart.html"))]
    for name, case in cases:
        try:
            case()
        except CheckFailed:
            continue
        sys.exit(f"FAILED: the check passed a {name}")


def check_charts(page):
    charts = Charts()
    charts.feed(page.read_text(encoding="utf-8"))
    if not charts.marks:
        fail(f"{page} has no charts")
    empty = [i for i, marks in enumerate(charts.marks) if marks == 0]
    if empty:
        fail(f"{page}: chart(s) {empty} have no lines, bars or cells")
    return charts


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--strata", required=True)
    parser.add_argument("--kinds", nargs="*", default=KINDS)
    parser.add_argument("--sizes", nargs="*", type=int, default=[200, 5000])
    parser.add_argument("--no-demo", action="store_true")
    parser.add_argument("--keep", help="keep the projects and screenshots in this folder")
    arguments = parser.parse_args()
    base = Path(arguments.keep or tempfile.mkdtemp(prefix="strata-check-reports-"))
    base.mkdir(parents=True, exist_ok=True)
    try:
        self_test(base / "self-test")
        reports = []
        if not arguments.no_demo:
            run([arguments.strata, "demo", "--directory", str(base / "demo")])
            reports.append(("demo", base / "demo" / "reports" / "run-2"))
        for kind in arguments.kinds:
            for size in arguments.sizes:
                name = f"{kind}-{size}"
                reports.append((name, generated_project(arguments.strata, str(base / name), kind, size)))
        for name, report in reports:
            print(f"{name}:")
            out = base / f"check-{name}"
            out.mkdir(exist_ok=True)
            try:
                check(report, out)
            except CheckFailed as error:
                sys.exit(f"FAILED: {error}")
        print(f"all {len(reports)} reports validate, convert and render")
    finally:
        if not arguments.keep:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
