"""k-means: Strata (`strata kmeans --json`, its default `--algorithm hamerly`: Lloyd steps on the fused AVX2/FMA
assignment kernel that skip the rows whose label exact bounds show cannot change, with labels, iterations and
inertia equal to its plain `lloyd` bit for bit) against scikit-learn's `KMeans(algorithm="lloyd")`, and in
part 2 also `KMeans(algorithm="elkan")`, on the same data in the same run.

Data: n = 1,000,000 rows, d = 32, float32 Gaussian blobs (16 means ~ N(0, 1), unit noise, so the blobs overlap
and Lloyd keeps moving for 50 steps), numpy seed 0, written once to Benchmarks/out/kmeans/x.npy with 16
initial centers (rows drawn by numpy) in init.npy.

Part 1, per-iteration speed: both start from init.npy, 50 iterations, tol 0. Strata's `seconds_per_iteration`
(fit seconds / iterations) against scikit-learn's fit seconds / n_iter_. Target <= 0.4x. Rounds alternate
which tool goes first; each round's ratio compares two back-to-back runs, and the verdict is the median of
those ratios (the ratio of the two medians is printed too: on a shared machine it can pair runs made under
different load).
Part 1b, the first iterations alone (informational): in each round both tools also run from init.npy with
--max-iter 5 (tol 0). Strata carries the cluster sums from one iteration to the next and only moves the rows whose
label changed, so a late iteration, where few labels change, costs less than an early one; these runs show the
per-iteration time while many labels change.
Part 2, k-means++ to convergence (default tol 1e-4), for seeds 0 .. --seeds-1, each tool seeding itself with
that seed: Strata (its default algorithm, Lloyd with exact bounds), scikit-learn `lloyd` and scikit-learn
`elkan` (triangle-inequality bounds), the order of the three rotating from seed to seed. Total fit seconds:
per-seed ratios (a seed's three runs are back to back), the verdicts on their medians: Strata/lloyd <= 0.25x,
Strata/elkan < 1 (ratios of the medians printed too).
Inertia, target <= 1.005x, compared two ways, because one k-means++ seeding varies the converged inertia by
about +-3% from seed to seed in both tools and the two tools' seeds draw different centers:
  - paired (the verdict): for each of the first --paired-seeds seeds, scikit-learn's `kmeans_plusplus` draws
    the initial centers once; both tools run Lloyd from those same centers to convergence; the ratio is the
    median over seeds of Strata's inertia / scikit-learn's;
  - unpaired (reported): median over seeds of each tool's own k-means++ inertia, ratio of the medians.
Memory, target <= 1.3x the size of X (128 MB): what k-means holds, X and the fit's buffers (labels, the bounds'
gaps, seeding distances), is the Strata process's peak resident set over all its runs less the process's
start-up share: the peak of the same `strata kmeans` command on a 1,000-row slice of X (median of 3 runs in the
same benchmark), which is almost all shared-library code pages (libswiftCore, Foundation, OpenBLAS: about
26 MB, the same whatever the data). The whole peak over X is printed beside it.
"""
import argparse
import os
import subprocess
from pathlib import Path

from common import OUT, ROOT, generate_once, log, median, peer_python, release_binaries, run_measured, table, verdict

GENERATE = r"""
import sys
import numpy as np
n, d, k, folder = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
rng = np.random.default_rng(0)
means = rng.normal(0.0, 1.0, (k, d))
x = np.empty((n, d), dtype=np.float32)
step = 100_000
for start in range(0, n, step):
    stop = min(n, start + step)
    truth = rng.integers(0, k, stop - start)
    x[start:stop] = means[truth] + rng.standard_normal((stop - start, d))
np.save(f"{folder}/x.npy", x)
np.save(f"{folder}/init.npy", x[rng.choice(n, k, replace=False)])
"""

PEER = r"""
import json, sys, time
import numpy as np
from sklearn.cluster import KMeans
x = np.load(sys.argv[1]); mode = sys.argv[2]; k = int(sys.argv[3])
if mode == "fixed":
    init = np.load(sys.argv[4])
    model = KMeans(n_clusters=k, init=init, n_init=1, max_iter=int(sys.argv[5]), tol=0.0, algorithm="lloyd")
elif mode == "from":
    model = KMeans(n_clusters=k, init=np.load(sys.argv[4]), n_init=1, algorithm="lloyd")
else:
    algorithm = sys.argv[5] if len(sys.argv) > 5 else "lloyd"
    model = KMeans(n_clusters=k, init="k-means++", n_init=1, algorithm=algorithm, random_state=int(sys.argv[4]))
start = time.perf_counter()
model.fit(x)
seconds = time.perf_counter() - start
print(json.dumps({"fit_seconds": seconds, "iterations": int(model.n_iter_), "inertia": float(model.inertia_),
                  "seconds_per_iteration": seconds / model.n_iter_}))
"""

SEEDING = r"""
import sys
import numpy as np
from sklearn.cluster import kmeans_plusplus
x = np.load(sys.argv[1]); k = int(sys.argv[2])
for seed in range(int(sys.argv[3])):
    centers, _ = kmeans_plusplus(x, k, random_state=seed)
    np.save(f"{sys.argv[4]}/plusplus-seed{seed}.npy", centers.astype(np.float32))
"""


def strata_binary():
    """`STRATA_BIN` when set, else a release build (in $STRATA_BENCH_SCRATCH, default .build-bench-kmeans)."""
    if os.environ.get("STRATA_BIN"):
        return Path(os.environ["STRATA_BIN"])
    os.environ.setdefault("STRATA_BENCH_SCRATCH", str(ROOT / ".build-bench-kmeans"))
    return release_binaries(("strata",)) / "strata"


def run_alternating(index, ours_command, ours, theirs_command, theirs):
    """Runs both commands, Strata first on even `index` and the peer first on odd, and appends each run's
    (JSON output, peak bytes) to its list: alternating the order spreads drift in the machine's load."""
    order = ((ours_command, ours), (theirs_command, theirs))
    for command, into in (order if index % 2 == 0 else order[::-1]):
        measured = run_measured(command)
        into.append((measured.json(), measured.peak_bytes))


def run_rotating(index, runs):
    """Runs each (command, into) of `runs`, starting with the one at `index` modulo their count and going round,
    and appends each run's (JSON output, peak bytes) to its list."""
    start = index % len(runs)
    for command, into in runs[start:] + runs[:start]:
        measured = run_measured(command)
        into.append((measured.json(), measured.peak_bytes))


def main(argv):
    parser = argparse.ArgumentParser(prog="run.py kmeans")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--columns", type=int, default=32)
    parser.add_argument("--clusters", type=int, default=16)
    parser.add_argument("--iterations", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5, help="alternating Strata/scikit-learn rounds of part 1")
    parser.add_argument("--first-iterations", type=int, default=5,
                        help="--max-iter of the extra per-round runs that time the first iterations alone")
    parser.add_argument("--seeds", type=int, default=9, help="k-means++ seeds per tool in part 2")
    parser.add_argument("--paired-seeds", type=int, default=5,
                        help="seeds whose scikit-learn k-means++ centers both tools start from (paired inertia)")
    parser.add_argument("--skip-plusplus", action="store_true", help="only part 1 (fixed centers, 50 iterations)")
    args = parser.parse_args(argv)
    python = peer_python(["numpy", "scikit-learn"])
    strata = strata_binary()
    folder = OUT / "kmeans"
    folder.mkdir(parents=True, exist_ok=True)
    x, init = folder / "x.npy", folder / "init.npy"
    stamp = folder / f"data-{args.rows}x{args.columns}-k{args.clusters}"
    generate_once(stamp, f"{args.rows}x{args.columns} float32 blobs",
                  [python, "-c", GENERATE, args.rows, args.columns, args.clusters, folder])
    x_bytes = x.stat().st_size
    k = str(args.clusters)
    small = folder / "start-up-slice.npy"
    subprocess.run([python, "-c", "import sys, numpy as np; np.save(sys.argv[2], np.load(sys.argv[1], mmap_mode='r')[:1000])",
                    x, small], check=True)
    start_up = median([run_measured([strata, "kmeans", "--input", small, "--k", k, "--seed", "0", "--dtype", "float32",
                                     "--json"]).peak_bytes for _ in range(3)])
    log(f"load average before the runs: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    fixed_ours, fixed_theirs, plus_ours, plus_theirs, plus_elkan, paired = [], [], [], [], [], []
    first_ours, first_theirs = [], []
    for round_ in range(args.rounds):
        log(f"part 1, round {round_ + 1}/{args.rounds}")
        for iterations, ours, theirs in ((args.iterations, fixed_ours, fixed_theirs),
                                         (args.first_iterations, first_ours, first_theirs)):
            run_alternating(round_,
                            [strata, "kmeans", "--input", x, "--k", k, "--init", init, "--max-iter", iterations,
                             "--tol", "0", "--dtype", "float32", "--json"], ours,
                            [python, "-c", PEER, x, "fixed", k, init, iterations], theirs)
    if not args.skip_plusplus:
        for seed in range(args.seeds):
            log(f"part 2, own k-means++ seed {seed + 1}/{args.seeds}")
            run_rotating(seed, [([strata, "kmeans", "--input", x, "--k", k, "--seed", seed, "--dtype", "float32", "--json"],
                                 plus_ours),
                                ([python, "-c", PEER, x, "plusplus", k, seed, "lloyd"], plus_theirs),
                                ([python, "-c", PEER, x, "plusplus", k, seed, "elkan"], plus_elkan)])
        log(f"part 2, scikit-learn k-means++ centers for {args.paired_seeds} paired seeds")
        subprocess.run([str(c) for c in [python, "-c", SEEDING, x, k, args.paired_seeds, folder]], check=True)
        for seed in range(args.paired_seeds):
            log(f"part 2, both from the same k-means++ centers, seed {seed + 1}/{args.paired_seeds}")
            centers = folder / f"plusplus-seed{seed}.npy"
            ours = run_measured([strata, "kmeans", "--input", x, "--k", k, "--init", centers, "--dtype", "float32",
                                 "--json"])
            theirs = run_measured([python, "-c", PEER, x, "from", k, centers])
            paired.append((ours.json(), theirs.json(), ours.peak_bytes))
    log(f"load average after the runs: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    version = subprocess.run([python, "-c", "import sklearn; print(sklearn.__version__)"], capture_output=True,
                             text=True).stdout.strip()
    per_iteration = lambda runs: median([r["seconds_per_iteration"] for r, _ in runs])
    ours_it, theirs_it = per_iteration(fixed_ours), per_iteration(fixed_theirs)
    peak = max([m for _, m in fixed_ours + first_ours + plus_ours] + [m for _, _, m in paired])
    print(f"k-means benchmark: {args.rows}x{args.columns} float32, k={k}; {args.rounds} alternating rounds, "
          f"medians (scikit-learn {version})")
    rows = [
        ["Strata, given centers, tol 0", f"{ours_it * 1000:.1f}", median([r["iterations"] for r, _ in fixed_ours]),
         f"{median([r['fit_seconds'] for r, _ in fixed_ours]):.3f}", f"{median([r['inertia'] for r, _ in fixed_ours]):.6g}",
         f"{median([m for _, m in fixed_ours]) / 2**20:.0f}"],
        ["scikit-learn, given centers, tol 0", f"{theirs_it * 1000:.1f}",
         median([r["iterations"] for r, _ in fixed_theirs]), f"{median([r['fit_seconds'] for r, _ in fixed_theirs]):.3f}",
         f"{median([r['inertia'] for r, _ in fixed_theirs]):.6g}", f"{median([m for _, m in fixed_theirs]) / 2**20:.0f}"],
    ]
    if not args.skip_plusplus:
        rows.append(["Strata, sklearn's k-means++ centers, tol 1e-4", "", median([o["iterations"] for o, _, _ in paired]),
                     f"{median([o['fit_seconds'] for o, _, _ in paired]):.3f}", f"{median([o['inertia'] for o, _, _ in paired]):.6g}",
                     f"{median([m for _, _, m in paired]) / 2**20:.0f}"])
        rows.append(["scikit-learn, same centers, tol 1e-4", "", median([t["iterations"] for _, t, _ in paired]),
                     f"{median([t['fit_seconds'] for _, t, _ in paired]):.3f}", f"{median([t['inertia'] for _, t, _ in paired]):.6g}", ""])
        for name, runs in (("Strata, k-means++, tol 1e-4", plus_ours), ("scikit-learn lloyd, k-means++, tol 1e-4", plus_theirs),
                           ("scikit-learn elkan, k-means++, tol 1e-4", plus_elkan)):
            rows.append([name, f"{per_iteration(runs) * 1000:.1f}", median([r["iterations"] for r, _ in runs]),
                         f"{median([r['fit_seconds'] for r, _ in runs]):.3f}", f"{median([r['inertia'] for r, _ in runs]):.6g}",
                         f"{median([m for _, m in runs]) / 2**20:.0f}"])
    table(rows, ["run", "ms/iteration", "iterations", "fit seconds", "inertia", "peak MiB"])
    print("Strata ms/iteration per round: " + ", ".join(f"{r['seconds_per_iteration'] * 1000:.1f}" for r, _ in fixed_ours))
    print("scikit-learn ms/iteration per round: " + ", ".join(f"{r['seconds_per_iteration'] * 1000:.1f}" for r, _ in fixed_theirs))
    # Each round runs both tools back to back, so a round's ratio sees about the same machine load; the median
    # of those ratios is the verdict (the ratio of the two medians can pair a quiet Strata round with a busy
    # scikit-learn one, and is printed too).
    round_ratios = [o["seconds_per_iteration"] / t["seconds_per_iteration"] for (o, _), (t, _) in zip(fixed_ours, fixed_theirs)]
    print("per-round ratios Strata/scikit-learn: " + ", ".join(f"{r:.3f}" for r in round_ratios))
    print(f"ratio of the medians: {ours_it / theirs_it:.3f}")
    ok = verdict("seconds per iteration Strata/scikit-learn (median of per-round ratios)", median(round_ratios), 0.4)
    # Informational: the same start, only the first iterations, where many labels change and Strata's carried
    # sums save little (fit seconds / iterations, so the final labelling and inertia weigh more than over 50).
    first_ratios = [o["seconds_per_iteration"] / t["seconds_per_iteration"] for (o, _), (t, _) in zip(first_ours, first_theirs)]
    print(f"first {args.first_iterations} iterations alone (--max-iter {args.first_iterations}), ms/iteration per round: "
          "Strata " + ", ".join(f"{r['seconds_per_iteration'] * 1000:.1f}" for r, _ in first_ours)
          + "; scikit-learn " + ", ".join(f"{r['seconds_per_iteration'] * 1000:.1f}" for r, _ in first_theirs))
    print(f"first {args.first_iterations} iterations alone: Strata {per_iteration(first_ours) * 1000:.1f} ms/iteration, "
          f"{median([r['fit_seconds'] for r, _ in first_ours]) * 1000:.0f} ms fit (medians); scikit-learn "
          f"{per_iteration(first_theirs) * 1000:.1f} ms/iteration; median of per-round ratios {median(first_ratios):.3f} "
          "(informational)")
    if not args.skip_plusplus:
        ours_fit = median([r["fit_seconds"] for r, _ in plus_ours])
        for name, runs, target in (("lloyd", plus_theirs, 0.25), ("elkan", plus_elkan, 1.0)):
            ratios = [o["fit_seconds"] / t["fit_seconds"] for (o, _), (t, _) in zip(plus_ours, runs)]
            print(f"k-means++ fit seconds per seed, scikit-learn {name}: "
                  + ", ".join(f"{t['fit_seconds']:.3f}" for t, _ in runs))
            print(f"k-means++ per-seed ratios Strata/scikit-learn {name}: " + ", ".join(f"{r:.3f}" for r in ratios)
                  + f"; ratio of the medians {ours_fit / median([t['fit_seconds'] for t, _ in runs]):.3f}")
            ok = verdict(f"k-means++ to convergence, fit seconds Strata/scikit-learn {name} (median of per-seed ratios)",
                         median(ratios), target) and ok
        print("k-means++ fit seconds per seed, Strata: " + ", ".join(f"{r['fit_seconds']:.3f}" for r, _ in plus_ours))
        print("k-means++ inertia per seed, Strata: " + ", ".join(f"{r['inertia']:.5g}" for r, _ in plus_ours))
        print("k-means++ inertia per seed, scikit-learn: " + ", ".join(f"{r['inertia']:.5g}" for r, _ in plus_theirs))
        paired_ratios = [o["inertia"] / t["inertia"] for o, t, _ in paired]
        print("paired inertia ratios (same k-means++ centers) per seed: " + ", ".join(f"{r:.5f}" for r in paired_ratios))
        ok = verdict(f"k-means++ inertia Strata/scikit-learn, paired: both from scikit-learn's k-means++ centers, "
                     f"median over {len(paired)} seeds", median(paired_ratios), 1.005) and ok
        unpaired = median([r["inertia"] for r, _ in plus_ours]) / median([r["inertia"] for r, _ in plus_theirs])
        print(f"k-means++ inertia Strata/scikit-learn, unpaired: each tool's own k-means++, ratio of medians over "
              f"{len(plus_ours)} seeds: {unpaired:.3f} (informational: one seeding varies the inertia by about +-3%)")
    print(f"Strata peak resident memory {peak / 2**20:.1f} MiB = {peak / x_bytes:.3f}x X; start-up share (the same command "
          f"on a 1,000-row slice) {start_up / 2**20:.1f} MiB; X and the fit's buffers {(peak - start_up) / 2**20:.1f} MiB")
    ok = verdict(f"Strata peak memory less start-up / size of X ({x_bytes / 1e6:.0f} MB)", (peak - start_up) / x_bytes,
                 1.3) and ok
    return ok
