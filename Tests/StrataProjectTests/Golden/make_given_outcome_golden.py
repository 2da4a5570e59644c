"""Golden values for GivenOutcomeTests: 5-fold AUC of an L2 logistic regression (C = 1) on the one-hot design
of a labelled, attribute-only patients table, from scikit-learn.

Run with the Benchmarks venv python (it has numpy and scikit-learn):
    Benchmarks/.venv/bin/python Tests/StrataProjectTests/Golden/make_given_outcome_golden.py
Writes given_outcome.json beside this script.

The table is not stored: the test builds the same 2,000 rows from SplitMix64 (seed 2026), as `rows()` does
here. The design is what Strata's attribute features are: one 0/1 column per category value (every value is
held by at least 11 patients, so there is no `other` column), the flag as 0/1, the number as is; every column
standardized with its mean and population standard deviation over all rows. The folds are Strata's stratified
folds (Validation.stratifiedFolds, seed 0): each class's rows shuffled by Swift's Fisher-Yates with
xoshiro256** seeded through SplitMix64, and dealt to the folds in turn, class 0 first. The fold AUC mean
is the number compared.
"""
import json
import math
from pathlib import Path

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

MASK = (1 << 64) - 1
ROWS = 2000
INSURANCE = ["private", "medicaid", "medicare", "uninsured"]
INSURANCE_EFFECT = [0.0, 0.6, -0.4, 1.1]
NEIGHBOURHOODS = ["riverside", "old_town", "hillcrest", "harbour", "university", "northgate"]
NEIGHBOURHOOD_EFFECT = [0.0, 0.2, -0.2, 0.4, 0.0, -0.3]


class SplitMix64:
    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def uniform(self):
        """A double in [0, 1) from the top 53 bits, as the test computes it."""
        return (self.next() >> 11) * (1.0 / (1 << 53))


class Xoshiro256StarStar:
    def __init__(self, seed):
        expander = SplitMix64(seed)
        self.s = [expander.next() for _ in range(4)]

    def next(self):
        s = self.s
        rotl = lambda x, k: ((x << k) | (x >> (64 - k))) & MASK
        result = (rotl((s[1] * 5) & MASK, 7) * 9) & MASK
        shifted = (s[1] << 17) & MASK
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= shifted
        s[3] = rotl(s[3], 45)
        return result

    def below(self, bound):
        """Swift's `next(upperBound:)`: Lemire's multiply-high with rejection."""
        random = self.next()
        m = random * bound
        low = m & MASK
        if low < bound:
            t = ((1 << 64) - bound) % bound
            while low < t:
                random = self.next()
                m = random * bound
                low = m & MASK
        return m >> 64


def swift_shuffle(values, generator):
    """Swift's MutableCollection.shuffle(using:)."""
    amount = len(values)
    current = 0
    while amount > 1:
        random = generator.below(amount)
        amount -= 1
        values[current], values[current + random] = values[current + random], values[current]
        current += 1


def stratified_folds(targets, folds, seed):
    generator = Xoshiro256StarStar(seed)
    assignment = [0] * len(targets)
    next_fold = 0
    for label in (0.0, 1.0):
        members = [i for i, t in enumerate(targets) if t == label]
        swift_shuffle(members, generator)
        for row in members:
            assignment[row] = next_fold
            next_fold = (next_fold + 1) % folds
    return assignment


def rows():
    """The table: (insurance, neighbourhood, chronic, household_size, churned)."""
    generator = SplitMix64(2026)
    table = []
    for _ in range(ROWS):
        u = [generator.uniform() for _ in range(5)]
        insurance = int(u[0] * 4)
        neighbourhood = int(u[1] * 6)
        chronic = u[2] < 0.3
        household = 1 + int(u[3] * 6)
        z = -0.5 + INSURANCE_EFFECT[insurance] + NEIGHBOURHOOD_EFFECT[neighbourhood] + (0.8 if chronic else 0.0) \
            - 0.15 * (household - 3)
        churned = u[4] < 1 / (1 + math.exp(-z))
        table.append((insurance, neighbourhood, chronic, household, churned))
    return table


def main():
    table = rows()
    x = []
    for insurance, neighbourhood, chronic, household, _ in table:
        x.append([float(insurance == k) for k in range(4)] + [float(neighbourhood == k) for k in range(6)]
                 + [1.0 if chronic else 0.0, float(household)])
    x = np.asarray(x)
    y = np.asarray([1.0 if row[4] else 0.0 for row in table])
    center = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale <= 1e-12 * np.maximum(1, np.abs(center))] = 1
    z = (x - center) / scale

    assignment = np.asarray(stratified_folds(list(y), 5, 0))
    aucs = []
    for fold in range(5):
        train, test = assignment != fold, assignment == fold
        model = LogisticRegression(C=1.0, solver="newton-cholesky", tol=1e-12, max_iter=1000).fit(z[train], y[train])
        aucs.append(roc_auc_score(y[test], model.predict_proba(z[test])[:, 1]))
    full = LogisticRegression(C=1.0, solver="newton-cholesky", tol=1e-12, max_iter=1000).fit(z, y)
    golden = {
        "sklearn_version": sklearn.__version__,
        "rows": ROWS,
        "positives": int(y.sum()),
        "fold_sizes": [int((assignment == k).sum()) for k in range(5)],
        "fold_aucs": aucs,
        "cv_auc_mean": float(np.mean(aucs)),
        "training_auc": float(roc_auc_score(y, full.predict_proba(z)[:, 1])),
    }
    out = Path(__file__).with_name("given_outcome.json")
    out.write_text(json.dumps(golden, indent=2) + "\n")
    print(json.dumps(golden, indent=2))


if __name__ == "__main__":
    main()
