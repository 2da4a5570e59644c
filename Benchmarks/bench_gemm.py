"""sgemm and dgemm GFLOP/s for square matrices: Strata (Debian's OpenBLAS through StrataLinearAlgebra)
against numpy (pip wheel, its own OpenBLAS), in the same run. Target: sgemm >= 0.9x numpy."""
import argparse
import json
import subprocess

from common import log, median, peer_python, release_binaries, run_measured, table, verdict

PEER = r"""
import json, sys, time
import numpy as np
n, repeats = int(sys.argv[1]), int(sys.argv[2])
rng = np.random.default_rng(0)
out = {}
for name, dtype in (("sgemm_gflops", np.float32), ("dgemm_gflops", np.float64)):
    a = rng.uniform(-1, 1, (n, n)).astype(dtype); b = rng.uniform(-1, 1, (n, n)).astype(dtype)
    c = a @ b
    times = []
    for _ in range(repeats):
        t = time.perf_counter(); np.matmul(a, b, out=c); times.append(time.perf_counter() - t)
    out[name] = [2 * n**3 / s / 1e9 for s in times]
print(json.dumps(out))
"""


def main(argv):
    parser = argparse.ArgumentParser(prog="run.py gemm")
    parser.add_argument("--size", type=int, default=4096)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3, help="alternating Strata/numpy rounds")
    args = parser.parse_args(argv)
    python = peer_python(["numpy"])
    binaries = release_binaries(["strata-bench"])
    strata = {"sgemm_gflops": [], "dgemm_gflops": []}
    numpy = {"sgemm_gflops": [], "dgemm_gflops": []}
    for round_ in range(args.rounds):
        log(f"round {round_ + 1}/{args.rounds}")
        result = run_measured([binaries / "strata-bench", "gemm", args.size, args.repeats]).json()
        for key in strata:
            strata[key] += result[key]
        result = run_measured([python, "-c", PEER, args.size, args.repeats]).json()
        for key in numpy:
            numpy[key] += result[key]
    version = subprocess.run([python, "-c", "import numpy; print(numpy.__version__)"], capture_output=True,
                             text=True).stdout.strip()
    rows = []
    for key in ("sgemm_gflops", "dgemm_gflops"):
        s, p = median(strata[key]), median(numpy[key])
        rows.append([key.split("_")[0] + f" {args.size}", f"{s:.1f}", f"{p:.1f}", f"{s / p:.3f}"])
    print(f"gemm benchmark: {args.rounds} rounds x {args.repeats} repeats, medians (numpy {version})")
    table(rows, ["kernel", "Strata GFLOP/s", "numpy GFLOP/s", "Strata/numpy"])
    return verdict("sgemm Strata/numpy", median(strata["sgemm_gflops"]) / median(numpy["sgemm_gflops"]), 0.9,
                   lower_is_better=False)
