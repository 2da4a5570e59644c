import Foundation
import StrataData
import StrataFeatures
import StrataModels
import StrataSegments

/// A logistic regression on a plain matrix and 0/1 target (`strata logistic`): the fit, training metrics and
/// the model file, which records the inputs' ``Fingerprint``.
public enum MatrixLogisticRun {
    public struct Configuration: Sendable {
        /// The feature matrix: `.npy` or numeric `.csv` (optional header).
        public var input: URL
        /// The 0/1 target, one value per row.
        public var target: URL
        /// Optional non-negative sample weights, one per row.
        public var sampleWeights: URL?
        public var regression: LogisticRegression
        public var modelFile: URL?

        public init(input: URL, target: URL, sampleWeights: URL? = nil, regression: LogisticRegression = LogisticRegression(),
                    modelFile: URL? = nil) {
            self.input = input
            self.target = target
            self.sampleWeights = sampleWeights
            self.regression = regression
            self.modelFile = modelFile
        }
    }

    /// Fits, measures and (optionally) writes the model file.
    public static func run(_ configuration: Configuration) throws -> LogisticSummary {
        let (x, columnNames) = try MatrixFile.read(configuration.input, as: Double.self)
        let y = try MatrixFile.readVector(configuration.target)
        let weights = try configuration.sampleWeights.map { try MatrixFile.readVector($0) }
        let model = try configuration.regression.fit(x, targets: y, sampleWeights: weights)
        let probabilities = try model.probabilities(x)
        let metrics = try Metrics.summary(targets: y, probabilities: probabilities, weights: weights)
        let schema = columnNames.map { FeatureSchema.plain(names: $0) } ?? .plain(columnCount: x.columns)
        if let modelFile = configuration.modelFile {
            let file = model.modelFile(featureSchema: schema, metrics: metrics.byName, training: [
                "input": configuration.input.lastPathComponent, "target": configuration.target.lastPathComponent,
                "rows": "\(x.rows)", "input_fingerprint": try Fingerprint.of(files: [configuration.input, configuration.target]),
            ])
            try file.write(to: modelFile)
        }
        let fit = model.fit
        return LogisticSummary(
            coefficients: model.coefficients, intercept: model.intercept, featureNames: schema.names,
            iterations: fit.iterations, converged: fit.converged, gradientMaxAbs: fit.gradientMaxAbs, objective: fit.objective,
            solver: fit.solver.rawValue, passes: fit.passes, fitSeconds: fit.seconds, rows: x.rows, columns: x.columns,
            logLoss: metrics.logLoss, auc: metrics.auc, averagePrecision: metrics.averagePrecision, brier: metrics.brier,
            warnings: fit.warnings)
    }
}

/// `strata logistic --json`.
public struct LogisticSummary: Codable, Sendable, Equatable {
    public var coefficients: [Double]
    public var intercept: Double
    public var featureNames: [String]
    public var iterations: Int
    public var converged: Bool
    public var gradientMaxAbs: Double
    public var objective: Double
    public var solver: String
    public var passes: Int
    public var fitSeconds: Double
    public var rows: Int
    public var columns: Int
    /// Training metrics.
    public var logLoss: Double
    public var auc: Double
    public var averagePrecision: Double
    public var brier: Double
    public var warnings: [String]

    enum CodingKeys: String, CodingKey {
        case coefficients, intercept, featureNames = "feature_names", iterations, converged, gradientMaxAbs = "gradient_max_abs"
        case objective, solver, passes, fitSeconds = "fit_seconds", rows, columns, logLoss = "log_loss", auc
        case averagePrecision = "average_precision", brier, warnings
    }

    /// The report for people; `penalty` and `c` as given.
    public func lines(penalty: String, c: Double, modelFile: String?) -> [String] {
        var lines = ["logistic regression: \(rows) rows x \(columns) columns, penalty \(penalty), C \(c)"]
        lines.append("solver \(solver): \(iterations) iterations, " + (converged ? "converged" : "NOT converged")
                     + String(format: " (gradient max-abs %.3g), fit %.3f s", gradientMaxAbs, fitSeconds))
        lines.append(String(format: "intercept %+.6f", intercept))
        for (name, coefficient) in zip(featureNames, coefficients) {
            lines.append("  " + name.padding(toLength: Swift.max(12, name.count), withPad: " ", startingAt: 0)
                         + String(format: " %+.6f", coefficient))
        }
        lines.append(String(format: "training: AUC %.4f, average precision %.4f, log loss %.6f, Brier %.6f",
                            auc, averagePrecision, logLoss, brier))
        if let modelFile { lines.append("model written to \(modelFile)") }
        return lines
    }
}
