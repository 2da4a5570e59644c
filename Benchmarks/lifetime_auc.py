#!/usr/bin/env python3
"""P(alive) beside the logistic churn score on generated clinics, for docs/lifetime.md.

For each clinic kind: `strata generate` (cut 2025-12-31; its ground truth as of T = cut - 180 days, horizon
H = 180 days). The holdout: the patients with a completed visit by T; the outcome "no completed visit in
(T, T + H]", read from the export itself. Scored, using nothing after T:
- BG/NBD: each patient's summary as of T in days (frequency = visit days - 1, recency, T; computed here from
  appointments.csv with the rules of `LifetimeSummaries`), fitted and applied by `strata lifetime --summary
  --time-unit days --horizon-days H --predictions-out`; scores 1 - p_alive and -expected_visits_<H>d;
- logistic churn: `strata train churn --as-of T` (features as of T - H, labels in (T - H, T]), then
  `strata score --as-of T`;
- the generator's own churn_probability (its model's answer; a ceiling, not a competitor).
Printed: the AUC of each score for the outcome on the same patients.

Run: python3 Benchmarks/lifetime_auc.py [--patients N] [--seed S]   (uses Benchmarks/.venv for pandas/numpy)
"""
import argparse
import json
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import OUT, log, peer_python, release_binaries  # noqa: E402

EVALUATE = r"""
import json, subprocess, sys
import numpy as np
import pandas as pd
strata, folder, asof, horizon = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
export, truth = f"{folder}/export", f"{folder}/truth"
T = pd.Timestamp(asof)
visits = pd.read_csv(f"{export}/appointments.csv", usecols=["patient_id", "scheduled_at", "status"])
visits = visits[visits.status == "completed"]
visits["day"] = pd.to_datetime(visits.scheduled_at, utc=True).dt.tz_localize(None).dt.normalize()
before = visits[visits.day <= T].drop_duplicates(["patient_id", "day"])
after = visits[(visits.day > T) & (visits.day <= T + pd.Timedelta(days=horizon))]
grouped = before.groupby("patient_id").day
summary = pd.DataFrame({"first": grouped.min(), "last": grouped.max(), "days": grouped.size()})
summary["frequency"] = summary.days - 1
summary["recency"] = (summary["last"] - summary["first"]).dt.days
summary["T"] = (T - summary["first"]).dt.days
summary[["frequency", "recency", "T"]].to_csv(f"{folder}/summary.csv", index=False)
# Plain maximum likelihood first; where the dropout parameters run off (no visible dropout), a small penalty.
for penalizer in ["0", "0.01"]:
    run = subprocess.run([strata, "lifetime", "--summary", f"{folder}/summary.csv", "--time-unit", "days",
                          "--horizon-days", str(horizon), "--predictions-out", f"{folder}/predictions.csv",
                          "--penalizer", penalizer, "--json"], capture_output=True, text=True)
    if run.returncode == 0:
        break
fit = json.loads(run.stdout)
predictions = pd.read_csv(f"{folder}/predictions.csv")
predictions.index = summary.index
model = f"{folder}/churn.json"
subprocess.run([strata, "train", "churn", export, "--as-of", asof, "--model-out", model], check=True, capture_output=True)
subprocess.run([strata, "score", export, "--model", model, "--as-of", asof, "--out", f"{folder}/scores.csv"], check=True,
               capture_output=True)
scores = pd.read_csv(f"{folder}/scores.csv", usecols=["patient_id", "score"]).set_index("patient_id")
ground = pd.read_csv(f"{truth}/ground_truth.csv", usecols=["patient_id", "churn_probability"]).dropna().set_index("patient_id")
table = summary.join(predictions).join(scores, how="inner").join(ground, how="inner")
table["churned"] = ~table.index.isin(after.patient_id)

def auc(score, positive):
    ranks = pd.Series(score).rank().to_numpy()
    positive = np.asarray(positive)
    n1, n0 = positive.sum(), (~positive).sum()
    return (ranks[positive].sum() - n1 * (n1 + 1) / 2) / (n1 * n0)

out = {"patients": int(len(table)), "churned": float(table.churned.mean()),
       "repeat_share": float((table.frequency > 0).mean()),
       "r": fit["r"], "alpha": fit["alpha"], "a": fit.get("a"), "b": fit.get("b"),
       "common_dropout": fit.get("common_dropout"), "penalizer": fit["penalty"],
       "auc_one_minus_p_alive": auc(1 - table.p_alive, table.churned),
       "auc_minus_expected_visits": auc(-table[f"expected_visits_{horizon}d"], table.churned),
       "auc_logistic_churn": auc(table.score, table.churned),
       "auc_ground_truth": auc(table.churn_probability, table.churned)}
print(json.dumps(out))
"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--kinds", default="orthodontic,primary-care,aesthetic")
    args = parser.parse_args()
    python = peer_python(["pandas"])
    strata = Path(os.environ["STRATA_BIN"]) if os.environ.get("STRATA_BIN") else release_binaries(("strata",)) / "strata"
    cut = date(2025, 12, 31)
    horizon = 180
    asof = (cut - timedelta(days=horizon)).isoformat()
    rows = []
    for kind in args.kinds.split(","):
        folder = OUT / "lifetime-auc" / kind
        folder.mkdir(parents=True, exist_ok=True)
        log(f"{kind}: generating {args.patients} people")
        subprocess.run([strata, "generate", "--patients", str(args.patients), "--seed", str(args.seed), "--kind", kind,
                        "--out", folder / "export", "--truth-out", folder / "truth", "--to", cut.isoformat(),
                        "--as-of", asof, "--horizon-days", str(horizon), "--force"], check=True, capture_output=True)
        result = subprocess.run([python, "-c", EVALUATE, strata, folder, asof, str(horizon)], check=True,
                                capture_output=True, text=True)
        rows.append((kind, json.loads(result.stdout)))
    print(f"AUC for 'no completed visit in the {horizon} days after {asof}', patients with a visit by then "
          f"({args.patients} people generated per kind, seed {args.seed})")
    print("| clinic | patients | churned | with repeat visits | 1 − P(alive) | −expected visits | logistic churn | generator's truth |")
    print("|---|---|---|---|---|---|---|---|")
    for kind, r in rows:
        print(f"| {kind} | {r['patients']} | {r['churned']:.1%} | {r['repeat_share']:.1%} | {r['auc_one_minus_p_alive']:.3f} | "
              f"{r['auc_minus_expected_visits']:.3f} | {r['auc_logistic_churn']:.3f} | {r['auc_ground_truth']:.3f} |")
    for kind, r in rows:
        # The limit model (a, b -> infinity, one dropout probability for everyone) has common_dropout, no a, b.
        dropout = (f"a, b -> inf with a/(a + b) = {r['common_dropout']:.4f}" if r.get("common_dropout") is not None
                   else f"a {r['a']:.4f}, b {r['b']:.4f}")
        print(f"{kind}: BG/NBD r {r['r']:.4f}, alpha {r['alpha']:.2f} days, {dropout}, penalizer {r['penalizer']}")


if __name__ == "__main__":
    main()
