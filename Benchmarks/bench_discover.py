"""`strata discover` on 1,000,000-person clinics with k 2...10 and stability (issue 15), release build.

Per clinic (primary care and multi-specialty by default), each round runs
`strata discover EXPORT --as-of 2025-12-31 --k 2...10 --json` (stability at its defaults: 5 refits on 80%
subsamples, measured from the largest k down to the first that qualifies) and records wall time, CPU time
(user + system) and peak resident memory; the clinics alternate within a round. Prints medians, the k and
stability found, the load average, and the verdict: median wall time at most 30 s per clinic. No peer.

Data: `--export KIND=PATH` uses an existing export (symlinked into Benchmarks/out/discover/KIND); otherwise
`strata generate --patients N --seed 1 --kind KIND --to 2025-12-31` writes one there once and reuses it. The
first round of each clinic reads its 3 GB export from disk unless it is in the page cache: `--warmup` runs each
clinic once untimed first. `--stage-timings` sets `STRATA_BENCH_DISCOVER_TIMINGS=1`, so each run also writes its
stages' wall and CPU seconds on standard error.
"""
import argparse
import os

from common import OUT, generate_once, log, median, release_binaries, run_measured

TARGET_SECONDS = 30.0
AS_OF = "2025-12-31"


def clinic(strata, kind, patients, given):
    """The export folder of `kind`: `given` symlinked into Benchmarks/out/discover, or generated there once."""
    folder = OUT / "discover" / kind
    link = folder / "export"
    if given:
        folder.mkdir(parents=True, exist_ok=True)
        if link.is_symlink() or link.exists():
            if link.is_symlink() and os.readlink(link) == given:
                return link
            if not link.is_symlink():
                raise SystemExit(f"{link} exists and is not a link; remove it to use {given}")
            link.unlink()
        link.symlink_to(given)
        return link
    if link.is_symlink():
        link.unlink()
    generate_once(folder / f"data-{patients}-{kind}", f"{patients:,} people ({kind})",
                  [strata, "generate", "--patients", patients, "--seed", 1, "--kind", kind, "--to", AS_OF,
                   "--out", link, "--truth-out", folder / "truth"])
    return link


def load_average():
    with open("/proc/loadavg") as handle:
        return " ".join(handle.read().split()[:3])


def main(argv):
    parser = argparse.ArgumentParser(prog="run.py discover")
    parser.add_argument("--patients", type=int, default=1_000_000)
    parser.add_argument("--kinds", default="primary-care,multi-specialty")
    parser.add_argument("--export", action="append", default=[], metavar="KIND=PATH",
                        help="use an existing export of KIND instead of generating one")
    parser.add_argument("--k", default="2...10")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", action="store_true", help="run each clinic once untimed first (page cache)")
    parser.add_argument("--stage-timings", action="store_true", help="STRATA_BENCH_DISCOVER_TIMINGS=1")
    args = parser.parse_args(argv)

    given = dict(item.split("=", 1) for item in args.export)
    kinds = [kind for kind in args.kinds.split(",") if kind]
    strata = str(release_binaries(("strata",)) / "strata")
    exports = {kind: clinic(strata, kind, args.patients, given.get(kind)) for kind in kinds}
    env = dict(os.environ, STRATA_BENCH_DISCOVER_TIMINGS="1") if args.stage_timings else None

    def command(kind):
        return [strata, "discover", str(exports[kind]), "--as-of", AS_OF, "--k", args.k, "--json"]

    if args.warmup:
        for kind in kinds:
            log(f"warm-up (untimed): {' '.join(command(kind))}")
            run_measured(command(kind), env=env)
    log(f"load average before: {load_average()}")
    results = {kind: [] for kind in kinds}
    for round_ in range(args.rounds):
        for kind in kinds:
            log(f"round {round_ + 1}/{args.rounds}: {' '.join(command(kind))}")
            measured = run_measured(command(kind), env=env)
            summary = measured.json()
            results[kind].append((measured, summary))
            log(f"  {measured.seconds:.2f} s (CPU {measured.cpu_seconds:.2f} s), peak {measured.peak_bytes / 2**20:.0f} MiB, "
                f"k={summary['k']}, stability {summary.get('stability')}, load {load_average()}")

    ok = True
    print(f"discover benchmark: `strata discover --as-of {AS_OF} --k {args.k} --json`, {args.rounds} rounds, "
          f"{args.patients:,} people per clinic")
    for kind in kinds:
        runs = results[kind]
        walls = [measured.seconds for measured, _ in runs]
        cpus = [measured.cpu_seconds for measured, _ in runs]
        peak = max(measured.peak_bytes for measured, _ in runs)
        _, summary = runs[-1]
        wall = median(walls)
        passed = wall <= TARGET_SECONDS
        ok = ok and passed
        print(f"{kind}: {summary['patients']:,} patients, k={summary['k']}, stability {summary.get('stability') or float('nan'):.3f}; "
              f"median wall {wall:.2f} s ({', '.join(f'{s:.2f}' for s in walls)}), median CPU {median(cpus):.2f} s, "
              f"peak {peak / 2**20:.0f} MiB -> {'PASS' if passed else 'FAIL'} (target <= {TARGET_SECONDS:.0f} s)")
    print(f"load average after the run: {load_average()}")
    return ok
