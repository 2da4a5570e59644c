"""BG/NBD on 1,000,000 patients: Strata (`strata lifetime --summary FILE.csv --json`: reading the summary CSV and
the fit, L-BFGS with the analytic gradient summed in parallel) against lifetimes 0.11.3's
`BetaGeoFitter(penalizer_coef=0).fit` on the same summary, in the same run.

Data: a summary simulated from BG/NBD itself (numpy seed 0): r = 0.243, alpha = 4.414, a = 0.793, b = 2.426
(the CDNOW fit, in weeks), first visits spread uniformly over 78 weeks before the end (T in (0, 78]), written
once to Benchmarks/out/lifetime/ as a CSV with frequency, recency and T.
Reported: medians over alternating rounds of Strata's wall time for the whole command (process start, reading
the CSV, the fit: `summary + fit`), Strata's own `fit_seconds`, and lifetimes' `fit` call alone (the CSV read by
pandas before the clock starts); the ratio of Strata's wall time to lifetimes' fit (target <= 0.05); and both
log-likelihoods at their own optimum, Σ ln L in weeks (target: within 1e-6 relative).
"""
import argparse
import os
import subprocess
from pathlib import Path

from common import OUT, generate_once, log, median, peer_python, release_binaries, run_measured, table, verdict

GENERATE = r"""
import sys
import numpy as np
n, path = int(sys.argv[1]), sys.argv[2]
rng = np.random.default_rng(0)
r, alpha, a, b = 0.243, 4.414, 0.793, 2.426
rate = rng.gamma(r, 1 / alpha, n)
dropout = rng.beta(a, b, n)
T = rng.uniform(0, 78, n)
T = np.maximum(np.round(T * 7) / 7, 1 / 7)   # whole days, in weeks, at least one day
frequency = np.zeros(n); recency = np.zeros(n); now = np.zeros(n)
alive = np.ones(n, dtype=bool)
while alive.any():
    index = np.flatnonzero(alive)
    now[index] += rng.exponential(1, index.size) / np.maximum(rate[index], 1e-300)
    seen = now[index] <= T[index]
    visited = index[seen]
    frequency[visited] += 1
    recency[visited] = np.round(now[visited] * 7) / 7
    alive[index[~seen]] = False
    dropped = visited[rng.uniform(size=visited.size) < dropout[visited]]
    alive[dropped] = False
recency = np.minimum(recency, T)
recency[frequency == 0] = 0
with open(path, "w") as out:
    out.write("frequency,recency,T\n")
    for x, tx, t in zip(frequency.astype(int), recency, T):
        out.write(f"{x},{tx:.6f},{t:.6f}\n")
"""

PEER = r"""
import json, sys, time
import numpy as np
import pandas as pd
from lifetimes import BetaGeoFitter
data = pd.read_csv(sys.argv[1])
frequency, recency, T = data["frequency"], data["recency"], data["T"]
model = BetaGeoFitter(penalizer_coef=0.0)
start = time.perf_counter()
model.fit(frequency, recency, T)
seconds = time.perf_counter() - start
params = [float(model.params_[k]) for k in ["r", "alpha", "a", "b"]]
nll = BetaGeoFitter._negative_log_likelihood(np.log(params), frequency.values, recency.values, T.values,
                                             np.ones(len(data)), 0.0)
print(json.dumps({"fit_seconds": seconds, "log_likelihood": -float(nll) * len(data), "r": params[0],
                  "alpha": params[1], "a": params[2], "b": params[3]}))
"""


def strata_binary():
    """`STRATA_BIN` when set, else a release build (scratch path from $STRATA_BENCH_SCRATCH, see common.py)."""
    if os.environ.get("STRATA_BIN"):
        return Path(os.environ["STRATA_BIN"])
    return release_binaries(("strata",)) / "strata"


def main(argv):
    parser = argparse.ArgumentParser(prog="run.py lifetime")
    parser.add_argument("--patients", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3, help="alternating Strata/lifetimes rounds")
    args = parser.parse_args(argv)
    python = peer_python(["lifetimes==0.11.3"])
    strata = strata_binary()
    folder = OUT / "lifetime"
    folder.mkdir(parents=True, exist_ok=True)
    summary = folder / "summary.csv"
    stamp = folder / f"data-{args.patients}"
    generate_once(stamp, f"a summary of {args.patients} patients", [python, "-c", GENERATE, args.patients, summary])
    ours, theirs = [], []
    for round_ in range(args.rounds):
        log(f"round {round_ + 1}/{args.rounds}")
        measured = run_measured([strata, "lifetime", "--summary", summary, "--json"])
        ours.append((measured.json(), measured.seconds))
        measured = run_measured([python, "-c", PEER, summary])
        theirs.append(measured.json())
    strata_wall = median([s for _, s in ours])
    strata_fit = median([r["fit_seconds"] for r, _ in ours])
    peer_fit = median([r["fit_seconds"] for r in theirs])
    mine, peer = ours[-1][0], theirs[-1]
    version = subprocess.run([python, "-c", "import lifetimes; print(lifetimes.__version__)"], capture_output=True,
                             text=True).stdout.strip()
    print(f"lifetime benchmark: BG/NBD on {args.patients} patients; {args.rounds} alternating rounds, medians "
          f"(lifetimes {version})")
    table([
        ["Strata summary + fit (wall)", f"{strata_wall:.3f}", f"{mine['log_likelihood']:.6f}",
         f"{mine['r']:.5f} {mine['alpha']:.5f} {mine['a']:.5f} {mine['b']:.5f}"],
        ["Strata fit_seconds", f"{strata_fit:.3f}", "", f"{mine['iterations']} iterations"],
        ["lifetimes BetaGeoFitter.fit", f"{peer_fit:.3f}", f"{peer['log_likelihood']:.6f}",
         f"{peer['r']:.5f} {peer['alpha']:.5f} {peer['a']:.5f} {peer['b']:.5f}"],
    ], ["", "seconds", "log-likelihood", "r alpha a b"])
    print("Strata wall seconds per round: " + ", ".join(f"{s:.3f}" for _, s in ours))
    print("lifetimes fit seconds per round: " + ", ".join(f"{r['fit_seconds']:.3f}" for r in theirs))
    gap = abs(mine["log_likelihood"] - peer["log_likelihood"]) / abs(peer["log_likelihood"])
    print(f"log-likelihood |Strata - lifetimes| / |lifetimes| = {gap:.2e} (target <= 1e-6) -> {'PASS' if gap <= 1e-6 else 'FAIL'}")
    ok = verdict("Strata summary + fit / lifetimes fit", strata_wall / peer_fit, 0.05)
    return ok and gap <= 1e-6
