"""k-means++ seeding quality: Strata's greedy k-means++ against scikit-learn's `kmeans_plusplus`, on the data of
the `kmeans` benchmark (1,000,000x32 float32 blobs, k = 16), over many seeds.

The `kmeans` benchmark times each tool to convergence from its own seeding; Strata's time depends on how many
Lloyd steps its seeds need. This one asks whether the two seedings are equally good, apart from Lloyd:
  - potential: Σ min_c ‖x − c‖² right after seeding (before any Lloyd step), both computed here in float64
    from the centers each tool drew (`strata-bench kmeans-seeding` draws Strata's exactly as
    `strata kmeans --seed S` does);
  - iterations: scikit-learn's own `KMeans(algorithm="lloyd", tol=1e-4)` run from each tool's centers, so the
    same Lloyd implementation counts the steps for both;
  - seeding seconds of each tool (informational; scikit-learn's `kmeans_plusplus` on its float64-upcast
    distances).
Reported: quartiles and means of each, and a two-sided Mann-Whitney U test per quantity (the seeds of the two
tools are independent draws; a small p-value says the distributions differ).
"""
import argparse
import json
import os
import subprocess
from pathlib import Path

from bench_kmeans import GENERATE
from common import OUT, generate_once, log, peer_python, release_binaries, table

PEER = r"""
import json, sys, time
import numpy as np
from scipy.stats import mannwhitneyu
from sklearn.cluster import KMeans, kmeans_plusplus

x = np.load(sys.argv[1]); k = int(sys.argv[2]); seeds = int(sys.argv[3]); folder = sys.argv[4]
strata = [json.loads(line) for line in open(sys.argv[5])]

def potential(centers):
    # Σ min_c ‖x − c‖² in float64, in blocks of rows.
    c = centers.astype(np.float64)
    total = 0.0
    for start in range(0, len(x), 100_000):
        block = x[start:start + 100_000].astype(np.float64)
        d = (block * block).sum(1)[:, None] - 2 * block @ c.T + (c * c).sum(1)[None, :]
        total += np.maximum(d.min(1), 0).sum()
    return total

def lloyd(centers):
    model = KMeans(n_clusters=k, init=centers.astype(np.float32), n_init=1, algorithm="lloyd", tol=1e-4).fit(x)
    return int(model.n_iter_), float(model.inertia_)

rows = {"strata": [], "scikit-learn": []}
for seed in range(seeds):
    start = time.perf_counter()
    theirs, _ = kmeans_plusplus(x, k, random_state=seed)
    seconds = time.perf_counter() - start
    ours = np.load(f"{folder}/strata-seed{seed}.npy")
    for name, centers, took in (("strata", ours, strata[seed]["seconds"]), ("scikit-learn", theirs, seconds)):
        iterations, inertia = lloyd(centers)
        rows[name].append({"potential": potential(centers), "iterations": iterations, "inertia": inertia, "seconds": took})
    print(f"seed {seed}: potential {rows['strata'][-1]['potential']:.6g} / {rows['scikit-learn'][-1]['potential']:.6g}, "
          f"iterations {rows['strata'][-1]['iterations']} / {rows['scikit-learn'][-1]['iterations']}", file=sys.stderr, flush=True)
gap = max(abs(r["potential"] - s["potential"]) / r["potential"] for r, s in zip(rows["strata"], strata))
tests = {key: float(mannwhitneyu([r[key] for r in rows["strata"]], [r[key] for r in rows["scikit-learn"]]).pvalue)
         for key in ("potential", "iterations", "inertia")}
print(json.dumps({"rows": rows, "strata_potential_gap": gap, "mann_whitney_p": tests}))
"""


def main(argv):
    parser = argparse.ArgumentParser(prog="run.py kmeans_seeding")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--columns", type=int, default=32)
    parser.add_argument("--clusters", type=int, default=16)
    parser.add_argument("--seeds", type=int, default=40)
    args = parser.parse_args(argv)
    python = peer_python(["numpy", "scikit-learn", "scipy"])
    if os.environ.get("STRATA_BENCH_BIN"):
        bench = Path(os.environ["STRATA_BENCH_BIN"])
    else:
        os.environ.setdefault("STRATA_BENCH_SCRATCH", str(Path(__file__).resolve().parent.parent / ".build-bench-kmeans"))
        bench = release_binaries(("strata-bench",)) / "strata-bench"
    folder = OUT / "kmeans"
    folder.mkdir(parents=True, exist_ok=True)
    x = folder / "x.npy"
    generate_once(folder / f"data-{args.rows}x{args.columns}-k{args.clusters}", f"{args.rows}x{args.columns} float32 blobs",
                  [python, "-c", GENERATE, args.rows, args.columns, args.clusters, folder])
    log(f"load average before the runs: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    log(f"Strata's k-means++ for seeds 0..{args.seeds - 1}")
    seeding = folder / "strata-seeding.jsonl"
    with open(seeding, "w") as out:
        subprocess.run([str(bench), "kmeans-seeding", str(x), str(args.clusters), str(args.seeds), str(folder)], stdout=out,
                       check=True)
    log("scikit-learn's kmeans_plusplus, potentials, and Lloyd from both tools' centers")
    result = subprocess.run([python, "-c", PEER, str(x), str(args.clusters), str(args.seeds), str(folder), str(seeding)],
                            stdout=subprocess.PIPE, check=True, text=True)
    log(f"load average after the runs: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    report = json.loads(result.stdout.strip().splitlines()[-1])
    rows = []
    for key, fmt in (("potential", "{:.5g}"), ("iterations", "{:.0f}"), ("inertia", "{:.7g}"), ("seconds", "{:.3f}")):
        for name in ("strata", "scikit-learn"):
            values = sorted(r[key] for r in report["rows"][name])
            quartile = lambda q: values[min(len(values) - 1, round(q * (len(values) - 1)))]
            rows.append([key, name, fmt.format(quartile(0.25)), fmt.format(quartile(0.5)), fmt.format(quartile(0.75)),
                         fmt.format(sum(values) / len(values)),
                         f"{report['mann_whitney_p'][key]:.3f}" if key in report["mann_whitney_p"] and name == "strata" else ""])
    print(f"k-means++ seeding: {args.rows}x{args.columns} float32, k={args.clusters}, seeds 0..{args.seeds - 1} "
          f"(iterations and inertia: scikit-learn lloyd, tol 1e-4, from each tool's centers)")
    table(rows, ["", "tool", "25%", "median", "75%", "mean", "Mann-Whitney p"])
    print(f"Strata's own potential against the one computed here: largest relative gap {report['strata_potential_gap']:.1e}")
    return True
