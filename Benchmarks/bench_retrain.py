"""`strata retrain` and what model monitoring adds to a refresh, on a 1,000,000-person project (release).

The project is made once in Benchmarks/out/retrain and reused: `strata generate` at two cuts a month apart
(primary care, so the export has leads), a churn champion trained on the first export as of 2025-06-30 (its
labels end before the retrain's comparison window starts, so retrain scores the champion on that window as
well as fitting the challenger), k = 5 clusters discovered on the first export, and a refresh of it. That
state is saved; every timed command starts from it again.

- retrain: `strata retrain --json` on the newest export (churn challenger fitted and compared with the
  champion, a conversion challenger fitted (the first, promoted), the clusters refitted and matched).
  Target: at most 90 s.
- refresh: the refresh of the second export, with and without the monitoring a refresh does for its models
  (drift of every input and the score, the per-patient scores stored and fingerprinted, realized performance).
  "Without" sets the benchmark knob `STRATA_BENCH_NO_MONITORING=1` (documented in docs/models.md), the only way
  to run the very same refresh without that work; the two kinds alternate within each round, in swapped order
  every other round. Target: the extra cost (paired per round: with minus without, over without) at most 10%.
"""
import argparse
import os
import resource
import shutil

from common import OUT, log, median, release_binaries, run_measured

TARGET_RETRAIN_SECONDS = 90.0
TARGET_EXTRA_SHARE = 0.10
CUTS = ["2025-11-30", "2025-12-31"]
CHAMPION_AS_OF = "2025-06-30"


def run_timed(command, env=None):
    """`run_measured` plus the child's CPU seconds (user + system, from the rusage of reaped children), so a
    run on a loaded host can be read as CPU as well as wall time."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    measured = run_measured(command, env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    measured.cpu_seconds = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return measured


def snapshot(project, saved):
    """Copies everything of `project` but its exports into `saved`."""
    shutil.rmtree(saved, ignore_errors=True)
    saved.mkdir(parents=True)
    for entry in project.iterdir():
        if entry.name == "exports":
            continue
        target = saved / entry.name
        if entry.is_dir() and not entry.is_symlink():
            shutil.copytree(entry, target, symlinks=True)
        else:
            shutil.copy2(entry, target, follow_symlinks=False)


def restore(project, saved):
    """Puts `project` back in the state `snapshot` saved (its exports untouched)."""
    for entry in project.iterdir():
        if entry.name == "exports":
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    for entry in saved.iterdir():
        target = project / entry.name
        if entry.is_dir() and not entry.is_symlink():
            shutil.copytree(entry, target, symlinks=True)
        else:
            shutil.copy2(entry, target, follow_symlinks=False)


def main(argv):
    parser = argparse.ArgumentParser(prog="run.py retrain")
    parser.add_argument("--patients", type=int, default=1_000_000)
    parser.add_argument("--kind", default="primary-care")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clean", action="store_true", help="remove the project afterwards")
    args = parser.parse_args(argv)

    strata = str(release_binaries(("strata",)) / "strata")
    base = OUT / "retrain"
    project, saved = base / "project", base / "saved"
    stamp = base / f"data-{args.patients}-{args.kind}"
    if not stamp.exists():
        for other in base.glob("data-*"):
            other.unlink()
        shutil.rmtree(project, ignore_errors=True)
        project.mkdir(parents=True)
        steps = [[strata, "init", "--project", project]]
        for cut in CUTS:
            steps.append([strata, "generate", "--patients", args.patients, "--seed", 1, "--kind", args.kind, "--to", cut,
                          "--out", project / "exports" / cut, "--truth-out", base / f"truth-{cut}", "--quiet"])
        first, config = project / "exports" / CUTS[0], project / "strata.yml"
        steps += [
            [strata, "train", "churn", first, "--config", config, "--as-of", CHAMPION_AS_OF, "--quiet",
             "--model-out", project / "models" / f"churn-{CHAMPION_AS_OF}.json"],
            [strata, "discover", first, "--config", config, "--as-of", CUTS[0], "--k", "5", "--quiet",
             "--model-out", project / "models" / f"clusters-{CUTS[0]}.json"],
            [strata, "refresh", "--project", project, first, "--quiet"],
        ]
        for step in steps:
            log(" ".join(map(str, step)))
            run_measured([str(part) for part in step])
        snapshot(project, saved)
        stamp.touch()

    second = project / "exports" / CUTS[1]
    refresh = [strata, "refresh", "--project", str(project), str(second), "--json", "--quiet"]
    without_env = dict(os.environ, STRATA_BENCH_NO_MONITORING="1")
    with_seconds, without_seconds, shares = [], [], []
    cpu = {"with": [], "without": []}
    for round_ in range(args.rounds):
        order = ["with", "without"] if round_ % 2 == 0 else ["without", "with"]
        timed = {}
        for kind in order:
            restore(project, saved)
            log(f"round {round_ + 1}/{args.rounds}: refresh {kind} monitoring")
            measured = run_timed(refresh, env=None if kind == "with" else without_env)
            timed[kind] = measured.seconds
            cpu[kind].append(measured.cpu_seconds)
            log(f"  {measured.seconds:.2f} s (cpu {measured.cpu_seconds:.2f} s), peak {measured.peak_bytes / 2**20:.0f} MiB")
        with_seconds.append(timed["with"])
        without_seconds.append(timed["without"])
        shares.append(timed["with"] / timed["without"] - 1)

    retrain = [strata, "retrain", "--project", str(project), "--json", "--quiet"]
    retrain_seconds, retrain_cpu, peaks = [], [], []
    for round_ in range(args.rounds):
        restore(project, saved)
        log(f"round {round_ + 1}/{args.rounds}: {' '.join(retrain)}")
        measured = run_timed(retrain)
        retrain_seconds.append(measured.seconds)
        retrain_cpu.append(measured.cpu_seconds)
        peaks.append(measured.peak_bytes)
        summary = measured.json()
        log(f"  {measured.seconds:.2f} s (cpu {measured.cpu_seconds:.2f} s), peak {measured.peak_bytes / 2**20:.0f} MiB")
    restore(project, saved)

    print(f"retrain benchmark: {args.patients:,} people ({args.kind}), {args.rounds} rounds")
    for target in summary["targets"]:
        print(f"  {target['target']}: {target['decision']} ({target['window']}, {target['rows']} rows): {target['reason']}")
    retrain_median = median(retrain_seconds)
    print(f"strata retrain: median {retrain_median:.2f} s (rounds {', '.join(f'{s:.2f}' for s in retrain_seconds)}), "
          f"peak resident memory {max(peaks) / 2**20:.0f} MiB; target <= {TARGET_RETRAIN_SECONDS:.0f} s")
    print(f"  cpu seconds (user + system): median {median(retrain_cpu):.2f} (rounds {', '.join(f'{s:.2f}' for s in retrain_cpu)})")
    print(f"refresh with monitoring: median {median(with_seconds):.2f} s (rounds {', '.join(f'{s:.2f}' for s in with_seconds)}), "
          f"cpu median {median(cpu['with']):.2f} s")
    print(f"refresh without (STRATA_BENCH_NO_MONITORING=1): median {median(without_seconds):.2f} s "
          f"(rounds {', '.join(f'{s:.2f}' for s in without_seconds)}), cpu median {median(cpu['without']):.2f} s")
    share = median(shares)
    print(f"extra cost of monitoring: median of per-round ratios {share * 100:.1f}% "
          f"(rounds {', '.join(f'{s * 100:.1f}%' for s in shares)}); ratio of medians "
          f"{(median(with_seconds) / median(without_seconds) - 1) * 100:.1f}%; target <= {TARGET_EXTRA_SHARE * 100:.0f}%")
    with open("/proc/loadavg") as handle:
        print(f"load average after the run: {' '.join(handle.read().split()[:3])}")
    ok = retrain_median <= TARGET_RETRAIN_SECONDS and share <= TARGET_EXTRA_SHARE
    print(f"targets: retrain <= {TARGET_RETRAIN_SECONDS:.0f} s and monitoring <= {TARGET_EXTRA_SHARE * 100:.0f}% "
          f"-> {'PASS' if ok else 'FAIL'}")
    if args.clean:
        shutil.rmtree(base, ignore_errors=True)
    return ok
