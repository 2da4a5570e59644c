#!/usr/bin/env python3
"""The Apache Spark round trip of docs/scaling.md, tested for real (`make test-spark`).

On a generated clinic (5,000 people by default) in a throwaway project:

1. Strata fits its own models: `strata train churn` (L2, C, tight tolerance) and `strata kmeans` on the
   discovery matrix from k initial centers (k-means++ drawn here with a fixed seed).
2. `strata features --partitions 4` writes the churn design matrix with its label (as of the fit's feature
   date) and `--discovery` the matrix `strata discover` clusters, as CSV partitions.
3. PySpark (local mode, the machine's Java 17) reads the partitions and fits MLlib `LogisticRegression`
   (regParam = 1/(C·n), elasticNetParam 0, standardization off, tol 1e-12) and MLlib `KMeans` from the same
   initial centers (`initialModel`, epsilon 1e-12), then writes the strata-mllib-model JSON of each.
4. `strata models import` turns them into model files in the project; the churn model is promoted and
   `strata refresh` applies both.
5. Checks: the imported k-means labels the patients as Strata's fit does (adjusted Rand index >= 0.99); the
   imported logistic scores every patient within 1e-6 of Strata's own model, both at full precision (the model
   files' parameters on the design matrix) and as `strata score` writes them (six decimals: at most one unit
   in the last place apart); and applying the fitted schema again (as other shards do) reproduces the same
   files.

Exit status 0 when every check holds. PySpark comes from PyPI into Scripts/.venv-spark (created when missing).
Options: --people N, --C (Strata's C for the churn fit, default 0.3: see below), --strata PATH (a built `strata`; default: the debug build, built when missing),
--keep (leave the work folder, .build/spark-roundtrip, for inspection).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / "Scripts" / ".venv-spark"
WORK = ROOT / ".build" / "spark-roundtrip"
PARTITIONS = 4
CLUSTERS = 5
SEED = 17
# Strata's C for the churn fit. MLlib's L-BFGS stops once the max-abs of its averaged gradient is below 1e-8,
# whatever `tol` says (Breeze's floor), so how close it gets to the exact optimum depends on the problem's
# conditioning: on this clinic, C = 1 leaves the scores up to 1.8e-6 apart, C = 0.3 about 2e-7
# (docs/scaling.md). The check asks 1e-6, so the round trip fits with C = 0.3; --C 1 shows the other case.
C = 0.3


def log(message):
    print(message, file=sys.stderr, flush=True)


def spark_python():
    """The venv's python with pyspark and numpy; creates the venv and installs them when missing."""
    python = VENV / "bin" / "python"
    if not python.exists():
        log(f"creating {VENV}")
        venv.EnvBuilder(with_pip=True).create(VENV)
    if subprocess.run([str(python), "-c", "import pyspark, numpy"], capture_output=True).returncode != 0:
        log(f"installing pyspark and numpy into {VENV}")
        subprocess.run([str(python), "-m", "pip", "install", "-q", "pyspark", "numpy"], check=True)
    return python


def strata_binary(given):
    if given:
        return Path(given).resolve()
    subprocess.run(["swift", "build", "--product", "strata"], cwd=ROOT, check=True)
    path = subprocess.run(["swift", "build", "--show-bin-path"], cwd=ROOT, check=True, capture_output=True, text=True)
    return Path(path.stdout.strip()) / "strata"


def run(command, **kwargs):
    """Runs a command, echoing it; its standard output."""
    log("$ " + " ".join(str(part) for part in command))
    result = subprocess.run([str(part) for part in command], check=True, stdout=subprocess.PIPE, text=True, **kwargs)
    return result.stdout


# ---- the PySpark side (runs in the venv's python: `spark-roundtrip.py --spark-side ...`) -----------------------

def spark_side(arguments):
    import numpy as np
    import pyspark
    from pyspark.ml.classification import LogisticRegression
    from pyspark.ml.feature import VectorAssembler
    from pyspark.ml.stat import Summarizer
    from pyspark.mllib.clustering import KMeans, KMeansModel
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F
    from pyspark.sql.types import DoubleType, StringType, StructField, StructType

    spark = (SparkSession.builder.master("local[2]").appName("strata-roundtrip")
             .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false").config("spark.sql.shuffle.partitions", "4").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")

    def read(folder):
        """The partitions with the features assembled in partitions.json's order; labels as `label_<i>`."""
        manifest = json.loads((folder / "partitions.json").read_text())
        # Column names hold dots (`sex.female`), which Spark reads as struct fields: the files are read with
        # positional names (the header of each file is skipped; the given schema's names stand for it).
        inputs = [f"x{j}" for j in range(len(manifest["columns"]))]
        labels = [f"label_{j}" for j in range(len(manifest["labels"]))]
        fields = [StructField("id", StringType())] + [StructField(name, DoubleType()) for name in inputs + labels]
        frame = spark.read.csv(str(folder / "part-*.csv"), header=True, schema=StructType(fields), mode="FAILFAST",
                               enforceSchema=True)
        assembled = VectorAssembler(inputCols=inputs, outputCol="features").transform(frame)
        return manifest, assembled

    # Logistic regression: Strata minimizes C·Σℓ + ½‖w‖² (intercept free); MLlib (1/n)·Σℓ + λ/2·‖w‖² with
    # standardization off. Dividing Strata's by C·n gives MLlib's with λ = 1/(C·n).
    manifest, frame = read(Path(arguments.churn))
    label = manifest["labels"][0]
    labelled = frame.where(F.col("label_0").isNotNull()).cache()
    rows = labelled.count()
    reg_param = 1.0 / (arguments.c * rows)
    regression = LogisticRegression(featuresCol="features", labelCol="label_0", regParam=reg_param, elasticNetParam=0.0,
                                    standardization=False, fitIntercept=True, tol=1e-12, maxIter=2000, family="binomial")
    fitted = regression.fit(labelled)
    means = labelled.select(Summarizer.mean(F.col("features")).alias("mean")).first()["mean"].toArray().tolist()
    logistic = {"format": "strata-mllib-model", "format_version": 1, "kind": "logistic", "spark_version": pyspark.__version__,
                "columns": manifest["columns"], "schema_fingerprint": manifest["schema_fingerprint"],
                "logistic": {"coefficients": fitted.coefficients.toArray().tolist(), "intercept": fitted.intercept,
                             "reg_param": reg_param, "elastic_net_param": 0.0, "standardization": False,
                             "weight_sum": float(rows), "tolerance": 1e-12, "iterations": fitted.summary.totalIterations,
                             "feature_means": means, "label": label}}
    Path(arguments.logistic_out).write_text(json.dumps(logistic))
    log(f"spark: logistic on {rows} rows x {len(manifest['columns'])} columns, regParam {reg_param:.6g}, "
        f"{fitted.summary.totalIterations} iterations")

    # k-means from the given initial centers (the RDD API takes an initial model), to a fixed point.
    manifest, frame = read(Path(arguments.clusters))
    vectors = frame.select("features").rdd.map(lambda row: row["features"].toArray()).cache()
    initial = np.load(arguments.initial)
    model = KMeans.train(vectors, k=initial.shape[0], maxIterations=500, initialModel=KMeansModel(list(initial)),
                         epsilon=1e-12)
    sizes = [0] * initial.shape[0]
    for cluster, count in vectors.map(model.predict).countByValue().items():
        sizes[cluster] = int(count)
    kmeans = {"format": "strata-mllib-model", "format_version": 1, "kind": "kmeans", "spark_version": pyspark.__version__,
              "columns": manifest["columns"], "schema_fingerprint": manifest["schema_fingerprint"],
              "kmeans": {"centers": [center.tolist() for center in model.clusterCenters], "cluster_sizes": sizes,
                         "training_cost": model.computeCost(vectors)}}
    Path(arguments.kmeans_out).write_text(json.dumps(kmeans))
    log(f"spark: k-means k={initial.shape[0]} on {vectors.count()} rows, sizes {sizes}")
    spark.stop()


# ---- the driver ---------------------------------------------------------------------------------------------------

def read_partitions(folder):
    """The id column, the matrix and the labels of a partitioned features folder, in row order."""
    import csv
    manifest = json.loads((folder / "partitions.json").read_text())
    ids, rows, labels = [], [], []
    width = len(manifest["columns"])
    for partition in manifest["partitions"]:
        with open(folder / partition["file"], newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader)
            assert header == [manifest["id_column"]] + manifest["columns"] + manifest["labels"], header
            for record in reader:
                ids.append(record[0])
                rows.append([float(value) for value in record[1:1 + width]])
                labels.append([float(value) if value else None for value in record[1 + width:]])
    return manifest, ids, rows, labels


def adjusted_rand_index(first, second):
    from collections import Counter
    from math import comb
    pairs = sum(comb(count, 2) for count in Counter(zip(first, second)).values())
    rows = sum(comb(count, 2) for count in Counter(first).values())
    columns = sum(comb(count, 2) for count in Counter(second).values())
    expected = rows * columns / comb(len(first), 2)
    maximum = (rows + columns) / 2
    return 1.0 if maximum == expected else (pairs - expected) / (maximum - expected)


def kmeans_plus_plus(x, k, seed):
    """k-means++ initial centers (the first uniformly, then by squared distance), seeded."""
    import numpy as np
    generator = np.random.default_rng(seed)
    centers = [x[generator.integers(len(x))]]
    distances = ((x - centers[0]) ** 2).sum(axis=1)
    for _ in range(1, k):
        centers.append(x[generator.choice(len(x), p=distances / distances.sum())])
        distances = np.minimum(distances, ((x - centers[-1]) ** 2).sum(axis=1))
    return np.array(centers)


def driver(arguments):
    import numpy as np
    started = time.monotonic()
    strata = strata_binary(arguments.strata)
    python = Path(sys.executable)
    if WORK.exists():
        shutil.rmtree(WORK)
    project = WORK / "project"
    export = project / "exports" / "2025-12-31"
    WORK.mkdir(parents=True)
    run([strata, "init", "--project", project])
    run([strata, "generate", "--patients", arguments.people, "--seed", SEED, "--to", "2025-12-31", "--out", export,
         "--truth-out", WORK / "truth", "--quiet"])
    config = project / "strata.yml"

    # 1. Strata's own churn fit, tight (Newton converges quadratically: the gradient ends far below 1e-10).
    summary = json.loads(run([strata, "train", "churn", export, "--config", config, "--C", arguments.strata_c, "--tol", "1e-10",
                              "--model-out", project / "models" / "churn-strata.json", "--json", "--quiet"]))
    features_day = summary["as_of"]
    log(f"strata: churn on {summary['rows']} patients as of {features_day}, {summary['iterations']} iterations")

    # 2. The partitions: the churn design matrix with its label as of the fit's feature date, and discovery's.
    churn_features, cluster_features = WORK / "churn-features", WORK / "cluster-features"
    run([strata, "features", export, "--config", config, "--as-of", features_day, "--labels",
         "--partitions", PARTITIONS, "--out", churn_features, "--quiet"])
    run([strata, "features", export, "--config", config, "--as-of", "2025-12-31", "--discovery",
         "--partitions", PARTITIONS, "--out", cluster_features, "--quiet"])

    # Another shard's way (docs/scaling.md): the fitted schema applied instead of fitted gives the same schema
    # fingerprint and the same files, so a model fitted on all shards imports against any one of them.
    applied_features = WORK / "churn-features-applied"
    run([strata, "features", export, "--config", config, "--as-of", features_day, "--labels", "--schema",
         churn_features / "schema.json", "--partitions", PARTITIONS, "--out", applied_features, "--quiet"])
    shard_files = ["schema.json"] + [f"part-{index:05d}.csv" for index in range(PARTITIONS)]
    same_shard = all((churn_features / name).read_bytes() == (applied_features / name).read_bytes() for name in shard_files)
    log(f"a schema applied again: {'the same' if same_shard else 'DIFFERENT'} schema and partitions")

    # Strata's own k-means on the discovery matrix, from k-means++ centers drawn here.
    _, cluster_ids, cluster_rows, _ = read_partitions(cluster_features)
    x = np.array(cluster_rows)
    np.save(WORK / "discovery.npy", x)
    np.save(WORK / "initial-centers.npy", kmeans_plus_plus(x, CLUSTERS, SEED))
    run([strata, "kmeans", "--input", WORK / "discovery.npy", "--k", CLUSTERS, "--init", WORK / "initial-centers.npy",
         "--tol", "0", "--max-iter", "500", "--algorithm", "lloyd", "--labels-out", WORK / "strata-labels.npy"])

    # 3. Spark.
    spark_started = time.monotonic()
    run([python, __file__, "--spark-side", "--churn", churn_features, "--clusters", cluster_features,
         "--initial", WORK / "initial-centers.npy", "--c", arguments.strata_c,
         "--logistic-out", WORK / "mllib-churn.json", "--kmeans-out", WORK / "mllib-kmeans.json"])
    spark_seconds = time.monotonic() - spark_started

    # 4. Import into the project; promote the churn model (Strata's own is the champion) and refresh.
    imported_churn = json.loads(run([strata, "models", "import", WORK / "mllib-churn.json", "--features", churn_features,
                                     "--project", project, "--json"]))
    imported_kmeans = json.loads(run([strata, "models", "import", WORK / "mllib-kmeans.json", "--features",
                                      cluster_features, "--project", project, "--json"]))
    run([strata, "models", "promote", imported_churn["registered_id"], "--project", project])
    log(run([strata, "models", "list", "--project", project]))
    log(run([strata, "refresh", "--project", project, "--quiet"]))

    # 5. Checks.
    failures = []
    if not same_shard:
        failures.append("the schema applied again did not reproduce the fitted partitions")
    # What a refresh applies: `models health` loads the project's models as refresh does.
    applied = json.loads(run([strata, "models", "health", "--project", project, "--json"]))["models"]
    applied_files = sorted(model["file"] for model in applied)
    log(f"applied by refresh: {', '.join(applied_files)}")
    if applied_files != sorted(Path(imported["model"]).name for imported in (imported_churn, imported_kmeans)):
        failures.append(f"refresh applies {applied_files}, not the imported models")
    strata_labels = np.load(WORK / "strata-labels.npy").astype(int).ravel()
    spark_centers = np.array(json.loads(Path(imported_kmeans["model"]).read_text())["parameters"]["centers"])
    spark_labels = ((x[:, None, :] - spark_centers[None, :, :]) ** 2).sum(axis=2).argmin(axis=1)
    ari = adjusted_rand_index(strata_labels.tolist(), spark_labels.tolist())
    log(f"clusters: adjusted Rand index {ari:.6f} between Strata's fit and the imported MLlib model ({len(x)} patients)")
    if ari < 0.99:
        failures.append(f"clusters: ARI {ari:.6f} < 0.99")

    _, _, churn_rows, _ = read_partitions(churn_features)
    design = np.array(churn_rows)
    own = json.loads((project / "models" / "churn-strata.json").read_text())["parameters"]
    spark_model = json.loads(Path(imported_churn["model"]).read_text())["parameters"]

    def probabilities(parameters):
        return 1 / (1 + np.exp(-(design @ np.array(parameters["coefficients"]) + parameters["intercept"])))

    full = float(np.abs(probabilities(own) - probabilities(spark_model)).max())
    log(f"scores: largest difference {full:.3g} at full precision over {len(design)} patients "
        f"(C {spark_model['c']:.6g} from regParam; Strata's C {own['c']:.6g})")
    if not full <= 1e-6:
        failures.append(f"scores: largest difference {full:.3g} > 1e-6 at full precision")
    if abs(spark_model["c"] - own["c"]) > 1e-9 * own["c"]:
        failures.append(f"the imported C {spark_model['c']} is not Strata's {own['c']}")

    def scored(model, name):
        out = WORK / name
        run([strata, "score", export, "--config", config, "--model", model, "--out", out, "--reasons", "0", "--quiet"])
        lines = out.read_text().splitlines()[1:]
        return {line.split(",")[0]: float(line.split(",")[1]) for line in lines}

    own_scores = scored(project / "models" / "churn-strata.json", "scores-strata.csv")
    spark_scores = scored(imported_churn["model"], "scores-mllib.csv")
    if own_scores.keys() != spark_scores.keys():
        failures.append("strata score: the two models scored different patients")
    printed = max(abs(own_scores[key] - spark_scores[key]) for key in own_scores)
    log(f"strata score: largest difference {printed:.3g} over {len(own_scores)} patients (six decimals)")
    if printed > 1e-6 + 1e-12:
        failures.append(f"strata score: largest difference {printed:.3g} > one unit in the sixth decimal")

    log(f"round trip: {time.monotonic() - started:.1f} s in all, Spark {spark_seconds:.1f} s")
    if not arguments.keep:
        shutil.rmtree(WORK)
    for failure in failures:
        log("FAILED: " + failure)
    if not failures:
        log("spark round trip: every check holds")
    return 1 if failures else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--strata")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--C", type=float, default=C, dest="strata_c", help="Strata's C for the churn fit")
    parser.add_argument("--spark-side", action="store_true", help=argparse.SUPPRESS)
    for name in ("--churn", "--clusters", "--initial", "--logistic-out", "--kmeans-out"):
        parser.add_argument(name, help=argparse.SUPPRESS)
    parser.add_argument("--c", type=float, default=C, help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    # Everything runs in the venv's python: the driver needs numpy, the Spark side pyspark.
    if Path(sys.prefix).resolve() != VENV.resolve():
        python = spark_python()
        os.execv(str(python), [str(python), __file__, *sys.argv[1:]])
    if arguments.spark_side:
        spark_side(arguments)
        return 0
    return driver(arguments)


if __name__ == "__main__":
    sys.exit(main())
