import ArgumentParser
import Foundation
import StrataData
import StrataFeatures
import StrataLinearAlgebra
import StrataModels

/// `strata logistic`: fits a logistic regression on a plain matrix and target vector.
struct LogisticCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logistic",
        abstract: "Fit a logistic regression (scikit-learn's objective) on a matrix and a 0/1 target.",
        discussion: """
            Minimizes C·Σ sᵢ·logloss_i + penalty(w) with the intercept unpenalized: Newton with Cholesky solves \
            for L2 (L-BFGS above 200 columns), proximal Newton for L1 and elastic-net. Converged when the \
            largest gradient component of the objective divided by C·Σsᵢ is at most --tol (scikit-learn's tol). \
            Metrics are on the training rows.
            """
    )

    @Option(help: "The feature matrix: .npy (float32/float64/int) or numeric .csv (optional header).")
    var input: String

    @Option(help: "The 0/1 target: .npy or one-column .csv, one value per row.")
    var target: String

    @Option(name: .customLong("sample-weight"), help: "Optional non-negative sample weights, one per row (.npy or .csv).")
    var sampleWeight: String?

    @OptionGroup var options: LogisticOptions

    @Option(name: .customLong("model-out"), help: "Write the fitted model file (JSON) here.")
    var modelOut: String?

    @Flag(help: "Print the result as one JSON object.")
    var json = false

    func run() throws {
        let inputURL = URL(fileURLWithPath: input), targetURL = URL(fileURLWithPath: target)
        let (x, columnNames) = try MatrixFile.read(inputURL, as: Double.self)
        let y = try MatrixFile.readVector(targetURL)
        let weights = try sampleWeight.map { try MatrixFile.readVector(URL(fileURLWithPath: $0)) }
        let regression = options.regression
        let model = try regression.fit(x, targets: y, sampleWeights: weights)
        let probabilities = try model.probabilities(x)
        let metrics = try Metrics.summary(targets: y, probabilities: probabilities, weights: weights)
        for warning in model.fit.warnings {
            writeToStandardError("warning: \(warning)\n")
        }
        if let modelOut {
            let schema = columnNames.map { FeatureSchema.plain(names: $0) } ?? .plain(columnCount: x.columns)
            let file = model.modelFile(featureSchema: schema, metrics: metrics.byName, training: [
                "input": inputURL.lastPathComponent, "target": targetURL.lastPathComponent,
                "rows": "\(x.rows)",
                "input_fingerprint": try InputFingerprint.of([inputURL, targetURL]),
            ])
            try file.write(to: URL(fileURLWithPath: modelOut))
        }
        if json {
            let names = columnNames ?? FeatureSchema.plain(columnCount: x.columns).names
            let output: [String: Any] = [
                "coefficients": model.coefficients, "intercept": model.intercept, "feature_names": names,
                "iterations": model.fit.iterations, "converged": model.fit.converged,
                "gradient_max_abs": model.fit.gradientMaxAbs, "objective": model.fit.objective,
                "solver": model.fit.solver.rawValue, "passes": model.fit.passes,
                "fit_seconds": model.fit.seconds, "rows": x.rows, "columns": x.columns,
                "log_loss": metrics.logLoss, "auc": metrics.auc,
                "average_precision": metrics.averagePrecision, "brier": metrics.brier,
                "warnings": model.fit.warnings,
            ]
            let data = try JSONSerialization.data(withJSONObject: output, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            let names = columnNames ?? FeatureSchema.plain(columnCount: x.columns).names
            print("logistic regression: \(x.rows) rows x \(x.columns) columns, penalty \(options.penalty), C \(options.c)")
            print("solver \(model.fit.solver.rawValue): \(model.fit.iterations) iterations, "
                  + (model.fit.converged ? "converged" : "NOT converged")
                  + String(format: " (gradient max-abs %.3g), fit %.3f s", model.fit.gradientMaxAbs, model.fit.seconds))
            print(String(format: "intercept %+.6f", model.intercept))
            for (name, coefficient) in zip(names, model.coefficients) {
                print("  " + name.padding(toLength: Swift.max(12, name.count), withPad: " ", startingAt: 0)
                      + String(format: " %+.6f", coefficient))
            }
            print(String(format: "training: AUC %.4f, average precision %.4f, log loss %.6f, Brier %.6f",
                         metrics.auc, metrics.averagePrecision, metrics.logLoss, metrics.brier))
            if let modelOut { print("model written to \(modelOut)") }
        }
    }
}

/// The hyperparameters shared by `strata logistic` and `strata train`.
struct LogisticOptions: ParsableArguments {
    @Option(name: .customLong("C"), help: "Inverse regularization strength (> 0).")
    var c: Double = 1

    @Option(help: "Penalty: l2, l1 or elasticnet.")
    var penalty: String = "l2"

    @Option(name: .customLong("l1-ratio"), help: "The L1 share of the elastic-net penalty, in [0, 1].")
    var l1Ratio: Double = 0.5

    @Option(name: .customLong("class-weight"), help: "Class weights: none or balanced.")
    var classWeight: String = "none"

    @Option(help: "Convergence tolerance on the scaled gradient's max-abs.")
    var tol: Double = 1e-6

    @Option(name: .customLong("max-iter"), help: "Most solver iterations.")
    var maxIter: Int = 100

    @Option(help: "Solver: automatic, newton, lbfgs or proximal-newton.")
    var solver: String = "automatic"

    @Option(help: "Row-parallel workers (default: all cores).")
    var workers: Int = Parallel.processorCount

    /// The regression these options describe.
    var regression: LogisticRegression {
        LogisticRegression(.init(
            c: c, penalty: .init(rawValue: penalty)!, l1Ratio: l1Ratio, classWeight: .init(rawValue: classWeight)!,
            tolerance: tol, maxIterations: maxIter, solver: .init(rawValue: solver)!, workers: workers))
    }

    func validate() throws {
        guard LogisticRegression.Penalty(rawValue: penalty) != nil else {
            throw ValidationError("--penalty must be l2, l1 or elasticnet, got '\(penalty)'")
        }
        guard LogisticRegression.ClassWeight(rawValue: classWeight) != nil else {
            throw ValidationError("--class-weight must be none or balanced, got '\(classWeight)'")
        }
        guard LogisticRegression.Solver(rawValue: solver) != nil else {
            throw ValidationError("--solver must be automatic, newton, lbfgs or proximal-newton, got '\(solver)'")
        }
        guard c > 0, c.isFinite else { throw ValidationError("--C must be a finite number > 0, got \(c)") }
        guard (0...1).contains(l1Ratio) else { throw ValidationError("--l1-ratio must be in [0, 1], got \(l1Ratio)") }
        guard tol > 0, tol.isFinite else { throw ValidationError("--tol must be a finite number > 0, got \(tol)") }
        guard maxIter >= 1 else { throw ValidationError("--max-iter must be at least 1, got \(maxIter)") }
        guard workers >= 1 else { throw ValidationError("--workers must be at least 1, got \(workers)") }
    }
}

/// A fingerprint of input files for model files: FNV-1a (64-bit) over their bytes, so a model records which
/// data it came from without containing any of it.
enum InputFingerprint {
    static func of(_ urls: [URL]) throws -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for url in urls {
            let data = try Data(contentsOf: url, options: .mappedIfSafe)
            data.withContiguousStorageIfAvailable { bytes in
                for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
            } ?? {
                for byte in data { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
            }()
        }
        return "fnv1a64:" + String(hash, radix: 16)
    }
}
