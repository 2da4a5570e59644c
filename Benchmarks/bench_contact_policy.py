"""What the contact policy costs a refresh: `strata refresh` of a 1,000,000-patient project (a generated
multi-specialty clinic, the template's segments, no models) with the default contact policy against the same
refresh with `contact_policy: {enabled: false}`, in release mode.

Rounds alternate policy on and off in one project; each refresh's project file carries a numbered comment, so
each records a run (the project file's fingerprint differs from the previous run's) with the same memberships,
and both sides meet the same load.
A first refresh (not measured) creates the store and every membership. Reports the medians, the median of
per-pair ratios (on / off), the load average, and the contacts the policy held back. Target: at most 1.10.
"""
import argparse
import json
import shutil

from common import OUT, generate_once, log, median, release_binaries, run_measured, verdict

TARGET = 1.10
CUT = "2025-12-31"


def main(argv):
    parser = argparse.ArgumentParser(prog="run.py contact_policy")
    parser.add_argument("--patients", type=int, default=1_000_000, help="people generated (patients plus inquirers)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=3, help="pairs of refreshes (policy on, policy off)")
    args = parser.parse_args(argv)

    binaries = release_binaries(("strata",))
    strata = binaries / "strata"
    folder = OUT / "contact_policy"
    project = folder / "project"
    # The export lives in the project (a refresh reads exports under the project only), generated once.
    export = project / "exports" / CUT
    generate_once(folder / f"data-{args.patients}-{args.seed}", f"{args.patients:,} people",
                  [strata, "generate", "--patients", args.patients, "--seed", args.seed, "--kind", "multi-specialty",
                   "--to", CUT, "--out", export, "--truth-out", folder / "clinic-truth", "--force"])
    # A fresh store and lists each time; the template's project file.
    for name in ("strata.sqlite", "strata.sqlite-wal", "strata.sqlite-shm", "strata.sqlite.audit-head", "strata.sqlite.lock"):
        (project / name).unlink(missing_ok=True)
    shutil.rmtree(project / "lists", ignore_errors=True)
    run_measured([strata, "init", "--project", project, "--force"])
    template = (project / "strata.yml").read_text()

    refreshes = [0]

    def refresh(policy_on):
        # A comment numbering the refresh makes every project file differ from the previous run's, so each
        # refresh records a run (two in a row with the policy off would otherwise find nothing new).
        refreshes[0] += 1
        text = template + ("" if policy_on else "\ncontact_policy: {enabled: false}\n") + f"# refresh {refreshes[0]}\n"
        (project / "strata.yml").write_text(text)
        return run_measured([strata, "refresh", "--project", project, "--json"])

    log("first refresh (store and memberships; not measured)")
    refresh(False)
    on, off, ratios, held = [], [], [], None
    cpu_on, cpu_off, cpu_ratios = [], [], []
    for round_ in range(args.rounds):
        # Alternate which side goes first, so neither always follows the other.
        order = (True, False) if round_ % 2 == 0 else (False, True)
        seconds, cpu = {}, {}
        for policy_on in order:
            measured = refresh(policy_on)
            seconds[policy_on] = measured.seconds
            cpu[policy_on] = measured.cpu_seconds
            summary = measured.json()
            if policy_on:
                held = {reason: sum(s["held_back"][reason] for s in summary["segments"])
                        for reason in summary["segments"][0]["held_back"]}
            log(f"round {round_ + 1}: policy {'on ' if policy_on else 'off'} {measured.seconds:.2f} s "
                f"(CPU {measured.cpu_seconds:.2f} s), "
                f"{sum(l['rows'] for l in summary['lists']):,} contacts listed")
        on.append(seconds[True])
        off.append(seconds[False])
        ratios.append(seconds[True] / seconds[False])
        cpu_on.append(cpu[True])
        cpu_off.append(cpu[False])
        cpu_ratios.append(cpu[True] / cpu[False])

    with open("/proc/loadavg") as handle:
        load = " ".join(handle.read().split()[:3])
    print(f"contact policy benchmark: refresh of {args.patients:,} people, {args.rounds} pairs, load average {load}")
    print(f"policy on:  median {median(on):.2f} s ({', '.join(f'{s:.2f}' for s in on)})")
    print(f"policy off: median {median(off):.2f} s ({', '.join(f'{s:.2f}' for s in off)})")
    print(f"per-pair ratios: {', '.join(f'{r:.3f}' for r in ratios)}")
    print(f"CPU seconds: policy on median {median(cpu_on):.2f}, off {median(cpu_off):.2f}; per-pair ratios "
          f"{', '.join(f'{r:.3f}' for r in cpu_ratios)}, median {median(cpu_ratios):.3f} (less sensitive to load)")
    print(f"held back with the policy on, by reason: {json.dumps(held)}")
    ok = verdict("refresh with policy / without", median(ratios), TARGET)
    shutil.rmtree(project / "lists", ignore_errors=True)
    return ok
