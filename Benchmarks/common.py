"""Shared machinery for Strata's benchmarks: a local virtual environment for the peers (numpy,
scikit-learn, polars), a release build of Strata, and timing with peak memory of child processes.

Every benchmark runs Strata and its peer on the same data in one run and prints the ratio. Times are
medians over repeats; these machines are noisy.
"""
import json
import os
import statistics
import subprocess
import sys
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "Benchmarks"
VENV = BENCH / ".venv"
OUT = BENCH / "out"


def log(message):
    print(message, file=sys.stderr, flush=True)


def peer_python(packages):
    """The venv's python with `packages` (pip requirement strings) installed; creates it when missing."""
    python = VENV / "bin" / "python"
    if not python.exists():
        log(f"creating {VENV}")
        venv.EnvBuilder(with_pip=True).create(VENV)
    missing = []
    for requirement in packages:
        module = requirement.split("==")[0].split(">=")[0].replace("scikit-learn", "sklearn").replace("-", "_")
        if subprocess.run([str(python), "-c", f"import {module}"], capture_output=True).returncode != 0:
            missing.append(requirement)
    if missing:
        log(f"installing {' '.join(missing)} into {VENV}")
        subprocess.run([str(python), "-m", "pip", "install", "-q", *missing], check=True)
    return str(python)


def release_binaries(products=("strata",)):
    """Builds `products` in release mode (scratch path from $STRATA_BENCH_SCRATCH, default .build);
    returns the folder holding the binaries."""
    scratch = ["--scratch-path", os.environ["STRATA_BENCH_SCRATCH"]] if "STRATA_BENCH_SCRATCH" in os.environ else []
    for product in products:
        log(f"building {product} (release)")
        subprocess.run(["swift", "build", "-c", "release", *scratch, "--product", product], cwd=ROOT, check=True)
    path = subprocess.run(["swift", "build", "-c", "release", *scratch, "--show-bin-path"], cwd=ROOT, check=True,
                          capture_output=True, text=True).stdout.strip()
    return Path(path)


def generate_once(stamp, what, command):
    """Runs `command` to make benchmark data unless `stamp` exists, then touches `stamp`, so reruns on the
    same settings reuse the data (a run interrupted before the stamp generates again).

    The folder holds one data set: generating for other settings overwrites its files, so the stamps of every
    other setting (the `data-*` files beside `stamp`) are removed first."""
    if stamp.exists():
        return
    for other in stamp.parent.glob("data-*"):
        other.unlink()
    log(f"generating {what} in {stamp.parent}")
    subprocess.run([str(c) for c in command], check=True)
    stamp.touch()


class Measured:
    def __init__(self, seconds, peak_bytes, stdout, cpu_seconds=None):
        self.seconds = seconds
        self.peak_bytes = peak_bytes
        self.stdout = stdout
        # User plus system CPU time of the child: on a loaded host, what wall time cannot show.
        self.cpu_seconds = cpu_seconds

    def json(self):
        return json.loads(self.stdout.strip().splitlines()[-1])


def run_measured(command, env=None, cwd=None):
    """Runs `command`, returning wall time, the child's peak resident memory (bytes) and its stdout."""
    start = time.perf_counter()
    process = subprocess.Popen([str(c) for c in command], stdout=subprocess.PIPE, env=env, cwd=cwd)
    stdout_chunks = []
    for chunk in iter(lambda: process.stdout.read(65536), b""):
        stdout_chunks.append(chunk)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"benchmark command failed ({process.returncode}): {' '.join(map(str, command))}")
    return Measured(seconds, usage.ru_maxrss * 1024, b"".join(stdout_chunks).decode(), usage.ru_utime + usage.ru_stime)


def median(values):
    return statistics.median(values)


def table(rows, headers):
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) for i, h in enumerate(headers)]
    line = lambda cells: "  ".join(str(c).rjust(w) for c, w in zip(cells, widths))
    print(line(headers))
    print(line(["-" * w for w in widths]))
    for row in rows:
        print(line(row))


def verdict(name, ratio, bound, lower_is_better=True):
    ok = ratio <= bound if lower_is_better else ratio >= bound
    relation = "<=" if lower_is_better else ">="
    print(f"{name}: ratio {ratio:.3f} (target {relation} {bound}) -> {'PASS' if ok else 'FAIL'}")
    return ok


# The visit, interval, attendance, upcoming and service columns both polars peers (`ingest`, `attributes`)
# compute from their `appointments` frame (columns patient_id, s, b, status, service, amount) as of CUT / T.
POLARS_VISIT_FEATURES = r'''past = appointments.filter(pl.col("s") < CUT)
visits = past.filter(pl.col("status") == "completed").with_columns(day=pl.col("s") // 86400)
visit_features = visits.group_by("patient_id").agg(
    days_since_last_visit=(T - pl.col("day").max()).cast(pl.Float64),
    **{f"visits_{w}d": (T - pl.col("day") < w).sum().cast(pl.Float64) for w in (90, 365, 730)},
    total_amount=pl.col("amount").fill_null(0).sum(),
    mean_amount=pl.col("amount").sum() / pl.col("amount").count(),
)
gaps = (visits.select("patient_id", "day").sort(["patient_id", "day"])
        .with_columns(gap=pl.col("day").diff().over("patient_id").cast(pl.Float64))
        .filter(pl.col("gap").is_not_null())
        .group_by("patient_id").agg(mean_visit_interval_days=pl.col("gap").mean(),
                                    visit_interval_spread_days=pl.col("gap").std(ddof=0)))
outcomes = past.group_by("patient_id").agg(
    outcomes=pl.col("status").is_in(["completed", "no_show", "cancelled"]).sum(),
    no_shows=(pl.col("status") == "no_show").sum(),
    cancellations=(pl.col("status") == "cancelled").sum(),
    mean_booking_lead_days=((pl.col("s") - pl.col("b")) / 86400).mean(),
)
upcoming = appointments.filter((pl.col("s") >= CUT) & (pl.col("b") < CUT)).group_by("patient_id").agg(
    days_until_next_appointment=((pl.col("s").min() // 86400) - T).cast(pl.Float64))
service_counts = visits.group_by("service").len().sort(["len", "service"], descending=[True, False])
top_services = service_counts["service"].to_list()[:8]
services = (visits.filter(pl.col("service").is_not_null()).group_by(["patient_id", "service"]).len()
            .pivot(on="service", index="patient_id", values="len"))
'''
