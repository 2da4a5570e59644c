"""Golden values for Strata's k-means tests, made by scikit-learn.

Run with the benchmark venv's python (numpy and scikit-learn from pip):
    Benchmarks/.venv/bin/python Tests/StrataModelsTests/Fixtures/kmeans/make_golden.py
It writes golden.json beside this script. Data are float64 and written out in full, so the Swift tests need
no Python. Every case starts from explicit initial centers so the runs are comparable step by step.
"""
import json
from pathlib import Path

import numpy as np
import sklearn
from sklearn.cluster import KMeans
from sklearn.metrics import (adjusted_rand_score, calinski_harabasz_score, davies_bouldin_score,
                             silhouette_samples, silhouette_score)

rng = np.random.default_rng(20261123)


def blobs(n, d, k, spread):
    truth = rng.integers(0, k, n)
    means = rng.normal(0, 4, (k, d))
    return means[truth] + rng.normal(0, spread, (n, d)), truth


def fit_case(name, X, k, init_rows, tol, max_iter, weights=None):
    init = X[init_rows].copy()
    model = KMeans(n_clusters=k, init=init, n_init=1, max_iter=max_iter, tol=tol, algorithm="lloyd")
    model.fit(X, sample_weight=weights)
    return {
        "name": name, "x": X.tolist(), "rows": X.shape[0], "columns": X.shape[1], "k": k,
        "initial_centers": init.tolist(), "tol": tol, "max_iter": max_iter,
        "sample_weight": None if weights is None else weights.tolist(),
        "labels": model.labels_.tolist(), "inertia": float(model.inertia_), "n_iter": int(model.n_iter_),
        "centers": model.cluster_centers_.tolist(),
    }


def metric_case(name, X, labels):
    return {
        "name": name, "x": X.tolist(), "labels": [int(v) for v in labels],
        "silhouette": float(silhouette_score(X, labels)),
        "silhouette_samples": silhouette_samples(X, labels).tolist(),
        "davies_bouldin": float(davies_bouldin_score(X, labels)),
        "calinski_harabasz": float(calinski_harabasz_score(X, labels)),
    }


# Overlapping blobs, so Lloyd takes several steps and some labels are contested.
X1, truth1 = blobs(240, 3, 4, 2.5)
rows1 = rng.choice(240, 4, replace=False)
X2, truth2 = blobs(150, 5, 3, 3.0)
rows2 = rng.choice(150, 3, replace=False)
weights2 = rng.uniform(0.2, 3.0, 150)

fits = [
    fit_case("overlapping_blobs_tol_1e-4", X1, 4, rows1, 1e-4, 300),
    fit_case("overlapping_blobs_tol_0", X1, 4, rows1, 0.0, 300),
    fit_case("two_iterations_not_converged", X1, 4, rows1, 0.0, 2),
    fit_case("weighted", X2, 3, rows2, 1e-4, 300, weights2),
]

# Metrics on the blobs' true labels, and on labels with a one-row cluster (silhouette 0 for that row).
X3, truth3 = blobs(90, 4, 3, 1.5)
singleton = truth3.copy()
singleton[0] = 7
metrics = [
    metric_case("blobs_truth", X1, truth1),
    metric_case("weighted_blobs_truth", X2, truth2),
    metric_case("with_singleton_cluster", X3, singleton),
]

a = rng.integers(0, 4, 60)
b = np.where(rng.uniform(size=60) < 0.7, a, rng.integers(0, 5, 60))
ari = [
    {"first": a.tolist(), "second": b.tolist(), "ari": float(adjusted_rand_score(a, b))},
    {"first": a.tolist(), "second": ((a + 1) % 4).tolist(), "ari": float(adjusted_rand_score(a, (a + 1) % 4))},
    {"first": truth1.tolist(), "second": fits[0]["labels"], "ari": float(adjusted_rand_score(truth1, fits[0]["labels"]))},
]

out = {"sklearn_version": sklearn.__version__, "numpy_version": np.__version__, "fits": fits, "metrics": metrics,
       "adjusted_rand": ari}
path = Path(__file__).resolve().parent / "golden.json"
path.write_text(json.dumps(out, separators=(",", ":")) + "\n")
print(f"wrote {path} ({path.stat().st_size} bytes)")
for fit in fits:
    print(fit["name"], "n_iter", fit["n_iter"], "inertia", fit["inertia"])
