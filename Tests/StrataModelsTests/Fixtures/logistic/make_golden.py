"""Golden values for Strata's logistic regression and metrics tests, from scikit-learn.

Run with the Benchmarks venv python (it has numpy and scikit-learn):
    Benchmarks/.venv/bin/python Tests/StrataModelsTests/Fixtures/logistic/make_golden.py
Writes golden.json beside this script. The data are generated here (seeded), so the file is self-contained.

- L2 fits: solver newton-cholesky at tol 1e-12, cross-checked against newton-cg at tol 1e-12 (lbfgs stalls near 1e-7).
- L1 / elastic-net fits: solver saga at tol 1e-13 with a large iteration limit (exact to far below 1e-4).
- Metrics on scores WITH TIES (rounded to one decimal) and probabilities including exact 0 and 1.
"""
import json
import warnings
from pathlib import Path

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, brier_score_loss, log_loss, roc_auc_score

warnings.filterwarnings("ignore", category=FutureWarning)
rng = np.random.default_rng(20261123)


def make_data(n, d, scales, true_coef, intercept):
    x = rng.normal(size=(n, d)) * np.asarray(scales) + rng.normal(size=d)
    z = x @ np.asarray(true_coef) + intercept
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-z))).astype(float)
    return x, y


def fit(x, y, *, l1_ratio, C, solver, tol, max_iter, sample_weight=None, class_weight=None):
    model = LogisticRegression(C=C, l1_ratio=l1_ratio, solver=solver, tol=tol, max_iter=max_iter,
                               class_weight=class_weight, random_state=0)
    model.fit(x, y, sample_weight=sample_weight)
    return model.coef_[0], float(model.intercept_[0]), int(model.n_iter_[0])


cases = []
x, y = make_data(240, 5, [1.0, 2.0, 0.5, 3.0, 1.0], [0.8, -0.4, 1.5, 0.2, 0.0], -0.7)
weights = rng.uniform(0.2, 3.0, size=len(y))
for name, C, sample_weight, class_weight in [
    ("l2_c1", 1.0, None, None),
    ("l2_c0.05", 0.05, None, None),
    ("l2_c1_sample_weights", 1.0, weights, None),
    ("l2_c0.3_balanced", 0.3, None, "balanced"),
    ("l2_c2_balanced_sample_weights", 2.0, weights, "balanced"),
]:
    coef, intercept, _ = fit(x, y, l1_ratio=0.0, C=C, solver="newton-cholesky", tol=1e-12, max_iter=1000,
                             sample_weight=sample_weight, class_weight=class_weight)
    check, check_intercept, _ = fit(x, y, l1_ratio=0.0, C=C, solver="newton-cg", tol=1e-12, max_iter=10000,
                                    sample_weight=sample_weight, class_weight=class_weight)
    assert np.max(np.abs(coef - check)) < 1e-9 and abs(intercept - check_intercept) < 1e-9, name
    cases.append(dict(name=name, penalty="l2", C=C, l1_ratio=0.0, data="standard",
                      sample_weights=sample_weight is not None, class_weight=class_weight or "none",
                      coefficients=coef.tolist(), intercept=intercept))

# Sparse problem: several true coefficients are zero, features on comparable scales (saga converges).
xs, ys = make_data(300, 6, [1.0] * 6, [1.2, 0.0, -0.9, 0.0, 0.05, 0.0], 0.3)
for name, penalty, l1_ratio, C, sample_weight, class_weight in [
    ("l1_c0.1", "l1", 1.0, 0.1, None, None),
    ("l1_c1", "l1", 1.0, 1.0, None, None),
    ("elasticnet_c0.2_r0.5", "elasticnet", 0.5, 0.2, None, None),
    ("elasticnet_c0.5_r0.3_balanced", "elasticnet", 0.3, 0.5, None, "balanced"),
]:
    coef, intercept, n_iter = fit(xs, ys, l1_ratio=l1_ratio, C=C, solver="saga", tol=1e-13, max_iter=1_000_000,
                                  sample_weight=sample_weight, class_weight=class_weight)
    assert n_iter < 1_000_000, name
    cases.append(dict(name=name, penalty=penalty, C=C, l1_ratio=l1_ratio, data="sparse",
                      sample_weights=False, class_weight=class_weight or "none",
                      coefficients=coef.tolist(), intercept=intercept))

# Metrics on data with ties.
n = 200
metric_targets = (rng.uniform(size=n) < 0.35).astype(float)
raw = np.clip(0.25 + 0.3 * metric_targets + rng.normal(scale=0.25, size=n), 0, 1)
tied_scores = np.round(raw, 1)  # eleven distinct values: many ties, including exact 0 and 1
metric_weights = rng.uniform(0.5, 2.0, size=n)
metrics = dict(
    targets=metric_targets.tolist(), scores=tied_scores.tolist(), weights=metric_weights.tolist(),
    roc_auc=roc_auc_score(metric_targets, tied_scores),
    average_precision=average_precision_score(metric_targets, tied_scores),
    log_loss=log_loss(metric_targets, tied_scores),
    brier=brier_score_loss(metric_targets, tied_scores),
    weighted_roc_auc=roc_auc_score(metric_targets, tied_scores, sample_weight=metric_weights),
    weighted_average_precision=average_precision_score(metric_targets, tied_scores, sample_weight=metric_weights),
    weighted_log_loss=log_loss(metric_targets, tied_scores, sample_weight=metric_weights),
    weighted_brier=brier_score_loss(metric_targets, tied_scores, sample_weight=metric_weights),
)

golden = dict(
    generator=f"make_golden.py with scikit-learn {sklearn.__version__}, numpy {np.__version__}",
    standard=dict(x=x.tolist(), y=y.tolist(), sample_weights=weights.tolist()),
    sparse=dict(x=xs.tolist(), y=ys.tolist()),
    fits=cases,
    metrics=metrics,
)
out = Path(__file__).resolve().parent / "golden.json"
out.write_text(json.dumps(golden, indent=1) + "\n")
print(f"wrote {out}: {len(cases)} fits")
