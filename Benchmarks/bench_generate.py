"""`strata generate` at scale: 1,000,000 people (orthodontic clinic, about 8 million appointment rows) in
release mode, into Benchmarks/out/generate. Reports the median wall time over rounds, peak resident memory,
rows and MB per file. There is no peer for this one; the target is "well under a minute" on 2 cores.

Each round regenerates from scratch (`--force`); the output of the last round is removed unless --keep.
"""
import argparse
import resource
import shutil

from common import OUT, log, median, release_binaries, run_measured, table

TARGET_SECONDS = 60.0


def main(argv):
    parser = argparse.ArgumentParser(prog="run.py generate")
    parser.add_argument("--patients", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--kind", default="orthodontic", choices=["orthodontic", "aesthetic", "primary-care", "multi-specialty"])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, help="threads (default: all cores)")
    parser.add_argument("--keep", action="store_true", help="keep the generated export")
    args = parser.parse_args(argv)

    binaries = release_binaries(("strata",))
    export = OUT / "generate" / "clinic"
    truth = OUT / "generate" / "clinic-truth"
    command = [binaries / "strata", "generate", "--patients", args.patients, "--seed", args.seed,
               "--kind", args.kind, "--out", export, "--truth-out", truth, "--force"]
    if args.workers:
        command += ["--workers", args.workers]

    seconds, peaks, cpu = [], [], []
    for round_ in range(args.rounds):
        log(f"round {round_ + 1}/{args.rounds}: {' '.join(map(str, command))}")
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        measured = run_measured(command)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        seconds.append(measured.seconds)
        peaks.append(measured.peak_bytes)
        # CPU seconds (user + system) of the generator: on a loaded machine the wall time also counts
        # waiting for cores that other processes hold.
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        log(f"  {measured.seconds:.1f} s wall, {cpu[-1]:.1f} s CPU, peak {measured.peak_bytes / 2**20:.0f} MiB")

    rows, total_rows, total_bytes = [], 0, 0
    for folder in (export, truth):
        for path in sorted(folder.glob("*.csv"), key=lambda p: p.name):
            with open(path, "rb") as handle:
                count = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 24), b"")) - 1
            size = path.stat().st_size
            rows.append([path.name, f"{count:,}", f"{size / 2**20:,.1f}"])
            if folder == export:
                total_rows += count
                total_bytes += size
    rows.append(["export total", f"{total_rows:,}", f"{total_bytes / 2**20:,.1f}"])

    wall = median(seconds)
    print(f"generate benchmark: {args.patients:,} people, kind {args.kind}, {args.rounds} rounds "
          f"(wall times: {', '.join(f'{s:.1f}' for s in seconds)} s)")
    table(rows, ["file", "rows", "MB"])
    print(f"median wall time: {wall:.1f} s   ({total_rows / wall / 1e6:.2f} M rows/s, {total_bytes / 2**20 / wall:.0f} MB/s)")
    print(f"median CPU time (user + system): {median(cpu):.1f} s")
    with open("/proc/loadavg") as handle:
        print(f"load average after the run: {' '.join(handle.read().split()[:3])}")
    print(f"peak resident memory: {max(peaks) / 2**20:.0f} MiB (max over rounds)")
    ok = wall < TARGET_SECONDS
    print(f"target: well under {TARGET_SECONDS:.0f} s -> {'PASS' if ok else 'FAIL'}")
    if not args.keep:
        shutil.rmtree(OUT / "generate", ignore_errors=True)
    return ok
