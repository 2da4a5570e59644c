import ArgumentParser
import Foundation
import StrataLinearAlgebra
import StrataModels
import StrataProject

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
        let summary = try MatrixLogisticRun.run(MatrixLogisticRun.Configuration(
            input: URL(fileURLWithPath: input), target: URL(fileURLWithPath: target),
            sampleWeights: sampleWeight.map { URL(fileURLWithPath: $0) }, regression: options.regression,
            modelFile: modelOut.map { URL(fileURLWithPath: $0) }))
        printWarnings(summary.warnings)
        if json {
            try printJSON(summary)
        } else {
            summary.lines(penalty: options.penalty.rawValue, c: options.c, modelFile: modelOut).forEach { print($0) }
        }
    }
}

/// The hyperparameters shared by `strata logistic` and `strata train`.
struct LogisticOptions: ParsableArguments {
    @Option(name: .customLong("C"), help: "Inverse regularization strength (> 0).")
    var c: Double = 1

    @Option(help: "Penalty: l2, l1 or elasticnet.", transform: choice("--penalty"))
    var penalty: LogisticRegression.Penalty = .l2

    @Option(name: .customLong("l1-ratio"), help: "The L1 share of the elastic-net penalty, in [0, 1].")
    var l1Ratio: Double = 0.5

    @Option(name: .customLong("class-weight"), help: "Class weights: none or balanced.", transform: choice("--class-weight"))
    var classWeight: LogisticRegression.ClassWeight = .none

    @Option(help: "Convergence tolerance on the scaled gradient's max-abs.")
    var tol: Double = 1e-6

    @Option(name: .customLong("max-iter"), help: "Most solver iterations.")
    var maxIter: Int = 100

    @Option(help: "Solver: automatic, newton, lbfgs or proximal-newton.", transform: choice("--solver"))
    var solver: LogisticRegression.Solver = .automatic

    @Option(help: "Row-parallel workers (default: all cores).")
    var workers: Int = Parallel.processorCount

    /// The regression these options describe.
    var regression: LogisticRegression {
        LogisticRegression(.init(c: c, penalty: penalty, l1Ratio: l1Ratio, classWeight: classWeight, tolerance: tol,
                                 maxIterations: maxIter, solver: solver, workers: workers))
    }

    func validate() throws {
        guard c > 0, c.isFinite else { throw ValidationError("--C must be a finite number > 0, got \(c)") }
        guard (0...1).contains(l1Ratio) else { throw ValidationError("--l1-ratio must be in [0, 1], got \(l1Ratio)") }
        guard tol > 0, tol.isFinite else { throw ValidationError("--tol must be a finite number > 0, got \(tol)") }
        guard maxIter >= 1 else { throw ValidationError("--max-iter must be at least 1, got \(maxIter)") }
        guard workers >= 1 else { throw ValidationError("--workers must be at least 1, got \(workers)") }
    }
}
