"""Logistic regression fit time: Strata (`strata logistic --json`, Newton with a fused one-pass
loss/gradient/Hessian kernel and Cholesky solves) against scikit-learn's
`LogisticRegression(solver="lbfgs", C=1, tol=1e-6, max_iter=1000)`, on the same synthetic data in the same run.

Data: n = 1,000,000 rows, d = 32 standard-normal float64 columns, y ~ Bernoulli(sigmoid(x.w + b)) with
w ~ N(0, 0.5^2), b = -0.5 (numpy seed 0), written once to Benchmarks/out/logistic/ as .npy.
Reported: medians of fit seconds (Strata's own `fit_seconds`; scikit-learn's `fit` call) over alternating
rounds, their ratio (target <= 0.25), and the training log loss of both (must agree within 1e-6).
"""
import argparse
import os
import subprocess
from pathlib import Path

from common import OUT, generate_once, log, median, peer_python, release_binaries, run_measured, table, verdict

GENERATE = r"""
import sys
import numpy as np
n, d, folder = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rng = np.random.default_rng(0)
x = rng.standard_normal((n, d))
w = rng.normal(0.0, 0.5, d)
z = x @ w - 0.5
y = (rng.uniform(size=n) < 1 / (1 + np.exp(-z))).astype(np.float64)
np.save(f"{folder}/x.npy", x)
np.save(f"{folder}/y.npy", y)
"""

PEER = r"""
import json, sys, time, warnings
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
x = np.load(sys.argv[1]); y = np.load(sys.argv[2])
model = LogisticRegression(solver="lbfgs", C=1.0, tol=1e-6, max_iter=1000)
start = time.perf_counter()
model.fit(x, y)
seconds = time.perf_counter() - start
p = model.predict_proba(x)[:, 1]
print(json.dumps({"fit_seconds": seconds, "log_loss": log_loss(y, p), "iterations": int(model.n_iter_[0]),
                  "intercept": float(model.intercept_[0]), "coefficients": model.coef_[0].tolist()}))
"""


def strata_binary():
    """`STRATA_BIN` when set, else a release build (scratch path from $STRATA_BENCH_SCRATCH, see common.py)."""
    if os.environ.get("STRATA_BIN"):
        return Path(os.environ["STRATA_BIN"])
    return release_binaries(("strata",)) / "strata"


def main(argv):
    parser = argparse.ArgumentParser(prog="run.py logistic")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--columns", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=7, help="alternating Strata/scikit-learn rounds")
    args = parser.parse_args(argv)
    python = peer_python(["numpy", "scikit-learn"])
    strata = strata_binary()
    folder = OUT / "logistic"
    folder.mkdir(parents=True, exist_ok=True)
    x, y = folder / "x.npy", folder / "y.npy"
    stamp = folder / f"data-{args.rows}x{args.columns}"
    generate_once(stamp, f"{args.rows}x{args.columns} data", [python, "-c", GENERATE, args.rows, args.columns, folder])
    ours, theirs = [], []
    for round_ in range(args.rounds):
        log(f"round {round_ + 1}/{args.rounds}")
        measured = run_measured([strata, "logistic", "--input", x, "--target", y, "--C", "1", "--tol", "1e-6",
                                 "--max-iter", "1000", "--json"])
        ours.append((measured.json(), measured.peak_bytes))
        measured = run_measured([python, "-c", PEER, x, y])
        theirs.append((measured.json(), measured.peak_bytes))
    strata_seconds = median([r["fit_seconds"] for r, _ in ours])
    peer_seconds = median([r["fit_seconds"] for r, _ in theirs])
    strata_loss, peer_loss = ours[-1][0]["log_loss"], theirs[-1][0]["log_loss"]
    version = subprocess.run([python, "-c", "import sklearn; print(sklearn.__version__)"], capture_output=True,
                             text=True).stdout.strip()
    print(f"logistic benchmark: {args.rows}x{args.columns}, C=1, tol=1e-6; {args.rounds} alternating rounds, "
          f"medians (scikit-learn {version})")
    table([
        ["Strata newton", f"{strata_seconds:.3f}", ours[-1][0]["iterations"], f"{strata_loss:.10f}",
         f"{median([m for _, m in ours]) / 2**20:.0f}"],
        ["scikit-learn lbfgs", f"{peer_seconds:.3f}", theirs[-1][0]["iterations"], f"{peer_loss:.10f}",
         f"{median([m for _, m in theirs]) / 2**20:.0f}"],
    ], ["fit", "seconds", "iterations", "log loss", "peak MiB"])
    print("Strata fit seconds per round: " + ", ".join(f"{r['fit_seconds']:.3f}" for r, _ in ours))
    print("scikit-learn fit seconds per round: " + ", ".join(f"{r['fit_seconds']:.3f}" for r, _ in theirs))
    loss_gap = abs(strata_loss - peer_loss)
    print(f"log loss |Strata - scikit-learn| = {loss_gap:.2e} (target <= 1e-6) -> {'PASS' if loss_gap <= 1e-6 else 'FAIL'}")
    ok = verdict("fit time Strata/scikit-learn", strata_seconds / peer_seconds, 0.25)
    return ok and loss_gap <= 1e-6
